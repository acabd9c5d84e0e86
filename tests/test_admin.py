import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import PersonFactory, VisitFactory, user_in
from visits.models import Level, Source, Status, Visit

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:visits_visit_changelist")


@pytest.fixture
def editor(client, countries):
    user = user_in("Editors")
    client.force_login(user)
    return user


@pytest.fixture
def researcher(client, countries):
    user = user_in("Researchers")
    client.force_login(user)
    return user


def make_visits(n):
    people = [PersonFactory() for _ in range(3)]
    first = VisitFactory(visitor=people[0])
    Visit.objects.bulk_create(
        Visit(
            start_date=dt.date(1960, 1, 1) + dt.timedelta(days=i),
            visitor=people[i % 3],
            start_latest=dt.date(1960, 1, 1) + dt.timedelta(days=i),
            visitor_country_id="CHN",
            host_country_id="PRK",
            level=Level.MINISTER,
        )
        for i in range(n - 1)
    )
    return first


@pytest.mark.parametrize("n", [10, 1000])
def test_changelist_query_count_constant(client, editor, n, django_assert_max_num_queries):
    make_visits(n)
    with django_assert_max_num_queries(12):
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert f"{n} visits" in response.content.decode()


def test_changelist_shows_date_at_precision_and_direction(client, editor):
    VisitFactory(start_date=dt.date(1958, 11, 1), date_precision="month")
    page = client.get(CHANGELIST).content.decode()
    assert "November 1958" in page and "CHN-PRK" in page


def test_search_finds_visitor_by_alias_and_host_name(client, editor):
    kim = PersonFactory(name="Kim Jong-un", aliases="Kim Jong Un; Kim Chong-un")
    visit = VisitFactory(visitor=kim)
    visit.hosts.add(PersonFactory(name="Xi Jinping"))
    VisitFactory()
    for term in ("Chong-un", "Xi Jinping"):
        response = client.get(CHANGELIST, {"q": term})
        assert list(response.context["cl"].result_list) == [visit], term


def test_has_no_source_filter(client, editor):
    sourced = VisitFactory()
    bare = VisitFactory(sourced=False, status=Status.DRAFT)
    assert list(client.get(CHANGELIST, {"has_source": "no"}).context["cl"].result_list) == [bare]
    assert list(client.get(CHANGELIST, {"has_source": "yes"}).context["cl"].result_list) == [
        sourced
    ]


def test_publish_action_skips_visits_without_source(client, editor):
    sourced = VisitFactory(status=Status.DRAFT)
    bare = VisitFactory(sourced=False, status=Status.DRAFT)
    actions = client.get(CHANGELIST).context["action_form"].fields["action"].choices
    assert {"publish", "unpublish", "delete_selected"} <= {name for name, _ in actions}
    client.post(CHANGELIST, {"action": "publish", "_selected_action": [sourced.pk, bare.pk]})
    sourced.refresh_from_db(), bare.refresh_from_db()
    assert (sourced.status, bare.status) == (Status.PUBLISHED, Status.DRAFT)


def visit_form(visit=None, **overrides):
    data = {
        "start_date": "2018-03-25",
        "date_precision": "day",
        "end_date": "2018-03-28",
        "visitor": PersonFactory(name="Kim Jong-un").pk,
        "visitor_title": "Chairman",
        "visitor_country": "PRK",
        "host_country": "CHN",
        "level": Level.LEADER,
        "channel": "state",
        "kind": "unofficial",
        "confidence": "high",
        "status": "published",
        "sources-TOTAL_FORMS": "0",
        "sources-INITIAL_FORMS": "0",
    }
    return {**data, **overrides}


def test_editor_cannot_publish_without_source_and_is_told(client, editor):
    response = client.post(reverse("admin:visits_visit_add"), visit_form(), follow=True)
    assert "cannot be published without a source" in response.content.decode()
    assert Visit.objects.get().status == Status.DRAFT


def test_editor_publishes_with_inline_source_and_is_recorded(client, editor):
    form = visit_form(**{"sources-TOTAL_FORMS": "1", "sources-0-url": "https://x.example/a"})
    client.post(reverse("admin:visits_visit_add"), form)
    visit = Visit.objects.get()
    assert (visit.status, visit.created_by, visit.updated_by) == ("published", editor, editor)
    assert Source.objects.get().url == "https://x.example/a"


def test_overlap_warning_for_same_visitor(client, editor):
    existing = VisitFactory(
        start_date=dt.date(2018, 3, 26),
        visitor=PersonFactory(name="Kim Jong-un"),
        visitor_country_id="PRK",
        host_country_id="CHN",
    )
    response = client.post(reverse("admin:visits_visit_add"), visit_form(), follow=True)
    assert f"has another visit with overlapping dates: {existing}" in response.content.decode()


