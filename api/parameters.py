"""Which query parameters each read endpoint knows. A GET naming any other (a typo
such as `kinds=event`, or a lookup such as `start_date__gte=2000`) is a 400 naming
it, instead of an answer that silently ignores it. Any request whose parameter holds
a NUL byte is a 400 naming it too, before any view, filter or paginator reads it."""

from __future__ import annotations

from collections.abc import Iterable

from rest_framework.exceptions import ValidationError

from api.conditional import SAFE
from visits.filters import VisitFilter, nul_parameters, unknown_parameters

FORMAT = frozenset({"format"})  # DRF's format override, e.g. ?format=json
FILTERS = frozenset(VisitFilter.base_filters)
# A comparison reads pair, min_level and scheme itself, and counts by era, so the
# visit filter `era` (which needs the filter `scheme`) means nothing there.
STATS_OWN = frozenset({"pair", "side", "min_level", "scheme", "as_of", "window", "facet", "format"})
STATS_FILTERS = FILTERS - STATS_OWN - {"era"}
# The visit filters that each computed endpoint or export documents and reads.
FILTERS_BY_PATH = {
    "/api/v1/visits/export.csv": FILTERS,
    "/api/v1/stats/facets/": FILTERS,
    "/api/v1/stats/era-comparison/": STATS_FILTERS,
    "/api/v1/stats/timeline/": STATS_FILTERS,
    "/api/v1/charts/{name}/": STATS_FILTERS,
}


def check_parameters(query, known: Iterable[str] | None) -> None:
    """Raise a 400 naming every parameter of `query` that holds a NUL byte or (when
    `known` is given) is not in `known`."""
    problems = nul_parameters(query)
    if known is not None:
        problems = unknown_parameters(query, known) | problems
    if problems:
        raise ValidationError({name: [message] for name, message in problems.items()})


class KnownParametersMixin:
    """Mix into a DRF view before the other mixins: a request whose parameter holds a
    NUL byte, or a GET whose query string names a parameter outside
    `known_parameters()`, is a 400 before anything else runs (content negotiation
    included, so `format=%00` is a 400 naming `format`, not a 404).
    `known_parameters()` returning None leaves the names unchecked."""

    def initial(self, request, *args, **kwargs):
        known = self.known_parameters() if request.method in SAFE else None
        check_parameters(request.query_params, known)
        super().initial(request, *args, **kwargs)

    def known_parameters(self) -> frozenset[str] | None:
        return None
