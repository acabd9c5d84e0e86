from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import DefaultRouter

from api import releases, token_views, views

router = DefaultRouter()
router.register("visits", views.VisitViewSet, basename="visit")
router.register("people", views.PersonViewSet, basename="person")
router.register("countries", views.CountryViewSet, basename="country")
router.register("era-schemes", views.EraSchemeViewSet, basename="erascheme")
router.register("eras", views.EraViewSet, basename="era")
router.register("published-figures", views.PublishedFigureViewSet, basename="publishedfigure")
router.register("releases", releases.ReleaseViewSet, basename="release")

v1 = [
    path("visits/export.csv", views.VisitViewSet.as_view({"get": "export"}), name="visit-export"),
    path("", include(router.urls)),
    path("stats/era-comparison/", views.EraComparisonView.as_view(), name="era-comparison"),
    path("stats/timeline/", views.TimelineView.as_view(), name="timeline"),
    path("stats/facets/", views.FacetsView.as_view(), name="facets"),
    path("charts/abroad-rate/", views.SideChartView.as_view(), name="chart-abroad-rate"),
    path("charts/<str:name>/", views.ChartView.as_view(), name="chart"),
    path("tokens/", token_views.TokenListView.as_view(), name="token-list"),
    path("tokens/<str:prefix>/", token_views.TokenDetailView.as_view(), name="token-detail"),
]

urlpatterns = [
    path("v1/", include((v1, "api"))),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file (no inline script).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]
