"""API tokens (api.tokens, api.token_views): issue, list, revoke, expiry at its edge,
owners only, the create_token command and the migration from DRF's tokens."""

import datetime as dt
import importlib
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import override_settings
from knox.models import AuthToken
from rest_framework.test import APIClient

from api import tokens

pytestmark = pytest.mark.django_db
LIST = "/api/v1/tokens/"
T0 = dt.datetime(2025, 5, 1, 12, 0, tzinfo=dt.UTC)
TTL = dt.timedelta(days=90)


def frozen(at: dt.datetime):
    """Django's clock (timezone.now, which knox and auto_now_add read) stopped at `at`."""
    return mock.patch("django.utils.timezone.now", return_value=at)


def signed_in(username: str = "alice") -> APIClient:
    api = APIClient()
    api.force_login(User.objects.get_or_create(username=username)[0])
    return api


def with_token(secret: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return api


def issue(username: str = "alice") -> tokens.IssuedToken:
    return tokens.issue_token(user=User.objects.get_or_create(username=username)[0])


def test_issuing_shows_the_secret_once_and_the_list_never():
    api = signed_in()
    with frozen(T0):
        created = api.post(LIST)
    assert created.status_code == 201
    body = created.json()
    secret = body["token"]
    assert len(secret) == 64 and body["prefix"] == secret[:15]
    assert body["created"] == "2025-05-01T12:00:00Z"
    assert body["expires"] == "2025-07-30T12:00:00Z"  # 90 days on
    assert body["expired"] is False
    with frozen(T0):
        listed = api.get(LIST)
    assert listed.json() == [
        {
            "prefix": secret[:15],
            "created": "2025-05-01T12:00:00Z",
            "expires": "2025-07-30T12:00:00Z",
            "expired": False,
        }
    ]
    assert secret not in listed.content.decode()
    stored = AuthToken.objects.values().get()
    assert secret not in str(stored) and stored["token_key"] == secret[:15]


def test_a_token_lists_its_owners_tokens_newest_first():
    with frozen(T0):
        older = issue()
    with frozen(T0 + dt.timedelta(hours=1)):
        newer = issue()
        issue("bob")
        listed = with_token(older.secret).get(LIST)
    assert listed.status_code == 200
    assert [t["prefix"] for t in listed.json()] == [newer.token.token_key, older.token.token_key]


@override_settings(REST_KNOX={"TOKEN_TTL": dt.timedelta(days=3)})
def test_expiry_is_the_configured_ttl_after_issue():
    with frozen(T0):
        issued = issue()
    assert issued.token.created == T0
    assert issued.token.expiry == T0 + dt.timedelta(days=3)


def test_a_token_works_until_its_expiry_and_then_says_it_expired():
    with frozen(T0):
        issued = issue()
    api = with_token(issued.secret)
    with frozen(T0 + TTL - dt.timedelta(seconds=1)):
        assert api.get(LIST).status_code == 200
    for after in (dt.timedelta(0), dt.timedelta(seconds=1), dt.timedelta(days=400)):
        with frozen(T0 + TTL + after):
            refused = api.get(LIST)
        assert refused.status_code == 401
        assert refused.json() == {"detail": tokens.EXPIRED, "errors": {}}
        assert refused["WWW-Authenticate"] == "Token"
    with frozen(T0 + TTL + dt.timedelta(seconds=1)):
        listed = signed_in().get(LIST).json()
    assert [(t["prefix"], t["expired"]) for t in listed] == [(issued.token.token_key, True)]


def test_revoking_one_token_leaves_the_others():
    kept, revoked = issue(), issue()
    api = with_token(kept.secret)
    assert api.delete(f"{LIST}{revoked.token.token_key}/").status_code == 204
    refused = with_token(revoked.secret).get(LIST)
    assert refused.status_code == 401
    assert refused.json() == {"detail": tokens.INVALID, "errors": {}}
    assert [t["prefix"] for t in api.get(LIST).json()] == [kept.token.token_key]


def test_revoking_all_revokes_only_your_own():
    mine, also_mine, bobs = issue(), issue(), issue("bob")
    assert signed_in().delete(LIST).status_code == 204
    assert with_token(mine.secret).get(LIST).status_code == 401
    assert with_token(also_mine.secret).get(LIST).status_code == 401
    assert with_token(bobs.secret).get(LIST).status_code == 200
    assert list(AuthToken.objects.values_list("user__username", flat=True)) == ["bob"]


def test_another_users_token_is_not_found():
    bobs = issue("bob")
    api = signed_in("alice")
    gone = api.delete(f"{LIST}{bobs.token.token_key}/")
    assert gone.status_code == 404
    assert gone.json() == {"detail": "You have no token with this prefix.", "errors": {}}
    assert api.get(LIST).json() == []
    assert with_token(bobs.secret).get(LIST).status_code == 200


def test_anonymous_calls_are_401_in_the_error_shape():
    api = APIClient()
    for answer in (api.get(LIST), api.post(LIST), api.delete(LIST), api.delete(f"{LIST}abc/")):
        assert answer.status_code == 401
        assert answer.json() == {
            "detail": "Authentication credentials were not provided.",
            "errors": {},
        }
    assert not AuthToken.objects.exists()


def test_a_wrong_or_garbled_token_is_invalid_not_an_error():
    issued = issue()
    for secret in ("wrong", issued.secret[:-1] + "x", issued.token.token_key):
        assert with_token(secret).get(LIST).json()["detail"] == tokens.INVALID
    garbled = APIClient().get(LIST, HTTP_AUTHORIZATION="Token \xe9\xff")
    assert garbled.status_code == 401 and garbled.json()["detail"] == tokens.INVALID


def test_session_writes_need_csrf():
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(User.objects.create_user("alice"))
    assert api.post(LIST).status_code == 403
    assert not AuthToken.objects.exists()


def test_unknown_query_parameter_is_400():
    answer = signed_in().get(f"{LIST}?user=bob")
    assert answer.status_code == 400 and "user" in answer.json()["errors"]


def test_create_token_prints_the_secret_once(capsys):
    User.objects.create_user("scripted")
    call_command("create_token", "scripted")
    out, err = capsys.readouterr()
    secret = out.strip()
    token = AuthToken.objects.get(user__username="scripted")
    assert secret[:15] == token.token_key and f"Token {token.token_key}" in err
    assert secret not in err
    assert with_token(secret).get(LIST).status_code == 200


def test_create_token_for_nobody_fails():
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("create_token", "nobody")


def test_ttl_days_read_from_the_environment():
    code = (
        "import django; django.setup(); from knox.settings import knox_settings; "
        "print(knox_settings.TOKEN_TTL)"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env = {**base, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "1"}
    root = Path(__file__).resolve().parents[1]

    def ttl(**extra):
        run = subprocess.run(
            [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, env=env | extra
        )
        return run.stdout.strip()

    assert ttl() == "90 days, 0:00:00"
    assert ttl(DJANGO_API_TOKEN_TTL_DAYS="7") == "7 days, 0:00:00"


def test_migration_turns_drf_tokens_into_expiring_knox_tokens():
    """A DRF token keeps working under its old secret, keeps its creation time, and
    expires one TTL after the migration; DRF's table and records are gone."""
    migration = importlib.import_module("api.migrations.0001_drf_tokens_to_knox")
    user = User.objects.create_user("scripted")
    key = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            "created timestamp NOT NULL, user_id integer NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, %s, %s)",
            [key, "2020-01-02 03:04:05", user.pk],
        )
    MigrationRecorder(connection).record_applied("authtoken", "0001_initial")
    with frozen(T0):
        migration.forwards(apps, SimpleNamespace(connection=connection))
    token = AuthToken.objects.get()
    assert (token.user, token.token_key) == (user, key[:15])
    assert token.created == dt.datetime(2020, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert token.expiry == T0 + TTL
    assert "authtoken_token" not in connection.introspection.table_names()
    assert not MigrationRecorder(connection).migration_qs.filter(app="authtoken").exists()
    with frozen(T0 + TTL - dt.timedelta(seconds=1)):
        assert with_token(key).get(LIST).status_code == 200


def test_schema_documents_the_token_endpoints():
    doc = APIClient().get("/api/schema/?format=json").json()
    listed, one = doc["paths"]["/api/v1/tokens/"], doc["paths"]["/api/v1/tokens/{prefix}/"]
    assert set(listed) == {"get", "post", "delete"} and set(one) == {"delete"}
    error = {"$ref": "#/components/schemas/Error"}
    assert listed["get"]["responses"]["401"]["content"]["application/json"]["schema"] == error
    assert "404" in one["delete"]["responses"]
    schemas = doc["components"]["schemas"]
    assert "token" in schemas["IssuedToken"]["properties"]
    assert "token" not in schemas["Token"]["properties"]
    assert doc["components"]["securitySchemes"]["tokenAuth"]["name"] == "Authorization"
