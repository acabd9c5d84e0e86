"""Every way to change a visit — admin form, admin action, admin revert, spreadsheet
import, `import_visits --user`, the API — is seen by caches and syncing clients: the
list's old ETag no longer answers 304, and the change feed names the visit."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import PersonFactory, user_in
from tests.test_admin import change_page, form_data
from visits import services
from visits.models import Status, Visit

pytestmark = pytest.mark.django_db
LIST = "/api/v1/visits/"
ROW = "start_date,visitor,visitor_country,host_country,purpose,source_url\n2005-10-28,{name},CHN,PRK,{purpose},https://example.org/report\n"


def admin_form(client, visit, editor, tmp_path):
    data = form_data(change_page(client, visit), purpose="Edited")
    response = client.post(reverse("admin:visits_visit_change", args=[visit.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors


def admin_action(client, visit, editor, tmp_path):
    client.post(
        reverse("admin:visits_visit_changelist"),
        {"action": "unpublish", "_selected_action": [visit.pk]},
    )


def admin_revert(client, visit, editor, tmp_path):
    first = visit.history.last()
    services.update_visit(user=None, visit=visit, values={"purpose": "Later"})
    url = reverse("admin:visits_visit_simple_history", args=[visit.pk, first.history_id])
    response = client.post(url, {"_change_history": "1"})
    assert response.status_code == 302


def admin_import(client, visit, editor, tmp_path):
    text = ROW.format(name=visit.visitor.name, purpose="Imported")
    upload = SimpleUploadedFile("v.csv", text.encode())
    preview = client.post(reverse("admin:visits_visit_import"), {"file": upload})
    client.post(reverse("admin:visits_visit_import_confirm"), {"key": preview.context["key"]})


def cli_import(client, visit, editor, tmp_path):
    path = tmp_path / "v.csv"
    path.write_text(ROW.format(name=visit.visitor.name, purpose="From the CLI"))
    call_command("import_visits", str(path), "--user", editor.username)


def api_patch(client, visit, editor, tmp_path):
    api = APIClient()
    api.force_authenticate(editor)
    assert api.patch(f"{LIST}{visit.pk}/", {"purpose": "Patched"}, format="json").status_code == 200


@pytest.mark.parametrize(
    "write", [admin_form, admin_action, admin_revert, admin_import, cli_import, api_patch]
)
def test_every_write_path_moves_etag_and_feed(client, countries, tmp_path, write):
    editor = user_in("Editors")
    client.force_login(editor)
    visit = services.create_visit(
        user=None,
        values={
            "start_date": dt.date(2005, 10, 28),
            "visitor": PersonFactory(name="Wen Jiabao"),
            "visitor_country_id": "CHN",
            "host_country_id": "PRK",
            "status": Status.PUBLISHED,
        },
        sources=[{"url": "https://example.org/report"}],
    )
    reader = APIClient()
    etag = reader.get(LIST)["ETag"]
    since = timezone.now()
    history = visit.history.count()
    write(client, visit, editor, tmp_path)
    latest = visit.history.first()
    assert visit.history.count() > history
    assert latest.history_user == editor
    assert Visit.objects.get(pk=visit.pk).version > 1
    fresh = reader.get(LIST, HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200 and fresh["ETag"] != etag
    feed = reader.get(LIST, {"modified_since": since.isoformat()}).json()["results"]
    assert [row["id"] for row in feed] == [visit.pk]
