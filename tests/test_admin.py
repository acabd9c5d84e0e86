import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.urls import reverse

from tests.factories import PersonFactory, VisitFactory, bulk_visits, user_in
from visits import services
from visits.admin_forms import VisitAdminForm
from visits.models import DataVersion, Level, Source, Status, Visit

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
    bulk_visits(n - 1, people, dt.date(1960, 1, 1))
    return first


@pytest.mark.parametrize("n", [10, 1000])
def test_changelist_query_count_constant(client, editor, n, django_assert_max_num_queries):
    make_visits(n)
    with django_assert_max_num_queries(12):
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert f"{n} visits" in response.content.decode()


@pytest.mark.parametrize("n", [10, 1000])
def test_changelist_queries_the_same_with_more_visits(client, editor, n, django_assert_num_queries):
    make_visits(n)
    # session, user, permissions (2), the countries of each filter (2), the decades'
    # span, one COUNT and the page; on PostgreSQL unfiltered, the table's row estimate
    estimate = connection.vendor == "postgresql"
    with django_assert_num_queries(9 + estimate):
        client.get(CHANGELIST)
    with django_assert_num_queries(9):
        client.get(CHANGELIST, {"decade": "1960", "visitor_country__code__exact": "CHN"})


def test_changelist_filters_by_decade_and_countries_with_visits(client, editor):
    early = VisitFactory(start_date=dt.date(1958, 11, 1), date_precision="month")
    late = VisitFactory(
        start_date=dt.date(1971, 5, 2), visitor_country_id="USA", host_country_id="CHN"
    )
    response = client.get(CHANGELIST)
    filters = {spec.title: spec for spec in response.context["cl"].filter_specs}
    assert [label for _, label in filters["decade"].lookup_choices] == [
        "1950s",
        "1960s",
        "1970s",
    ]
    assert [code for code, _ in filters["visitor country"].lookup_choices] == ["CHN", "USA"]
    assert [code for code, _ in filters["host country"].lookup_choices] == ["CHN", "PRK"]
    for decade, expected in (("1950", [early]), ("1970", [late]), ("1960", [])):
        cl = client.get(CHANGELIST, {"decade": decade}).context["cl"]
        assert list(cl.result_list) == expected, decade
    assert client.get(CHANGELIST, {"decade": "fifties"})["Location"].endswith("?e=1")


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


