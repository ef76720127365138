"""Control characters and invisible-only text in the text cells of 订单明细 are refused at the dry run: nothing of
the file is stored, so nothing reaches the pages, the exports or PostgreSQL (whose text holds no NUL)."""

from __future__ import annotations

import polars as pl
import pytest
from django.urls import reverse

from tests.monitoring.test_order_import import csv_bytes, import_orders
from vbp.accounts.models import User
from vbp.demo.orders import demo_order_sheets
from vbp.monitoring.models import OrderLineFigure
from vbp.platformdata.models import ImportJob

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


@pytest.mark.parametrize("text", ["A\x00B", "A\x0bB", "\u200b"])
def test_an_order_no_or_distributor_with_control_characters_is_refused(text, client):
    orders = demo_order_sheets(lines=300, seed=1)["订单明细"]
    offline = orders.filter(pl.col("采购方式") == "线下").head(1)
    assert offline.height == 1
    hostile = offline.with_columns(pl.lit(text).alias("订单编号"), pl.lit(text).alias("配送企业"))
    job = import_orders(csv_bytes(pl.concat([orders.filter(pl.col("订单编号") != offline["订单编号"][0]), hostile])))
    client.force_login(User.objects.get(username="demo_province"))
    response = client.get(reverse("monitoring:offline"), {"export": "xlsx", "size": 200})
    assert response.status_code == 200
    assert job.status == ImportJob.Status.REFUSED
    assert not OrderLineFigure.objects.exists()  # (a query for the text itself would be PostgreSQL's error)
