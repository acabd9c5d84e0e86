"""Defences of the forms readers send (visits.corrections), without third-party
services:

- a form is started by a GET that signs its start time (django.core.signing); a POST
  whose token is missing, forged or older than MAX_AGE is refused, and so is one sent
  less than MIN_SECONDS after its GET (people read and type; scripts do not);
- a honeypot field hidden by CSS (`.hp` in static/css/site.css) that people never
  fill in;
- at most LIMIT submissions per sender address per hour, counted in the Django cache
  (shared by every app process) under a keyed hash of the address, fixed windows of
  one hour. The address is config.clients' rule, never raw REMOTE_ADDR, and is
  stored nowhere: only its hash, which the SECRET_KEY makes unguessable from a list
  of addresses.
"""

from __future__ import annotations

import time

from django.core import signing
from django.core.cache import cache
from django.utils.crypto import salted_hmac

from config.clients import client_ip

MIN_SECONDS = 3
MAX_AGE = 24 * 3600
LIMIT = 5
WINDOW = 3600
SALT = "visits.reader_guard.started"


def start_token(*, at: float | None = None) -> str:
    """A signed token holding the form's start time (`at`, default now)."""
    return signing.dumps(int(time.time() if at is None else at), salt=SALT)


def too_fast_or_forged(token: str) -> bool:
    """True unless `token` is ours, at least MIN_SECONDS and at most MAX_AGE old."""
    try:
        started = signing.loads(token or "", salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:  # SignatureExpired included
        return True
    return not isinstance(started, int) or not MIN_SECONDS <= time.time() - started <= MAX_AGE


def sender_hash(request) -> str:
    """The sender's address (config.clients), hashed with the SECRET_KEY."""
    return salted_hmac(SALT, client_ip(request) or "unknown", algorithm="sha256").hexdigest()


def _key(sender: str) -> str:
    return f"reader_guard.{sender}.{int(time.time()) // WINDOW}"


def over_limit(sender: str) -> bool:
    """True when `sender` has used its LIMIT submissions this hour."""
    return (cache.get(_key(sender)) or 0) >= LIMIT


def count_submission(sender: str) -> None:
    """One more submission from `sender` this hour."""
    key = _key(sender)
    if not cache.add(key, 1, WINDOW):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, WINDOW)
