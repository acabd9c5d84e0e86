"""The researchers' admin. Classes declare; rules live in the models and importer."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from import_export.admin import ImportExportMixin
from import_export.forms import ExportForm
from simple_history.admin import SimpleHistoryAdmin

from visits.models import (
    Country,
    Era,
    EraScheme,
    Person,
    PublishedFigure,
    Source,
    Status,
    Visit,
)
from visits.resources import VisitResource

PUBLISH_PERMISSION = "visits.publish_visit"


class SourceInline(admin.TabularInline):
    model = Source
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
class VisitAdmin(ImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [VisitResource]
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
        ("visitor_country", admin.RelatedOnlyFieldListFilter),
        ("host_country", admin.RelatedOnlyFieldListFilter),
        HasSourceFilter,
    ]
    date_hierarchy = "start_date"
    search_fields = ["visitor__name"]  # shows the box; get_search_results does the rest
    autocomplete_fields = ["visitor", "hosts", "visitor_country", "host_country"]
    readonly_fields = ["created_at", "created_by", "updated_at", "updated_by"]
    inlines = [SourceInline]
    actions = ["publish", "unpublish"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("start_date", "date_precision", "end_date"),
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

    @admin.display(description="direction", ordering="visitor_country")
    def direction(self, visit):
        return visit.direction

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm(PUBLISH_PERMISSION):
            fields.append("status")
        return fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        visit = form.instance
        if visit.status == Status.PUBLISHED and not visit.sources.exists():
            Visit.objects.filter(pk=visit.pk).update(status=Status.DRAFT)
            messages.error(request, "A visit cannot be published without a source; saved as draft.")
        self._warn_overlaps(request, visit)

    def _warn_overlaps(self, request, visit):
        for other in Visit.objects.overlapping_trips(visit):
            messages.warning(
                request, f"{visit.visitor} has another visit with overlapping dates: {other}."
            )

    @admin.action(description="Publish the selected visits", permissions=["publish"])
    def publish(self, request, queryset):
        unsourced = queryset.filter(~Exists(Source.objects.filter(visit=OuterRef("pk"))))
        skipped = unsourced.count()
        done = queryset.exclude(pk__in=unsourced.values("pk")).update(
            status=Status.PUBLISHED, updated_by=request.user
        )
        self.message_user(request, f"Published {done} visits.")
        if skipped:
            self.message_user(
                request, f"{skipped} visits have no source and stay drafts.", messages.WARNING
            )

    @admin.action(description="Unpublish the selected visits", permissions=["publish"])
    def unpublish(self, request, queryset):
        done = queryset.update(status=Status.DRAFT, updated_by=request.user)
        self.message_user(request, f"Unpublished {done} visits.")

    def has_publish_permission(self, request):
        return request.user.has_perm(PUBLISH_PERMISSION)

    def get_import_resource_kwargs(self, request, **kwargs):
        return {**super().get_import_resource_kwargs(request, **kwargs), "user": request.user}

    def has_import_permission(self, request):
        return request.user.has_perm("visits.add_visit") and request.user.has_perm(
            "visits.change_visit"
        )

    def get_search_results(self, request, queryset, search_term):
        """Names and aliases of visitors and hosts, titles, purpose, places: the same
        search as the API's `q`."""
        if not search_term:
            return queryset, False
        return queryset.search(search_term), False

    def revert_view(self, request, *args, **kwargs):
        if not request.user.has_perm("visits.change_visit"):
            raise PermissionDenied
        return super().revert_view(request, *args, **kwargs)


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ["name", "native_name", "country", "aliases"]
    list_filter = [("country", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "native_name", "aliases"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["country"]


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "alpha_2", "is_former"]
    list_filter = ["is_former"]
    search_fields = ["code", "alpha_2", "name", "iso_name", "official_name"]


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
