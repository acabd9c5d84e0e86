"""The tables of a release (visits.releases) as a Frictionless Tabular Data Package:
each column's name, type and meaning, each table's keys, and the citation file."""

from __future__ import annotations

import datetime as dt

from visits.models import Channel, Confidence, Kind, Level, PublishedFigure

DATE_FORM = r"^\d{4}(-\d{2}(-\d{2})?)?$"


def _enum(values) -> dict:
    return {"enum": list(values)}


# (name, type, description, constraints)
TABLES: dict[str, list[tuple]] = {
    "visits": [
        (
            "id",
            "integer",
            "Summitry's id of the visit (stable across releases).",
            {"required": True, "unique": True},
        ),
        (
            "start_date",
            "string",
            "First day, as precise as known: YYYY, YYYY-MM or YYYY-MM-DD.",
            {"required": True, "pattern": DATE_FORM},
        ),
        ("date_precision", "string", "day, month or year.", _enum(["day", "month", "year"])),
        ("end_date", "date", "Last day, when known.", {}),
        ("visitor_id", "integer", "The head of the delegation (people.id).", {"required": True}),
        ("visitor", "string", "The visitor's name as commonly romanised.", {"required": True}),
        ("visitor_title", "string", "The post the visitor held at the time.", {}),
        ("visitor_country", "string", "Alpha-3 code of the visitor's country.", {"required": True}),
        ("host_country", "string", "Alpha-3 code of the host country.", {"required": True}),
        ("level", "string", "The visitor's rank (docs/codebook.md).", _enum(Level.slugs())),
        ("channel", "string", "Whose business the visit was.", _enum(Channel.values)),
        ("kind", "string", "What sort of visit (docs/codebook.md).", _enum(Kind.values)),
        ("multilateral", "boolean", "The host invited other countries to the same event.", {}),
        ("hosts", "string", "The hosts met, separated by '; '.", {}),
        ("places", "string", "Places visited, separated by ';'.", {}),
        ("purpose", "string", "What the visit was, in Summitry's words.", {}),
        (
            "notes",
            "string",
            "Research notes: other dates, disagreements between sources, coding.",
            {},
        ),
        (
            "confidence",
            "string",
            "How sure the record is (docs/codebook.md).",
            _enum(Confidence.values),
        ),
        ("external_id", "string", "The id of the row in another dataset, if any.", {}),
    ],
    "people": [
        ("id", "integer", "Summitry's id of the person.", {"required": True, "unique": True}),
        (
            "slug",
            "string",
            "The person's address on the site (/people/<slug>/).",
            {"required": True},
        ),
        ("name", "string", "As commonly romanised.", {"required": True}),
        ("native_name", "string", "In the person's own script.", {}),
        ("aliases", "string", "Other names and scripts, separated by ';'.", {}),
        ("country", "string", "Alpha-3 code.", {}),
        ("wikidata_id", "string", "Wikidata item, where verified.", {}),
    ],
    "sources": [
        ("id", "integer", "Summitry's id of the source.", {"required": True, "unique": True}),
        ("visit_id", "integer", "The visit it states (visits.id).", {"required": True}),
        ("url", "string", "Where it is.", {"required": True}),
        ("title", "string", "Its title as published.", {}),
        ("publisher", "string", "Its publisher.", {}),
        ("published_date", "date", "When it was published, if stated.", {}),
        ("archive_url", "string", "An archived copy, if one exists.", {}),
    ],
    "eras": [
        ("scheme", "string", "The era scheme's slug.", {"required": True}),
        ("slug", "string", "The era's slug within its scheme.", {"required": True}),
        ("name", "string", "The era's name.", {"required": True}),
        ("leader_id", "integer", "The era's leader (people.id).", {}),
        ("start_date", "date", "First day of the era (inclusive).", {"required": True}),
        ("end_date", "date", "Day the era ended (exclusive); empty: ongoing.", {}),
        ("description", "string", "The boundary rule, with its source.", {}),
        ("source_url", "string", "The source of the boundary.", {}),
    ],
    "published_figures": [
        ("id", "integer", "Summitry's id of the figure.", {"required": True, "unique": True}),
        ("scheme", "string", "The era scheme's slug.", {"required": True}),
        ("era", "string", "The era's slug.", {"required": True}),
        ("metric", "string", "What was counted.", _enum(PublishedFigure.Metric.values)),
        ("min_level", "string", "The publication's threshold.", _enum(Level.slugs())),
        ("unit", "string", "Visits, or host countries.", _enum(PublishedFigure.Unit.values)),
        ("country_a", "string", "One country of the pair (a one-sided figure's country).", {}),
        ("country_b", "string", "The other; empty for a one-sided figure (any partner).", {}),
        ("visitor_country", "string", "The direction's visitor country, if one.", {}),
        ("host_country", "string", "The direction's host country, if one.", {}),
        ("region", "string", "UN M49 region of the partners, if the figure names one.", {}),
        ("period_start", "date", "Counted from this day, if not from the era's start.", {}),
        ("period_end", "date", "Counted up to this day, if not to the as-of date.", {}),
        ("value", "integer", "The figure as published (a count); empty for a rate.", {}),
        ("rate", "number", "The figure as published, visits per year; empty for a count.", {}),
        ("as_of", "date", "The date the figure was counted at.", {"required": True}),
        ("publisher", "string", "Who published it.", {}),
        ("title", "string", "Where.", {}),
        ("url", "string", "Its address.", {}),
        ("quote", "string", "The publication's words.", {}),
        ("note", "string", "How Summitry reads the figure's rule.", {}),
    ],
    "changes": [
        (
            "change",
            "string",
            "added, changed or withdrawn since the previous release.",
            _enum(["added", "changed", "withdrawn"]),
        ),
        (
            "visit_id",
            "integer",
            "The visit (visits.id; a withdrawn one is not in this release).",
            {"required": True},
        ),
        ("fields", "string", "For a change: the fields that changed, separated by '; '.", {}),
    ],
}

