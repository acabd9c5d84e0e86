"""Which query parameters each read endpoint knows. A GET naming any other (a typo
such as `kinds=event`, or a lookup such as `start_date__gte=2000`) is a 400 naming
it, instead of an answer that silently ignores it."""

from __future__ import annotations

from collections.abc import Iterable

from rest_framework.exceptions import ValidationError

from api.conditional import SAFE
from visits.filters import VisitFilter, unknown_parameters

FORMAT = frozenset({"format"})  # DRF's format override, e.g. ?format=json
FILTERS = frozenset(VisitFilter.base_filters)
# A comparison reads pair, min_level and scheme itself, and counts by era, so the
# visit filter `era` (which needs the filter `scheme`) means nothing there.
STATS_OWN = frozenset({"pair", "min_level", "scheme", "as_of", "window", "facet", "format"})
STATS_FILTERS = FILTERS - STATS_OWN - {"era"}
# The visit filters that each computed endpoint or export documents and reads.
FILTERS_BY_PATH = {
    "/api/v1/visits/export.csv": FILTERS,
    "/api/v1/stats/facets/": FILTERS,
    "/api/v1/stats/era-comparison/": STATS_FILTERS,
    "/api/v1/stats/timeline/": STATS_FILTERS,
    "/api/v1/charts/{name}/": STATS_FILTERS,
}


def check_known(names: Iterable[str], known: Iterable[str]) -> None:
    """Raise a 400 naming every parameter in `names` that is not in `known`."""
    unknown = unknown_parameters(names, known)
    if unknown:
        raise ValidationError({name: [message] for name, message in unknown.items()})


class KnownParametersMixin:
    """Mix into a DRF view before the other mixins: a GET whose query string names a
    parameter outside `known_parameters()` is a 400 before anything else runs.
    `known_parameters()` returning None leaves the request unchecked."""

    def initial(self, request, *args, **kwargs):
        if request.method in SAFE:
            known = self.known_parameters()
            if known is not None:
                check_known(request.query_params, known)
        super().initial(request, *args, **kwargs)

    def known_parameters(self) -> frozenset[str] | None:
        return None
