"""The admin's spreadsheet import: upload, a dry run that shows every change
(old → new) and every problem at once, then confirm. The rows go through the same
importer as `import_visits`, as the logged-in user, so the write service's rules
hold: a researcher's rows cannot publish, unpublish or change a published visit.
"""

from __future__ import annotations

import csv
import io
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlencode

import tablib
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from visits.importing import ImportReport, import_rows
from visits.interchange import COLUMNS, RowError, check_header, read_csv
from visits.resources import cell_text
from visits.services import ImportBusy

UPLOADS = Path(tempfile.gettempdir()) / "summitry-imports"
MAX_BYTES = 20 * 1024 * 1024
FORMATS = {".csv": "csv", ".xlsx": "xlsx"}


class ImportOptions(forms.Form):
    replace_sources = forms.BooleanField(
        required=False,
        label="Replace sources",
        help_text="Make a matched visit's sources exactly the file's. "
        "Unticked, sources are only added; none is removed.",
    )
    allow_duplicates = forms.BooleanField(
        required=False,
        label="Allow possible duplicates",
        help_text="Import new rows that may record a trip already recorded "
        "(same visitor, direction and overlapping dates).",
    )


class UploadForm(ImportOptions):
    file = forms.FileField(help_text="The visit interchange CSV (UTF-8) or an XLSX sheet.")
    field_order = ["file", "replace_sources", "allow_duplicates"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in FORMATS:
            raise forms.ValidationError("Upload a .csv or .xlsx file.")
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(f"The file is over {MAX_BYTES // 2**20} MiB.")
        return upload


class ConfirmForm(ImportOptions):
    key = forms.CharField(widget=forms.HiddenInput)
    skip_invalid = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_key(self):
        key = self.cleaned_data["key"]
        if not _stored(key):
            raise forms.ValidationError("The uploaded file has expired; upload it again.")
        return key


def read_upload(name: str, data: bytes) -> tuple[list[dict], list[RowError]]:
    """Rows of an uploaded CSV or XLSX as interchange dicts, and header errors."""
    if Path(name).suffix.lower() == ".csv":
        try:
            return read_csv(data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            return [], [RowError(1, "file", "not UTF-8 text; save the CSV as UTF-8")]
    sheet = tablib.Dataset().load(io.BytesIO(data), format="xlsx")
    headers = [str(h or "").strip() for h in sheet.headers or []]
    rows = [dict(zip(headers, map(cell_text, r), strict=False)) for r in sheet]
    errors = check_header(headers)
    return ([] if errors else rows), errors


def rejected_csv(rows: list[dict], errors: list[RowError]) -> str:
    """The rows that had problems, as they were, with a `reason` column."""
    reasons: dict[int, list[str]] = {}
    for error in errors:
        reasons.setdefault(error.row, []).append(f"{error.column}: {error.problem}")
    out = io.StringIO()
    writer = csv.DictWriter(out, [*COLUMNS, "reason"], extrasaction="ignore")
    writer.writeheader()
    for number, problems in sorted(reasons.items()):
        raw = rows[number - 2] if 2 <= number < len(rows) + 2 else {}
        writer.writerow({**raw, "reason": "; ".join(problems)})
    return out.getvalue()


def _stored(key: str) -> Path | None:
    try:
        uuid.UUID(hex=key.split(".")[0])
    except ValueError:
        return None
    found = UPLOADS / key
    return found if Path(key).suffix in FORMATS and found.is_file() else None


def _store(upload) -> str:
    UPLOADS.mkdir(exist_ok=True)
    key = uuid.uuid4().hex + Path(upload.name).suffix.lower()
    with open(UPLOADS / key, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return key


class VisitImportMixin:
    """Adds `import/` (upload and dry run), `import/confirm/` and
    `import/rejected/` (the CSV of rejected rows) to the visit admin."""

    import_export_change_list_template = "admin/visits/visit/change_list.html"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name="visits_visit_import"),
            path("import/confirm/", wrap(self.confirm_view), name="visits_visit_import_confirm"),
            path(
                "import/rejected/<str:key>/",
                wrap(self.rejected_view),
                name="visits_visit_import_rejected",
            ),
            *super().get_urls(),
        ]

    def has_import_permission(self, request):
        return request.user.has_perm("visits.add_visit") and request.user.has_perm(
            "visits.change_visit"
        )

    def changelist_view(self, request, extra_context=None):
        extra = {
            **(extra_context or {}),
            "has_import_permission": self.has_import_permission(request),
        }
        return super().changelist_view(request, extra)

    def import_view(self, request):
        self._check(request)
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method != "POST" or not form.is_valid():
            return self._render(request, {"form": form})
        key = _store(form.cleaned_data["file"])
        options = {k: form.cleaned_data[k] for k in ImportOptions.base_fields}
        rows, report = self._run(request, key, options, dry_run=True)
        query = urlencode({k: "1" for k, v in options.items() if v})
        rejected = reverse("admin:visits_visit_import_rejected", args=[key])
        return self._render(
            request,
            {
                "form": form,
                "report": report,
                "key": key,
                "options": options,
                "rejected_url": f"{rejected}?{query}" if query else rejected,
            },
        )

    def confirm_view(self, request):
        self._check(request)
        form = ConfirmForm(request.POST or None)
        if request.method != "POST" or not form.is_valid():
            messages.error(request, " ".join(form.errors.get("key", ["Upload the file again."])))
            return redirect(reverse("admin:visits_visit_import"))
        options = {k: form.cleaned_data[k] for k in ImportOptions.base_fields}
        _, report = self._run(
            request,
            form.cleaned_data["key"],
            options,
            skip_invalid=form.cleaned_data["skip_invalid"],
        )
        if report is None:
            return redirect(reverse("admin:visits_visit_import"))
        if not report.written and report.errors:
            messages.error(
                request, f"Nothing was imported: {report.invalid_rows} rows have problems."
            )
            return redirect(reverse("admin:visits_visit_import"))
        messages.success(request, f"Imported: {report.summary()}.")
        return redirect(reverse("admin:visits_visit_changelist"))

    def rejected_view(self, request, key: str):
        self._check(request)
        stored = _stored(key)
        if stored is None:
            raise Http404("The uploaded file has expired.")
        rows, errors = read_upload(key, stored.read_bytes())
        options = {k: request.GET.get(k) == "1" for k in ImportOptions.base_fields}
        if not errors:
            errors = import_rows(rows, dry_run=True, user=request.user, **options).errors
        response = HttpResponse(rejected_csv(rows, errors), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="rejected-rows.csv"'
        return response

    def _check(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied

    def _run(self, request, key, options, *, dry_run=False, skip_invalid=False):
        stored = _stored(key)
        rows, errors = read_upload(key, stored.read_bytes())
        if errors:
            return rows, ImportReport(errors=errors, dry_run=True)
        try:
            report = import_rows(
                rows, dry_run=dry_run, skip_invalid=skip_invalid, user=request.user, **options
            )
        except ImportBusy as exc:
            messages.error(request, str(exc))
            return rows, None
        return rows, report

    def _render(self, request, context):
        return TemplateResponse(
            request,
            "admin/visits/visit/import.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "Import visits",
                **context,
            },
        )
