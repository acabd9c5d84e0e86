"""Who may do what, conditional GET, throttling, CORS."""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.factories import PersonFactory, VisitFactory, user_in
from visits import services
from visits.models import Status, Visit

pytestmark = pytest.mark.django_db
LIST = "/api/v1/visits/"


def payload(**over):
    PersonFactory(name="Kim Jong-un", slug="kim-jong-un")
    return {
        "start_date": "2018-03",
        "visitor": "kim-jong-un",
        "visitor_country": "PRK",
        "host_country": "CHN",
        "level": "leader",
        "kind": "unofficial",
        "sources": [{"url": "https://en.yna.co.kr/view/AEN20190620007300325"}],
        **over,
    }


def client_for(group=None):
    api = APIClient()
    if group:
        api.force_authenticate(user_in(group))
    return api


def test_anonymous_reads_published_only_and_drafts_are_404(countries):
    draft = VisitFactory(status=Status.DRAFT)
    public = VisitFactory()
    api = client_for()
    assert [r["id"] for r in api.get(LIST).json()["results"]] == [public.pk]
    assert api.get(f"{LIST}{draft.pk}/").status_code == 404
    assert api.get(f"{LIST}?status=draft").json()["results"] == []


def test_anonymous_cannot_write(countries):
    api = client_for()
    assert api.post(LIST, payload(), format="json").status_code == 401
    visit = VisitFactory()
    assert api.delete(f"{LIST}{visit.pk}/").status_code == 401


def test_researcher_creates_and_changes_drafts_but_cannot_publish(countries):
    api = client_for("Researchers")
    created = api.post(LIST, payload(), format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["status"], data["date_precision"], data["date_label"], data["version"]) == (
        "draft",
        "month",
        "March 2018",
        1,
    )
    visit = Visit.objects.get(pk=data["id"])
    assert visit.history.count() == 1 and visit.created_by.username == "researchers"
    denied = api.patch(f"{LIST}{visit.pk}/", {"status": "published"}, format="json")
    assert denied.status_code == 403
    assert "publish a visit" in denied.json()["detail"]
    assert (
        api.post(LIST, payload(status="published", start_date="2018-05"), format="json").status_code
        == 403
    )
    assert api.get(f"{LIST}{visit.pk}/").status_code == 200  # researchers see drafts
    ok = api.patch(f"{LIST}{visit.pk}/", {"purpose": "First summit"}, format="json")
    assert ok.status_code == 200 and ok.json()["purpose"] == "First summit"
    assert Visit.objects.values_list("status", "version").get() == ("draft", 2)


def snapshot(visit):
    visit.refresh_from_db()
    return (visit.status, visit.purpose, visit.version, visit.updated_at, visit.history.count())


def test_researchers_403s_leave_the_record_unchanged(countries):
    published = VisitFactory(purpose="As published")
    draft = VisitFactory(status=Status.DRAFT, start_date="1999-01-01")
    before = snapshot(published), snapshot(draft)
    api = client_for("Researchers")
    changed = api.patch(f"{LIST}{published.pk}/", {"purpose": "Rewritten"}, format="json")
    assert changed.status_code == 403
    assert changed.json()["detail"] == (
        "you may not change a published visit: that needs the publish permission (Editors)"
    )
    assert (
        api.patch(f"{LIST}{draft.pk}/", {"status": "published"}, format="json").status_code == 403
    )
    assert api.delete(f"{LIST}{published.pk}/").status_code == 403
    assert (snapshot(published), snapshot(draft)) == before


