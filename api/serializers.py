"""Serializers: one shape for reading and writing a resource. Visits are written by
the write service (visits.services), under the same rules as the admin and the
importer; api.errors turns its refusals into answers."""

from __future__ import annotations

import functools

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from visits import eras as era_rules
from visits import services
from visits.dates import parse_date
from visits.filters import LEVEL_CHOICES
from visits.models import (
    Country,
    Era,
    EraScheme,
    Level,
    Person,
    Precision,
    PublishedFigure,
    Source,
    Visit,
)


class LevelField(serializers.ChoiceField):
    """Levels travel as slugs (`minister`) and are stored as ordered integers."""

    def __init__(self, **kwargs):
        super().__init__(choices=LEVEL_CHOICES, **kwargs)

    def to_representation(self, value):
        return Level(value).slug

    def to_internal_value(self, data):
        return Level.from_slug(super().to_internal_value(data))


class PersonRefSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:person-detail", lookup_field="slug")

    class Meta:
        model = Person
        fields = ["slug", "name", "url"]


class PersonRefField(serializers.SlugRelatedField):
    """A person: written as a slug, read as {slug, name, url}."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="slug", queryset=Person.objects.all(), **kwargs)

    def to_representation(self, person):
        return PersonRefSerializer(person, context=self.context).data


class PersonRefFieldExtension(OpenApiSerializerFieldExtension):
    target_class = PersonRefField

    def map_serializer_field(self, auto_schema, direction):
        if direction == "request":
            return {"type": "string", "description": "A person's slug."}
        return auto_schema.resolve_serializer(PersonRefSerializer, direction).ref


class SourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["url", "title", "publisher", "published_date", "accessed_date", "archive_url"]


class CountryField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(slug_field="code", queryset=Country.objects.all(), **kwargs)


class VisitSerializer(serializers.ModelSerializer):
    """A visit. `start_date` may be written as YYYY, YYYY-MM or YYYY-MM-DD (the form
    sets the precision, as in the CSV); it is read back as the first possible day
    with `date_precision`."""

    url = serializers.HyperlinkedIdentityField(view_name="api:visit-detail")
    start_date = serializers.CharField(help_text="YYYY, YYYY-MM or YYYY-MM-DD.")
    date_precision = serializers.ChoiceField(choices=Precision.choices, required=False)
    date_label = serializers.CharField(read_only=True)
    visitor = PersonRefField()
    visitor_country = CountryField()
    host_country = CountryField()
    direction = serializers.CharField(read_only=True)
    level = LevelField(required=False)
    hosts = PersonRefField(many=True, required=False)
    eras = serializers.SerializerMethodField()
    ambiguous = serializers.SerializerMethodField()
    sources = SourceSerializer(many=True, required=False)
    confirm_duplicate = serializers.BooleanField(
        write_only=True,
        required=False,
        help_text="Save even if this may record a visit already recorded (which would "
        "otherwise answer 409 with the candidates).",
    )

    class Meta:
        model = Visit
        fields = [
            "id",
            "url",
            "start_date",
            "end_date",
            "date_precision",
            "date_label",
            "visitor",
            "visitor_title",
            "visitor_country",
            "host_country",
            "direction",
            "level",
            "channel",
            "kind",
            "multilateral",
            "hosts",
            "places",
            "purpose",
            "notes",
            "eras",
            "ambiguous",
            "sources",
            "confidence",
            "status",
            "external_id",
            "version",
            "created_at",
            "updated_at",
            "confirm_duplicate",
        ]
        read_only_fields = ["version", "created_at", "updated_at"]

    @extend_schema_field(
        {"type": "object", "additionalProperties": {"type": "string", "nullable": True}}
    )
    def get_eras(self, visit) -> dict:
        return {slug: (m.era.slug if m.era else None) for slug, m in self._memberships(visit)}

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "boolean"}})
    def get_ambiguous(self, visit) -> dict:
        return {slug: m.ambiguous for slug, m in self._memberships(visit)}

    def _memberships(self, visit):
        countries = {visit.visitor_country_id, visit.host_country_id}
        schemes = self.context.get("schemes", {})
        return _memberships(countries, visit.start_date, visit.start_latest, schemes)

    def validate_start_date(self, value):
        try:
            return parse_date(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None

    def validate(self, attrs):
        """The date's form sets its precision unless `date_precision` says more. The
        rules of a visit are the write service's, asked when saving."""
        if "start_date" in attrs:
            day, precision = attrs["start_date"]
            if precision == Precision.DAY and attrs.get("date_precision"):
                precision = attrs["date_precision"]
            attrs["start_date"], attrs["date_precision"] = day, precision
        return attrs

    def create(self, validated):
        return services.create_visit(
            user=self.context["request"].user,
            hosts=validated.pop("hosts", ()),
            sources=validated.pop("sources", ()),
            confirm_duplicate=validated.pop("confirm_duplicate", False),
            values=validated,
        )

    def update(self, visit, validated):
        """`expected_version` comes from the view (If-Match), passed to save()."""
        return services.update_visit(
            user=self.context["request"].user,
            visit=visit,
            expected_version=validated.pop("expected_version", None),
            hosts=validated.pop("hosts", None),
            sources=validated.pop("sources", None),
            confirm_duplicate=validated.pop("confirm_duplicate", False),
            values=validated,
        )


