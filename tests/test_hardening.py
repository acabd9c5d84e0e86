"""Odd input is a 400 naming the parameter, never a 500, on SQLite and PostgreSQL: a
NUL byte in any parameter, digits that are not ASCII, crafted cursors, date-times
with no UTC form. An import with a NUL byte or an over-long field names the row and
writes nothing. A request body over the upload limit is a 413 in the API's shape."""

import base64
import csv
import io
import json

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import user_in
from visits.importing import import_rows
from visits.interchange import read_csv, stream_csv
from visits.models import Person, Visit

pytestmark = pytest.mark.django_db

VISITS = "/api/v1/visits/"
COMPARISON = "/api/v1/stats/era-comparison/?scheme=china-paramount&pair=CHN,PRK"
FACETS = "/api/v1/stats/facets/?facet=level"
TIMELINE = "/api/v1/stats/timeline/"
EXPORT = "/api/v1/visits/export.csv"
PEOPLE = "/api/v1/people/"
LATEST = "9999-12-31T23:59:59-12:00"  # after 9999 in UTC
EARLIEST = "0001-01-01T00:00:00%2B14:00"  # before year 1 in UTC


def cursor(v, pk) -> str:
    """A crafted cursor token (api.pagination writes {"v", "pk", "back"})."""
    payload = json.dumps({"v": v, "pk": pk, "back": False})
    return base64.urlsafe_b64encode(payload.encode()).decode()


INFINITY = float("inf")


def query(url: str, extra: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{extra}"


API_CASES = [
    *[
        (query(url, f"visitor={value}"), "visitor")
        for url in (VISITS, COMPARISON, FACETS, TIMELINE, EXPORT)
        for value in ("%00", "1%00")
    ],
    (query(VISITS, "modified_since=2000-01-01T00:00:00Z%00"), "modified_since"),
    (query(VISITS, "q=kim%00"), "q"),
    (query(VISITS, "format=%00"), "format"),
    (query(COMPARISON, "format=json%00"), "format"),
    (query(VISITS, "ordering=%00"), "ordering"),
    (query(PEOPLE, "cursor=%00"), "cursor"),
    *[
        (query(url, f"page_size={digit}"), "page_size")
        for url in (VISITS, PEOPLE)
        for digit in ("%C2%B2", "%D9%A3")  # ² and ٣ (Arabic-Indic three)
    ],
    (query(VISITS, f"cursor={cursor('2000-01-01', INFINITY)}"), "cursor"),
    (query(VISITS, f"cursor={cursor('2000-01-01', -INFINITY)}"), "cursor"),
    (query(VISITS, f"cursor={cursor('2000-01-01', 2**64)}"), "cursor"),
    (query(VISITS, f"cursor={cursor('2000-01-01', 1.5)}"), "cursor"),
    (
        query(VISITS, f"ordering=updated_at&cursor={cursor('2000-01-01T00:00:00Z', INFINITY)}"),
        "cursor",
    ),
    (query(VISITS, f"ordering=updated_at&cursor={cursor(LATEST, 1)}"), "cursor"),
    (
        query(
            VISITS,
            f"modified_since=2000-01-01T00:00:00Z&cursor={cursor('2000-01-01T00:00:00Z', -INFINITY)}",
        ),
        "cursor",
    ),
    (query(VISITS, f"ordering=level&cursor={cursor(INFINITY, 1)}"), "cursor"),
    (query(VISITS, f"ordering=level&cursor={cursor(2**70, 1)}"), "cursor"),
    (query(PEOPLE, f"cursor={cursor(INFINITY, 1)}"), "cursor"),
    *[
        (query(url, f"modified_since={moment}"), "modified_since")
        for url in (VISITS, FACETS, COMPARISON, EXPORT)
        for moment in (LATEST, EARLIEST)
    ],
]


@pytest.mark.parametrize(("url", "parameter"), API_CASES)
def test_api_odd_parameter_is_a_400_naming_it(seeded, url, parameter):
    response = APIClient().get(url)
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["detail"] == "Invalid input."
    assert list(body["errors"]) == [parameter]


def test_a_nul_byte_is_named_as_such(seeded):
    body = APIClient().get(f"{VISITS}?visitor=kim%00&kind=state").json()
    assert body["errors"] == {"visitor": ["contains a NUL byte"]}


def test_a_nul_byte_and_an_unknown_parameter_are_named_together(seeded):
    body = APIClient().get(f"{VISITS}?visitor=%00&kinds=state").json()
    assert set(body["errors"]) == {"visitor", "kinds"}
    assert body["errors"]["visitor"] == ["contains a NUL byte"]


def test_a_date_time_without_a_utc_form_says_so(seeded):
    body = APIClient().get(f"{VISITS}?modified_since={LATEST}").json()
    assert body["errors"] == {
        "modified_since": [f"'{LATEST}' is outside the years 1 to 9999 in UTC"]
    }


def test_ascii_page_size_and_real_cursors_still_work(seeded):
    api = APIClient()
    first = api.get(f"{VISITS}?page_size=3&ordering=level").json()
    assert len(first["results"]) == 3
    second = api.get(first["next"]).json()
    assert len(second["results"]) == 3
    assert {r["id"] for r in first["results"]}.isdisjoint(r["id"] for r in second["results"])


PAGE_CASES = [
    ("/visits/?visitor=%00", "visitor", "contains a NUL byte"),
    ("/visits/?visitor=1%00", "visitor", "contains a NUL byte"),
    ("/visits/?q=kim%00", "q", "contains a NUL byte"),
    ("/visits/?page=%00", None, "page: contains a NUL byte"),
    ("/visits/?sort=%00", None, "sort: contains a NUL byte"),
    (
        "/visits/?modified_since=2000-01-01T00:00:00Z%00",
        None,
        "modified_since: contains a NUL byte",
    ),
    (f"/visits/?modified_since={LATEST}", None, "modified_since: "),
    (f"/visits/?modified_since={EARLIEST}", None, "modified_since: "),
]


@pytest.mark.parametrize(("url", "field", "message"), PAGE_CASES)
def test_visit_list_odd_parameter_is_a_400_shown_on_the_page(client, seeded, url, field, message):
    response = client.get(url)
    assert response.status_code == 400
    form = response.context["filter"].form
    page = response.content.decode()
    if field:
        assert form.errors[field] == ["contains a NUL byte"]
        assert f'id="{field}-error">contains a NUL byte</p>' in page
    else:
        assert any(error.startswith(message) for error in form.non_field_errors())
    assert message.replace("'", "&#x27;") in page
    assert "Traceback" not in page


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/compare/?pair=CHN%2CPRK%00", "pair"),
        ("/compare/?scheme=%00", "scheme"),
        ("/compare/?scheme=china-paramount%00", "scheme"),
        ("/compare/?min_level=minister%00", "min_level"),
        ("/compare/?as_of=2018-03-28%00", "as_of"),
    ],
)
def test_compare_odd_parameter_is_a_400_with_its_form_error(client, seeded, url, field):
    response = client.get(url)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    page = response.content.decode()
    assert 'name="citation_title"' not in page  # a refused comparison is not cited
    assert client.get("/cite.bib", {"url": url}).status_code == 400


