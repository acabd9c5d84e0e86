"""The write service: every write checks permissions, keeps the source rule, leaves
one history row with user and reason, and moves the visit's version, updated_at and
the data version."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tests.factories import CountryFactory, PersonFactory, VisitFactory, user_in
from visits import services
from visits.models import DataVersion, Source, Status, Visit

pytestmark = pytest.mark.django_db
SOURCE = {"url": "https://example.org/a", "title": "A"}


@pytest.fixture
def editor():
    return user_in("Editors")


@pytest.fixture
def researcher():
    return user_in("Researchers")


def values(**over):
    return {
        "start_date": dt.date(2018, 3, 25),
        "end_date": dt.date(2018, 3, 28),
        "visitor": PersonFactory(name="Kim Jong-un"),
        "visitor_country": CountryFactory(code="PRK"),
        "host_country": CountryFactory(code="CHN"),
        "status": Status.DRAFT,
        **over,
    }


def test_create_writes_one_history_row_and_moves_versions(editor):
    host, fields = PersonFactory(name="Xi Jinping"), values(status=Status.PUBLISHED)
    before = DataVersion.current().version
    visit = services.create_visit(user=editor, values=fields, hosts=[host], sources=[SOURCE])
    assert (visit.version, visit.created_by, visit.updated_by) == (1, editor, editor)
    assert visit.start_latest == dt.date(2018, 3, 25)
    [row] = visit.history.all()
    assert (row.history_type, row.history_user, row.history_change_reason) == (
        "+",
        editor,
        "created",
    )
    assert [h.person_id for h in row.hosts.all()] == [host.pk]  # hosts in the same row
    assert [s.url for s in visit.sources.all()] == [SOURCE["url"]]
    assert DataVersion.current().version == before + 1


def test_update_moves_version_and_updated_at(editor):
    visit = services.create_visit(user=editor, values=values())
    stamp = visit.updated_at
    services.update_visit(user=editor, visit=visit.pk, values={"purpose": "Talks"}, reason="typo")
    visit.refresh_from_db()
    assert (visit.purpose, visit.version) == ("Talks", 2)
    assert visit.updated_at > stamp
    assert visit.history.first().history_change_reason == "typo"


def test_published_visit_needs_a_source_everywhere(editor):
    with pytest.raises(ValidationError) as create:
        services.create_visit(user=editor, values=values(status=Status.PUBLISHED))
    assert create.value.message_dict == {"sources": ["a published visit needs at least one source"]}
    visit = services.create_visit(
        user=editor, values=values(status=Status.PUBLISHED), sources=[SOURCE]
    )
    with pytest.raises(ValidationError):
        services.update_visit(user=editor, visit=visit, values={}, sources=[])
    assert visit.sources.count() == 1


@pytest.mark.parametrize(
    ("before", "after", "message"),
    [
        (None, Status.PUBLISHED, "you may not create a published visit"),
        (Status.DRAFT, Status.PUBLISHED, "you may not publish a visit"),
        (Status.PUBLISHED, Status.DRAFT, "you may not unpublish a visit"),
        (Status.PUBLISHED, Status.PUBLISHED, "you may not change a published visit"),
        (Status.PUBLISHED, None, "you may not delete visits"),
    ],
)
def test_researcher_refused_whatever_touches_a_published_visit(researcher, before, after, message):
    with pytest.raises(services.WriteRefused, match=message):
        services.check_write(user=researcher, before=before, after=after)


def test_researcher_refusals_write_nothing(researcher):
    visit = VisitFactory(status=Status.PUBLISHED)
    version = DataVersion.current().version
    with pytest.raises(services.WriteRefused):
        services.update_visit(user=researcher, visit=visit, values={"purpose": "x"})
    with pytest.raises(services.WriteRefused):
        services.unpublish_visits(user=researcher, visits=[visit])
    visit.refresh_from_db()
    assert (visit.purpose, visit.status, visit.version) == ("", "published", 1)
    assert DataVersion.current().version == version


def test_publish_and_unpublish_leave_history_and_skip_unsourced(editor):
    sourced = VisitFactory(status=Status.DRAFT)
    bare = VisitFactory(status=Status.DRAFT, sourced=False, start_date=dt.date(1999, 1, 1))
    done, unsourced = services.publish_visits(user=editor, visits=[sourced, bare.pk])
    assert ([v.pk for v in done], [v.pk for v in unsourced]) == ([sourced.pk], [bare.pk])
    sourced.refresh_from_db()
    assert (sourced.status, sourced.version, sourced.updated_by) == ("published", 2, editor)
    assert sourced.history.first().history_change_reason == "published"
    services.unpublish_visits(user=editor, visits=[sourced])
    sourced.refresh_from_db()
    assert (sourced.status, sourced.version) == ("draft", 3)
    assert Visit.objects.get(pk=bare.pk).status == "draft"


def test_stale_version_refused(editor):
    visit = services.create_visit(user=editor, values=values())
    services.update_visit(user=editor, visit=visit, values={"purpose": "first"}, expected_version=1)
    with pytest.raises(services.StaleVersion) as stale:
        services.update_visit(
            user=editor, visit=visit, values={"purpose": "second"}, expected_version=1
        )
    assert stale.value.current.purpose == "first"
    assert Visit.objects.get(pk=visit.pk).purpose == "first"


def test_possible_duplicate_refused_until_confirmed(editor):
    first = services.create_visit(user=editor, values=values())
    month = values(
        visitor=first.visitor, start_date=dt.date(2018, 3, 1), end_date=None, date_precision="month"
    )
    with pytest.raises(services.PossibleDuplicates) as dup:
        services.create_visit(user=editor, values=month)
    assert [v.pk for v in dup.value.candidates] == [first.pk]
    second = services.create_visit(user=editor, values=month, confirm_duplicate=True)
    assert Visit.objects.count() == 2
    # editing another field of a known duplicate does not ask again
    services.update_visit(user=editor, visit=second, values={"purpose": "x"})


def test_revert_restores_fields_and_hosts_under_the_rules(editor, researcher):
    host = PersonFactory(name="Hu Jintao")
    visit = services.create_visit(user=editor, values=values(), hosts=[host], sources=[SOURCE])
    services.publish_visits(user=editor, visits=[visit])
    services.unpublish_visits(user=editor, visits=[visit])
    services.update_visit(user=editor, visit=visit, values={"purpose": "later"}, hosts=[])
    published = visit.history.filter(status=Status.PUBLISHED).first()
    with pytest.raises(services.WriteRefused, match="you may not publish"):
        services.revert_visit(user=researcher, visit=visit, history_id=published.history_id)
    services.revert_visit(user=editor, visit=visit, history_id=published.history_id)
    visit.refresh_from_db()
    assert (visit.status, visit.purpose) == ("published", "")
    assert list(visit.hosts.all()) == [host]
    assert visit.history.first().history_change_reason.startswith("reverted to the version of")


def test_researcher_deletes_own_unpublished_draft_only(editor, researcher):
    own = services.create_visit(user=researcher, values=values())
    other = services.create_visit(
        user=editor, values=values(start_date=dt.date(2019, 6, 20), end_date=None)
    )
    with pytest.raises(services.WriteRefused):
        services.delete_visit(user=researcher, visit=other)
    services.delete_visit(user=researcher, visit=own)
    assert list(Visit.objects.values_list("pk", flat=True)) == [other.pk]
    assert Visit.history.filter(id=own.pk, history_type="-").get().history_user == researcher


def test_once_published_draft_is_not_the_researchers_to_delete(editor, researcher):
    visit = services.create_visit(user=researcher, values=values(), sources=[SOURCE])
    services.publish_visits(user=editor, visits=[visit])
    services.unpublish_visits(user=editor, visits=[visit])
    visit.refresh_from_db()
    assert not services.may_delete(researcher, visit)
    assert services.may_delete(editor, visit)


def test_sources_synced_by_id_or_url_with_history(editor):
    visit = services.create_visit(user=editor, values=values(), sources=[SOURCE])
    source = visit.sources.get()
    services.update_visit(
        user=editor,
        visit=visit,
        values={},
        sources=[
            {"id": source.pk, "url": SOURCE["url"], "title": "Renamed"},
            {"url": "https://b.example/"},
        ],
    )
    assert list(visit.sources.values_list("pk", "title")) == [
        (source.pk, "Renamed"),
        (source.pk + 1, ""),
    ]
    services.update_visit(
        user=editor, visit=visit, values={}, sources=[{"url": "https://b.example/"}]
    )
    assert Source.history.filter(id=source.pk, history_type="-").get().history_user == editor


def test_reference_data_changes_move_the_data_version(db):
    before = DataVersion.current().version
    PersonFactory(name="Someone")
    assert DataVersion.current().version == before + 1


def test_source_urls_are_stored_as_valid_uris_by_every_writer(editor):
    """The admin and the API write through the service, which stores a URL as the
    importer reads it (interchange.uri): a ^ or a non-ASCII letter percent-encoded, so
    the API's `format: uri` holds; the same URL given again is the same source."""
    raw = "https://www.gmw.cn/GB/GM^18176^3.HTM"
    visit = services.create_visit(user=editor, values=values(), sources=[{"url": raw}])
    source = visit.sources.get()
    assert source.url == "https://www.gmw.cn/GB/GM%5E18176%5E3.HTM"
    services.update_visit(
        user=editor, visit=visit, values={}, sources=[{"url": raw, "title": "Named"}]
    )
    assert list(visit.sources.values_list("pk", "title")) == [(source.pk, "Named")]