_PLACEHOLDER = "__key__"


def _url_template(request, view_name: str, key: str, format_suffix: str | None) -> str:
    """An absolute detail URL with `_PLACEHOLDER` where the row's key goes, built once
    per page instead of a reverse() per row."""
    kwargs = {key: _PLACEHOLDER, **({"format": format_suffix} if format_suffix else {})}
    return request.build_absolute_uri(reverse(view_name, kwargs=kwargs))


def _date(value) -> str | None:
    return value.isoformat() if value else None


def visit_list_data(visits, *, request, schemes: dict, format_suffix=None) -> list[dict]:
    """Visits (visitor selected) as VisitSerializer reads them, the same keys in the
    same order, by plain functions: a list page serializes each row once instead of a
    serializer per field per row. Hosts and sources: one values() query each."""
    visit_url = _url_template(request, "api:visit-detail", "pk", format_suffix)
    # DRF's own formatting, its time zone looked up once per page rather than per value.
    moment = serializers.DateTimeField(default_timezone=timezone.get_current_timezone())
    person_url = _url_template(request, "api:person-detail", "slug", format_suffix)

    def person(slug: str, name: str) -> dict:
        return {"slug": slug, "name": name, "url": person_url.replace(_PLACEHOLDER, slug)}

    ids = [visit.pk for visit in visits]
    hosts: dict[int, list] = {pk: [] for pk in ids}
    for visit_id, slug, name in (
        Visit.hosts.through.objects.filter(visit_id__in=ids)
        .order_by("person__name", "person_id")
        .values_list("visit_id", "person__slug", "person__name")
    ):
        hosts[visit_id].append(person(slug, name))
    sources: dict[int, list] = {pk: [] for pk in ids}
    for visit_id, *fields in Source.objects.filter(visit_id__in=ids).values_list(
        "visit_id", *SOURCE_FIELDS
    ):
        sources[visit_id].append(_source(fields))

    @functools.cache  # rows of a page share their countries and often their dates
    def eras_of(countries: frozenset, start, latest) -> tuple[dict, dict]:
        memberships = list(_memberships(countries, start, latest, schemes))
        return (
            {slug: (m.era.slug if m.era else None) for slug, m in memberships},
            {slug: m.ambiguous for slug, m in memberships},
        )

    return [_visit(v, visit_url, person, hosts, sources, eras_of, moment) for v in visits]


SOURCE_FIELDS = ("url", "title", "publisher", "published_date", "accessed_date", "archive_url")


def _source(fields) -> dict:
    url, title, publisher, published, accessed, archive_url = fields
    return {
        "url": url,
        "title": title,
        "publisher": publisher,
        "published_date": _date(published),
        "accessed_date": _date(accessed),
        "archive_url": archive_url,
    }


def _visit(visit, visit_url, person, hosts, sources, eras_of, moment) -> dict:
    countries = frozenset((visit.visitor_country_id, visit.host_country_id))
    eras, ambiguous = eras_of(countries, visit.start_date, visit.start_latest)
    return {
        "id": visit.pk,
        "url": visit_url.replace(_PLACEHOLDER, str(visit.pk)),
        "start_date": visit.start_date.isoformat(),
        "end_date": _date(visit.end_date),
        "date_precision": visit.date_precision,
        "date_label": visit.date_label,
        "visitor": person(visit.visitor.slug, visit.visitor.name),
        "visitor_title": visit.visitor_title,
        "visitor_country": visit.visitor_country_id,
        "host_country": visit.host_country_id,
        "direction": visit.direction,
        "level": Level(visit.level).slug,
        "channel": visit.channel,
        "kind": visit.kind,
        "multilateral": visit.multilateral,
        "hosts": hosts[visit.pk],
        "places": visit.places,
        "purpose": visit.purpose,
        "notes": visit.notes,
        "eras": eras,
        "ambiguous": ambiguous,
        "sources": sources[visit.pk],
        "confidence": visit.confidence,
        "status": visit.status,
        "external_id": visit.external_id,
        "version": visit.version,
        "created_at": moment.to_representation(visit.created_at),
        "updated_at": moment.to_representation(visit.updated_at),
    }