def test_researcher_deletes_own_never_published_draft_only(countries):
    researcher = user_in("Researchers")
    api = APIClient()
    api.force_authenticate(researcher)
    own = api.post(LIST, payload(), format="json").json()["id"]
    others = VisitFactory(status=Status.DRAFT, start_date="1999-01-01")
    once_public = api.post(LIST, payload(start_date="2019-01"), format="json").json()["id"]
    editor = user_in("Editors", "editor")
    services.publish_visits(user=editor, visits=[once_public])
    services.unpublish_visits(user=editor, visits=[once_public])

    assert api.delete(f"{LIST}{others.pk}/").status_code == 403
    refused = api.delete(f"{LIST}{once_public}/")
    assert refused.status_code == 403 and "delete" in refused.json()["detail"]
    assert api.delete(f"{LIST}{own}/").status_code == 204
    assert sorted(Visit.objects.values_list("pk", flat=True)) == sorted([others.pk, once_public])
    gone = Visit.history.get(id=own, history_type="-")
    assert (gone.history_user, gone.history_change_reason) == (researcher, "deleted")


def test_editor_publishes_and_deletes(countries):
    api = client_for("Editors")
    data = api.post(LIST, payload(status="published"), format="json").json()
    assert data["status"] == "published" and len(data["sources"]) == 1
    assert api.delete(f"{LIST}{data['id']}/").status_code == 204
    assert not Visit.objects.exists()


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"start_date": "2018-3-99"}, "start_date", "not a real date"),
        ({"host_country": "PRK"}, "host_country", "must differ"),
        ({"end_date": "2018-02-01"}, "end_date", "before the start"),
        ({"level": "king"}, "level", "not a valid choice"),
        ({"visitor": "nobody"}, "visitor", "does not exist"),
        ({"status": "published", "sources": []}, "sources", "needs at least one source"),
    ],
)
def test_writes_validate_like_the_admin(countries, over, field, message):
    response = client_for("Editors").post(LIST, payload(**over), format="json")
    assert response.status_code == 400, response.content
    assert message in " ".join(map(str, response.json()["errors"][field]))
    assert not Visit.objects.exists()


def test_token_issued_by_manage_py_authenticates(countries, capsys):
    user_in("Editors", "scripted")
    call_command("create_token", "scripted")
    token = capsys.readouterr().out.strip()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.post(LIST, payload(), format="json").status_code == 201
    api.credentials(HTTP_AUTHORIZATION="Token wrong")
    assert api.get(LIST).status_code == 401


def test_session_writes_need_csrf(countries):
    user = user_in("Editors")
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(user)
    response = api.post(LIST, payload(), format="json")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]


