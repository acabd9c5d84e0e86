"""The researchers' admin. Classes declare; every write to visits and sources goes
through `visits.services`, whose rules the forms ask while validating."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from import_export.admin import ExportMixin
from import_export.forms import ExportForm
from simple_history.admin import SimpleHistoryAdmin

from visits import services
from visits.admin_forms import SourceFormSet, VisitAdminForm
from visits.admin_import import VisitImportMixin
from visits.admin_lists import CountryFilter, DecadeFilter, EstimatedCountPaginator
from visits.models import (
    Correction,
    Country,
    Era,
    EraScheme,
    Person,
    PublishedFigure,
    Release,
    Source,
    Visit,
)
from visits.resources import EXPORT_FORMATS, VisitResource
from visits.services.corrections import review_corrections


class SourceInline(admin.TabularInline):
    model = Source
    formset = SourceFormSet
    extra = 1
    fields = ["url", "title", "publisher", "published_date", "accessed_date", "archive_url"]


class HasSourceFilter(admin.SimpleListFilter):
    title = "source"
    parameter_name = "has_source"

    def lookups(self, request, model_admin):
        return [("yes", "Has a source"), ("no", "Has no source")]

    def queryset(self, request, queryset):
        has = Exists(Source.objects.filter(visit=OuterRef("pk")))
        if self.value() == "yes":
            return queryset.filter(has)
        if self.value() == "no":
            return queryset.filter(~has)
        return queryset


@admin.register(Visit)
class VisitAdmin(VisitImportMixin, ExportMixin, SimpleHistoryAdmin):
    resource_classes = [VisitResource]
    export_formats = EXPORT_FORMATS  # none can carry a live formula
    export_form_class = ExportForm  # the interchange format has fixed columns
    list_display = [
        "date_label",
        "visitor",
        "direction",
        "level",
        "kind",
        "status",
        "confidence",
    ]
    list_select_related = ["visitor", "visitor_country", "host_country"]
    list_filter = [
        "level",
        "status",
        "confidence",
        "kind",
        "channel",
        ("visitor_country", CountryFilter),
        ("host_country", CountryFilter),
        HasSourceFilter,
        DecadeFilter,
    ]
    paginator = EstimatedCountPaginator
    show_full_result_count = False  # a second COUNT(*) of the whole table
    search_fields = ["visitor__name"]  # shows the box; get_search_results does the rest
    autocomplete_fields = ["visitor", "hosts", "visitor_country", "host_country"]
    form = VisitAdminForm
    readonly_fields = ["date_precision", "created_at", "created_by", "updated_at", "updated_by"]
    inlines = [SourceInline]
    actions = ["publish", "unpublish"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("date", "date_precision", "end_date"),
                    ("visitor", "visitor_title"),
                    ("visitor_country", "host_country"),
                    ("level", "channel", "kind"),
                    "hosts",
                    "places",
                    "purpose",
                ]
            },
        ),
        ("Review", {"fields": [("confidence", "status"), "external_id", "notes"]}),
        ("Record", {"fields": [("created_at", "created_by"), ("updated_at", "updated_by")]}),
    ]

    @admin.display(description="date", ordering="start_date")
    def date_label(self, visit):
        return visit.date_label

    date = date_label  # the form's Date field, when the visit is shown read-only

    @admin.display(description="direction", ordering="visitor_country")
    def direction(self, visit):
        return visit.direction

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.user = request.user
        return form

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields if services.may_publish(request.user) else [*fields, "status"]

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or services.may_change(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return super().has_delete_permission(request)
        return services.may_delete(request.user, obj)

    def has_publish_permission(self, request):
        return services.may_publish(request.user)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, services.PossibleDuplicates, services.StaleVersion) as exc:
            # The form asked the rules; this is another write that came in between.
            self.message_user(request, f"Not saved: {_reason(exc)}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        """Nothing: save_related makes the one service call, sources included."""

    def save_related(self, request, form, formsets, change):
        """Write the visit, its hosts and its inline sources in one service call, then
        make `form.instance` (what the admin logs and redirects to) the saved visit."""
        data = form.cleaned_data
        write = dict(
            user=request.user,
            values=form.visit_values(),
            hosts=data.get("hosts"),  # None (not in the form): left as they are
            sources=_inline_sources(formsets),
            confirm_duplicate=data.get("confirm_duplicate", False),
        )
        if change:
            version = data.get("loaded_version")
            saved = services.update_visit(visit=form.instance.pk, expected_version=version, **write)
        else:
            saved = services.create_visit(**{**write, "sources": write["sources"] or ()})
        form.instance.pk = saved.pk
        form.instance.refresh_from_db()

    def construct_change_message(self, request, form, formsets, add=False):
        # The service saved the sources (their history rows record it), not the formsets.
        return super().construct_change_message(request, form, [], add)

    def delete_model(self, request, obj):
        services.delete_visit(user=request.user, visit=obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for visit in queryset:
            services.delete_visit(user=request.user, visit=visit)

    @admin.action(description="Publish the selected visits", permissions=["publish"])
    def publish(self, request, queryset):
        done, unsourced = services.publish_visits(user=request.user, visits=_pks(queryset))
        self.message_user(request, f"Published {len(done)} visits.")
        if unsourced:
            names = "; ".join(str(v) for v in _with_names(unsourced))
            self.message_user(
                request,
                f"{len(unsourced)} visits have no source and stay drafts: {names}.",
                messages.WARNING,
            )

    @admin.action(description="Unpublish the selected visits", permissions=["publish"])
    def unpublish(self, request, queryset):
        done, _ = services.unpublish_visits(user=request.user, visits=_pks(queryset))
        self.message_user(request, f"Unpublished {len(done)} visits.")

    def get_search_results(self, request, queryset, search_term):
        """Names and aliases of visitors and hosts, titles, purpose, places: the same
        search as the API's `q`."""
        if not search_term:
            return queryset, False
        return queryset.search(search_term), False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """Shows an old version; a POST restores it through the service, under the
        same rules as any change (a refusal is a message, and nothing changes)."""
        if request.method != "POST":
            return super().history_form_view(request, object_id, version_id, extra_context)
        record = _history_record(unquote(object_id), version_id)
        try:
            visit = services.revert_visit(
                user=request.user, visit=record.id, history_id=record.history_id
            )
        except (services.WriteRefused, ValidationError) as exc:
            self.message_user(request, f"Not reverted: {_reason(exc)}", messages.ERROR)
            return HttpResponseRedirect(request.path)
        self.log_change(request, visit, f"Reverted to the version of {record.history_date}.")
        self.message_user(request, f"Reverted “{visit}” to an earlier version.")
        return HttpResponseRedirect(reverse("admin:visits_visit_change", args=[visit.pk]))


