from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.cache import cache_control

from config import health
from visits import citation_http

admin.site.site_header = "Summitry: research admin"
admin.site.site_title = "Summitry admin"


@cache_control(max_age=86400, public=True)
def no_favicon(request):
    """Pages declare no icon; browsers that ask anyway (admin, API) get nothing, not 404."""
    return HttpResponse(status=204)


urlpatterns = [
    path("favicon.ico", no_favicon),
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
