"""API views: parse parameters, call visits querysets and stats, serialize."""

from __future__ import annotations

import datetime as dt
import json

from django.db.models import Count, Q
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from api import feed, queries, schema
from api.conditional import (
    SAFE,
    ConditionalGetMixin,
    cached_under,
    if_match_versions,
    visit_etag,
)
from api.errors import PreconditionFailed
from api.pagination import KeysetPagination, SimplePagination, counted
from api.parameters import FILTERS, FILTERS_BY_PATH, FORMAT, STATS_FILTERS, KnownParametersMixin
from api.permissions import VisitPermissions
from api.serializers import (
    CountrySerializer,
    EraSchemeSerializer,
    EraSerializer,
    PersonSerializer,
    PublishedFigureSerializer,
    VisitSerializer,
    visit_list_data,
)
from visits import abroad, abroad_chart, chart_registry, services, stats
from visits.exporting import export_csv
from visits.facets import facets
from visits.filters import VisitFilter
from visits.models import Country, Era, EraScheme, Person, PublishedFigure, Visit


def scheme_context() -> dict:
    """Every scheme's country and sorted eras, for per-visit era membership: one query."""
    schemes: dict = {}
    for era in Era.objects.select_related("scheme").order_by("scheme__slug", "start_date"):
        schemes.setdefault(era.scheme.slug, (era.scheme.country_id, []))[1].append(era)
    return schemes


class ListParametersMixin(KnownParametersMixin):
    """A viewset's list knows its pagination's parameters (and its filters'); a
    detail knows only `format`."""

    def known_parameters(self):
        if self.action == "retrieve":
            return FORMAT
        if self.action != "list":
            return None
        filters = FILTERS if getattr(self, "filterset_class", None) else frozenset()
        return filters | self.pagination_class.query_parameters | FORMAT


