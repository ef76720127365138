"""One order line dated years ahead (a typo: 2204 for 2024, or a hostile file) takes over every monitoring page."""

from __future__ import annotations

import datetime

import polars as pl
import pytest
from django.urls import reverse

from tests.monitoring.test_order_import import YEAR, csv_bytes, import_orders
from vbp.accounts.models import User
from vbp.demo.orders import demo_order_sheets
from vbp.monitoring.lists import current_snapshot
from vbp.monitoring.models import ProgressFigure
from vbp.platformdata.models import ImportJob

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def test_an_order_dated_in_the_future_does_not_hide_this_years_figures(client):
    orders = demo_order_sheets(lines=2000, seed=1)["订单明细"]
    assert import_orders(csv_bytes(orders)).status == ImportJob.Status.DONE
    assert current_snapshot().year == YEAR and ProgressFigure.objects.filter(snapshot__year=YEAR).exists()

    typo = orders.head(1).with_columns(
        pl.lit("TYPO-1").alias("订单编号"),
        pl.lit(datetime.date(2099, 1, 5)).alias("下单日期"),
        *[pl.lit(None).cast(orders.schema[c]).alias(c) for c in ("配送日期", "入库日期", "入库金额", "支付日期")],
    )
    job = import_orders(csv_bytes(typo))

    # either the dry run refuses an order placed after today, or the pages keep showing the real year
    if job.status == ImportJob.Status.DONE:
        assert current_snapshot().year == YEAR, f"pages now show {current_snapshot().year}"
        client.force_login(User.objects.get(username="demo_province"))
        page = client.get(reverse("monitoring:progress")).content.decode()
        assert str(YEAR) in page
    else:
        assert job.status == ImportJob.Status.REFUSED
