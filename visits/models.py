"""The visits domain: countries, people, visits and their sources, era schemes,
published figures. Invariants live in Meta.constraints so the database keeps them."""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from visits.dates import format_date, is_first_day, latest_possible_date
from visits.querysets import EraQuerySet, PersonQuerySet, VisitQuerySet, search_key


class Level(models.IntegerChoices):
    """The visitor's rank, ordered: a larger value is a higher rank."""

    LEADER = 60, "Leader"
    HEAD_OF_STATE = 50, "Head of state"
    HEAD_OF_GOVERNMENT = 40, "Head of government"
    SENIOR = 30, "Senior"
    MINISTER = 20, "Minister"
    SUB_MINISTER = 10, "Sub-minister"
    UNKNOWN = 0, "Unknown"

    @property
    def slug(self) -> str:
        return self.name.lower()

    @classmethod
    def from_slug(cls, slug: str) -> Level:
        """`Level.from_slug("minister")`; raises ValueError naming the choices."""
        try:
            return cls[slug.strip().upper()]
        except KeyError:
            raise ValueError(
                f"unknown level {slug!r}; expected one of {', '.join(cls.slugs())}"
            ) from None

    @classmethod
    def slugs(cls) -> list[str]:
        return [member.slug for member in cls]


class Precision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


class Channel(models.TextChoices):
    STATE = "state", "State"
    PARTY = "party", "Party"
    MILITARY = "military", "Military"
    LEGISLATURE = "legislature", "Legislature"
    OTHER = "other", "Other"


class Kind(models.TextChoices):
    STATE = "state", "State visit"
    OFFICIAL = "official", "Official visit"
    WORKING = "working", "Working visit"
    UNOFFICIAL = "unofficial", "Unofficial visit"
    ENVOY = "envoy", "Special envoy"
    EVENT = "event", "Event or multilateral meeting"
    TRANSIT = "transit", "Transit"
    OTHER = "other", "Other"


