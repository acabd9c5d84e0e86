from django.contrib import admin
from django.urls import include, path

from config import health
from visits import citation_http

admin.site.site_header = "Summitry: research admin"
admin.site.site_title = "Summitry admin"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("cite.bib", citation_http.cite_bib, name="cite-bib"),
    path("cite.json", citation_http.cite_json, name="cite-json"),
    path("", include("visits.urls")),
]

handler404 = "visits.views.not_found"
handler500 = "visits.views.server_error"
