"""Input and output serializers of the computed endpoints (stats and charts), and
the shared step that turns a request's visit filters into a base queryset."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError

from api.parameters import STATS_OWN
from api.serializers import LevelField
from visits import abroad, chart_registry, stats
from visits.filters import PairField, VisitFilter
from visits.models import EraScheme, Level, Visit


def filtered_visits(request, exclude: tuple[str, ...] = ()):
    """Visits the user may see, narrowed by the visit filters in the query string;
    a bad filter value is a 400 naming the parameter."""
    data = request.query_params.copy()
    for name in exclude:
        data.pop(name, None)
    filterset = VisitFilter(data, Visit.objects.visible_to(request.user), request=request)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset.qs


def base_visits(request):
    """The base queryset of a stats endpoint: published visits (unless a user who may
    see drafts asks for a status) narrowed by the visit filters; the endpoint's own
    parameters are left to it."""
    visits = filtered_visits(request, exclude=STATS_OWN)
    return visits if "status" in request.query_params else visits.published()


class PairQueryField(serializers.CharField):
    def to_internal_value(self, data):
        try:
            return PairField().clean(super().to_internal_value(data))
        except Exception as exc:  # django ValidationError -> DRF
            raise serializers.ValidationError(getattr(exc, "messages", [str(exc)])) from None


class KnownScheme(serializers.Serializer):
    """A query whose `scheme`, when given, must name a recorded era scheme."""

    def validate_scheme(self, value):
        if value and not EraScheme.objects.filter(slug=value).exists():
            raise serializers.ValidationError(f"unknown era scheme {value!r}")
        return value


class TimelineQuery(KnownScheme):
    pair = PairQueryField(help_text="Two alpha-3 codes: CHN,PRK.")
    min_level = LevelField(default=Level.MINISTER, help_text="Rank threshold (default minister).")
    as_of = serializers.DateField(required=False, help_text="YYYY-MM-DD; default today.")
    scheme = serializers.SlugField(required=False, help_text="Era scheme for the bands.")


class ComparisonQuery(TimelineQuery):
    scheme = serializers.SlugField(help_text="Era scheme slug, e.g. china-paramount.")
    window = serializers.IntegerField(
        required=False, min_value=1, max_value=100, help_text="Equal window, in years."
    )


class ChartQuery(ComparisonQuery):
    scheme = serializers.SlugField(required=False, default="china-paramount")
    window = serializers.IntegerField(required=False, min_value=1, max_value=100)


class FigureLinks(serializers.Serializer):
    """The two lists of exactly the visits a published figure's `recorded` counts."""

    visits_url = serializers.SerializerMethodField(
        help_text="The page listing exactly the visits counted in `recorded`."
    )
    api_visits_url = serializers.SerializerMethodField(
        help_text="The same visits from the API's visit list."
    )

    def get_visits_url(self, published) -> str:
        return f"{reverse('visit-list')}?figure={published.figure_id}"

    def get_api_visits_url(self, published) -> str:
        return f"{reverse('api:visit-list')}?figure={published.figure_id}"


class PublishedOutput(FigureLinks):
    publisher = serializers.CharField()
    title = serializers.CharField()
    url = serializers.URLField()
    as_of = serializers.DateField()
    metric = serializers.CharField()
    direction = serializers.CharField(allow_null=True)
    min_level = serializers.CharField()
    value = serializers.IntegerField()
    recorded = serializers.IntegerField(help_text="Records counted under the figure's rule.")
    coverage = serializers.FloatField(allow_null=True, help_text="recorded / value")
    quote = serializers.CharField()


class DirectionCounts(serializers.DictField):
    child = serializers.IntegerField()


