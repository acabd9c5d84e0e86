"""api.conditional: what a conditional GET is told, by who is asking."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from tests.factories import VisitFactory, user_in
from visits import services
from visits.models import Country, DataVersion, Status

pytestmark = pytest.mark.django_db
LIST = "/api/v1/visits/"


def tags(api, url=LIST):
    response = api.get(url)
    assert response.status_code == 200
    return response["ETag"], response["Last-Modified"]


def test_a_draft_edit_changes_nothing_an_anonymous_reader_is_told(countries):
    published = VisitFactory()
    draft = VisitFactory(status=Status.DRAFT, start_date=dt.date(2010, 5, 3))
    anonymous, editor = APIClient(), APIClient()
    editor.force_authenticate(user_in("Editors"))
    before, editor_before = tags(anonymous), tags(editor)
    detail = f"{LIST}{published.pk}/"
    detail_before = tags(anonymous, detail)

    services.update_visit(user=None, visit=draft, values={"purpose": "A draft's edit"})
    services.create_visit(
        user=None,
        values={
            "start_date": dt.date(2011, 1, 1),
            "visitor": draft.visitor,
            "visitor_country_id": "CHN",
            "host_country_id": "PRK",
            "status": Status.DRAFT,
        },
    )
    assert tags(anonymous) == before
    assert tags(anonymous, detail) == detail_before
    assert tags(editor)[0] != editor_before[0]  # who may see drafts is told
    data = DataVersion.current()
    assert data.version > data.published_version

    services.publish_visits(user=None, visits=[draft])
    assert tags(anonymous)[0] != before[0]
    assert DataVersion.current().published_version == data.published_version + 1


@pytest.mark.parametrize("status", [Status.PUBLISHED, Status.DRAFT])
def test_published_version_moves_only_with_a_published_visit(countries, status):
    visit = VisitFactory(status=status)
    before = DataVersion.current().published_version
    services.update_visit(user=None, visit=visit, values={"purpose": "Changed"})
    services.delete_visit(user=None, visit=visit.pk)
    moved = DataVersion.current().published_version - before
    assert moved == (2 if status == Status.PUBLISHED else 0)


def test_unpublishing_is_a_public_change(countries):
    visit = VisitFactory()
    before = DataVersion.current().published_version
    services.unpublish_visits(user=None, visits=[visit])
    assert DataVersion.current().published_version == before + 1


def test_reference_data_is_public(countries):
    before = DataVersion.current().published_version
    Country.objects.get(code="CHN").save()
    assert DataVersion.current().published_version == before + 1
