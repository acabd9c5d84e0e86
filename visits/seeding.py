"""Seed data: countries from pycountry, then the shipped fixtures. Idempotent: a
row is written only when it is missing or differs, so a second run changes nothing."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pycountry
from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from visits import services, summary
from visits.abroad import parse_side
from visits.importing import ImportReport, import_rows
from visits.interchange import read_csv
from visits.models import Country, Era, EraScheme, Level, Person, PublishedFigure, Visit
from visits.regions import region_of
from visits.services.visits import SOURCE_FIELDS

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
VISIT_FILES = ["china_dprk_visits.csv", "china_presidents_abroad.csv"]


def upsert(model, lookup: dict, values: dict) -> str:
    """Create or update one row, saving only when a value differs.
    Returns "created", "updated" or "unchanged"."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        model.objects.create(**lookup, **values)
        return "created"
    changed = {k: v for k, v in values.items() if getattr(obj, k) != v}
    if not changed:
        return "unchanged"
    for key, value in changed.items():
        setattr(obj, key, value)
    obj.save()
    return "updated"


def pycountry_rows() -> Iterator[dict]:
    """Every ISO 3166-1 country and ISO 3166-3 former state (SUN, DDR, YUG, CSK…)."""
    for c in pycountry.countries:
        yield {
            "code": c.alpha_3,
            "alpha_2": c.alpha_2,
            "name": getattr(c, "common_name", c.name),
            "iso_name": c.name,
            "official_name": getattr(c, "official_name", ""),
            "is_former": False,
            **_regions(c.alpha_3),
        }
    current = {c.alpha_3 for c in pycountry.countries}
    for c in pycountry.historic_countries:
        if c.alpha_3 not in current:
            current.add(c.alpha_3)
            yield {
                "code": c.alpha_3,
                "alpha_2": "",
                "name": c.name.split(",")[0],  # "USSR, Union of Soviet…" -> "USSR"
                "iso_name": c.name,
                "official_name": "",
                "is_former": True,
                **_regions(c.alpha_3),
            }


def _regions(code: str) -> dict:
    region, subregion = region_of(code)
    return {"region": region, "subregion": subregion}


def seed_countries() -> int:
    """Insert the countries that are missing, and the entities outside ISO 3166 of
    fixtures/entities.json (user-assigned codes such as XKX); returns how many were
    added."""
    have = set(Country.objects.values_list("code", flat=True))
    new = [Country(**row) for row in all_country_rows() if row["code"] not in have]
    Country.objects.bulk_create(new)
    return len(new)


def all_country_rows() -> Iterator[dict]:
    yield from pycountry_rows()
    for entity in json.loads((FIXTURES / "entities.json").read_text(encoding="utf-8")):
        yield {
            "iso_name": "",
            "official_name": "",
            "is_former": False,
            **entity,
            "user_assigned": True,
        }


def seed_people() -> None:
    with open(FIXTURES / "people.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            upsert(
                Person,
                {"slug": slugify(row["name"])},
                {
                    "name": row["name"],
                    "native_name": row["native_name"],
                    "aliases": row["aliases"],
                    "country_id": row["country"] or None,
                    "wikidata_id": row["wikidata_id"],
                },
            )


def seed_eras() -> None:
    schemes = json.loads((FIXTURES / "era_schemes.json").read_text(encoding="utf-8"))
    for scheme in schemes:
        upsert(
            EraScheme,
            {"slug": scheme["slug"]},
            {
                "name": scheme["name"],
                "country_id": scheme["country"],
                "description": scheme["description"],
            },
        )
        scheme_obj = EraScheme.objects.get(slug=scheme["slug"])
        for era in scheme["eras"]:
            upsert(
                Era,
                {"scheme": scheme_obj, "slug": era["slug"]},
                {
                    "name": era["name"],
                    "leader": Person.objects.get(slug=slugify(era["leader"])),
                    "start_date": dt.date.fromisoformat(era["start_date"]),
                    "end_date": dt.date.fromisoformat(era["end_date"]) if era["end_date"] else None,
                    "description": era["description"],
                    "source_url": era["source_url"],
                },
            )


