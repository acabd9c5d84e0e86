"""How to cite Summitry and each of its public pages.

One description of a page (title, address, date of the data, licence) is rendered
as Highwire `citation_*` meta tags and JSON-LD in base.html, as BibTeX at /cite.bib
and as CSL-JSON at /cite.json. It is derived from the page's path alone (the view the
path resolves to and its arguments, the query string for comparisons), so the three
always agree and no view has to pass anything. The dataset itself is cited as the
/about/ page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.urls import Resolver404, resolve

from visits import pages, releases
from visits.models import Country, DataVersion, Era, EraScheme, Level, Person, Visit

PUBLISHER = "Summitry"
DATASET_TITLE = "Summitry: high-level diplomatic visits compared across leadership eras"
DATASET_PATH = "/about/"
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
LICENSE_NAME = "CC BY 4.0"


class NotCitable(Exception):
    """The path's query names no page that can be cited."""


@dataclass(frozen=True)
class Citation:
    title: str
    path: str  # path and query, as the page is reached
    url: str  # absolute
    updated: dt.date | None  # when the public data last changed
    release: str = ""  # which release the public data are (visits.releases.label)

    @property
    def is_dataset(self) -> bool:
        return self.path == DATASET_PATH

    @property
    def key(self) -> str:
        """A BibTeX key: summitry, the path's words, the year of the data."""
        words = re.sub(r"[^a-z0-9]+", "-", urlsplit(self.path).path.lower()).strip("-")
        year = self.updated.year if self.updated else ""
        return f"summitry-{words}-{year}".replace("--", "-").strip("-")

    @property
    def note(self) -> str:
        updated = f"Data last updated {self.updated:%-d %B %Y}. " if self.updated else ""
        release = f"Data: {self.release}. " if self.release else ""
        return f"{release}{updated}Licensed under {LICENSE_NAME} ({LICENSE_URL})."


def cite(path: str, *, base_url: str, user) -> Citation | None:
    """The citation of the public page at `path` (with its query string), or None when
    the path is no citable page or names nothing the user may see. `base_url` is the
    scheme and host (`https://example.org`); `user` decides what is visible."""
    parts = urlsplit(path)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    title_of = TITLES.get(match.view_name)
    if title_of is None:
        return None
    version = DataVersion.current()
    try:
        title = title_of(match.kwargs, QueryDict(parts.query), user, version.version)
    except (NotCitable, Visit.DoesNotExist, Person.DoesNotExist, Era.DoesNotExist):
        return None
    page = parts.path + (f"?{parts.query}" if parts.query else "")
    changed = version.published_changed_at  # the public record's
    url = base_url.rstrip("/") + page
    return Citation(title, page, url, changed and changed.date(), releases.label(version))


def dataset(*, base_url: str, user) -> Citation:
    return cite(DATASET_PATH, base_url=base_url, user=user)


def _comparison_title(version: int, pair, scheme: str, min_level: str, as_of: str = "") -> str:
    """Names from the data, cached per data version (renaming a scheme moves it)."""
    params = "|".join([",".join(pair), scheme, min_level, as_of])
    key = f"citation-title:{version}:{hashlib.sha256(params.encode()).hexdigest()}"
    return cache.get_or_set(key, lambda: _comparison_title_uncached(pair, scheme, min_level, as_of))


def _comparison_title_uncached(pair, scheme: str, min_level: str, as_of: str) -> str:
    names = dict(Country.objects.filter(code__in=pair).values_list("code", "name"))
    countries = " and ".join(names.get(code, code) for code in pair)
    era_scheme = EraScheme.objects.filter(slug=scheme).values_list("name", flat=True).first()
    level = next((lv.label.lower() for lv in Level if lv.slug == min_level), min_level)
    title = f"Visits between {countries} by era ({era_scheme or scheme}), {level} or above"
    return title + (f", as of {as_of}" if as_of else "")


def _home(kwargs, query, user, version) -> str:
    featured = settings.SUMMITRY_FEATURED
    return _comparison_title(version, featured["pair"], featured["scheme"], featured["min_level"])


