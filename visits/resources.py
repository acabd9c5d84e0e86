"""django-import-export glue for the admin's export, in the interchange format
(visits.interchange, the same writer as the command line and the API), and the
spreadsheet cell reading that the admin's import (visits.admin_import) uses."""

from __future__ import annotations

import datetime as dt
import re

import tablib
from import_export import fields, resources

from visits.interchange import COLUMNS, export_visits
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
    """Columns are the interchange CSV's, written by the shared exporter."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
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
