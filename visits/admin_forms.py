"""The admin's visit form and source formset: they ask the write service's rules while
validating, so a refusal shows beside the form before anything is written. The service
asks again under its lock when the admin saves."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from visits import services
from visits.dates import format_iso, parse_date
from visits.models import Person, Visit
from visits.services.visits import SOURCE_FIELDS, trip_key

# Record-keeping fields a concurrent change moves anyway: not worth showing.
NOT_SHOWN = ["version", "updated_at", "updated_by", "start_latest", "created_at", "created_by"]


class VisitAdminForm(forms.ModelForm):
    """One "Date" field for start_date and its precision; the loaded version for
    optimistic locking; "Save anyway" for possible duplicates. `user` is set by the
    admin to the acting user."""

    date = forms.CharField(label="Date", help_text="YYYY, YYYY-MM or YYYY-MM-DD.")
    loaded_version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    confirm_duplicate = forms.BooleanField(required=False, label="Save anyway")
    user = None

    class Meta:
        model = Visit
        fields = [  # start_date and date_precision come from `date`
            "end_date",
            "visitor",
            "visitor_title",
            "visitor_country",
            "host_country",
            "level",
            "channel",
            "kind",
            "hosts",
            "places",
            "purpose",
            "confidence",
            "status",
            "external_id",
            "notes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        visit, self.duplicates = self.instance, []
        self.status_before = visit.status if visit.pk else None
        self.key_before = trip_key(visit) if visit.pk else None
        if visit.pk:
            self.initial.setdefault("date", format_iso(visit.start_date, visit.date_precision))
            self.initial.setdefault("loaded_version", visit.version)

    def clean_date(self):
        try:
            return parse_date(self.cleaned_data["date"])
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    def clean(self):
        cleaned = super().clean()
        if "date" in cleaned:
            self.instance.start_date, self.instance.date_precision = cleaned["date"]
        self._check_version(cleaned.get("loaded_version"))
        self._check_write(cleaned.get("status", self.instance.status))
        if not self.errors and not cleaned.get("confirm_duplicate"):
            self._check_duplicates(cleaned)
        return cleaned

    def visit_values(self) -> dict:
        """The model fields the form sets, as the service takes them."""
        data = self.cleaned_data
        names = [f.name for f in Visit._meta.concrete_fields if f.name in data]
        start_date, precision = data["date"]
        dates = {"start_date": start_date, "date_precision": precision}
        return {**{name: data[name] for name in names}, **dates}

    def _check_version(self, loaded: int | None) -> None:
        if self.instance.pk and loaded is not None and loaded != self.instance.version:
            raise ValidationError(stale_message(self.instance, loaded))

    def _check_write(self, status: str) -> None:
        try:
            services.check_write(user=self.user, before=self.status_before, after=status)
        except services.WriteRefused as exc:
            self.add_error(None, str(exc))

    def _check_duplicates(self, cleaned: dict) -> None:
        start_date, precision = cleaned["date"]
        probe = Visit(pk=self.instance.pk, start_date=start_date, date_precision=precision)
        for name in ("visitor", "visitor_country", "host_country", "end_date"):
            setattr(probe, name, cleaned.get(name))
        if self.key_before == trip_key(probe):
            return  # the service asks only when the trip's key changes
        probe.derive()
        found = Visit.objects.possible_duplicates(probe).select_related("visitor")[:20]
        self.duplicates = list(found)
        if self.duplicates:
            self.add_error(None, duplicates_message(self.duplicates))


class SourceFormSet(BaseInlineFormSet):
    """The inline sources; `sources()` gives them to the service."""

    def clean(self):
        super().clean()
        try:
            services.check_sources(self.instance.status, len(self.sources()))
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None

    def sources(self) -> list[dict]:
        """The complete new list of sources: existing ones carry their "id"; rows marked
        for deletion and empty extra rows are left out."""
        kept = [f for f in self.forms if f.cleaned_data and not self._should_delete_form(f)]
        return [
            {**{name: f.cleaned_data.get(name) for name in SOURCE_FIELDS}, "id": f.instance.pk}
            for f in kept
        ]


def duplicates_message(candidates: list[Visit]) -> str:
    return (
        f"This may be the same trip as {len(candidates)} recorded visit(s), listed under "
        "“Possible duplicates”. Tick “Save anyway” to save it all the same."
    )


def stale_message(visit: Visit, loaded: int) -> str:
    """Who saved the visit after version `loaded` was opened, when, and what changed."""
    latest = visit.history.select_related("history_user").first()
    old = visit.history.filter(version=loaded).first()
    changes = latest.diff_against(old, excluded_fields=NOT_SHOWN).changes if old else []
    shown = format_html_join(
        "; ", "{}: {} → {}", ((c.field, _shown(c.old), _shown(c.new)) for c in changes)
    )
    when = timezone.localtime(latest.history_date)
    return format_html(
        "Not saved: {} saved this visit on {} after you opened it. Their change: {}. "
        '<a href="{}">Reload the page</a> to see their version, then make your change again.',
        latest.history_user or "the system",
        when.strftime("%Y-%m-%d %H:%M:%S %Z"),
        shown or "(no field changed)",
        reverse("admin:visits_visit_change", args=[visit.pk]),
    )


def _shown(value) -> str:
    if isinstance(value, list):  # the hosts: rows of the history's many-to-many table
        people = Person.objects.in_bulk([row["person"] for row in value])
        return ", ".join(sorted(str(person) for person in people.values())) or "none"
    return repr(value) if value not in (None, "") else "empty"
