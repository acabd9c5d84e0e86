"""Gzip for HTML pages only.

A page carries its figures' JSON (about 120 kB on `/`), which gzip shrinks tenfold.
API responses stay as they are: they are small or streamed, and some clients (test
transports among them) do not decode a Content-Encoding they asked for. Static files
are precompressed and served by WhiteNoise before this runs."""

from django.middleware.gzip import GZipMiddleware


class PageGZipMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        return super().process_response(request, response)
