"""A database that is down, frozen past its timeouts, or locked answers 503 with
Retry-After, not a 500: JSON in the API's error shape under /api/, a short page
elsewhere. The connection is dropped by Django at the end of the request
(`errors_occurred`), so the next request reconnects when the database is back.

A frozen server (a stopped process, a stuck host) never enforces its own
statement_timeout, and libpq waits on an open connection without limit: a kept
connection's health check (SELECT 1) or a query would hang its request for as long as
the freeze. So where the web server has a statement timeout, the `Watchdog` hangs up
(shuts the socket down) on a health check unanswered after HEALTH_CHECK_SECONDS and
on a query unanswered a GRACE_SECONDS after the statement timeout; libpq then sees a
closed connection and Django raises OperationalError. COPY (the CSV export, which
lifts its statement timeout) goes around Django's cursor and is not watched."""

import os
import socket
import threading
import time
from contextlib import contextmanager, suppress

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.backends.signals import connection_created
from django.dispatch import receiver
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


HEALTH_CHECK_SECONDS = 1.0
GRACE_SECONDS = 1.0
TICK_SECONDS = 0.1


def _hang_up(fd: int) -> None:
    """Shut the socket down under a thread blocked on it (a duplicate fd, closed after)."""
    with suppress(OSError), socket.socket(fileno=os.dup(fd)) as sock:
        sock.shutdown(socket.SHUT_RDWR)


class Watchdog:
    """Deadlines of the waits on PostgreSQL in flight, and one thread per process
    that hangs up on each wait past its deadline."""

    def __init__(self):
        self._lock = threading.Lock()
        self._waits: dict[object, tuple[float, int]] = {}  # key: (monotonic deadline, fd)
        self._pid = None  # the process whose thread watches (a forked worker starts its own)

    @contextmanager
    def deadline(self, pg, seconds: float):
        try:
            fd = pg.fileno()
        except Exception:  # closed: the call fails at once, nothing to watch
            fd = None
        if fd is None:
            yield
            return
        self._watching()
        key = object()
        with self._lock:
            self._waits[key] = (time.monotonic() + seconds, fd)
        try:
            yield
        finally:
            with self._lock:
                self._waits.pop(key, None)

    def _watching(self) -> None:
        with self._lock:
            if self._pid != os.getpid():
                self._pid = os.getpid()
                threading.Thread(target=self._watch, name="db-watchdog", daemon=True).start()

    def _watch(self) -> None:
        while True:
            time.sleep(TICK_SECONDS)
            now = time.monotonic()
            with self._lock:  # a registered wait's fd stays open until it unregisters
                for key in [k for k, (due, _) in self._waits.items() if due <= now]:
                    _hang_up(self._waits.pop(key)[1])


WATCHDOG = Watchdog()


@receiver(connection_created)
def watch_waits(sender, connection, **kwargs):
    """Put a new PostgreSQL connection's queries and health checks under the watchdog
    (web processes only: their settings carry a statement timeout)."""
    limit = getattr(settings, "DB_STATEMENT_TIMEOUT_MS", 0) / 1000
    if not limit or connection.vendor != "postgresql" or hasattr(connection, "_watched"):
        return
    connection._watched = True
    is_usable = connection.is_usable

    def watched_is_usable():
        with WATCHDOG.deadline(connection.connection, HEALTH_CHECK_SECONDS):
            return is_usable()

    def watched_query(execute, sql, params, many, context):
        with WATCHDOG.deadline(connection.connection, limit + GRACE_SECONDS):
            return execute(sql, params, many, context)

    connection.is_usable = watched_is_usable
    connection.execute_wrappers.insert(0, watched_query)  # below any `with execute_wrapper()`
