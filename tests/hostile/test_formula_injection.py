"""A hospital named like a formula comes out of every .xlsx the system writes as its name: text, never a formula.

Opening a downloaded file must not run anything a hospital's name or a clerk's text says: =HYPERLINK(…) would be a
live link in Excel, +1+1 / -2 / @SUM(A1) would be computed. The files are read back with openpyxl (not read-only,
as a user's Excel would load them) and the sheet XML itself is searched for a formula element.

Built on the demo province as tests/assessment/test_offline.py builds its Wuhan batch: a demo batch pointed at the
wuhan rule set, the hospitals of 太原市小店区 reviewed by demo_district.
"""

import io
import re
import zipfile

import openpyxl
import pytest
from django.urls import reverse

from vbp.accounts.models import User
from vbp.catalog.models import Batch, Hospital
from vbp.platformdata.importers import IMPORTERS
from vbp.rulesets.models import RuleSetVersion
from vbp.ui.export import HEADER_ROWS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

BATCH = "国家第一批集中带量采购"
YEAR = 2024
TRAPS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2", "@SUM(A1)"]
FORMULA = re.compile(r"<(?:\w+:)?f[\s>/]")  # <f>, <f t="shared" …/>, with or without a prefix


@pytest.fixture
def batch() -> Batch:
    Batch.objects.filter(name=BATCH).update(rule_set=RuleSetVersion.objects.get(code="wuhan"))
    return Batch.objects.get(name=BATCH)


def renamed(batch: Batch, name: str) -> Hospital:
    """A 小店区 hospital with platform data in the batch, now called ``name``."""
    hospital = (
        Hospital.objects.filter(district__code="140105", province_direct=False, platformrecord__product__batch=batch)
        .distinct()
        .order_by("code")
        .first()
    )
    hospital.name = name
    hospital.save(update_fields=["name"])
    return hospital


def signed_in(client, username: str):
    client.force_login(User.objects.get(username=username))
    return client


def content_of(response) -> bytes:
    assert response.status_code == 200
    return response.getvalue() if response.streaming else response.content


def formulas(content: bytes) -> list[str]:
    """Every worksheet part that holds a formula element."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        parts = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        return [name for name in parts if FORMULA.search(archive.read(name).decode())]


def cells_named(content: bytes, text: str) -> list:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row if cell.value == text]


@pytest.mark.parametrize("name", TRAPS)
def test_the_wuhan_template_writes_a_hospital_named_like_a_formula_as_its_name(client, batch, name):
    hospital = renamed(batch, name)

    response = signed_in(client, "demo_district").get(reverse("assessment:offline_template", args=[batch.pk, YEAR]))

    content = content_of(response)
    sheet = openpyxl.load_workbook(io.BytesIO(content))["考核评分"]
    names = [row[2] for row in sheet.iter_rows(min_row=2) if row[1].value == hospital.code]
    assert names, "the hospital's rows are in the template"
    assert {(cell.value, cell.data_type) for cell in names} == {(name, "s")}
    assert all(cell.quotePrefix for cell in names)  # and Excel keeps it text when the cell is edited
    assert formulas(content) == []


@pytest.mark.parametrize("name", TRAPS)
def test_the_hospital_list_export_writes_a_hospital_named_like_a_formula_as_its_name(client, batch, name):
    hospital = renamed(batch, name)

    response = signed_in(client, "demo_city").get("/hospitals/", {"export": "1"})

    content = content_of(response)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    row = next(row for row in sheet.iter_rows(min_row=HEADER_ROWS + 2) if row[0].value == hospital.code)
    assert (row[1].value, row[1].data_type) == (name, "s")
    assert formulas(content) == []


def test_a_filter_typed_like_a_formula_stays_text_in_the_exports_header_block(client, batch):
    trap = TRAPS[0]

    response = signed_in(client, "demo_city").get("/hospitals/", {"name": trap, "export": "1"})

    content = content_of(response)
    (cell,) = cells_named(content, f"筛选条件：医疗机构名称 {trap}")
    assert cell.data_type == "s"
    assert formulas(content) == []


@pytest.mark.parametrize("kind", list(IMPORTERS))
def test_no_import_template_holds_a_formula(client, kind):
    response = signed_in(client, "demo_province").get(reverse("platformdata:import_template", args=[kind]))

    content = content_of(response)
    assert formulas(content) == []
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert all(cell.data_type == "s" for cell in workbook.worksheets[0][1])  # the headers: text
