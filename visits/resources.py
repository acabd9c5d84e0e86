"""django-import-export glue for the admin's export, in the interchange format
(visits.interchange, the same writer as the command line and the API), and the
spreadsheet cell reading that the admin's import (visits.admin_import) uses.

The admin's exports are meant to be opened in a spreadsheet, so no cell there can
become a live formula: XLSX cells are written as text, and CSV/TSV cells that a
spreadsheet would evaluate (starting with = + - @, a tab or a carriage return) get
a leading apostrophe. The interchange CSV of the API and `export_visits` stays a
faithful round trip and is not altered.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import tablib
from import_export import fields, resources
from import_export.formats import base_formats

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


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value) -> str:
    """A cell a spreadsheet shows as the text it is, never evaluates (OWASP's CSV
    injection advice: a leading apostrophe)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _neutralised(dataset: tablib.Dataset) -> tablib.Dataset:
    safe = tablib.Dataset(headers=dataset.headers)
    for row in dataset:
        safe.append([neutralised(cell) for cell in row])
    return safe


class SpreadsheetCSV(base_formats.CSV):
    def export_data(self, dataset, **kwargs):
        return super().export_data(_neutralised(dataset), **kwargs)


class SpreadsheetTSV(base_formats.TSV):
    def export_data(self, dataset, **kwargs):
        return super().export_data(_neutralised(dataset), **kwargs)


class TextXLSX(base_formats.XLSX):
    """Every cell a string cell: "=HYPERLINK(…)" is shown, not run."""

    def export_data(self, dataset, **kwargs):
        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet(title="visits")
        for row in [dataset.headers, *dataset]:
            cells = []
            for value in row:
                cell = openpyxl.cell.WriteOnlyCell(sheet, value="" if value is None else str(value))
                cell.data_type = "s"
                cells.append(cell)
            sheet.append(cells)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


# The admin's export formats (VisitAdmin.export_formats): none can carry a live formula.
EXPORT_FORMATS = [SpreadsheetCSV, TextXLSX, SpreadsheetTSV, base_formats.JSON]