def visit_form(**overrides):
    data = {
        "date": "2018-03-25",
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
    response = client.post(reverse("admin:visits_visit_add"), visit_form())
    assert response.status_code == 200  # the form again, with the error
    assert "a published visit needs at least one source" in response.content.decode()
    assert not Visit.objects.exists()


def test_editor_publishes_with_inline_source_and_is_recorded(client, editor):
    form = visit_form(**{"sources-TOTAL_FORMS": "1", "sources-0-url": "https://x.example/a"})
    client.post(reverse("admin:visits_visit_add"), form)
    visit = Visit.objects.get()
    assert (visit.status, visit.created_by, visit.updated_by) == ("published", editor, editor)
    assert Source.objects.get().url == "https://x.example/a"


def test_researcher_adds_drafts_only_and_may_delete_own_draft(client, researcher):
    response = client.post(
        reverse("admin:visits_visit_add"),
        visit_form(**{"sources-TOTAL_FORMS": "1", "sources-0-url": "https://x.example/a"}),
    )
    assert response.status_code == 302
    assert Visit.objects.get().status == Status.DRAFT  # the field is read-only for them
    visit = Visit.objects.get()
    assert client.get(CHANGELIST).context["action_form"] is None  # no publish, no bulk delete
    client.post(reverse("admin:visits_visit_delete", args=[visit.pk]), {"post": "yes"})
    assert not Visit.objects.exists()  # their own draft, never published
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


# The admin writes through visits.services: history, versions, data version, rules.


def snapshot(visit):
    """What a write moves; equal snapshots mean nothing was written."""
    visit = Visit.objects.filter(pk=visit.pk).first()
    return visit and {
        "fields": (visit.status, visit.purpose, visit.start_date, visit.date_precision),
        "version": visit.version,
        "updated_at": visit.updated_at,
        "history": visit.history.count(),
        "sources": sorted(visit.sources.values_list("url", flat=True)),
        "data_version": DataVersion.current().version,
    }


def assert_written(visit, before, *, user, reason):
    after = snapshot(visit) or {"history": None}
    latest = Visit.history.filter(id=visit.pk).first()
    assert (latest.history_user, latest.history_change_reason) == (user, reason)
    assert Visit.history.filter(id=visit.pk).count() == before["history"] + 1
    assert DataVersion.current().version > before["data_version"]
    if after["history"] is not None:  # not deleted
        assert after["version"] == before["version"] + 1
        assert after["updated_at"] > before["updated_at"]
    return after


def draft(**kwargs):
    values = {
        "start_date": dt.date(2005, 10, 28),
        "visitor": PersonFactory(),
        "visitor_country_id": "CHN",
        "host_country_id": "PRK",
        "level": Level.MINISTER,
        **kwargs,
    }
    user = values.pop("user", None)
    sources = [{"url": "https://example.org/report"}]
    return services.create_visit(user=user, values=values, sources=sources, confirm_duplicate=True)


def change_page(client, visit):
    return client.get(reverse("admin:visits_visit_change", args=[visit.pk]))


def form_data(response, **overrides):
    """What a browser would post back from an admin change page: the form's and the
    inline formsets' current values."""
    forms = [response.context["adminform"].form]
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms += formset.forms
        data.update(
            {f.add_prefix(n): f[n].value() for f in [formset.management_form] for n in f.fields}
        )
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is not None and value is not False:  # level 0 (unknown) is a value
                data[form.add_prefix(name)] = value
    return {**data, **overrides}


def test_date_field_takes_a_month_and_derives_the_precision(client, editor):
    form = visit_form(
        date="2024-04",
        end_date="",
        **{"sources-TOTAL_FORMS": "1", "sources-0-url": "https://x.example/a"},
    )
    assert client.post(reverse("admin:visits_visit_add"), form).status_code == 302
    visit = Visit.objects.get()
    assert (visit.start_date, visit.date_precision) == (dt.date(2024, 4, 1), "month")
    page = change_page(client, visit)
    form = page.context["adminform"].form
    assert form["date"].value() == "2024-04"
    assert f'name="loaded_version" value="{visit.version}"' in page.content.decode()
    assert "date_precision" not in form.fields and "start_date" not in form.fields


@pytest.mark.parametrize("text", ["2024-13", "April 2024", "2024-02-30", ""])
def test_bad_date_is_a_form_error(client, editor, text):
    response = client.post(reverse("admin:visits_visit_add"), visit_form(date=text))
    assert "date" in response.context["adminform"].form.errors
    assert not Visit.objects.exists()


def test_add_writes_through_the_service(client, editor):
    before = {"history": 0, "data_version": DataVersion.current().version}
    form = visit_form(**{"sources-TOTAL_FORMS": "1", "sources-0-url": "https://x.example/a"})
    assert client.post(reverse("admin:visits_visit_add"), form).status_code == 302
    visit = Visit.objects.get()
    latest = visit.history.get()
    assert (latest.history_user, latest.history_change_reason, visit.version) == (
        editor,
        "created",
        1,
    )
    assert DataVersion.current().version > before["data_version"]
    assert visit.sources.get().history.get().history_user == editor


def test_change_writes_through_the_service(client, editor):
    visit = draft()
    before = snapshot(visit)
    data = form_data(change_page(client, visit), purpose="Talks", date="2005-10")
    data["sources-0-DELETE"] = "on"
    data.update({"sources-1-url": "https://x.example/new"})
    response = client.post(reverse("admin:visits_visit_change", args=[visit.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    after = assert_written(visit, before, user=editor, reason="changed")
    assert after["fields"] == (Status.DRAFT, "Talks", dt.date(2005, 10, 1), "month")
    assert after["sources"] == ["https://x.example/new"]


def test_published_visit_without_source_is_a_form_error_and_nothing_changes(client, editor):
    visit = draft(status=Status.PUBLISHED)
    before = snapshot(visit)
    data = form_data(change_page(client, visit), **{"sources-0-DELETE": "on"})
    response = client.post(reverse("admin:visits_visit_change", args=[visit.pk]), data)
    assert "a published visit needs at least one source" in response.content.decode()
    assert snapshot(visit) == before


def test_possible_duplicate_needs_save_anyway(client, editor):
    kim = PersonFactory(name="Kim Jong-un")
    existing = draft(
        visitor=kim,
        visitor_country_id="PRK",
        host_country_id="CHN",
        start_date=dt.date(2018, 3, 1),
        date_precision="month",
    )
    form = visit_form(visitor=kim.pk, status="draft")
    first = client.post(reverse("admin:visits_visit_add"), form)
    page = first.content.decode()
    assert first.status_code == 200 and Visit.objects.count() == 1
    assert reverse("admin:visits_visit_change", args=[existing.pk]) in page
    assert "Save anyway" in page and str(existing) in page
    second = client.post(reverse("admin:visits_visit_add"), {**form, "confirm_duplicate": "on"})
    assert second.status_code == 302 and Visit.objects.count() == 2


def test_changing_a_field_not_in_the_key_asks_no_confirmation(client, editor):
    kim = PersonFactory(name="Kim Jong-un")
    one, two = (draft(visitor=kim) for _ in range(2))
    data = form_data(change_page(client, two), purpose="Second visit")
    assert client.post(reverse("admin:visits_visit_change", args=[two.pk]), data).status_code == 302


def test_stale_form_shows_the_other_change_and_saves_nothing(client, editor):
    visit = draft(purpose="Old")
    other = user_in("Editors", "other")
    mine = form_data(change_page(client, visit), purpose="Mine")
    client.force_login(other)
    theirs = form_data(change_page(client, visit), purpose="Theirs")
    client.post(reverse("admin:visits_visit_change", args=[visit.pk]), theirs)
    before = snapshot(visit)
    client.force_login(editor)
    response = client.post(reverse("admin:visits_visit_change", args=[visit.pk]), mine)
    errors = " ".join(response.context["adminform"].form.non_field_errors())
    assert "other saved this visit" in errors
    assert "purpose: &#x27;Old&#x27; → &#x27;Theirs&#x27;" in response.content.decode()
    assert "Reload the page" in errors
    assert snapshot(visit) == before and before["fields"][1] == "Theirs"


def test_publish_and_unpublish_actions_write_through_the_service(client, editor):
    sourced = draft()
    bare = services.create_visit(
        user=None,
        values={
            "start_date": dt.date(1999, 1, 1),
            "visitor": PersonFactory(name="Kim Yong-nam"),
            "visitor_country_id": "PRK",
            "host_country_id": "CHN",
        },
    )
    actions = client.get(CHANGELIST).context["action_form"].fields["action"].choices
    assert {"publish", "unpublish", "delete_selected"} <= {name for name, _ in actions}
    before, bare_before = snapshot(sourced), snapshot(bare)
    response = client.post(
        CHANGELIST, {"action": "publish", "_selected_action": [sourced.pk, bare.pk]}, follow=True
    )
    page = response.content.decode()
    assert "Published 1 visits." in page
    assert "1 visits have no source and stay drafts: Kim Yong-nam to CHN, 1 January 1999." in page
    after = assert_written(sourced, before, user=editor, reason="published")
    assert after["fields"][0] == Status.PUBLISHED
    assert {k: v for k, v in snapshot(bare).items() if k != "data_version"} == {
        k: v for k, v in bare_before.items() if k != "data_version"
    }
    response = client.post(
        CHANGELIST, {"action": "unpublish", "_selected_action": [sourced.pk]}, follow=True
    )
    assert "Unpublished 1 visits." in response.content.decode()
    assert (
        assert_written(sourced, after, user=editor, reason="unpublished")["fields"][0]
        == Status.DRAFT
    )


def test_revert_writes_through_the_service(client, editor):
    visit = draft(purpose="Old")
    old = visit.history.get()
    services.update_visit(user=None, visit=visit, values={"purpose": "New"})
    before = snapshot(visit)
    url = reverse("admin:visits_visit_simple_history", args=[visit.pk, old.history_id])
    assert client.get(url).status_code == 200
    response = client.post(url, {"_change_history": "1"})
    assert response.status_code == 302
    after = assert_written(
        visit,
        before,
        user=editor,
        reason=f"reverted to the version of {old.history_date:%Y-%m-%d %H:%M:%S} UTC",
    )
    assert after["fields"][1] == "Old"


def test_researcher_cannot_publish_through_revert(client, researcher):
    visit = draft(status=Status.PUBLISHED)
    published = visit.history.get()
    services.unpublish_visits(user=None, visits=[visit])
    before = snapshot(visit)
    url = reverse("admin:visits_visit_simple_history", args=[visit.pk, published.history_id])
    response = client.post(url, {"_change_history": "1"}, follow=True)
    assert response.status_code == 200
    assert "Not reverted: you may not publish a visit" in response.content.decode()
    assert snapshot(visit) == before


def test_revert_of_a_missing_record_is_404(client, editor):
    visit = draft()
    for args in ([visit.pk, 999999], [visit.pk, "x"], ["x", 1]):
        url = reverse("admin:visits_visit_simple_history", args=args)
        assert client.post(url, {}).status_code == 404


def test_researcher_sees_a_published_visit_read_only(client, researcher):
    visit = draft(status=Status.PUBLISHED)
    before = snapshot(visit)
    page = change_page(client, visit)
    assert page.status_code == 200 and page.context["title"] == "View visit"
    assert "28 October 2005" in page.content.decode()
    data = form_data(
        page,
        purpose="Changed",
        date="2005-10-28",
        visitor=visit.visitor_id,
        visitor_country="CHN",
        host_country="PRK",
        level=Level.MINISTER,
        channel="state",
        kind="official",
        confidence="medium",
    )
    response = client.post(reverse("admin:visits_visit_change", args=[visit.pk]), data)
    assert response.status_code == 403
    assert snapshot(visit) == before


@pytest.mark.parametrize("case", ["someone else's draft", "once published"])
def test_researcher_cannot_delete_others_or_once_published_drafts(client, researcher, case):
    if case == "once published":
        visit = draft(user=researcher, status=Status.DRAFT)
        services.publish_visits(user=None, visits=[visit])
        services.unpublish_visits(user=None, visits=[visit])
    else:
        visit = draft(user=user_in("Researchers", "someone"))
    before = snapshot(visit)
    url = reverse("admin:visits_visit_delete", args=[visit.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert snapshot(visit) == before


def test_delete_writes_through_the_service(client, editor):
    visit = draft()
    before = snapshot(visit)
    client.post(reverse("admin:visits_visit_delete", args=[visit.pk]), {"post": "yes"})
    assert_written(visit, before, user=editor, reason="deleted")
    assert not Visit.objects.exists() and not Source.objects.exists()


def test_delete_selected_writes_through_the_service(client, editor):
    visits = [draft(), draft(status=Status.PUBLISHED)]
    before = [snapshot(v) for v in visits]
    client.post(
        CHANGELIST,
        {"action": "delete_selected", "post": "yes", "_selected_action": [v.pk for v in visits]},
    )
    for visit, snap in zip(visits, before, strict=True):
        assert_written(visit, snap, user=editor, reason="deleted")


def test_a_write_between_validation_and_save_is_a_message_not_a_500(client, editor, monkeypatch):
    """The form asked the rules; a duplicate saved in between is refused by the service
    under its lock, and the admin says so."""
    kim = PersonFactory(name="Kim Jong-un")
    draft(
        visitor=kim,
        visitor_country_id="PRK",
        host_country_id="CHN",
        start_date=dt.date(2018, 3, 25),
    )
    monkeypatch.setattr(VisitAdminForm, "_check_duplicates", lambda form, cleaned: None)
    form = visit_form(visitor=kim.pk, status="draft")
    response = client.post(reverse("admin:visits_visit_add"), form, follow=True)
    assert "Not saved: 1 possible duplicates" in response.content.decode()
    assert Visit.objects.count() == 1