def _memberships(countries, start, latest, schemes: dict):
    """(scheme slug, eras.Membership) for each scheme of a visit's two countries, from
    its first and last possible days."""
    for slug, (country, eras) in schemes.items():
        if country in countries:
            yield slug, era_rules.membership(start, latest, eras)


class PersonSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:person-detail", lookup_field="slug")
    country = CountryField(required=False, allow_null=True)
    aliases = serializers.ListField(
        child=serializers.CharField(), required=False, source="alias_list"
    )
    visits_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Person
        fields = [
            "slug",
            "url",
            "name",
            "native_name",
            "aliases",
            "country",
            "wikidata_id",
            "visits_count",
        ]

    def _aliases(self, validated):
        if "alias_list" in validated:
            validated["aliases"] = "; ".join(validated.pop("alias_list"))
        return validated

    def create(self, validated):
        return super().create(self._aliases(validated))

    def update(self, instance, validated):
        return super().update(instance, self._aliases(validated))


class CountrySerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:country-detail", lookup_field="code")

    class Meta:
        model = Country
        fields = ["code", "url", "alpha_2", "name", "iso_name", "official_name", "is_former"]


class EraSerializer(serializers.ModelSerializer):
    scheme = serializers.SlugRelatedField(slug_field="slug", queryset=EraScheme.objects.all())
    leader = serializers.SlugRelatedField(
        slug_field="slug", queryset=Person.objects.all(), required=False, allow_null=True
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = Era
        fields = [
            "scheme",
            "slug",
            "url",
            "name",
            "leader",
            "start_date",
            "end_date",
            "description",
            "source_url",
        ]

    def get_url(self, era) -> str:
        from rest_framework.reverse import reverse

        return reverse(
            "api:era-detail",
            args=[f"{era.scheme.slug}/{era.slug}"],
            request=self.context.get("request"),
        )

    def validate(self, attrs):
        era = Era(
            **{
                **(
                    {f.name: getattr(self.instance, f.name) for f in Era._meta.concrete_fields}
                    if self.instance
                    else {}
                ),
                **attrs,
            }
        )
        try:
            era.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return attrs


class EraSchemeSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:erascheme-detail", lookup_field="slug"
    )
    country = CountryField()
    eras = EraSerializer(many=True, read_only=True)

    class Meta:
        model = EraScheme
        fields = ["slug", "url", "name", "country", "description", "eras"]


@extend_schema_field(OpenApiTypes.STR)
class EraKeyField(serializers.RelatedField):
    """An era as `scheme/slug` (e.g. `china-paramount/hu`), as in /api/v1/eras/."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Era.objects.select_related("scheme"), **kwargs)

    def to_representation(self, era):
        return f"{era.scheme.slug}/{era.slug}"

    def to_internal_value(self, data):
        scheme, _, slug = str(data).partition("/")
        era = self.get_queryset().filter(scheme__slug=scheme, slug=slug).first()
        if era is None:
            raise serializers.ValidationError(f"no era {data!r}; write it as scheme/slug")
        return era


class PublishedFigureSerializer(serializers.ModelSerializer):
    era = EraKeyField()
    min_level = LevelField(required=False)
    direction = serializers.CharField(read_only=True, allow_null=True)
    country_a = CountryField()
    country_b = CountryField(
        required=False, allow_null=True, help_text="Null: a one-sided figure (any partner)."
    )
    visitor_country = CountryField(required=False, allow_null=True)
    host_country = CountryField(required=False, allow_null=True)
    rate = serializers.DecimalField(
        max_digits=7,
        decimal_places=2,
        coerce_to_string=False,
        required=False,
        allow_null=True,
        help_text="Visits per year over the period, instead of a value.",
    )

    class Meta:
        model = PublishedFigure
        fields = [
            "id",
            "era",
            "country_a",
            "country_b",
            "metric",
            "unit",
            "min_level",
            "visitor_country",
            "host_country",
            "direction",
            "region",
            "period_start",
            "period_end",
            "value",
            "rate",
            "as_of",
            "publisher",
            "title",
            "url",
            "published_date",
            "quote",
            "note",
        ]

    def validate(self, data):
        """A value or a rate (of visits), never both; a one-sided figure names its side."""
        merged = {
            name: data.get(name, getattr(self.instance, name, None))
            for name in ("value", "rate", "unit", "country_b", "visitor_country", "host_country")
        }
        if (merged["value"] is None) == (merged["rate"] is None):
            raise serializers.ValidationError({"value": ["give a value or a rate, not both"]})
        if merged["rate"] is not None and (merged["unit"] or "visits") != "visits":
            raise serializers.ValidationError({"rate": ["a rate counts visits"]})
        if merged["country_b"] is None and (
            (merged["visitor_country"] is None) == (merged["host_country"] is None)
        ):
            raise serializers.ValidationError(
                {"country_b": ["a one-sided figure names its visitor or its host country"]}
            )
        return data
