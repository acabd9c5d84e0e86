"""Releases: the published data as a versioned Frictionless data package.

A release holds the published visits, the people they name, their sources, the era
schemes and the published figures, as CSV tables described by `datapackage.json`
(table schemas with keys), with `CITATION.cff` and a change log (`changes.csv`) of the
visits added, changed and withdrawn since the release before it. What the previous
release held is read from the visits' history as it stood at that release's time, so
no snapshot is kept besides the zipped package itself.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from visits.dates import format_iso
from visits.models import (
    DataVersion,
    Era,
    Level,
    Person,
    PublishedFigure,
    Release,
    Source,
    Status,
    Visit,
)
from visits.release_schema import CITATION, TABLES, datapackage
from visits.services.imports import ROW_FIELDS

# The fields whose change is a change of a visit in the change log: what an
# interchange row sets, and the visitor.
COMPARED = [*ROW_FIELDS, "visitor_id"]


@dataclass(frozen=True)
class Change:
    change: str  # added, changed, withdrawn
    visit_id: int
    fields: tuple[str, ...] = ()


RELEASE_HEADER = "Summitry-Release"  # which release of the data an answer holds


def label(data: DataVersion | None = None) -> str:
    """Which release the public data are: "release 1.0", "unreleased changes since
    release 1.0", or "unreleased (no release yet)"; from the data-version row."""
    data = data or DataVersion.current()
    if not data.release:
        return "unreleased (no release yet)"
    if data.release_published_version == data.published_version:
        return f"release {data.release}"
    return f"unreleased changes since release {data.release}"


def release_dataset(*, version: str, out_dir: Path, user=None, base_url: str = "") -> Release:
    """Write the data package of the published data as `version` into `out_dir` and
    record it (zipped) as a Release. Raises ValueError if the version exists."""
    if Release.objects.filter(version=version).exists():
        raise ValueError(f"release {version} exists already")
    with transaction.atomic():
        data = DataVersion.objects.select_for_update().filter(pk=1).first() or DataVersion()
        now = timezone.now()
        changes = changes_since(Release.objects.first())
        files = package_files(version=version, now=now, changes=changes, base_url=base_url)
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            (out_dir / name).write_bytes(content)
        counts = {kind: sum(c.change == kind for c in changes) for kind in _KINDS}
        DataVersion.objects.update_or_create(
            pk=1,
            defaults={"release": version, "release_published_version": data.published_version},
        )
        return Release.objects.create(
            version=version,
            created_at=now,
            created_by=user,
            published_version=data.published_version,
            visits=Visit.objects.published().count(),
            package=_zipped(version, files),
            **counts,
        )


_KINDS = ("added", "changed", "withdrawn")


def package_files(*, version: str, now, changes: list[Change], base_url: str) -> dict[str, bytes]:
    """The files of a release: its tables as CSV, datapackage.json, CITATION.cff."""
    visits = Visit.objects.published().select_related("visitor").order_by("start_date", "id")
    tables = {
        "visits": [_visit_row(v) for v in visits.prefetch_related("hosts")],
        "people": [_person_row(p) for p in _people(visits)],
        "sources": [_source_row(s) for s in Source.objects.filter(visit__in=visits)],
        "eras": [_era_row(e) for e in Era.objects.select_related("scheme", "leader")],
        "published_figures": [
            _figure_row(f) for f in PublishedFigure.objects.select_related("era__scheme")
        ],
        "changes": [_change_row(c) for c in changes],
    }
    files = {f"{name}.csv": _csv(TABLES[name], rows) for name, rows in tables.items()}
    meta = datapackage(version=version, created=now, base_url=base_url)
    files["datapackage.json"] = json.dumps(meta, indent=2, ensure_ascii=False).encode() + b"\n"
    files["CITATION.cff"] = CITATION.format(
        version=version, date=now.date().isoformat(), url=base_url or "https://summitry.org/"
    ).encode()
    return files