KEYS = {
    "visits": {
        "primaryKey": ["id"],
        "foreignKeys": [
            {"fields": ["visitor_id"], "reference": {"resource": "people", "fields": ["id"]}}
        ],
    },
    "people": {"primaryKey": ["id"]},
    "sources": {
        "primaryKey": ["id"],
        "foreignKeys": [
            {"fields": ["visit_id"], "reference": {"resource": "visits", "fields": ["id"]}}
        ],
    },
    "eras": {
        "primaryKey": ["scheme", "slug"],
        "foreignKeys": [
            {"fields": ["leader_id"], "reference": {"resource": "people", "fields": ["id"]}}
        ],
    },
    "published_figures": {
        "primaryKey": ["id"],
        "foreignKeys": [
            {
                "fields": ["scheme", "era"],
                "reference": {"resource": "eras", "fields": ["scheme", "slug"]},
            }
        ],
    },
    "changes": {},
}


def _schema(name: str) -> dict:
    fields = []
    for field, kind, description, constraints in TABLES[name]:
        spec = {"name": field, "type": kind, "description": description}
        if constraints:
            spec["constraints"] = constraints
        fields.append(spec)
    return {"fields": fields, "missingValues": [""], **KEYS[name]}


def datapackage(*, version: str, created: dt.datetime, base_url: str) -> dict:
    return {
        "profile": "tabular-data-package",
        "name": "summitry",
        "title": "Summitry: high-level diplomatic visits",
        "version": version,
        "created": created.isoformat(timespec="seconds"),
        "homepage": base_url or "https://summitry.org/",
        "licenses": [
            {
                "name": "CC-BY-4.0",
                "title": "Creative Commons Attribution 4.0",
                "path": "https://creativecommons.org/licenses/by/4.0/",
            }
        ],
        "resources": [
            {
                "name": name,
                "path": f"{name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": _schema(name),
            }
            for name in TABLES
        ],
    }


CITATION = """cff-version: 1.2.0
message: "If you use these data, please cite them as below."
type: dataset
title: "Summitry: high-level diplomatic visits"
version: "{version}"
date-released: "{date}"
url: "{url}"
license: CC-BY-4.0
authors:
  - name: "Summitry contributors"
"""
