"""API views: parse parameters, call visits querysets and stats, serialize."""

from __future__ import annotations

import json

from django.db.models import Count, Q
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from api import queries
from api.conditional import ConditionalGetMixin
from api.pagination import KeysetPagination, SimplePagination
from api.serializers import (
    CountrySerializer,
    EraSchemeSerializer,
    EraSerializer,
    PersonSerializer,
    PublishedFigureSerializer,
    VisitSerializer,
)
from visits import charts, stats
from visits.filters import VisitFilter
from visits.interchange import csv_lines, export_visits
from visits.models import Country, Era, EraScheme, Person, PublishedFigure, Visit


def scheme_context() -> dict:
    """Every scheme's country and sorted eras, for per-visit era membership: one query."""
    schemes: dict = {}
    for era in Era.objects.select_related("scheme").order_by("scheme__slug", "start_date"):
        schemes.setdefault(era.scheme.slug, (era.scheme.country_id, []))[1].append(era)
    return schemes


class VisitViewSet(ConditionalGetMixin, viewsets.ModelViewSet):
    """High-level visits. Anonymous clients see published visits only."""

    serializer_class = VisitSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = VisitFilter
    pagination_class = KeysetPagination

    def get_queryset(self):
        return Visit.objects.visible_to(self.request.user).with_related()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "schemes": scheme_context()}

    @extend_schema(
        responses={(200, "text/csv"): {"type": "string"}},
        description="Every visit matching the filters, streamed in the interchange CSV.",
    )
    def export(self, request):
        visits = self.filter_queryset(Visit.objects.visible_to(request.user))
        response = StreamingHttpResponse(
            csv_lines(export_visits(visits)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="visits.csv"'
        return response


class PersonViewSet(ConditionalGetMixin, viewsets.ModelViewSet):
    serializer_class = PersonSerializer
    lookup_field = "slug"
    pagination_class = SimplePagination

    def get_queryset(self):
        visible = Q(visits__status="published")
        if self.request.user.has_perm("visits.view_visit"):
            visible = Q(visits__isnull=False)
        return Person.objects.annotate(visits_count=Count("visits", filter=visible))


class CountryViewSet(ConditionalGetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Country.objects.all()
    serializer_class = CountrySerializer
    lookup_field = "code"
    pagination_class = SimplePagination


class EraSchemeViewSet(ConditionalGetMixin, viewsets.ModelViewSet):
    queryset = EraScheme.objects.prefetch_related("eras__scheme", "eras__leader")
    serializer_class = EraSchemeSerializer
    lookup_field = "slug"
    pagination_class = SimplePagination


class EraViewSet(ConditionalGetMixin, viewsets.ModelViewSet):
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


class PublishedFigureViewSet(ConditionalGetMixin, viewsets.ModelViewSet):
    queryset = PublishedFigure.objects.select_related("era__scheme")
    serializer_class = PublishedFigureSerializer
    pagination_class = SimplePagination


class ReadOnlyAPIView(ConditionalGetMixin, APIView):
    """A computed, read-only endpoint open to everyone."""

    permission_classes = [permissions.AllowAny]
    http_method_names = ["get", "head", "options"]


class StatsView(ReadOnlyAPIView):
    """Base for the stats endpoints: parse the query with `query_class`."""

    query_class: type[serializers.Serializer]

    def parse(self, request) -> dict:
        query = self.query_class(data=request.query_params)
        query.is_valid(raise_exception=True)
        return {**query.validated_data, "visits": queries.base_visits(request)}


class EraComparisonView(StatsView):
    query_class = queries.ComparisonQuery

    @extend_schema(parameters=[queries.ComparisonQuery], responses=queries.ComparisonOutput)
    def get(self, request):
        """The era comparison: one row per era, recorded and published counts."""
        return Response(queries.ComparisonOutput(stats.era_comparison(**self.parse(request))).data)


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
        result = stats.facets(queries.filtered_visits(request), names)
        return Response(queries.FacetsOutput({"facets": result}).data)


class ChartView(ReadOnlyAPIView):
    @extend_schema(
        parameters=[
            queries.ChartQuery,
            OpenApiParameter("name", str, OpenApiParameter.PATH, enum=charts.CHARTS),
        ],
        responses={200: {"type": "object", "description": "Plotly figure JSON"}},
    )
    def get(self, request, name: str):
        """The Plotly figure JSON that the public page draws for chart `name`."""
        if name not in charts.CHARTS:
            raise Http404(f"no chart {name!r}; charts: {', '.join(charts.CHARTS)}")
        query = queries.ChartQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        figure = queries.build_chart(name, query.validated_data, queries.base_visits(request))
        return Response(json.loads(figure.to_json()))
