"""A database that is down, frozen past its timeouts, or locked answers 503 with
Retry-After, not a 500: JSON in the API's error shape under /api/, a short page
elsewhere. The connection is dropped by Django at the end of the request
(`errors_occurred`), so the next request reconnects when the database is back."""

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse

RETRY_AFTER = "30"
MESSAGE = "The database is temporarily unavailable. Please try again shortly."
PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    "<title>Temporarily unavailable · Summitry</title></head><body>"
    f"<h1>Temporarily unavailable</h1><p>{MESSAGE}</p></body></html>"
)


def unavailable(request) -> HttpResponse:
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": MESSAGE, "errors": {}}, status=503)
    else:
        response = HttpResponse(PAGE, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = RETRY_AFTER
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        except (OperationalError, InterfaceError):  # raised by a middleware inside this one
            return unavailable(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError):
            return unavailable(request)
        return None