def _reason(exc: Exception) -> str:
    return "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


def _pks(queryset) -> list[int]:
    return list(queryset.values_list("pk", flat=True))


def _with_names(visits: list[Visit]):
    return Visit.objects.filter(pk__in=[v.pk for v in visits]).select_related("visitor")


def _inline_sources(formsets) -> list[dict] | None:
    """The sources from the inline; None (left as they are) without one."""
    return next((fs.sources() for fs in formsets if isinstance(fs, SourceFormSet)), None)


def _history_record(object_id: str, history_id: str):
    """The history row `history_id` of visit `object_id`, or 404."""
    if not (object_id.isdigit() and history_id.isdigit()):
        raise Http404
    record = Visit.history.filter(id=object_id, history_id=history_id).first()
    if record is None or not Visit.objects.filter(pk=object_id).exists():
        raise Http404
    return record


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ["name", "native_name", "country", "aliases"]
    list_filter = [("country", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "native_name", "aliases"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["country"]


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    """ISO 3166 comes from pycountry (`seed`); an editor adds an entity outside it
    under a user-assigned code, with a note on its status."""

    list_display = ["code", "name", "alpha_2", "is_former", "user_assigned"]
    list_filter = ["is_former", "user_assigned"]
    search_fields = ["code", "alpha_2", "name", "iso_name", "official_name"]
    fields = [
        "code",
        "name",
        "alpha_2",
        "user_assigned",
        "note",
        "iso_name",
        "official_name",
        "is_former",
    ]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []  # visits refer to it


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    """Releases are made by `manage.py release_dataset`; here they are only listed."""

    list_display = ["version", "created_at", "visits", "added", "changed", "withdrawn"]
    exclude = ["package"]
    readonly_fields = [
        "version",
        "created_at",
        "created_by",
        "published_version",
        "visits",
        "added",
        "changed",
        "withdrawn",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EraInline(admin.TabularInline):
    model = Era
    extra = 0
    fields = ["slug", "name", "leader", "start_date", "end_date", "description", "source_url"]
    autocomplete_fields = ["leader"]


@admin.register(EraScheme)
class EraSchemeAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "country"]
    search_fields = ["slug", "name"]
    inlines = [EraInline]


@admin.register(Era)
class EraAdmin(SimpleHistoryAdmin):
    list_display = ["name", "scheme", "start_date", "end_date", "leader"]
    list_filter = ["scheme"]
    list_select_related = ["scheme", "leader"]
    search_fields = ["name", "slug"]
    autocomplete_fields = ["leader"]


@admin.register(PublishedFigure)
class PublishedFigureAdmin(admin.ModelAdmin):
    list_display = ["era", "metric", "direction", "value", "publisher", "as_of"]
    list_filter = ["publisher", "metric"]
    list_select_related = ["era"]
    search_fields = ["title", "publisher", "quote"]


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    """Readers' corrections, newest first: a queue. Editors review (the actions, or
    status and note in the form, through visits.services.corrections); researchers
    read, without the sender's email. Nothing here changes a visit."""

    list_display = ["created_at", "kind", "status", "visit_link", "source_link", "excerpt"]
    list_filter = ["status", "kind"]
    list_select_related = ["visit__visitor"]
    search_fields = ["message", "source_url"]
    ordering = ["-created_at", "-id"]
    fields = [
        ("kind", "visit_link", "created_at"),
        "message",
        ("source_url", "email"),
        ("status", "reviewed_by", "reviewed_at"),
        "reviewer_note",
    ]
    readonly_fields = [
        "kind",
        "visit_link",
        "created_at",
        "message",
        "source_url",
        "email",
        "reviewed_by",
        "reviewed_at",
    ]
    actions = ["mark_accepted", "mark_rejected", "mark_duplicate"]

    @admin.display(description="visit", ordering="visit")
    def visit_link(self, correction):
        if correction.visit_id is None:
            return "—"
        url = reverse("admin:visits_visit_change", args=[correction.visit_id])
        return format_html('<a href="{}">{}</a>', url, correction.visit)

    @admin.display(description="source")
    def source_link(self, correction):
        url = correction.source_url
        if not url:
            return "—"
        return format_html('<a href="{}" rel="noopener noreferrer">{}</a>', url, url)

    @admin.display(description="message")
    def excerpt(self, correction):
        return Truncator(correction.message).chars(120)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if self.has_change_permission(request, obj):
            return fields
        return [f if f != ("source_url", "email") else "source_url" for f in fields]

    def has_add_permission(self, request):
        return False  # readers send them, at /corrections/new/

    def save_model(self, request, obj, form, change):
        """Status and note through the review service, which records who and when."""
        if "status" not in form.changed_data:
            obj.save(update_fields=["reviewer_note"])
            return
        note = obj.reviewer_note
        review_corrections(user=request.user, corrections=[obj.pk], status=obj.status, note=note)

    def _mark(self, request, queryset, status):
        done = review_corrections(user=request.user, corrections=_pks(queryset), status=status)
        self.message_user(request, f"Marked {done} corrections {status}.")

    @admin.action(description="Mark accepted (edit the visit itself)", permissions=["change"])
    def mark_accepted(self, request, queryset):
        self._mark(request, queryset, Correction.Status.ACCEPTED)

    @admin.action(description="Mark rejected", permissions=["change"])
    def mark_rejected(self, request, queryset):
        self._mark(request, queryset, Correction.Status.REJECTED)

    @admin.action(description="Mark duplicate", permissions=["change"])
    def mark_duplicate(self, request, queryset):
        self._mark(request, queryset, Correction.Status.DUPLICATE)
