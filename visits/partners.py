"""The partners page: whom a scheme's country's leaders met most, era by era."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import render

from visits import stats
from visits.models import EraScheme, Level

DEFAULT_SCHEME = "china-paramount"


def partners(request):
    """Every partner country of the scheme's country per era (stats.partner_comparison),
    ranked; `scheme`, `min_level` and `as_of` from the query string, a bad one a 400
    naming it."""
    schemes = list(EraScheme.objects.order_by("name"))
    errors, query = _parse(request.GET, {s.slug for s in schemes})
    context = {"schemes": schemes, "levels": list(Level), "query": query, "errors": errors}
    if errors:
        return render(request, "visits/partners.html", context, status=400)
    comparison = stats.partner_comparison(**query)
    return render(request, "visits/partners.html", {**context, "comparison": comparison})


def _parse(params, schemes: set[str]) -> tuple[dict, dict]:
    return parse_scheme_level_as_of(params, schemes, DEFAULT_SCHEME)


def parse_scheme_level_as_of(params, schemes: set[str], default_scheme: str) -> tuple[dict, dict]:
    """(errors by parameter, query) of a page's `scheme`, `min_level` (default
    minister) and `as_of` (default None: today)."""
    errors, query = {}, {"scheme": params.get("scheme") or default_scheme}
    if query["scheme"] not in schemes:
        errors["scheme"] = f"unknown era scheme {query['scheme']!r}"
    try:
        query["min_level"] = Level.from_slug(params.get("min_level") or "minister")
    except ValueError as exc:
        errors["min_level"] = str(exc)
    try:
        query["as_of"] = dt.date.fromisoformat(params["as_of"]) if params.get("as_of") else None
    except ValueError:
        errors["as_of"] = "as_of must be a date, YYYY-MM-DD"
    return errors, query
