"""Hostile cells in 订单明细: digits of other scripts crash the reader; CSV text is rounded through a float."""

from __future__ import annotations

import polars as pl
import pytest
from django.urls import reverse

from tests.monitor.conftest import AGREEMENT_HEADER, ORDER_HEADER, run_vbp, write_csv_folder
from tests.monitoring.test_order_import import csv_bytes, province
from vbp.demo.orders import demo_order_sheets
from vbp.monitoring import store
from vbp.platformdata import services
from vbp.platformdata.models import ImportJob

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

GOOD_LINE = ["L1", "H1", "第一批", "阿莫西林", "是", "国药", "线上", "10", "100.00", "2024-01-10", "", "", "", ""]
GOOD_AGREEMENT = ["H1", "第一批", "阿莫西林", "100", "2024-01-01", "2024-12-31"]


def with_cell(header: str, value: str) -> bytes:
    orders = demo_order_sheets(lines=50, seed=1)["订单明细"].with_columns(pl.col(header).cast(pl.String))
    orders = orders.with_columns(
        pl.when(pl.int_range(pl.len()) == 1).then(pl.lit(value)).otherwise(pl.col(header)).alias(header)
    )
    return csv_bytes(orders)


# Rust's \d (polars regex) matches every Unicode decimal digit; the strict cast after it then raises.
HOSTILE_DIGITS = [
    ("采购数量", "１２"),  # full-width
    ("采购数量", "٣"),  # Arabic-Indic
    ("下单日期", "２０２４-01-10"),
]


@pytest.mark.parametrize(("header", "value"), HOSTILE_DIGITS)
def test_an_order_file_with_non_ascii_digits_is_refused_not_crashed(header, value):
    job = services.start_import(province(), "orders", "订单明细.csv", with_cell(header, value), background=False)
    assert job.status == ImportJob.Status.REFUSED
    assert any(header in problem["column"] for problem in job.problems)


def test_uploading_such_a_file_on_the_import_page_is_no_server_error(client):
    client.raise_request_exception = False
    client.force_login(province())
    upload = with_cell("采购数量", "１２")
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("platformdata:import_upload"),
        {"kind": "orders", "file": SimpleUploadedFile("订单明细.csv", upload, content_type="text/csv")},
    )
    assert response.status_code in (200, 302)
    assert ImportJob.objects.get().status == ImportJob.Status.REFUSED


@pytest.mark.parametrize(("header", "value"), HOSTILE_DIGITS)
def test_vbp_monitor_names_a_non_ascii_digit_cell_instead_of_a_traceback(tmp_path, header, value):
    line = list(GOOD_LINE)
    line[ORDER_HEADER.index(header)] = value
    folder = write_csv_folder(
        tmp_path / "in", {"订单明细": [ORDER_HEADER, line], "约定采购量": [AGREEMENT_HEADER, GOOD_AGREEMENT]}
    )
    result = run_vbp("monitor", folder, "-o", tmp_path / "out.xlsx", "--as-of", "2024-06-30")  # raises today
    assert result.code == 1 and header in result.err


# CSV text is exact, yet a cell the regex refuses is read again through a float rounded to 15 digits
@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("采购金额", "1234567890123.456"),  # three decimals: must be refused, is stored as 1234567890123.46
        ("采购金额", "0.1000000000000001"),
        ("采购数量", "0.9999999999999999"),  # not a whole number: stored as 1
        ("采购数量", "100000000000000.4"),
    ],
)
def test_a_csv_number_with_too_many_digits_is_refused_not_rounded_through_a_float(header, value):
    job = services.start_import(province(), "orders", "订单明细.csv", with_cell(header, value), background=False)
    assert job.status == ImportJob.Status.REFUSED, "accepted: " + str(job.preview[:1])
    assert store.stored_files() == []