GOOD = {
    "start_date": "2019-06-20",
    "visitor": "Xi Jinping",
    "visitor_country": "CHN",
    "host_country": "PRK",
    "level": "leader",
    "source_url": "https://a.example/1",
    "status": "draft",
}
NUL_COLUMNS = [
    "visitor",
    "visitor_title",
    "hosts",
    "places",
    "purpose",
    "source_url",
    "source_title",
    "external_id",
]


def csv_text(*rows: dict) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def nul_file(column: str) -> str:
    """A good row, then a row whose `column` holds a NUL byte (row 3)."""
    good = {**GOOD, column: GOOD.get(column, "")}
    bad = {**GOOD, "start_date": "2019-06-22", column: GOOD.get(column, "text") + "\x00after"}
    return csv_text(good, bad)


@pytest.mark.parametrize("column", NUL_COLUMNS)
def test_import_nul_byte_is_a_row_error_and_nothing_is_written(countries, column):
    rows, header_errors = read_csv(nul_file(column))
    assert header_errors == []
    report = import_rows(rows)
    assert [str(e) for e in report.errors] == [f"row 3, column {column}: contains a NUL byte"]
    assert not report.written
    assert Visit.objects.count() == 0 and Person.objects.count() == 0


def test_import_command_nul_byte_names_the_row(countries, tmp_path, capsys):
    path = tmp_path / "nul.csv"
    path.write_text(nul_file("purpose"), encoding="utf-8")
    with pytest.raises(CommandError, match="1 invalid rows; nothing was written"):
        call_command("import_visits", str(path))
    assert "row 3, column purpose: contains a NUL byte" in capsys.readouterr().err
    assert Visit.objects.count() == 0


LIMIT = 131072  # csv.field_size_limit() by default


def oversized_file() -> str:
    """Row 3's purpose is one character over the CSV reader's limit; row 4 is good."""
    later = {**GOOD, "start_date": "2019-06-24", "purpose": ""}
    return csv_text({**GOOD, "purpose": ""}, {**GOOD, "purpose": "x" * (LIMIT + 1)}, later)


OVERSIZED = f"row 3, column file: a field is longer than {LIMIT} characters, the limit"


def test_import_oversized_field_names_the_row_and_writes_nothing(countries):
    rows, errors = read_csv(oversized_file())
    assert (rows, [str(e) for e in errors]) == ([], [OVERSIZED])
    streamed, header_errors = stream_csv(oversized_file())
    report = import_rows(streamed, skip_invalid=True)
    assert [str(e) for e in report.errors] == [OVERSIZED]
    assert (report.created, report.invalid_rows, report.written) == (0, 1, False)
    assert Visit.objects.count() == 0


def test_import_command_oversized_field_is_a_clear_error(countries, tmp_path, capsys):
    path = tmp_path / "big.csv"
    path.write_text(oversized_file(), encoding="utf-8")
    with pytest.raises(CommandError, match="1 invalid rows; nothing was written"):
        call_command("import_visits", str(path))
    assert OVERSIZED in capsys.readouterr().err
    assert Visit.objects.count() == 0


IMPORT = reverse("admin:visits_visit_import")


def upload(client, name: str, data: bytes):
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, data)})


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (nul_file("hosts"), "row 3, column hosts: contains a NUL byte"),
        (oversized_file(), OVERSIZED),
    ],
)
def test_admin_import_preview_shows_the_row_error(client, countries, text, error):
    client.force_login(user_in("Editors"))
    response = upload(client, "v.csv", text.encode())
    assert response.status_code == 200
    assert error in [str(e) for e in response.context["report"].errors]
    assert Visit.objects.count() == 0


def test_api_body_over_the_upload_limit_is_a_413_in_the_api_shape(seeded):
    api = APIClient()
    api.force_authenticate(user_in("Editors"))
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = json.dumps({"purpose": "x" * limit})
    response = api.post(VISITS, body, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {
        "detail": f"The request body is over {limit / 2**20:g} MiB, the most the API reads.",
        "errors": {},
    }
    small = api.post(VISITS, json.dumps({"purpose": "x"}), content_type="application/json")
    assert small.status_code == 400  # read, and refused for what it lacks
