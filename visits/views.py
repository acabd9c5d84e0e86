"""Public pages. Views parse, call querysets and stats, render."""

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