class Confidence(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


def choices_check(field: str, choices: type[models.Choices], name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


def arrow(direction: str) -> str:
    """`PRK-CHN` as every legend, hover, table and page writes it: `PRK → CHN`."""
    return direction.replace("-", " → ")


# The alpha-3 ranges ISO 3166-1 leaves to its users (AAA–AAZ, QMA–QZZ, XAA–XZZ,
# ZZA–ZZZ): an entity outside the standard, such as Kosovo (XKX), takes one of them.
USER_ASSIGNED = r"^(AA[A-Z]|Q[M-Z][A-Z]|X[A-Z]{2}|ZZ[A-Z])$"


class Country(models.Model):
    """An ISO 3166-1 country, an ISO 3166-3 former state, or an entity outside ISO
    3166 under a user-assigned code (with a note on its status), keyed by alpha-3."""

    code = models.CharField(
        max_length=3,
        primary_key=True,
        validators=[RegexValidator(r"^[A-Z]{3}$", "Three capital letters.")],
        help_text="ISO 3166 alpha-3; for an entity outside the standard, a user-assigned "
        "code (AAA–AAZ, QMA–QZZ, XAA–XZZ, ZZA–ZZZ), e.g. XKX for Kosovo.",
    )
    alpha_2 = models.CharField(max_length=4, blank=True)
    name = models.CharField(max_length=100, help_text="Common English name.")
    iso_name = models.CharField(max_length=200, blank=True)
    official_name = models.CharField(max_length=200, blank=True)
    is_former = models.BooleanField(default=False)
    user_assigned = models.BooleanField(
        default=False, help_text="Not in ISO 3166: the code is a user-assigned one."
    )
    note = models.TextField(
        blank=True, help_text="For an entity outside ISO 3166: its status, who uses the code."
    )
    # UN M49 (the UN Statistics Division's standard country or area codes), from the
    # hdx-python-country package's copy of it (visits.regions): "Asia", "Eastern Asia".
    region = models.CharField(max_length=40, blank=True, help_text="UN M49 region.")
    subregion = models.CharField(max_length=60, blank=True, help_text="UN M49 sub-region.")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"
        constraints = [
            models.CheckConstraint(
                condition=Q(user_assigned=False) | ~Q(note=""),
                name="country_user_assigned_has_note",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.user_assigned:
            if not re.match(USER_ASSIGNED, self.code or ""):
                raise ValidationError(
                    {"code": "A user-assigned code lies in AAA–AAZ, QMA–QZZ, XAA–XZZ or ZZA–ZZZ."}
                )
            if not self.note.strip():
                raise ValidationError({"note": "Say what the entity is and who uses the code."})


class Person(models.Model):
    name = models.CharField(max_length=200, help_text="As commonly romanised.")
    slug = models.SlugField(max_length=200, unique=True)
    native_name = models.CharField(max_length=200, blank=True)
    aliases = models.TextField(
        blank=True,
        help_text="Other names, separated by ';': romanisations, spellings, and the name "
        "in other scripts (hanja, traditional or simplified Chinese).",
    )
    country = models.ForeignKey(Country, on_delete=models.PROTECT, null=True, blank=True)
    wikidata_id = models.CharField(max_length=20, blank=True)
    search_key = models.TextField(
        blank=True, editable=False, help_text="Every name, normalised for search; set on save."
    )
    history = HistoricalRecords()

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"
        # The visitor box's prefix match (search_key LIKE 'kimj%'): text_pattern_ops
        # so PostgreSQL ranges it whatever the collation; SQLite ignores opclasses.
        indexes = [
            models.Index(
                fields=["search_key"],
                opclasses=["text_pattern_ops"],
                name="person_search_key_prefix",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.set_search_key()
        fields = kwargs.get("update_fields")
        if fields is not None and {"name", "native_name", "aliases"} & set(fields):
            kwargs["update_fields"] = {*fields, "search_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("person-detail", args=[self.slug])

    @property
    def alias_list(self) -> list[str]:
        return [a.strip() for a in self.aliases.split(";") if a.strip()]

    def set_search_key(self) -> None:
        """Derive `search_key` from the names (querysets.search_key); save() calls it,
        a bulk create must call it first."""
        self.search_key = search_key(self.name, self.native_name, *self.alias_list)


class Visit(models.Model):
    """One trip by one visitor (the head of the delegation) to one host country.

    `start_date` holds the first possible day of an imprecise date ("November 1958"
    is 1958-11-01 with precision month); `start_latest` is derived from it and is the
    last possible day, kept so that era ambiguity can be answered in the database.
    """

    start_date = models.DateField(db_index=True)
    end_date = models.DateField(null=True, blank=True)
    date_precision = models.CharField(
        max_length=5, choices=Precision.choices, default=Precision.DAY
    )
    start_latest = models.DateField(editable=False)
    visitor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="visits")
    visitor_title = models.CharField(max_length=300, blank=True, help_text="Held at the time.")
    # Indexed by Meta.indexes, led by the country (no single-column or LIKE index).
    visitor_country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="outgoing_visits", db_index=False
    )
    host_country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="incoming_visits", db_index=False
    )
    level = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.UNKNOWN)
    channel = models.CharField(max_length=12, choices=Channel.choices, default=Channel.STATE)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.OFFICIAL)
    multilateral = models.BooleanField(
        default=False,
        help_text="The host invited other countries' delegations to the same event or "
        "meeting (a congress, a parade, a summit): docs/codebook.md.",
    )
    hosts = models.ManyToManyField(Person, blank=True, related_name="hosted_visits")
    places = models.CharField(max_length=500, blank=True, help_text="Separated by ';'.")
    purpose = models.TextField(blank=True)
    notes = models.TextField(
        blank=True,
        help_text="Public research notes: other dates the sources give, their "
        "disagreements, the reasons for a coding. Not the purpose.",
    )
    confidence = models.CharField(
        max_length=6, choices=Confidence.choices, default=Confidence.MEDIUM
    )
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.DRAFT)
    # Unique by Meta.constraints (a unique=True field also gets a LIKE index).
    external_id = models.CharField(max_length=200, null=True, blank=True)
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Moves on every write; the visit's ETag."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    # Not indexed: nothing looks visits up by who wrote them (history does).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    # History is read by visit (`id`) and by date; every other index there only slows
    # the bulk import's writes.
    history = HistoricalRecords(
        m2m_fields=[hosts],
        no_db_index=[
            "start_date",
            "visitor",
            "visitor_country",
            "host_country",
            "updated_at",
            "created_by",
            "updated_by",
        ],
    )

    objects = VisitQuerySet.as_manager()

    class Meta:
        ordering = ["start_date", "id"]
        permissions = [("publish_visit", "Can publish and unpublish visits")]
        indexes = [
            models.Index(fields=["visitor_country", "host_country", "start_date"]),
            models.Index(fields=["host_country", "start_date"], name="visit_host_start"),
            models.Index(fields=["level", "start_date"]),
            # Drafts and withdrawn visits are few: the editors' lists find them here.
            models.Index(
                fields=["status"], condition=~Q(status="published"), name="visit_unpublished"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["external_id"], name="visit_external_id_unique"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="visit_end_on_or_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(visitor_country=F("host_country")),
                name="visit_countries_differ",
            ),
            models.CheckConstraint(
                condition=Q(start_latest__gte=F("start_date")), name="visit_start_latest_valid"
            ),
            choices_check("level", Level, "visit_level_valid"),
            choices_check("date_precision", Precision, "visit_precision_valid"),
            choices_check("status", Status, "visit_status_valid"),
            choices_check("confidence", Confidence, "visit_confidence_valid"),
            choices_check("channel", Channel, "visit_channel_valid"),
            choices_check("kind", Kind, "visit_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.visitor} to {self.host_country_id}, {self.date_label}"

    def save(self, *args, **kwargs):
        self.derive()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("visit-detail", args=[self.pk])

    def derive(self) -> None:
        """Set the stored fields that follow from others: `start_latest`."""
        self.start_latest = latest_possible_date(self.start_date, self.date_precision)

    def clean(self):
        errors = {}
        if self.end_date and self.start_date and self.end_date < self.start_date:
            errors["end_date"] = "The end date is before the start date."
        if self.visitor_country_id and self.visitor_country_id == self.host_country_id:
            errors["host_country"] = "The host country must differ from the visitor's."
        if self.start_date and not is_first_day(self.start_date, self.date_precision):
            errors["start_date"] = (
                f"A date of precision {self.date_precision} must be its first day."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def direction(self) -> str:
        return f"{self.visitor_country_id}-{self.host_country_id}"

    @property
    def date_label(self) -> str:
        return format_date(self.start_date, self.date_precision)

    @property
    def level_slug(self) -> str:
        return Level(self.level).slug

    @property
    def place_list(self) -> list[str]:
        return [p.strip() for p in self.places.split(";") if p.strip()]


class Source(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="sources")
    url = models.URLField(max_length=1000)
    title = models.CharField(max_length=500, blank=True)
    publisher = models.CharField(max_length=200, blank=True)
    published_date = models.DateField(null=True, blank=True)
    accessed_date = models.DateField(null=True, blank=True)
    archive_url = models.URLField(max_length=1000, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["visit_id", "id"]

    def __str__(self) -> str:
        return self.title or self.url


class EraScheme(models.Model):
    """One way to cut a country's history into eras."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="era_schemes")
    description = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name


class Era(models.Model):
    """A span of a scheme: start inclusive, end exclusive, no end = ongoing.

    Eras of one scheme never overlap: `clean()` checks it on every backend and, on
    PostgreSQL, an exclusion constraint (migration 0002) enforces it.
    """

    scheme = models.ForeignKey(EraScheme, on_delete=models.CASCADE, related_name="eras")
    slug = models.SlugField(max_length=100)
    name = models.CharField(max_length=200)
    leader = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="eras"
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Exclusive; empty = ongoing.")
    description = models.TextField(blank=True, help_text="The boundary rule, with its source.")
    source_url = models.URLField(max_length=1000, blank=True)
    history = HistoricalRecords()

    objects = EraQuerySet.as_manager()

    class Meta:
        ordering = ["scheme", "start_date"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "slug"], name="era_unique_slug"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gt=F("start_date")),
                name="era_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("era-detail", args=[self.scheme.slug, self.slug])

    def clean(self):
        if self.end_date and self.start_date and self.end_date <= self.start_date:
            raise ValidationError({"end_date": "An era must end after it starts."})
        if not (self.scheme_id and self.start_date):
            return
        clash = (
            Era.objects.filter(scheme_id=self.scheme_id)
            .exclude(pk=self.pk)
            .overlapping(self.start_date, self.end_date)
            .first()
        )
        if clash:
            raise ValidationError(
                {"start_date": f"Overlaps the era {clash.name} of the same scheme."}
            )


class PublishedFigure(models.Model):
    """A number that a publication printed, with its source, its as-of date and the
    rule it counted by, so that the records can be counted under the same rule.

    Of a pair (`country_b` set) or one-sided (`country_b` empty: `country_a`'s visits
    abroad when `visitor_country` is set, its guests when `host_country` is). `metric`
    says whose visits: all at or above `min_level`, leader-level ones, or the era's
    leader's own trips. `unit` says what is counted: visits, or distinct host
    countries. A `rate` instead of a `value` is visits per year in office. The period
    is the era's, narrowed by `period_start`/`period_end` when the publication
    counted another span (2013–2020), and `region` (UN M49) narrows the hosts.
    """

    class Metric(models.TextChoices):
        TOTAL = "total", "Visits at or above the threshold"
        LEADER_VISITS = "leader_visits", "Leader-level visits"
        LEADER_TRIPS = "leader_trips", "The era's leader's own visits"

    class Unit(models.TextChoices):
        VISITS = "visits", "Visits"
        HOST_COUNTRIES = "host_countries", "Distinct host countries"

    era = models.ForeignKey(Era, on_delete=models.CASCADE, related_name="published_figures")
    country_a = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+")
    country_b = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: a one-sided figure (country A and any partner).",
    )
    metric = models.CharField(max_length=20, choices=Metric.choices, default=Metric.TOTAL)
    unit = models.CharField(max_length=20, choices=Unit.choices, default=Unit.VISITS)
    min_level = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.MINISTER)
    visitor_country = models.ForeignKey(
        Country, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    host_country = models.ForeignKey(
        Country, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    region = models.CharField(
        max_length=40, blank=True, help_text="UN M49 region of the host countries, e.g. Asia."
    )
    period_start = models.DateField(
        null=True, blank=True, help_text="Counted from this day, if later than the era's start."
    )
    period_end = models.DateField(
        null=True, blank=True, help_text="Counted up to this day, if earlier than the as-of date."
    )
    value = models.PositiveIntegerField(null=True, blank=True)
    rate = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Instead of a value: visits per year in office over the period.",
    )
    as_of = models.DateField()
    publisher = models.CharField(max_length=200)
    title = models.CharField(max_length=300)
    url = models.URLField(max_length=1000)
    published_date = models.DateField(null=True, blank=True)
    quote = models.TextField(blank=True)
    note = models.TextField(
        blank=True, help_text="How the publication's rule was read, and what is uncertain."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["era__start_date", "metric", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "era",
                    "country_a",
                    "country_b",
                    "metric",
                    "unit",
                    "region",
                    "visitor_country",
                    "url",
                ],
                name="published_figure_unique",
            ),
            choices_check("min_level", Level, "published_figure_level_valid"),
            models.CheckConstraint(
                condition=Q(value__isnull=False, rate__isnull=True)
                | Q(value__isnull=True, rate__isnull=False, unit="visits"),
                name="published_figure_value_or_rate",
            ),
            models.CheckConstraint(
                condition=~Q(country_b__isnull=True)
                | Q(visitor_country__isnull=False, host_country__isnull=True)
                | Q(visitor_country__isnull=True, host_country__isnull=False),
                name="published_figure_one_sided_has_side",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.publisher}: {self.era} {self.get_metric_display()} = {self.published}"

    @property
    def published(self) -> float:
        """The printed number: the value, or the rate per year."""
        return float(self.rate) if self.rate is not None else self.value

    @property
    def one_sided(self) -> bool:
        return self.country_b_id is None

    @property
    def direction(self) -> str | None:
        """ "CHN-PRK"; one-sided "CHN-any" (visits abroad) or "any-CHN" (guests)."""
        if self.visitor_country_id or self.host_country_id:
            return f"{self.visitor_country_id or 'any'}-{self.host_country_id or 'any'}"
        return None

    def span(self) -> tuple[dt.date, dt.date]:
        """(first day, last day) counted: the era's span within the period, to as_of."""
        start = max(filter(None, [self.era.start_date, self.period_start]))
        ends = [self.as_of, self.period_end]
        if self.era.end_date:
            ends.append(self.era.end_date - dt.timedelta(days=1))
        return start, min(filter(None, ends))


class DataVersion(models.Model):
    """One row: a counter that moves, with its time, whenever public data changes.

    Conditional GETs compare against it in one primary-key lookup. The write service
    moves it for visits and sources; saving or deleting any other domain model moves
    it through a signal (visits.apps)."""

    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True)
    # Moved only by a change that anyone may see: a published visit or source written,
    # a visit published or unpublished, reference data saved. What anonymous readers
    # get as ETag and Last-Modified, so that a draft's edit times never reach them.
    published_version = models.PositiveBigIntegerField(default=0)
    published_changed_at = models.DateTimeField(null=True)
    # The latest release (visits.releases) and the published version it holds, here so
    # that saying which release an answer shows costs no query of its own.
    release = models.CharField(max_length=40, blank=True)
    release_published_version = models.PositiveBigIntegerField(null=True)

    def __str__(self) -> str:
        return f"data version {self.version}"

    def seen_by(self, user) -> tuple[int, dt.datetime | None]:
        """(version, time of change) of the data `user` may see: everything for those
        who may view drafts, the published data for everyone else."""
        if user is not None and user.has_perm("visits.view_visit"):
            return self.version, self.changed_at
        return self.published_version, self.published_changed_at

    @classmethod
    def current(cls) -> DataVersion:
        """The row, or an unsaved version 0 before any change."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class Release(models.Model):
    """A versioned, citable state of the published data: the data package that
    `manage.py release_dataset` wrote (visits.releases), kept whole for download."""

    version = models.CharField(
        max_length=40,
        unique=True,
        validators=[
            RegexValidator(r"^[0-9A-Za-z][0-9A-Za-z.\-]*$", "Letters, digits, dots and hyphens.")
        ],
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    published_version = models.PositiveBigIntegerField(
        help_text="DataVersion.published_version when released: the data it holds."
    )
    visits = models.PositiveIntegerField()
    added = models.PositiveIntegerField()
    changed = models.PositiveIntegerField()
    withdrawn = models.PositiveIntegerField()
    package = models.BinaryField(help_text="The data package, zipped.")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"release {self.version}"

    def get_absolute_url(self) -> str:
        return reverse("release-download", args=[self.version])


SUMMARY_KEY = {"on_delete": models.CASCADE, "db_constraint": False, "db_index": False}


class EraCount(models.Model):
    """The era summary (visits.summary): how many published visits of one direction,
    level and start year count in one era of a scheme (`era` None: outside every era
    of it), and whether their possible start range crosses one of its boundaries.
    Kept current by the write path, rebuilt by `manage.py rebuild_summary`; a row
    may hold n = 0."""

    # Derived rows, written in bulk by every import: no key checks in the database
    # (Django still cascades a deleted scheme, era or country) and no index a key,
    # since the indexes below lead with what the readers ask for.
    scheme = models.ForeignKey(EraScheme, related_name="+", **SUMMARY_KEY)
    era = models.ForeignKey(Era, null=True, related_name="+", **SUMMARY_KEY)
    visitor_country = models.ForeignKey(Country, related_name="+", **SUMMARY_KEY)
    host_country = models.ForeignKey(Country, related_name="+", **SUMMARY_KEY)
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    year = models.PositiveSmallIntegerField(help_text="Of the visit's start date.")
    ambiguous = models.BooleanField()
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            # Coalesce: one "outside" row per key (NULLs would never conflict).
            models.UniqueConstraint(
                "scheme",
                Coalesce("era", 0),
                "visitor_country",
                "host_country",
                "level",
                "year",
                "ambiguous",
                name="era_count_unique_key",
            ),
        ]
        # What the comparisons read: one pair's rows, or every row of one country
        # (as visitor, or as host).
        indexes = [
            models.Index(fields=["scheme", "visitor_country", "host_country", "year"]),
            models.Index(fields=["scheme", "host_country", "year"]),
        ]

    def __str__(self) -> str:
        return f"{self.scheme_id}/{self.era_id} {self.visitor_country_id}-{self.host_country_id}"


class Correction(models.Model):
    """A reader's suggestion from /corrections/new/: a correction of a published visit,
    or a visit that is missing. A queue for editors, nothing more: no correction is
    ever published or changes a visit by itself; an editor who accepts one makes the
    change through the admin like any other. `submitter_hash` is a keyed hash of the
    sender's address (config.clients), never the address, and only for rate limits.
    A correction is reviewed (by, at) exactly when its status is no longer new."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", "Correction of a visit"
        MISSING = "missing", "Missing visit"

    class Status(models.TextChoices):
        NEW = "new", "New"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        DUPLICATE = "duplicate", "Duplicate"

    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.CORRECTION)
    visit = models.ForeignKey(
        Visit, null=True, blank=True, on_delete=models.SET_NULL, related_name="corrections"
    )
    message = models.TextField(max_length=4000)
    source_url = models.URLField(max_length=500, blank=True)
    email = models.EmailField(blank=True, help_text="Only to reply to the sender; never shown.")
    submitter_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    reviewer_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="new", reviewed_at__isnull=True)
                | (~Q(status="new") & Q(reviewed_at__isnull=False)),
                name="correction_reviewed_unless_new",
            ),
        ]

    def __str__(self) -> str:
        about = f": {self.visit}" if self.visit_id else ""
        return f"{self.get_kind_display()}{about} ({self.created_at:%Y-%m-%d})"
