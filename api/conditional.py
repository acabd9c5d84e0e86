"""Conditional requests for the API.

GET: ETag and Last-Modified from the data version (one primary-key lookup), so a
client that already has the answer gets a bodiless 304 before any query of the
answer runs. Those who may not view drafts get the published version and its time
(DataVersion.seen_by): a draft's edit never changes what they are told.

A visit's detail has a two-part ETag, `"<version>.<data tag>"`:

- `If-None-Match` compares the whole tag, so a 304 needs both the visit and the rest
  of the data unchanged (an era edit changes a visit's `eras` without moving its
  version);
- `If-Match` (PUT, PATCH, DELETE) compares only the visit's version, the part before
  the dot: an unrelated change elsewhere does not make a client's copy stale.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, parse_etags, quote_etag

from visits import releases
from visits.models import DataVersion
from visits.releases import RELEASE_HEADER

SAFE = ("GET", "HEAD")
CACHE_SECONDS = 3600


def cached_under(data: DataVersion, key: str, compute):
    """`compute()`, cached under the data version and `key` (e.g. a query's SQL): an
    answer that depends only on the data is computed once per version, and a write,
    which moves the version, makes every earlier answer unreachable."""
    digest = hashlib.sha256(f"{data.version}|{key}".encode()).hexdigest()
    return cache.get_or_set(f"versioned:{digest}", compute, CACHE_SECONDS)


class NotModified(Exception):
    def __init__(self, response):
        self.response = response


def data_tag(request, data: DataVersion) -> str:
    """A hash of what a GET answer depends on: the URL, the version of the data the
    user may see, what they may see and the response format."""
    version, _ = data.seen_by(request.user)
    key = "|".join(
        [
            request.get_full_path(),
            str(version),
            str(request.user.has_perm("visits.view_visit")),
            getattr(request, "accepted_media_type", "") or "",
        ]
    )
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def visit_etag(request, version: int, data: DataVersion | None = None) -> str:
    """The quoted ETag of a visit at `version`: `"<version>.<data tag>"`."""
    return quote_etag(f"{version}.{data_tag(request, data or DataVersion.current())}")


def if_match_versions(request) -> set[int] | None:
    """The visit versions that the request's If-Match names; None when it has none or
    is `*` (the write then goes ahead as without it). A weak tag or one that is not a
    visit's names no version, so it never matches (If-Match compares strongly)."""
    header = request.headers.get("If-Match")
    if not header:
        return None
    tags = parse_etags(header)
    if tags == ["*"]:
        return None
    versions = (tag.strip('"').partition(".")[0] for tag in tags)
    return {int(v) for v in versions if v.isdigit()}


class ConditionalGetMixin:
    """Mix into a DRF view: answers If-None-Match and If-Modified-Since with a 304, and
    tags every 200 to a GET. Override `etag` to tag a resource differently."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method not in SAFE:
            return
        data = self.data_version = DataVersion.current()
        _, changed = data.seen_by(request.user)
        self._last_modified = int(changed.timestamp()) if changed else None
        self._etag = self.etag(request, data)
        response = get_conditional_response(
            request._request, etag=self._etag, last_modified=self._last_modified
        )
        if response is not None:
            raise NotModified(response)

    def etag(self, request, data: DataVersion) -> str:
        return quote_etag(data_tag(request, data))

    def handle_exception(self, exc):
        if isinstance(exc, NotModified):
            exc.response["ETag"] = self._etag
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in SAFE and response.status_code == 200 and hasattr(self, "_etag"):
            response[RELEASE_HEADER] = releases.label(self.data_version)
            response["ETag"] = self._etag
            if self._last_modified:
                response["Last-Modified"] = http_date(self._last_modified)
            response["Cache-Control"] = "no-cache"
        return response
