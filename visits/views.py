"""Public pages. Views parse, call querysets, stats and pages, render."""

import csv

from django.http import Http404, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, render

from visits import chart_registry, era_page, listing, pages
from visits.codebook import codebook_html
from visits.filters import VisitFilter
from visits.models import DataVersion, Era, EraScheme, Person, Release, Visit
from visits.querysets import normalise

SORTS = {"start_date", "-start_date", "level", "-level", "visitor__name", "-visitor__name"}


def home(request):
    form = pages.CompareForm(pages.form_data(QueryDict()))
    if not form.is_valid():  # the featured pair or scheme is not loaded (`make seed`)
        return render(request, "visits/empty.html", {"form": form}, status=503)
    context = pages.comparison_page(form.cleaned_data)
    return render(request, "visits/home.html", {**context, "form": form})


def compare(request):
    form = pages.CompareForm(pages.form_data(request.GET))
    if not form.is_valid():
        return render(request, "visits/compare.html", {"form": form}, status=400)
    context = pages.comparison_page(form.cleaned_data)
    return render(request, "visits/compare.html", {**context, "form": form})


def chart_csv(request, slug: str):
    form = pages.CompareForm(pages.form_data(request.GET))
    if not form.is_valid():
        if slug not in chart_registry.REGISTRY:
            raise Http404("No such chart.")
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")
    try:
        table = pages.chart_table(slug, form.cleaned_data)
    except KeyError:
        raise Http404("No such chart.") from None
    return _csv(table, slug)


def _csv(table, slug: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="summitry-{slug}.csv"'
    writer = csv.writer(response)
    writer.writerow(table.headers)
    writer.writerows(table.rows)
    return response


def visit_list(request):
    """Published visits, filtered (visits.filters) and faceted (visits.listing); a bad
    or unknown parameter is a 400 with the error beside its field."""
    published = Visit.objects.published()
    filterset = VisitFilter(request.GET, published, request=request)
    listing.check_parameters(filterset, request.GET)
    valid = filterset.is_valid()
    sort = request.GET.get("sort", "start_date")
    visits = filterset.qs if valid else Visit.objects.none()
    scheme = filterset.form.cleaned_data.get("scheme") if valid else None
    counts = listing.counts(visits, scheme) if valid else None
    ordered = visits.select_related("visitor", "visitor_country", "host_country").order_by(
        sort if sort in SORTS else "start_date", "pk"
    )
    paginator = listing.CountedPaginator(ordered, 50, count=counts.total if counts else 0)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    listing.prepare_form(filterset.form, published)
    context = {
        "filter": filterset,
        "page": page,
        "sort": sort,
        "query": query.urlencode(),
        "export_query": _without(query, "sort"),
        "facets": listing.facets(query, counts) if valid else [],
        "era_groups": listing.era_groups(filterset.form),
        "not_shown": listing.NOT_SHOWN,
    }
    return render(request, "visits/visit_list.html", context, status=200 if valid else 400)


def _without(query, *names):
    query = query.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def visit_detail(request, pk: int):
    visit = get_object_or_404(Visit.objects.published().with_related(), pk=pk)
    return render(
        request,
        "visits/visit_detail.html",
        {
            "visit": visit,
            "eras": pages.visit_eras(visit),
        },
    )


def _person(request, slug: str):
    person = get_object_or_404(Person.objects.visible_to(request.user), slug=slug)
    shown = ("visitor", "visitor_country", "host_country")  # all the page shows of a visit
    visits = list(person.visits.published().select_related(*shown))
    hosted = list(person.hosted_visits.published().select_related(*shown))
    return person, visits, hosted


def person_detail(request, slug: str):
    person, visits, hosted = _person(request, slug)
    return render(
        request,
        "visits/person_detail.html",
        {
            "person": person,
            "visits": visits,
            "hosted": hosted,
            "charts": pages.person_charts(person, visits, hosted),
            "last_changed": DataVersion.current().published_changed_at,
        },
    )


SUGGESTIONS = 20


def person_suggestions(request):
    """Up to SUGGESTIONS people the user may see whose name begins with `q` in any
    case, spacing or punctuation (a prefix of Person.search_key), by name, as JSON
    for the visitor box's datalist. One query; an empty `q` suggests no one."""
    key = normalise(request.GET.get("q", ""))[:100]
    people = Person.objects.visible_to(request.user).filter(search_key__startswith=key)
    rows = people.order_by("name").values("name", "slug")[:SUGGESTIONS] if key else []
    return JsonResponse({"people": list(rows)})


def person_chart_csv(request, slug: str, chart: str):
    person, visits, hosted = _person(request, slug)
    spec = chart_registry.REGISTRY.get(chart)
    if spec is None or spec.scope != "person":
        raise Http404("No such chart.")
    return _csv(spec.table(chart_registry.PersonData(person, visits, hosted)), chart)


def _era(scheme: str, slug: str) -> era_page.EraSummaryData:
    era = get_object_or_404(
        Era.objects.select_related("scheme", "leader"), scheme__slug=scheme, slug=slug
    )
    return era_page.EraSummaryData(era)


def era_detail(request, scheme: str, slug: str):
    """An era's counts by level and direction (from the era summary) and its first
    visits by date, with a link to the rest on /visits/: four queries at any size."""
    data = _era(scheme, slug)
    return render(
        request,
        "visits/era_detail.html",
        {
            "era": data.era,
            "visits": era_page.era_visits(data.era, data),
            "charts": pages.era_charts(data),
            "last_changed": DataVersion.current().published_changed_at,
        },
    )


def era_chart_csv(request, scheme: str, slug: str, chart: str):
    data = _era(scheme, slug)
    spec = chart_registry.REGISTRY.get(chart)
    if spec is None or spec.scope != "era":
        raise Http404("No such chart.")
    return _csv(spec.table(data), chart)


def about(request):
    return render(
        request,
        "visits/about.html",
        {
            "schemes": EraScheme.objects.prefetch_related("eras__leader").order_by("name"),
            "levels": pages.LEVEL_LADDER,
            "findings": pages.about_findings(),
            "last_changed": DataVersion.current().published_changed_at,
            "visit_count": Visit.objects.published().count(),
            "releases": Release.objects.defer("package")[:50],
            "codebook": codebook_html(),
            "presidents": pages.presidents_abroad(),
        },
    )


def release_download(request, version: str):
    """A release's data package, zipped, as it was written."""
    release = get_object_or_404(Release, version=version)
    response = HttpResponse(bytes(release.package), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="summitry-{release.version}.zip"'
    return response


def not_found(request, exception=None):
    """404: JSON in the API's error shape under /api/, a page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found.", "errors": {}}, status=404)
    return render(request, "404.html", {"path": request.path}, status=404)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error.", "errors": {}}, status=500)
    return render(request, "500.html", status=500)
