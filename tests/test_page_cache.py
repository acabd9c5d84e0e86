"""config.page_cache: anonymous pages from the cache, never older than the published data."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import VisitFactory, user_in
from visits import services
from visits.models import Status

pytestmark = pytest.mark.django_db


def test_a_page_is_cached_until_the_published_data_move(
    client, countries, django_assert_num_queries
):
    visit = VisitFactory(purpose="Talks on trade")
    draft = VisitFactory(status=Status.DRAFT)  # (its new visitor is public reference data)
    url = f"/visits/{visit.pk}/"
    first = client.get(url)
    with django_assert_num_queries(1):  # the published version; the page from the cache
        again = client.get(url)
    assert again.content == first.content and "Talks on trade" in again.content.decode()
    services.update_visit(user=None, visit=draft, values={"purpose": "A draft's edit"})
    with django_assert_num_queries(1):  # a draft moves nothing readers see
        client.get(url)
    services.update_visit(user=None, visit=visit, values={"purpose": "Talks on aid"})
    fresh = client.get(url).content.decode()
    assert "Talks on aid" in fresh and "Talks on trade" not in fresh


def test_sessions_credentials_and_the_api_reach_the_view(
    client, countries, django_assert_num_queries
):
    visit = VisitFactory()
    client.get("/api/v1/visits/")
    # The API's own cache, behind DRF's throttles (test_api_access): the data version
    with django_assert_num_queries(1):
        response = client.get("/api/v1/visits/")
    assert response.status_code == 200 and response["Cache-Control"] == "no-cache"
    client.force_login(user_in("Editors"))
    client.get(f"/visits/{visit.pk}/")
    with CaptureQueriesContext(connection) as queries:  # a session's page is its own
        client.get(f"/visits/{visit.pk}/")
    assert len(queries) > 3
    client.logout()
    client.get(f"/visits/{visit.pk}/")
    with django_assert_num_queries(1):
        client.get(f"/visits/{visit.pk}/")


def test_a_release_is_named_on_the_next_page(client, countries, tmp_path):
    from django.core.management import call_command

    visit = VisitFactory()
    assert "unreleased (no release yet)" in client.get(f"/visits/{visit.pk}/").content.decode()
    call_command("release_dataset", "--version", "1.0", "-o", str(tmp_path))
    assert ">release 1.0</a>" in client.get(f"/visits/{visit.pk}/").content.decode()