FIGURE_FILES = ["published_figures.json", "published_figures_abroad.json"]


def seed_published_figures() -> None:
    """The published figures of FIGURE_FILES: each file one publication (a "source"
    with its "figures") or a list of them. A figure names a `pair`, or a `side`
    ("CHN-any": CHN's visits abroad; "any-CHN": its guests)."""
    for name in FIGURE_FILES:
        docs = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
        for doc in docs if isinstance(docs, list) else [docs]:
            for fig in doc["figures"]:
                _seed_figure(doc["source"], fig)


def _seed_figure(source: dict, fig: dict) -> None:
    era = Era.objects.get(scheme__slug=fig["scheme"], slug=fig["era"])
    if "side" in fig:
        visitor, host = parse_side(fig["side"])
        pair = (visitor or host, None)
    else:
        visitor, host = fig.get("direction") or (None, None)
        pair = fig["pair"]
    day = dt.date.fromisoformat
    lookup = {
        "era": era,
        "country_a_id": pair[0],
        "country_b_id": pair[1],
        "metric": fig["metric"],
        "unit": fig.get("unit", PublishedFigure.Unit.VISITS),
        "region": fig.get("region", ""),
        "visitor_country_id": visitor,
        "url": source["url"],
    }
    upsert(
        PublishedFigure,
        lookup,
        {
            "host_country_id": host,
            "min_level": Level.from_slug(fig["min_level"]),
            "value": fig.get("value"),
            "rate": Decimal(fig["rate"]) if "rate" in fig else None,
            "period_start": day(fig["period_start"]) if fig.get("period_start") else None,
            "period_end": day(fig["period_end"]) if fig.get("period_end") else None,
            "as_of": day(fig.get("as_of") or source["as_of"]),
            "publisher": source["publisher"],
            "title": source["title"],
            "published_date": day(source["published_date"])
            if source.get("published_date")
            else None,
            "quote": fig.get("quote") or source["quote"],
            "note": fig.get("note", ""),
        },
    )


def seed_visits() -> list[ImportReport]:
    reports = []
    for name in VISIT_FILES:
        rows, errors = read_csv((FIXTURES / name).read_text(encoding="utf-8"))
        report = import_rows(rows) if not errors else ImportReport(errors=errors)
        if report.errors:
            raise ValueError(f"{name}: " + "; ".join(str(e) for e in report.errors))
        reports.append(report)
    return reports


def describe_sources() -> int:
    """Give the seeded visits' sources the titles, publishers, dates and archive links of
    fixtures/sources.csv (by URL), through the write service, for the visits whose
    sources differ; returns how many visits changed (none on a second run)."""
    with open(FIXTURES / "sources.csv", encoding="utf-8") as handle:
        described = {row["url"]: _description(row) for row in csv.DictReader(handle)}
    changed = 0
    visits = Visit.objects.filter(sources__url__in=described).distinct()
    for visit in visits.prefetch_related("sources"):
        current = [{f: getattr(s, f) for f in ("id", *SOURCE_FIELDS)} for s in visit.sources.all()]
        wanted = [{**s, **described.get(s["url"], {})} for s in current]
        if wanted != current:
            services.update_visit(
                user=None, visit=visit, values={}, sources=wanted, reason="sources described"
            )
            changed += 1
    return changed


def _description(row: dict) -> dict:
    described = {f: row[f] for f in ("title", "publisher", "archive_url") if row[f]}
    if row["published_date"]:
        described["published_date"] = dt.date.fromisoformat(row["published_date"])
    return described


@transaction.atomic
def seed() -> list[ImportReport]:
    seed_countries()
    seed_people()
    seed_eras()
    reports = seed_visits()
    describe_sources()
    seed_published_figures()
    summary.rebuild()  # the import keeps it current; this also covers changed eras
    return reports
