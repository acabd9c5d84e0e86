"""Links to visit pages in bulk: `reverse()` costs ~0.1 ms, and a person page links
each of hundreds of visits three times (list, table, chart)."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

_PK = 987654321  # stands for the visit's id in the one reversed URL


def visit_url(pk: int) -> str:
    """`reverse("visit-detail", args=[pk])` (what Visit.get_absolute_url returns),
    reversed once per URL configuration and script prefix."""
    head, tail = _visit_url_parts(get_script_prefix(), get_urlconf(), settings.ROOT_URLCONF)
    return f"{head}{int(pk)}{tail}"


@lru_cache(maxsize=8)
def _visit_url_parts(prefix: str, urlconf, root_urlconf: str) -> tuple[str, str]:
    head, _, tail = reverse("visit-detail", args=[_PK]).rpartition(str(_PK))
    return head, tail
