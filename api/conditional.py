"""Conditional GET for the API: ETag and Last-Modified from the data version (one
primary-key lookup), so a client that already has the answer gets a bodiless 304
before any query of the answer runs."""

from __future__ import annotations

import hashlib

from django.utils.cache import get_conditional_response
from django.utils.http import http_date, quote_etag

from visits.models import DataVersion

SAFE = ("GET", "HEAD")


class NotModified(Exception):
    def __init__(self, response):
        self.response = response


class ConditionalGetMixin:
    """Mix into a DRF view. The ETag covers the URL, the data version, what the user
    may see and the response format."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method not in SAFE:
            return
        data = DataVersion.current()
        changed = data.changed_at
        self._last_modified = int(changed.timestamp()) if changed else None
        key = "|".join(
            [
                request.get_full_path(),
                str(data.version),
                str(request.user.has_perm("visits.view_visit")),
                getattr(request, "accepted_media_type", "") or "",
            ]
        )
        self._etag = quote_etag(hashlib.sha256(key.encode()).hexdigest()[:32])
        response = get_conditional_response(
            request._request, etag=self._etag, last_modified=self._last_modified
        )
        if response is not None:
            raise NotModified(response)

    def handle_exception(self, exc):
        if isinstance(exc, NotModified):
            exc.response["ETag"] = self._etag
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in SAFE and response.status_code == 200 and hasattr(self, "_etag"):
            response["ETag"] = self._etag
            if self._last_modified:
                response["Last-Modified"] = http_date(self._last_modified)
            response["Cache-Control"] = "no-cache"
        return response
