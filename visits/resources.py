"""django-import-export glue: the admin's spreadsheet import and export speak the
interchange format through visits.interchange and visits.importing, the same code
as the command line and the API."""

from __future__ import annotations

import datetime as dt
import re

import tablib
from django.core.exceptions import ValidationError
from import_export import fields, resources
from import_export.results import Result, RowResult

from visits.importing import ImportReport, import_rows
from visits.interchange import COLUMNS, check_header, export_visits
from visits.models import Visit

MIDNIGHT = re.compile(r"^\d{4}-\d{2}-\d{2} 00:00:00$")
WHOLE = re.compile(r"^\d{4}\.0$")


def cell_text(value) -> str:
    """A spreadsheet cell as interchange text: dates as YYYY-MM-DD, whole numbers
    (a year typed as 1964) without a decimal point."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    if MIDNIGHT.match(text):  # a date cell that the reader turned into text
        return text[:10]
    return text[:-2] if WHOLE.match(text) else text


class VisitResource(resources.Resource):
    """Columns are the interchange CSV's; rows go through the shared importer."""

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        for column in COLUMNS:
            self.fields[column] = fields.Field(column_name=column)

    class Meta:
        model = Visit

    @classmethod
    def get_display_name(cls):
        return "Visit interchange CSV"

    def get_user_visible_fields(self):
        return list(self.fields.values())

    def export(self, queryset=None, **kwargs):
        queryset = Visit.objects.all() if queryset is None else queryset
        dataset = tablib.Dataset(headers=COLUMNS)
        for row in export_visits(queryset):
            dataset.append([row[c] for c in COLUMNS])
        return dataset

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        user = kwargs.get("user") or self.user
        headers = [str(h or "").strip() for h in dataset.headers or []]
        rows = [dict(zip(headers, map(cell_text, r), strict=False)) for r in dataset]
        result = Result()
        result.diff_headers = headers
        header_errors = check_header(headers)
        if header_errors:
            report = ImportReport(errors=header_errors, dry_run=dry_run)
        else:
            report = import_rows(rows, dry_run=dry_run, user=user)
        by_row: dict[int, dict[str, list[str]]] = {}
        for error in report.errors:
            by_row.setdefault(error.row, {}).setdefault(error.column, []).append(error.problem)
        for number, problems in sorted(by_row.items()):
            raw = rows[number - 2] if number >= 2 else {}
            result.append_invalid_row(number, raw, ValidationError(problems))
        for number, action in sorted(report.actions.items()):
            row_result = RowResult()
            row_result.import_type = action
            row_result.diff = [rows[number - 2].get(h, "") for h in headers]
            result.append_row_result(row_result)
            result.increment_row_result_total(row_result)
        return result
