"""Public pages. Views parse, call querysets and stats, render."""

from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render

from visits.models import Era, Person, Visit


def home(request):
    return render(request, "visits/home.html", {})


def visit_detail(request, pk: int):
    visit = get_object_or_404(Visit.objects.published().with_related(), pk=pk)
    return render(request, "visits/visit_detail.html", {"visit": visit})


def person_detail(request, slug: str):
    person = get_object_or_404(Person, slug=slug)
    visits = person.visits.published().with_related()
    return render(request, "visits/person_detail.html", {"person": person, "visits": visits})


def era_detail(request, scheme: str, slug: str):
    era = get_object_or_404(
        Era.objects.select_related("scheme", "leader"), scheme__slug=scheme, slug=slug
    )
    return render(request, "visits/era_detail.html", {"era": era})


def not_found(request, exception=None):
    """404: JSON in the API's error shape under /api/, a page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found.", "errors": {}}, status=404)
    return render(request, "404.html", {"path": request.path}, status=404)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error.", "errors": {}}, status=500)
    return render(request, "500.html", status=500)