def test_researcher_cannot_publish_or_delete(client, researcher):
    response = client.post(
        reverse("admin:visits_visit_add"),
        visit_form(**{"sources-TOTAL_FORMS": "1", "sources-0-url": "https://x.example/a"}),
    )
    assert response.status_code == 302
    assert Visit.objects.get().status == Status.DRAFT  # the field is read-only for them
    visit = Visit.objects.get()
    assert client.get(CHANGELIST).context["action_form"] is None  # no publish, no delete
    assert (
        client.post(
            reverse("admin:visits_visit_delete", args=[visit.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert researcher.has_perm("visits.add_visit") and not researcher.has_perm(
        "visits.publish_visit"
    )


def test_history_and_revert_in_admin(client, editor):
    visit = VisitFactory(purpose="Old")
    visit.purpose = "New"
    visit.save()
    old = visit.history.earliest()
    url = reverse("admin:visits_visit_simple_history", args=[visit.pk, old.history_id])
    assert client.get(reverse("admin:visits_visit_history", args=[visit.pk])).status_code == 200
    assert client.get(url).status_code == 200


IMPORT_CSV = (
    "start_date,visitor,visitor_country,host_country,level,source_url,status\n"
    "2019-06-20,Xi Jinping,CHN,PRK,leader,https://x.example/1,published\n"
)


def test_admin_import_preview_then_confirm(client, editor, countries):
    url = reverse("admin:visits_visit_import")
    upload = SimpleUploadedFile("v.csv", IMPORT_CSV.encode(), content_type="text/csv")
    preview = client.post(url, {"import_file": upload, "format": "0", "resource": "0"})
    assert preview.status_code == 200, preview.content[:2000]
    assert Visit.objects.count() == 0  # preview is a dry run
    assert "confirm_form" in preview.context
    confirm = preview.context["confirm_form"].initial
    client.post(reverse("admin:visits_visit_process_import"), confirm)
    visit = Visit.objects.get()
    assert (visit.visitor.name, visit.level, visit.created_by) == (
        "Xi Jinping",
        Level.LEADER,
        editor,
    )
    assert visit.history.get().history_user == editor


def test_admin_import_shows_bad_rows_and_writes_nothing(client, editor, countries):
    upload = SimpleUploadedFile("v.csv", IMPORT_CSV.replace("CHN,PRK", "CHN,CHN").encode())
    page = client.post(
        reverse("admin:visits_visit_import"),
        {"import_file": upload, "format": "0", "resource": "0"},
    )
    assert "same country as the visitor" in page.content.decode()
    assert "confirm_form" not in page.context
    assert Visit.objects.count() == 0


def test_admin_export_writes_interchange_csv(client, editor):
    VisitFactory(start_date=dt.date(1964, 1, 1), date_precision="year")
    response = client.post(reverse("admin:visits_visit_export"), {"format": "0", "resource": "0"})
    body = response.content.decode()
    assert body.splitlines()[0].startswith("start_date,end_date,visitor,")
    assert "\n1964,," in body.replace("\r\n", "\n")


def test_admin_pages_for_people_eras_figures(client, seeded):
    client.force_login(User.objects.create_superuser("root", password="pw"))
    for name in ("person", "erascheme", "era", "publishedfigure", "country"):
        assert client.get(reverse(f"admin:visits_{name}_changelist")).status_code == 200
    from visits.models import EraScheme

    scheme = EraScheme.objects.get(slug="china-paramount")
    scheme_url = reverse("admin:visits_erascheme_change", args=[scheme.pk])
    assert "Hu Jintao" in client.get(scheme_url).content.decode()


def test_admin_import_xlsx_with_date_and_year_cells(client, editor, countries):
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["start_date", "visitor", "visitor_country", "host_country", "level"])
    sheet.append([dt.datetime(2019, 6, 20), "Xi Jinping", "CHN", "PRK", "leader"])
    sheet.append([1964, "Chen Yi", "China", "North Korea", "minister"])
    data = io.BytesIO()
    book.save(data)
    upload = SimpleUploadedFile("v.xlsx", data.getvalue())
    choices = (
        client.get(reverse("admin:visits_visit_import")).context["form"].fields["format"].choices
    )
    xlsx = next(value for value, label in choices if str(label).lower() == "xlsx")
    preview = client.post(
        reverse("admin:visits_visit_import"),
        {"import_file": upload, "format": xlsx, "resource": "0"},
    )
    assert "confirm_form" in preview.context, preview.content.decode()[:3000]
    client.post(
        reverse("admin:visits_visit_process_import"), preview.context["confirm_form"].initial
    )
    got = {(v.visitor.name, v.date_label) for v in Visit.objects.all()}
    assert got == {("Xi Jinping", "20 June 2019"), ("Chen Yi", "1964")}


def test_revert_restores_an_old_version(client, editor):
    visit = VisitFactory(purpose="Old")
    visit.purpose = "New"
    visit.save()
    old = visit.history.earliest()
    url = reverse("admin:visits_visit_simple_history", args=[visit.pk, old.history_id])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data.update(
        {
            "sources-TOTAL_FORMS": "0",
            "sources-INITIAL_FORMS": "0",
            "hosts": [],
            "_change_history": "1",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, (
        response.context and response.context["adminform"].form.errors
    )
    visit.refresh_from_db()
    assert visit.purpose == "Old"
    assert visit.history.count() == 3