def test_conditional_get_304_until_data_changes(countries):
    visit = VisitFactory()
    api = client_for()
    first = api.get(LIST)
    etag = first["ETag"]
    assert first["Last-Modified"]
    again = api.get(LIST, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    other = api.get(f"{LIST}?min_level=leader", HTTP_IF_NONE_MATCH=etag)
    assert other.status_code == 200  # another question, another tag
    services.update_visit(user=None, visit=visit, values={"purpose": "Changed"})
    changed = api.get(LIST, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_each_request_is_counted_once_under_one_scope(countries):
    """Anonymous requests count under `anon` only (the user scope used to count
    them too, by address); signed-in ones under `user` only."""
    cache.clear()
    try:
        client_for().get(LIST)
        client_for().get(LIST)
        assert len(cache.get("throttle_anon_127.0.0.1")) == 2
        assert cache.get("throttle_user_127.0.0.1") is None
        user = user_in("Editors")
        editor = APIClient()
        editor.force_authenticate(user)
        editor.get(LIST)
        assert len(cache.get(f"throttle_user_{user.pk}")) == 1
        assert len(cache.get("throttle_anon_127.0.0.1")) == 2
    finally:
        cache.clear()


def test_throttling_answers_429_with_retry_after(countries, settings):
    rates = {"anon": "3/minute", "user": "5/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    from rest_framework.throttling import SimpleRateThrottle

    cache.clear()
    old = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = rates
    try:
        api = client_for()
        codes = [api.get(LIST).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        last = api.get(LIST)
        assert int(last["Retry-After"]) > 0
        assert "throttled" in last.json()["detail"].lower()
    finally:
        SimpleRateThrottle.THROTTLE_RATES = old
        cache.clear()


def test_cors_allows_reads_from_anywhere(countries):
    response = client_for().get(LIST, HTTP_ORIGIN="https://notebook.example")
    assert response["Access-Control-Allow-Origin"] == "*"


def test_people_and_reference_resources(seeded):
    api = client_for()
    kim = api.get("/api/v1/people/kim-jong-un/").json()
    assert kim["aliases"][:4] == ["Kim Jong Un", "Kim Jong-eun", "Kim Chong-un", "金正恩"]
    assert {"Gim Jeong-eun", "Kim Chŏngŭn"} <= set(kim["aliases"])  # RR and MR
    assert kim["visits_count"] == Visit.objects.filter(visitor__slug="kim-jong-un").count() > 0
    assert api.get("/api/v1/countries/PRK/").json()["name"] == "North Korea"
    scheme = api.get("/api/v1/era-schemes/china-paramount/").json()
    assert [e["slug"] for e in scheme["eras"]] == ["mao", "hua", "deng", "jiang", "hu", "xi"]
    hu = api.get("/api/v1/eras/china-paramount/hu/").json()
    assert (hu["start_date"], hu["end_date"], hu["leader"]) == (
        "2002-11-15",
        "2012-11-15",
        "hu-jintao",
    )
    figures = api.get("/api/v1/published-figures/").json()["results"]
    assert sorted(f["value"] for f in figures if f["metric"] == "total") == [7, 21, 54]
    assert api.get("/api/v1/eras/china-paramount/nope/").status_code == 404


def test_editor_edits_eras_and_overlap_is_rejected(seeded):
    api = client_for("Editors")
    response = api.patch(
        "/api/v1/eras/china-paramount/hu/", {"end_date": "2013-03-14"}, format="json"
    )
    assert response.status_code == 400
    assert "Overlaps" in response.json()["errors"]["start_date"][0]
    ok = api.post(
        "/api/v1/people/",
        {"name": "Choe Son-hui", "slug": "choe-son-hui-2", "aliases": ["Choe Son Hui"]},
        format="json",
    )
    assert ok.status_code == 201 and ok.json()["aliases"] == ["Choe Son Hui"]
    assert client_for("Researchers").delete("/api/v1/eras/china-paramount/hu/").status_code == 403


def test_editor_records_a_published_figure(seeded):
    api = client_for("Editors")
    response = api.post(
        "/api/v1/published-figures/",
        {
            "era": "china-paramount/xi",
            "country_a": "CHN",
            "country_b": "PRK",
            "metric": "leader_visits",
            "min_level": "leader",
            "visitor_country": "PRK",
            "host_country": "CHN",
            "value": 1,
            "as_of": "2018-03-28",
            "publisher": "Example",
            "title": "A count",
            "url": "https://example.org/count",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert (response.json()["era"], response.json()["direction"]) == (
        "china-paramount/xi",
        "PRK-CHN",
    )
    bad = api.post("/api/v1/published-figures/", {"era": "china-paramount/nope"}, format="json")
    assert "no era 'china-paramount/nope'" in bad.json()["errors"]["era"][0]
    assert (
        client_for("Researchers").post("/api/v1/published-figures/", {}, format="json").status_code
        == 403
    )


def test_every_api_write_leaves_history_moves_versions_and_the_list_etag(countries):
    editor = user_in("Editors")
    api = APIClient()
    api.force_authenticate(editor)
    reader = client_for()
    etags = []

    def list_etag_changed():
        old = etags[-1] if etags else None
        response = reader.get(LIST, HTTP_IF_NONE_MATCH=old or '"none"')
        etags.append(response["ETag"])
        return response.status_code == 200 and response["ETag"] != old

    assert list_etag_changed()
    created = api.post(LIST, payload(status="published"), format="json").json()
    visit = Visit.objects.get(pk=created["id"])
    assert (created["version"], visit.version) == (1, 1)
    assert list_etag_changed()
    first = visit.history.get()
    assert (first.history_user, first.history_change_reason, first.history_type) == (
        editor,
        "created",
        "+",
    )

    changed = api.patch(f"{LIST}{visit.pk}/", {"purpose": "First summit"}, format="json")
    assert changed.status_code == 200 and changed.json()["version"] == 2
    row = visit.history.first()
    assert (row.history_user, row.history_change_reason, row.purpose) == (
        editor,
        "changed",
        "First summit",
    )
    before = visit.updated_at
    visit.refresh_from_db()
    assert visit.version == 2 and visit.updated_at > before
    assert changed.json()["updated_at"] != created["updated_at"]
    assert list_etag_changed()

    assert api.delete(f"{LIST}{visit.pk}/").status_code == 204
    gone = Visit.history.filter(id=visit.pk).first()
    assert (gone.history_type, gone.history_user, gone.history_change_reason) == (
        "-",
        editor,
        "deleted",
    )
    assert list_etag_changed()
    assert reader.get(LIST, HTTP_IF_NONE_MATCH=etags[-1]).status_code == 304


def test_person_seen_only_in_drafts_is_hidden_from_the_public(countries):
    shown = VisitFactory(visitor=PersonFactory(name="Public Person")).visitor
    hidden = PersonFactory(name="Draft Only")
    VisitFactory(status=Status.DRAFT, visitor=hidden, start_date="2001-01-01")
    VisitFactory(status=Status.DRAFT, visitor=shown, start_date="2002-01-01")
    anonymous, editor = client_for(), client_for("Editors")
    assert anonymous.get(f"/api/v1/people/{hidden.slug}/").status_code == 404
    people = anonymous.get("/api/v1/people/").json()["results"]
    assert [(p["slug"], p["visits_count"]) for p in people] == [(shown.slug, 1)]
    refused = anonymous.get(LIST, {"visitor": hidden.slug})
    assert refused.status_code == 400 and "visitor" in refused.json()["errors"]
    assert anonymous.get("/api/v1/stats/facets/", {"visitor": hidden.slug}).status_code == 400

    assert editor.get(f"/api/v1/people/{hidden.slug}/").json()["visits_count"] == 1
    people = editor.get("/api/v1/people/").json()["results"]
    assert [(p["slug"], p["visits_count"]) for p in people] == [(shown.slug, 2), (hidden.slug, 1)]
    assert len(editor.get(LIST, {"visitor": hidden.slug}).json()["results"]) == 1


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/people/",
        "/api/v1/countries/",
        "/api/v1/era-schemes/",
        "/api/v1/eras/",
        "/api/v1/published-figures/",
    ],
)
def test_reference_lists_know_their_parameters_and_count(seeded, url):
    api = client_for()
    page = api.get(f"{url}?page_size=2&format=json").json()
    assert page["count"] > 2 and len(page["results"]) == 2
    for query in ("pagesize=2", "ordering=name", "kind=state"):
        response = api.get(f"{url}?{query}")
        assert response.status_code == 400, (url, query)
        errors = response.json()["errors"]
        assert list(errors) == [query.partition("=")[0]]
        message = errors[query.partition("=")[0]][0]
        assert message.startswith("unknown parameter;")
        assert message.endswith(" known: cursor, format, page_size")


def test_visitor_filter_names_the_people_of_each_requests_user(countries):
    """The filter form class is built once per process (visits.filters): whoever asks
    first, the people a visitor filter may name are those of each request's user."""
    hidden = PersonFactory(name="Draft Only")
    VisitFactory(status=Status.DRAFT, visitor=hidden)
    editor, anonymous = client_for("Editors"), client_for()
    for _ in range(2):
        assert len(editor.get(LIST, {"visitor": hidden.slug}).json()["results"]) == 1
        assert anonymous.get(LIST, {"visitor": hidden.slug}).status_code == 400