def changes_since(previous: Release | None) -> list[Change]:
    """The published visits added, changed and withdrawn since `previous` (all
    published visits are added when there is none)."""
    now = {v["id"]: v for v in Visit.objects.published().values("id", *COMPARED)}
    then = _published_at(previous.created_at) if previous else {}
    touched = _sources_touched_since(previous.created_at) if previous else set()
    changes = [Change("added", pk) for pk in now if pk not in then]
    changes += [Change("withdrawn", pk) for pk in then if pk not in now]
    for pk in now.keys() & then.keys():
        fields = tuple(f for f in COMPARED if now[pk][f] != then[pk][f])
        if pk in touched:
            fields += ("sources",)
        if fields:
            changes.append(Change("changed", pk, fields))
    return sorted(changes, key=lambda c: (c.visit_id, c.change))


def _published_at(moment) -> dict[int, dict]:
    """Each visit as its last history row before `moment` had it, if published then."""
    rows = (
        Visit.history.filter(history_date__lte=moment)
        .order_by("id", "-history_date", "-history_id")
        .values("id", "history_type", "status", *COMPARED)
    )
    found: dict[int, dict] = {}
    for row in rows:
        if row["id"] not in found:
            found[row["id"]] = row
    return {
        pk: row
        for pk, row in found.items()
        if row["history_type"] != "-" and row["status"] == Status.PUBLISHED
    }


def _sources_touched_since(moment) -> set[int]:
    return set(Source.history.filter(history_date__gt=moment).values_list("visit_id", flat=True))


def _people(visits) -> list[Person]:
    ids = set(visits.values_list("visitor_id", flat=True))
    ids |= set(
        Visit.hosts.through.objects.filter(visit__in=visits).values_list("person_id", flat=True)
    )
    ids |= set(Era.objects.exclude(leader=None).values_list("leader_id", flat=True))
    return list(Person.objects.filter(pk__in=ids).order_by("id"))


def _visit_row(visit: Visit) -> list:
    return [
        visit.pk,
        format_iso(visit.start_date, visit.date_precision),
        visit.date_precision,
        visit.end_date.isoformat() if visit.end_date else "",
        visit.visitor_id,
        visit.visitor.name,
        visit.visitor_title,
        visit.visitor_country_id,
        visit.host_country_id,
        Level(visit.level).slug,
        visit.channel,
        visit.kind,
        "true" if visit.multilateral else "false",
        "; ".join(sorted(h.name for h in visit.hosts.all())),
        visit.places,
        visit.purpose,
        visit.notes,
        visit.confidence,
        visit.external_id or "",
    ]


def _person_row(person: Person) -> list:
    country = person.country_id or ""
    return [
        person.pk,
        person.slug,
        person.name,
        person.native_name,
        person.aliases,
        country,
        person.wikidata_id,
    ]


def _source_row(source: Source) -> list:
    return [
        source.pk,
        source.visit_id,
        source.url,
        source.title,
        source.publisher,
        source.published_date.isoformat() if source.published_date else "",
        source.archive_url,
    ]


def _era_row(era: Era) -> list:
    return [
        era.scheme.slug,
        era.slug,
        era.name,
        era.leader_id or "",
        era.start_date.isoformat(),
        era.end_date.isoformat() if era.end_date else "",
        era.description,
        era.source_url,
    ]


def _figure_row(figure: PublishedFigure) -> list:
    return [
        figure.pk,
        figure.era.scheme.slug,
        figure.era.slug,
        figure.metric,
        Level(figure.min_level).slug,
        figure.unit,
        figure.country_a_id,
        figure.country_b_id or "",
        figure.visitor_country_id or "",
        figure.host_country_id or "",
        figure.region,
        figure.period_start.isoformat() if figure.period_start else "",
        figure.period_end.isoformat() if figure.period_end else "",
        "" if figure.value is None else figure.value,
        "" if figure.rate is None else str(figure.rate),
        figure.as_of.isoformat(),
        figure.publisher,
        figure.title,
        figure.url,
        figure.quote,
        figure.note,
    ]


def _change_row(change: Change) -> list:
    return [change.change, change.visit_id, "; ".join(change.fields)]


def _csv(table: list[tuple], rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([name for name, *_ in table])
    writer.writerows(rows)
    return buffer.getvalue().encode()


def _zipped(version: str, files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(f"summitry-{version}/{name}", content)
    return buffer.getvalue()
