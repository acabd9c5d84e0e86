"""Public pages for anonymous readers, answered from the cache.

Readers without a session or credentials all see the same pages, which change only
when the published data do. So a page is cached whole (after compression, with its
headers) under the published data version, the latest release (which pages name),
today's date (a page's default as-of date) and what Django's cache keys always hold:
the URL and the request headers the response varies on. A write that readers can see
moves the published version, so no reader ever gets a page older than the data; a
draft's edit moves nothing.

Not cached: the API (its answers are throttled per client and tagged for conditional
requests; api.conditional caches what is costly), the admin, downloads of releases,
anything but a 200 to a GET, a streamed response, and a response that sets a cookie
or says it is private. A request with a session cookie or an Authorization header
always reaches the view: an editor sees drafts, a form carries its CSRF token.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from django.utils.cache import get_cache_key, learn_cache_key

from config.outage import unavailable
from visits.models import DataVersion

SECONDS = 24 * 3600
# The API, the admin, release downloads, the visitor box's suggestions (one query a
# keystroke, rarely the same twice), static files and the probes.
SKIPPED = (
    "/api/",
    "/admin/",
    "/releases/",
    "/people/suggest.json",
    "/static/",
    "/healthz",
    "/readyz",
)


class PublishedPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _cacheable(request):
            return self.get_response(request)
        try:
            data = DataVersion.current()
        except (OperationalError, InterfaceError):  # asking again would wait as long again
            return unavailable(request)
        # The latest release too: pages say which release they show.
        prefix = f"page.{data.published_version}.{data.release}.{dt.date.today()}"
        key = get_cache_key(request, prefix, "GET", cache=cache)
        hit = cache.get(key) if key else None
        if hit is not None:
            return hit
        response = self.get_response(request)
        if _storable(response):
            cache.set(learn_cache_key(request, response, SECONDS, prefix, cache), response, SECONDS)
        return response


def _cacheable(request) -> bool:
    return (
        request.method == "GET"
        and not request.path.startswith(SKIPPED)
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "Authorization" not in request.headers
    )


def _storable(response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in response.get("Cache-Control", "")
    )
