"""The client's address, one rule for throttles and login lockouts: the socket's
address, unless DJANGO_TRUSTED_PROXIES proxies are in front, in which case the
address the nearest trusted proxy saw (DRF's NUM_PROXIES rule). A client can put
anything in X-Forwarded-For; only what trusted proxies appended counts."""

from django.conf import settings


def client_ip(request) -> str | None:
    trusted = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if trusted and forwarded:
        addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
        return addresses[-min(trusted, len(addresses))]
    return request.META.get("REMOTE_ADDR")
