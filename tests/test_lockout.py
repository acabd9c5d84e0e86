"""Admin and session logins lock out after repeated failures (django-axes), by
username and address; a forged X-Forwarded-For changes nothing; editors unlock."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from tests.factories import user_in

pytestmark = pytest.mark.django_db
LOGIN = "/admin/login/?next=/admin/"


def attempt(client, password, **headers):
    return client.post(LOGIN, {"username": "ed", "password": password}, **headers)


@pytest.fixture
def ed(countries):
    user = User.objects.create_user("ed", password="right-password", is_staff=True)
    return user


def test_the_right_password_fails_after_five_wrong_ones(client, ed):
    for _ in range(4):
        assert attempt(client, "wrong").status_code == 200  # the form again, with an error
    assert attempt(client, "wrong").status_code == 429  # the fifth locks
    locked = attempt(client, "right-password")
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_forged_forwarded_for_does_not_escape_the_lockout(client, ed):
    for i in range(5):
        attempt(client, "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
    assert attempt(client, "right-password", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429


def test_another_address_is_not_locked_out(client, ed):
    for _ in range(5):
        attempt(client, "wrong")
    elsewhere = client.post(
        LOGIN, {"username": "ed", "password": "right-password"}, REMOTE_ADDR="192.0.2.44"
    )
    assert elsewhere.status_code == 302


def test_success_resets_the_count(client, ed):
    for _ in range(4):
        attempt(client, "wrong")
    assert attempt(client, "right-password").status_code == 302
    client.logout()
    for _ in range(4):
        attempt(client, "wrong")
    assert attempt(client, "right-password").status_code == 302


def test_an_editor_sees_and_unlocks_a_locked_login(client, ed):
    from axes.models import AccessAttempt

    for _ in range(5):
        attempt(client, "wrong")
    assert AccessAttempt.objects.filter(username="ed").exists()
    editor = user_in("Editors")
    client.force_login(editor)
    listing = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200
    assert "ed" in listing.content.decode()
    attempt_pk = AccessAttempt.objects.get(username="ed").pk
    client.post(reverse("admin:axes_accessattempt_delete", args=[attempt_pk]), {"post": "yes"})
    assert not AccessAttempt.objects.filter(username="ed").exists()
    client.logout()
    assert attempt(client, "right-password").status_code == 302


def test_a_researcher_cannot_unlock(client, ed):
    client.force_login(user_in("Researchers"))
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403