class EraRowOutput(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    leader = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    until = serializers.DateField(help_text="End, or the as-of date if earlier.")
    ongoing = serializers.BooleanField()
    years = serializers.FloatField()
    total = serializers.IntegerField()
    directions = DirectionCounts()
    leader_visits = DirectionCounts()
    per_year = serializers.FloatField(allow_null=True)
    in_window = serializers.IntegerField(allow_null=True)
    window_complete = serializers.BooleanField()
    ambiguous = serializers.IntegerField()
    published = PublishedOutput(many=True)


class ComparisonOutput(serializers.Serializer):
    pair = serializers.ListField(child=serializers.CharField())
    scheme = serializers.CharField()
    scheme_name = serializers.CharField()
    min_level = serializers.CharField()
    as_of = serializers.DateField()
    window = serializers.IntegerField(allow_null=True)
    directions = serializers.ListField(child=serializers.CharField())
    eras = EraRowOutput(many=True, source="rows")
    outside = serializers.IntegerField(help_text="Visits outside every era.")
    outside_directions = DirectionCounts()
    total = serializers.IntegerField()


class YearOutput(serializers.Serializer):
    year = serializers.IntegerField()
    total = serializers.IntegerField()
    directions = DirectionCounts()
    leader_visits = DirectionCounts()


class BandOutput(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)


class TimelineOutput(serializers.Serializer):
    pair = serializers.ListField(child=serializers.CharField(), source="timeline.pair")
    min_level = serializers.CharField(source="timeline.min_level")
    directions = serializers.ListField(child=serializers.CharField(), source="timeline.directions")
    years = YearOutput(many=True, source="timeline.years")
    eras = BandOutput(many=True)


class FacetCountOutput(serializers.Serializer):
    value = serializers.JSONField()
    count = serializers.IntegerField()


class FacetsOutput(serializers.Serializer):
    facets = serializers.DictField(child=FacetCountOutput(many=True))


def facet_names(request) -> list[str]:
    names = request.query_params.getlist("facet")
    unknown = [n for n in names if n not in stats.FACETS]
    if not names or unknown:
        problem = f"unknown facet {unknown[0]!r}" if unknown else "give at least one facet"
        raise ValidationError({"facet": [f"{problem}; facets: {', '.join(stats.FACETS)}"]})
    return names


def build_chart(name: str, query: dict, visits):
    """The figure of registered chart `name`: the same data and builder as the public
    page. A chart that has nothing to draw for this query (the finding, for a pair
    without published figures) is a 404 saying so."""
    data = chart_registry.ComparisonData(
        pair=query["pair"],
        scheme=query["scheme"],
        min_level=query["min_level"],
        as_of=query.get("as_of"),
        window=query.get("window"),
        visits=visits,
    )
    spec = chart_registry.REGISTRY[name]
    if not spec.shown(data):
        raise NotFound(f"chart {name!r} has nothing to draw for this pair and scheme")
    return spec.figure(data)


class SideQueryField(serializers.CharField):
    def to_internal_value(self, data):
        try:
            return abroad.known_side(super().to_internal_value(data))
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None


class EraComparisonQuery(ComparisonQuery):
    pair = PairQueryField(
        required=False,
        help_text="Two alpha-3 codes: CHN,PRK. Without it (and without `side`): every "
        "partner country of the scheme's country, era by era.",
    )
    side = SideQueryField(
        required=False,
        help_text="One country against every partner: CHN-any (its visits abroad) or "
        "any-CHN (its guests), era by era, with the era's leader's own trips.",
    )

    def validate(self, data):
        if "pair" in data and "side" in data:
            raise serializers.ValidationError({"side": ["give a pair or a side, not both"]})
        if "window" in data and "pair" not in data and "side" not in data:
            raise serializers.ValidationError({"window": ["window needs a pair or a side"]})
        return data


class PartnerRowOutput(serializers.Serializer):
    country = serializers.CharField(help_text="The partner's alpha-3 code.")
    name = serializers.CharField()
    total = serializers.IntegerField()
    directions = DirectionCounts(help_text="Visits by direction, the scheme's country first.")
    leader_visits = DirectionCounts()
    per_year = serializers.FloatField(allow_null=True, help_text="Visits per year of the era.")
    ambiguous = serializers.IntegerField()


class PartnerEraOutput(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    leader = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    until = serializers.DateField(help_text="End, or the as-of date if earlier.")
    years = serializers.FloatField()
    total = serializers.IntegerField()
    partners = PartnerRowOutput(many=True, help_text="Largest total first.")


class PartnerComparisonOutput(serializers.Serializer):
    scheme = serializers.CharField()
    scheme_name = serializers.CharField()
    country = serializers.CharField(help_text="The scheme's country.")
    country_name = serializers.CharField()
    min_level = serializers.CharField()
    as_of = serializers.DateField()
    eras = PartnerEraOutput(many=True)
    outside = PartnerRowOutput(many=True, help_text="Visits outside every era, by partner.")


class SideChartQuery(KnownScheme):
    side = SideQueryField(help_text="CHN-any (visits abroad) or any-CHN (guests).")
    scheme = serializers.SlugField(required=False, default="china-head-of-state")
    min_level = LevelField(default=Level.MINISTER, help_text="Rank threshold (default minister).")
    as_of = serializers.DateField(required=False, help_text="YYYY-MM-DD; default today.")


class SidePublishedOutput(FigureLinks):
    publisher = serializers.CharField()
    title = serializers.CharField()
    url = serializers.URLField()
    as_of = serializers.DateField()
    metric = serializers.CharField(help_text="total, leader_visits or leader_trips.")
    unit = serializers.CharField(help_text="visits, or host_countries (distinct).")
    per_year = serializers.BooleanField(help_text="The value is visits per year over the span.")
    region = serializers.CharField(help_text="UN M49 region of the partners; empty: any.")
    direction = serializers.CharField(allow_null=True)
    min_level = serializers.CharField()
    first_day = serializers.DateField(help_text="The span counted: from this day…")
    last_day = serializers.DateField(help_text="…to this day, inclusive.")
    value = serializers.FloatField(help_text="The published number.")
    recorded = serializers.FloatField(help_text="The records' number under the figure's rule.")
    visits = serializers.IntegerField(help_text="The visits counted for `recorded`.")
    quote = serializers.CharField()
    note = serializers.CharField(help_text="How the figure's rule was read.")


class SideEraOutput(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    leader = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    until = serializers.DateField(help_text="End, or the as-of date if earlier.")
    ongoing = serializers.BooleanField()
    years = serializers.FloatField()
    total = serializers.IntegerField(help_text="Visits at or above the threshold.")
    per_year = serializers.FloatField(allow_null=True)
    leader_trips = serializers.IntegerField(help_text="The era's leader's own visits.")
    leader_per_year = serializers.FloatField(allow_null=True)
    partners = serializers.IntegerField(help_text="Distinct partner countries of `total`.")
    in_window = serializers.IntegerField(allow_null=True)
    window_complete = serializers.BooleanField()
    ambiguous = serializers.IntegerField()
    published = SidePublishedOutput(many=True)


class SideComparisonOutput(serializers.Serializer):
    side = serializers.CharField(source="direction", help_text="CHN-any or any-CHN.")
    country = serializers.CharField()
    country_name = serializers.CharField()
    scheme = serializers.CharField()
    scheme_name = serializers.CharField()
    min_level = serializers.CharField()
    as_of = serializers.DateField()
    window = serializers.IntegerField(allow_null=True)
    eras = SideEraOutput(many=True, source="rows")
    outside = serializers.IntegerField(help_text="Visits outside every era.")
    total = serializers.IntegerField()


ERA_COMPARISON_RESPONSE = PolymorphicProxySerializer(
    component_name="EraComparisonResult",
    serializers=[ComparisonOutput, PartnerComparisonOutput, SideComparisonOutput],
    resource_type_field_name=None,
    many=False,
)


def unfiltered(request) -> bool:
    """True when the query string names no visit filter: the comparison is of the
    published visits, which the era summary counts."""
    return not set(request.query_params) - STATS_OWN


def era_comparison_data(request, args: dict) -> dict:
    """The era comparison of `args` (EraComparisonQuery's, with `visits`): of one pair
    (ComparisonOutput), or without `pair` of every partner of the scheme's country
    (PartnerComparisonOutput)."""
    if unfiltered(request):
        args = {**args, "visits": None}
    if args.get("pair"):
        return ComparisonOutput(stats.era_comparison(**args)).data
    if args.get("side"):
        return SideComparisonOutput(abroad.side_comparison(**args)).data
    args.pop("side", None)
    return PartnerComparisonOutput(stats.partner_comparison(**args)).data