@extend_schema_view(
    list=extend_schema(responses=schema.VISIT_PAGE),
    retrieve=extend_schema(description=schema.VISIT_ETAG),
    create=extend_schema(responses={201: VisitSerializer, 409: schema.CONFLICT}),
    update=extend_schema(parameters=[schema.IF_MATCH], responses=schema.visit_write(200)),
    partial_update=extend_schema(parameters=[schema.IF_MATCH], responses=schema.visit_write(200)),
    destroy=extend_schema(parameters=[schema.IF_MATCH], responses={204: None, 412: schema.STALE}),
)
class VisitViewSet(ListParametersMixin, ConditionalGetMixin, viewsets.ModelViewSet):
    """High-level visits. Anonymous clients see published visits only. Writes go
    through the write service (visits.services); api.errors answers its refusals."""

    serializer_class = VisitSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = VisitFilter
    pagination_class = KeysetPagination
    permission_classes = [VisitPermissions]
    expected_version = None

    def get_queryset(self):
        visits = Visit.objects.visible_to(self.request.user)
        if self.action == "list":  # visit_list_data fetches hosts and sources itself
            return visits.select_related("visitor")
        return visits.with_related()

    def known_parameters(self):
        if self.action == "export":
            return FILTERS_BY_PATH["/api/v1/visits/export.csv"] | FORMAT
        return super().known_parameters()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "schemes": scheme_context()}

    def etag(self, request, data):
        """A visit's detail is tagged with its version too (api.conditional)."""
        pk = str(self.kwargs.get("pk", ""))
        if self.action == "retrieve" and pk.isdigit():
            visible = Visit.objects.visible_to(request.user).filter(pk=pk)
            version = visible.values_list("version", flat=True).first()
            if version:
                return visit_etag(request, version, data)
        return super().etag(request, data)

    def get_object(self):
        """The visit; for a write, also the version its If-Match names: a stale one is
        a 412 before the body is read, and the service checks it again under its lock."""
        visit = super().get_object()
        versions = None if self.request.method in SAFE else if_match_versions(self.request)
        if versions is not None:
            if visit.version not in versions:
                raise PreconditionFailed(visit_etag(self.request, visit.version))
            self.expected_version = visit.version
        return visit

    def list(self, request, *args, **kwargs):
        """The list; with modified_since, the change feed, tombstones merged in. A page
        is cached under the data version (any write moves it), its absolute URL (its
        links hold the host), what the user may see and the format; throttles and
        conditional requests are answered before, as for any request."""
        may_see = request.user.has_perm("visits.view_visit")
        media = request.accepted_media_type or ""
        key = f"list|{request.build_absolute_uri()}|{may_see}|{media}"
        page = cached_under(self.data_version, key, lambda: self._page(request))
        return Response(page)

    def _page(self, request) -> dict:
        visits = self.filter_queryset(self.get_queryset())  # a bad parameter is a 400
        since = VisitFilter.base_filters["modified_since"].field.clean(
            request.query_params.get("modified_since")
        )
        if since is None:
            rows = self.paginator.paginate_queryset(visits, request, view=self)
        else:
            withdrawn = feed.withdrawn_since(request.user, since)
            rows = self.paginator.paginate_feed(visits, withdrawn, request)
        data = iter(
            visit_list_data(
                [r for r in rows if isinstance(r, Visit)],
                request=request,
                schemes=cached_under(self.data_version, "schemes", scheme_context),
                format_suffix=self.format_kwarg,
            )
        )
        results = [next(data) if isinstance(r, Visit) else r.data() for r in rows]
        return self.paginator.get_paginated_response(results).data

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        response["ETag"] = visit_etag(request, response.data["version"])
        return response

    def perform_update(self, serializer):
        serializer.save(expected_version=self.expected_version)

    def perform_destroy(self, visit):
        services.delete_visit(
            user=self.request.user, visit=visit, expected_version=self.expected_version
        )

    @extend_schema(
        responses={(200, "text/csv"): {"type": "string"}},
        description="Every visit matching the filters, streamed in the interchange CSV "
        "(chunked; an export that fails part-way ends without the last chunk, so the "
        "transfer is incomplete rather than a short file).",
    )
    def export(self, request):
        visits = self.filter_queryset(Visit.objects.visible_to(request.user))
        rows = counted(visits, self.data_version)  # cached under the data version
        csv = export_csv(visits, rows=rows)
        response = StreamingHttpResponse(csv, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="visits.csv"'
        return response


class PersonViewSet(ListParametersMixin, ConditionalGetMixin, viewsets.ModelViewSet):
    serializer_class = PersonSerializer
    lookup_field = "slug"
    pagination_class = SimplePagination

    def get_queryset(self):
        """The people the user may see (a person seen only in drafts is not public),
        each with a count of the visits they made that the user may see."""
        user = self.request.user
        visible = Q(visits__in=Visit.objects.visible_to(user))
        return Person.objects.visible_to(user).annotate(
            visits_count=Count("visits", filter=visible)
        )


class CountryViewSet(ListParametersMixin, ConditionalGetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Country.objects.all()
    serializer_class = CountrySerializer
    lookup_field = "code"
    pagination_class = SimplePagination


class EraSchemeViewSet(ListParametersMixin, ConditionalGetMixin, viewsets.ModelViewSet):
    queryset = EraScheme.objects.prefetch_related("eras__scheme", "eras__leader")
    serializer_class = EraSchemeSerializer
    lookup_field = "slug"
    pagination_class = SimplePagination


class EraViewSet(ListParametersMixin, ConditionalGetMixin, viewsets.ModelViewSet):
    """Eras; one is addressed as `{scheme}/{slug}`, since a slug is unique only in
    its scheme."""

    queryset = Era.objects.select_related("scheme", "leader")
    serializer_class = EraSerializer
    lookup_field = "key"
    lookup_value_regex = r"[-\w]+/[-\w]+"
    pagination_class = SimplePagination

    def get_object(self):
        scheme, slug = self.kwargs["key"].split("/")
        era = get_object_or_404(self.get_queryset(), scheme__slug=scheme, slug=slug)
        self.check_object_permissions(self.request, era)
        return era


class PublishedFigureViewSet(ListParametersMixin, ConditionalGetMixin, viewsets.ModelViewSet):
    queryset = PublishedFigure.objects.select_related("era__scheme")
    serializer_class = PublishedFigureSerializer
    pagination_class = SimplePagination


class ReadOnlyAPIView(KnownParametersMixin, ConditionalGetMixin, APIView):
    """A computed, read-only endpoint open to everyone."""

    permission_classes = [permissions.AllowAny]
    http_method_names = ["get", "head", "options"]


class StatsView(ReadOnlyAPIView):
    """Base for the stats endpoints: parse the query with `query_class`."""

    query_class: type[serializers.Serializer]

    def known_parameters(self):
        return STATS_FILTERS | set(self.query_class().fields) | FORMAT

    def parse(self, request) -> dict:
        query = self.query_class(data=request.query_params)
        query.is_valid(raise_exception=True)
        return {**query.validated_data, "visits": queries.base_visits(request)}


class EraComparisonView(StatsView):
    query_class = queries.EraComparisonQuery

    @extend_schema(
        parameters=[queries.EraComparisonQuery], responses=queries.ERA_COMPARISON_RESPONSE
    )
    def get(self, request):
        """The era comparison: for a pair, one row per era with recorded and published
        counts; without `pair`, every partner of the scheme's country, era by era.
        Cached under the data version, the query and today's date (the default as-of)."""
        args = self.parse(request)
        may_see = request.user.has_perm("visits.view_visit")
        key = f"era-comparison|{may_see}|{dt.date.today()}|{sorted(request.GET.lists())}"
        answer = cached_under(
            self.data_version, key, lambda: queries.era_comparison_data(request, args)
        )
        return Response(answer)


class TimelineView(StatsView):
    query_class = queries.TimelineQuery

    @extend_schema(parameters=[queries.TimelineQuery], responses=queries.TimelineOutput)
    def get(self, request):
        """Visits per year by direction (years without visits as zeros), era bands."""
        args = self.parse(request)
        scheme = args.pop("scheme", None)
        result = stats.timeline(**args)
        eras = list(Era.objects.filter(scheme__slug=scheme)) if scheme else []
        return Response(queries.TimelineOutput({"timeline": result, "eras": eras}).data)


class FacetsView(ReadOnlyAPIView):
    def known_parameters(self):
        return FILTERS | {"facet"} | FORMAT

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "facet",
                str,
                many=True,
                enum=list(stats.FACETS),
                description="Repeat for several facets.",
            )
        ],
        responses=queries.FacetsOutput,
    )
    def get(self, request):
        """Counts of the filtered visits by each facet, like Datasette's facets."""
        names = queries.facet_names(request)
        visits = queries.filtered_visits(request)
        key = f"facets|{names}|{request.user.has_perm('visits.view_visit')}|{request.GET}"
        result = cached_under(self.data_version, key, lambda: facets(visits, names))
        return Response(queries.FacetsOutput({"facets": result}).data)


