"""The admin's spreadsheet exports never carry a live formula; the interchange CSV
stays a faithful round trip (issue 10)."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from tests.factories import VisitFactory, user_in

FORMULA = '=HYPERLINK("https://evil.example/","click")'


@pytest.fixture
def editor(client, countries):
    user = user_in("Editors")
    client.force_login(user)
    return user


def export(client, fmt: int) -> bytes:
    response = client.post(
        reverse("admin:visits_visit_export"), {"format": str(fmt), "resource": "0"}
    )
    assert response.status_code == 200
    return response.content


def test_the_admin_offers_only_safe_formats(client, editor):
    page = client.get(reverse("admin:visits_visit_export")).content.decode()
    for label in ("csv", "xlsx", "tsv", "json"):
        assert f">{label}<" in page
    assert ">xls<" not in page and ">ods<" not in page and ">html<" not in page


def test_csv_and_tsv_cells_that_a_spreadsheet_would_run_are_neutralised(client, editor):
    VisitFactory(purpose=FORMULA, places="+1 Pyongyang", visitor_title="-delegate")
    for fmt, delimiter in ((0, ","), (2, "\t")):
        rows = list(csv.DictReader(io.StringIO(export(client, fmt).decode()), delimiter=delimiter))
        assert rows[0]["purpose"] == "'" + FORMULA
        assert rows[0]["places"] == "'+1 Pyongyang"
        assert rows[0]["visitor_title"] == "'-delegate"
        assert rows[0]["visitor_country"] == "CHN"  # ordinary cells untouched


def test_xlsx_cells_are_text_never_formulas(client, editor):
    VisitFactory(purpose=FORMULA)
    book = openpyxl.load_workbook(io.BytesIO(export(client, 1)))
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    purpose = sheet.cell(row=2, column=header.index("purpose") + 1)
    assert purpose.value == FORMULA  # shown as written
    assert purpose.data_type == "s"  # a string cell, not "f"
    kinds = {cell.data_type for row in sheet.iter_rows() for cell in row}
    assert "f" not in kinds  # no formula anywhere


def test_the_interchange_csv_keeps_the_text_as_recorded(client, countries):
    VisitFactory(purpose=FORMULA)
    body = b"".join(client.get("/api/v1/visits/export.csv").streaming_content).decode()
    row = next(csv.DictReader(io.StringIO(body)))
    assert row["purpose"] == FORMULA