def _compare(kwargs, query, user, version) -> str:
    """The comparison as the page's form reads its query (a missing value is the
    featured comparison's), by the form's own fields and the scheme as a slug, whose
    name the title looks up. A value the form refuses (a NUL byte, an unknown code)
    makes the page, a 400, uncitable: the title is never built from raw values."""
    data = pages.form_data(query)
    fields = pages.CompareForm.base_fields
    try:
        pair = fields["pair"].clean(data.get("pair"))
        scheme = forms.SlugField().clean(data.get("scheme"))
        min_level = fields["min_level"].clean(data.get("min_level"))
        as_of = fields["as_of"].clean(data.get("as_of"))
    except ValidationError:
        raise NotCitable from None
    return _comparison_title(version, pair, scheme, min_level, as_of.isoformat() if as_of else "")


def _visit(kwargs, query, user, version) -> str:
    visit = Visit.objects.published().select_related("visitor").get(pk=kwargs["pk"])
    return f"Visit: {visit}"


def _person(kwargs, query, user, version) -> str:
    person = Person.objects.visible_to(user).get(slug=kwargs["slug"])
    return f"{person.name}: high-level visits"


def _era(kwargs, query, user, version) -> str:
    era = Era.objects.select_related("scheme").get(
        scheme__slug=kwargs["scheme"], slug=kwargs["slug"]
    )
    return f"{era.name} ({era.scheme.name}): high-level visits"


TITLES: dict[str, Callable] = {
    "home": _home,
    "compare": _compare,
    "visit-list": lambda kwargs, query, user, version: "Visits" + (" (filtered)" if query else ""),
    "visit-detail": _visit,
    "person-detail": _person,
    "era-detail": _era,
    "about": lambda kwargs, query, user, version: DATASET_TITLE,
}


def _bibtex_text(text: str) -> str:
    return re.sub(r"([\\{}%&$#_^~])", r"\\\1", text)


def to_bibtex(citation: Citation, *, accessed: dt.date) -> str:
    """A biblatex/BibTeX @misc entry (plain BibTeX styles read `howpublished`)."""
    fields = {
        "title": "{" + _bibtex_text(citation.title) + "}",
        "author": "{" + PUBLISHER + "}",
        "publisher": PUBLISHER,
        "year": str(citation.updated.year) if citation.updated else "",
        "url": citation.url,
        "howpublished": "\\url{" + citation.url + "}",
        "urldate": accessed.isoformat(),
        "version": _bibtex_text(citation.release),
        "note": _bibtex_text(citation.note),
    }
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items() if value)
    return f"@misc{{{citation.key},\n{body}\n}}\n"


def _date_parts(day: dt.date) -> dict:
    return {"date-parts": [[day.year, day.month, day.day]]}


def to_csl(citation: Citation, *, accessed: dt.date) -> list[dict]:
    """CSL-JSON: a list holding one item of type dataset."""
    item = {
        "id": citation.key,
        "type": "dataset",
        "title": citation.title,
        "author": [{"literal": PUBLISHER}],
        "publisher": PUBLISHER,
        "URL": citation.url,
        "accessed": _date_parts(accessed),
        "version": citation.release,
        "license": LICENSE_URL,
        "note": citation.note,
    }
    if citation.updated:
        item["issued"] = _date_parts(citation.updated)
    if not citation.is_dataset:
        item["container-title"] = DATASET_TITLE
    return [item]


def to_json_ld(citation: Citation, *, dataset_url: str, download_url: str) -> str:
    """A schema.org Dataset, as text safe inside a <script> element."""
    data = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "name": citation.title,
        "url": citation.url,
        "license": LICENSE_URL,
        "creator": {"@type": "Organization", "name": PUBLISHER},
        "publisher": {"@type": "Organization", "name": PUBLISHER},
        "isAccessibleForFree": True,
        "version": citation.release,
    }
    if citation.updated:
        data["dateModified"] = citation.updated.isoformat()
    if citation.is_dataset:
        data["distribution"] = {
            "@type": "DataDownload",
            "encodingFormat": "text/csv",
            "contentUrl": download_url,
        }
    else:
        data["isPartOf"] = {"@type": "Dataset", "name": DATASET_TITLE, "url": dataset_url}
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
