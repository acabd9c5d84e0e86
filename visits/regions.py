"""UN M49 regions of countries, from the hdx-python-country package's copy of the UN
Statistics Division's table (read offline: `use_live=False`, nothing is fetched).

Former states (USSR, Yugoslavia…) and entities outside ISO 3166 are not in M49's
current table; fixtures/entities.json and FORMER give theirs, each with the reason.
"""

from __future__ import annotations

from functools import cache

# Former states in ISO 3166-3 that M49 no longer lists: the region of every state
# that succeeded them (all of each lies in one region).
FORMER = {
    "SUN": ("Europe", "Eastern Europe"),  # M49 placed the USSR in Eastern Europe
    "YUG": ("Europe", "Southern Europe"),  # its successors are all Southern Europe
    "SCG": ("Europe", "Southern Europe"),
    "CSK": ("Europe", "Eastern Europe"),  # Czechia and Slovakia
    "DDR": ("Europe", "Western Europe"),  # now part of Germany
    "YMD": ("Asia", "Western Asia"),  # now part of Yemen
}


@cache
def _table() -> dict[str, tuple[str, str]]:
    from hdx.location.country import Country as HDXCountry

    countries = HDXCountry.countriesdata(use_live=False)["countries"]
    return {
        code: (info.get("Region Name") or "", info.get("Sub-region Name") or "")
        for code, info in countries.items()
    }


def region_of(code: str) -> tuple[str, str]:
    """(M49 region, sub-region) of an alpha-3 code; ("", "") when M49 has none."""
    return _table().get(code) or FORMER.get(code) or ("", "")


def regions() -> list[str]:
    """The M49 regions, sorted: Africa, Americas, Asia, Europe, Oceania."""
    return sorted({region for region, _ in _table().values() if region})
