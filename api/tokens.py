"""API tokens: django-rest-knox's hashed tokens, several per user, each expiring
`REST_KNOX["TOKEN_TTL"]` (DJANGO_API_TOKEN_TTL_DAYS) after it was issued.

Expiry: a token works while the time is before its `expiry`; from its expiry on it is
refused with a 401 saying it expired (knox itself would say "Invalid token." and
delete it), and it stays in its owner's list, marked expired, until revoked. The
expiry is stored when the token is issued, so changing the TTL changes only tokens
issued afterwards. An expiry of None (only a superuser can make one, in the admin)
never expires.

Only a token's first characters (knox's `token_key`, 15 of its 64) are stored in
clear: they are its `prefix`, which names it in the list and in DELETE
`tokens/<prefix>/`. The database keeps a SHA-512 digest of the rest, so the secret is
shown once, when issued, and never again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from hmac import compare_digest

from django.db.models import QuerySet
from django.utils import timezone
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS
from rest_framework.exceptions import AuthenticationFailed

EXPIRED = "Token expired: issue a new one (POST /api/v1/tokens/ or manage.py create_token)."
INVALID = "Invalid token."


@dataclass(frozen=True)
class IssuedToken:
    token: AuthToken
    secret: str  # what the client sends as `Authorization: Token <secret>`; not stored


def issue_token(*, user) -> IssuedToken:
    """A new token for `user`, expiring the configured TTL from now."""
    token, secret = AuthToken.objects.create(user=user)
    return IssuedToken(token=token, secret=secret)


def tokens_of(*, user) -> QuerySet[AuthToken]:
    """The user's tokens, expired ones included, newest first."""
    return AuthToken.objects.filter(user=user).order_by("-created", "token_key")


def revoke_tokens(*, user, prefix: str | None = None) -> int:
    """Delete the user's token whose prefix is `prefix` (every token of theirs when
    None) and return how many were deleted: 0 when the prefix names none of theirs."""
    tokens = tokens_of(user=user)
    if prefix is not None:
        tokens = tokens.filter(token_key=prefix)
    deleted, _ = tokens.delete()
    return deleted


def is_expired(token: AuthToken, *, at: datetime | None = None) -> bool:
    """Whether `token` no longer works at `at` (now): at its expiry or later."""
    return token.expiry is not None and (at or timezone.now()) >= token.expiry


class ExpiringTokenAuthentication(TokenAuthentication):
    """Knox's `Authorization: Token <secret>`, except that an expired token is a 401
    saying so and is kept (see the module's docstring)."""

    def authenticate_credentials(self, token: bytes):
        secret = token.decode("utf-8", errors="replace")
        digest = hash_token(secret)
        candidates = AuthToken.objects.filter(token_key=secret[: CONSTANTS.TOKEN_KEY_LENGTH])
        for auth_token in candidates.select_related("user"):
            if compare_digest(digest, auth_token.digest):
                if is_expired(auth_token):
                    raise AuthenticationFailed(EXPIRED)
                return self.validate_user(auth_token)
        raise AuthenticationFailed(INVALID)