class SideChartView(ReadOnlyAPIView):
    def known_parameters(self):
        return STATS_FILTERS | set(queries.SideChartQuery().fields) | FORMAT

    @extend_schema(
        parameters=[queries.SideChartQuery],
        responses={200: {"type": "object", "description": "Plotly figure JSON"}},
    )
    def get(self, request):
        """The Plotly figure JSON that /abroad/ draws: one country's visits per year in
        office, era by era, the era's leader's own beside all, each published rate
        beside the records under its own rule."""
        query = queries.SideChartQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        visits = None if queries.unfiltered(request) else queries.base_visits(request)
        comparison = abroad.side_comparison(**query.validated_data, visits=visits)
        return Response(abroad_chart.rate_chart(comparison))


class ChartView(ReadOnlyAPIView):
    def known_parameters(self):
        return STATS_FILTERS | set(queries.ChartQuery().fields) | FORMAT

    @extend_schema(
        parameters=[
            queries.ChartQuery,
            OpenApiParameter("name", str, OpenApiParameter.PATH, enum=chart_registry.api_charts()),
        ],
        responses={200: {"type": "object", "description": "Plotly figure JSON"}},
    )
    def get(self, request, name: str):
        """The Plotly figure JSON that the public page draws for chart `name`."""
        names = chart_registry.api_charts()
        if name not in names:
            raise Http404(f"no chart {name!r}; charts: {', '.join(names)}")
        query = queries.ChartQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        figure = queries.build_chart(name, query.validated_data, queries.base_visits(request))
        return Response(json.loads(figure.to_json()))
