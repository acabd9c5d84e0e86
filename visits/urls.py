from django.urls import path

from visits import abroad_page, corrections, partners, views

urlpatterns = [
    path("", views.home, name="home"),
    path("compare/", views.compare, name="compare"),
    path("compare/<slug:slug>.csv", views.chart_csv, name="chart-csv"),
    path("visits/", views.visit_list, name="visit-list"),
    path("visits/<int:pk>/", views.visit_detail, name="visit-detail"),
    path("people/suggest.json", views.person_suggestions, name="person-suggest"),
    path("people/<slug:slug>/", views.person_detail, name="person-detail"),
    path("people/<slug:slug>/<slug:chart>.csv", views.person_chart_csv, name="person-chart-csv"),
    path("eras/<slug:scheme>/<slug:slug>/", views.era_detail, name="era-detail"),
    path(
        "eras/<slug:scheme>/<slug:slug>/<slug:chart>.csv", views.era_chart_csv, name="era-chart-csv"
    ),
    path("partners/", partners.partners, name="partners"),
    path("abroad/", abroad_page.abroad_page, name="abroad"),
    path("about/", views.about, name="about"),
    path("corrections/new/", corrections.new_correction, name="correction-new"),
    path("corrections/thanks/", corrections.thanks, name="correction-thanks"),
    path("releases/<str:version>.zip", views.release_download, name="release-download"),
]
