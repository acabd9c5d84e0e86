"""The admin's spreadsheet import: a dry run showing every change and every problem,
run as the logged-in user under the write service's rules."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import user_in
from visits import admin_import
from visits.importing import import_rows
from visits.interchange import read_csv
from visits.models import Level, Source, Visit

pytestmark = pytest.mark.django_db
IMPORT = reverse("admin:visits_visit_import")
CONFIRM = reverse("admin:visits_visit_import_confirm")
HEADER = (
    "start_date,end_date,visitor,visitor_country,host_country,level,purpose,source_url,status\n"
)
PUBLISHED = (
    HEADER
    + "2019-06-20,2019-06-21,Xi Jinping,CHN,PRK,leader,State visit,https://a.example/1,published\n"
)


def login(client, group):
    user = user_in(group)
    client.force_login(user)
    return user


def upload(client, text, name="v.csv", **options):
    data = text.encode() if isinstance(text, str) else text
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, data), **options})


def confirm(client, preview, **extra):
    fields = {"key": preview.context["key"], **extra}
    fields.update({k: "on" for k, v in preview.context["options"].items() if v})
    return client.post(CONFIRM, fields)


def seed_published():
    rows, _ = read_csv(PUBLISHED)
    import_rows(rows)
    return Visit.objects.get()


def test_a_file_over_20_mib_is_refused_before_it_is_read(client, countries):
    login(client, "Editors")
    big = PUBLISHED.encode() + b"\n" * (admin_import.MAX_BYTES + 1 - len(PUBLISHED))
    response = upload(client, big)
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["The file is over 20 MiB."]
    assert "report" not in response.context
    exact = upload(client, big[: admin_import.MAX_BYTES])  # the limit itself is taken
    assert "file" not in exact.context["form"].errors
    assert exact.context["report"].created == 1
    assert Visit.objects.count() == 0


def test_preview_writes_nothing_then_confirm_imports_as_the_user(client, countries):
    editor = login(client, "Editors")
    preview = upload(client, PUBLISHED)
    assert preview.status_code == 200
    assert "1 created, 0 updated, 0 unchanged, 0 invalid" in preview.content.decode()
    assert Visit.objects.count() == 0
    response = confirm(client, preview)
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert (visit.visitor.name, visit.level, visit.status, visit.created_by) == (
        "Xi Jinping",
        Level.LEADER,
        "published",
        editor,
    )
    assert visit.history.get().history_user == editor


def test_researcher_import_neither_unpublishes_nor_loses_a_source(client, countries):
    visit = seed_published()
    login(client, "Researchers")
    edited = PUBLISHED.replace("https://a.example/1", "https://b.example/2").replace(
        ",published\n", ",draft\n"
    )
    preview = upload(client, edited)
    page = preview.content.decode()
    assert "row 2, column status: you may not unpublish a visit" in page
    assert "Confirm import" not in page and "valid rows only" not in page
    assert confirm(client, preview).status_code == 302
    visit.refresh_from_db()
    assert (visit.status, visit.version) == ("published", 1)
    assert [s.url for s in visit.sources.all()] == ["https://a.example/1"]


def test_editor_preview_shows_changes_and_sources_are_only_added(client, countries):
    visit = seed_published()
    login(client, "Editors")
    edited = (
        PUBLISHED.replace("https://a.example/1", "https://b.example/2")
        .replace(",published\n", ",\n")
        .replace("State visit", "State visit after 14 years")
    )
    preview = upload(client, edited)
    changes = [(c.column, c.old, c.new) for c in preview.context["report"].changes[2]]
    assert changes == [
        ("purpose", "State visit", "State visit after 14 years"),
        ("source_url", "", "+ https://b.example/2"),
    ]
    assert "sources are only added, none removed" in preview.content.decode()
    confirm(client, preview)
    visit.refresh_from_db()
    assert (visit.status, visit.purpose) == ("published", "State visit after 14 years")
    assert [s.url for s in visit.sources.order_by("pk")] == [
        "https://a.example/1",
        "https://b.example/2",
    ]


def test_replace_sources_checkbox_shown_in_preview_and_applied(client, countries):
    visit = seed_published()
    login(client, "Editors")
    edited = PUBLISHED.replace("https://a.example/1", "https://b.example/2")
    preview = upload(client, edited, replace_sources="on")
    assert "sources of matched visits are replaced by the file" in preview.content.decode()
    assert [str(c) for c in preview.context["report"].changes[2]] == [
        "source_url: (empty) → + https://b.example/2",
        "source_url: - https://a.example/1 → (empty)",
    ]
    confirm(client, preview)
    assert [s.url for s in Source.objects.filter(visit=visit)] == ["https://b.example/2"]


BAD = HEADER + ("2019-13,,A,CHN,XXX,king,,,\n2001,,B,PRK,CHN,,,,\n2002,,C,PRK,PRK,,,,published\n")


def test_all_errors_as_plain_text_rejected_csv_and_valid_rows_only(client, countries):
    login(client, "Editors")
    preview = upload(client, BAD)
    assert preview.context["report"].invalid_rows == 2
    text = preview.content.decode()
    for line in [
        "row 2, column start_date: &#x27;2019-13&#x27; is not a real date",
        "row 2, column host_country: unknown country &#x27;XXX&#x27;",
        "row 2, column level: unknown level &#x27;king&#x27;",
        "row 4, column host_country: same country as the visitor&#x27;s",
    ]:
        assert line in text
    rejected = client.get(preview.context["rejected_url"])
    assert rejected["Content-Type"] == "text/csv; charset=utf-8"
    lines = rejected.content.decode().splitlines()
    assert lines[0].endswith(",reason")
    assert len(lines) == 3 and lines[1].startswith("2019-13,,A,")
    assert "start_date: '2019-13' is not a real date" in lines[1]
    assert "Import the valid rows only (1 new, 0 changed)" in text
    confirm(client, preview, skip_invalid="True")
    assert list(Visit.objects.values_list("visitor__name", flat=True)) == ["B"]


def test_xlsx_with_date_and_year_cells(client, countries):
    login(client, "Editors")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["start_date", "visitor", "visitor_country", "host_country", "level"])
    sheet.append([dt.datetime(2019, 6, 20), "Xi Jinping", "CHN", "PRK", "leader"])
    sheet.append([1964, "Chen Yi", "China", "North Korea", "minister"])
    data = io.BytesIO()
    book.save(data)
    preview = upload(client, data.getvalue(), name="v.xlsx")
    assert preview.context["report"].created == 2, preview.content.decode()[:2000]
    confirm(client, preview)
    got = {(v.visitor.name, v.date_label) for v in Visit.objects.all()}
    assert got == {("Xi Jinping", "20 June 2019"), ("Chen Yi", "1964")}


def test_bad_uploads_are_form_errors(client, countries):
    login(client, "Editors")
    wrong = upload(client, "x", name="v.txt")
    assert "Upload a .csv or .xlsx file." in wrong.content.decode()
    header = upload(client, "start_date,visitor,colour\n2001,A,red\n")
    assert "row 1, column visitor_country: missing column" in header.content.decode()
    latin = upload(client, HEADER.encode() + "2001,,Zhou Enlaï,CHN,PRK,,,,\n".encode("latin-1"))
    assert "not UTF-8 text" in latin.content.decode()
    stale = client.post(CONFIRM, {"key": "../../etc/passwd"})
    assert stale.status_code == 302 and Visit.objects.count() == 0


def test_import_needs_add_and_change_permissions(client, countries):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_user("staff", password="pw", is_staff=True))
    assert client.get(IMPORT).status_code == 403
