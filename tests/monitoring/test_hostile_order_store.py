"""The order-line store and the figures beside it: an import that fails after the store was replaced, a swap
that fails halfway, and sums beyond what the figure tables hold."""

from __future__ import annotations

import datetime
from pathlib import Path

import polars as pl
import pytest

from tests.monitoring.test_order_import import YEAR, csv_bytes, import_orders, province
from vbp.demo.orders import demo_order_sheets
from vbp.monitoring import aggregate, store
from vbp.platformdata import services
from vbp.platformdata.models import ImportJob

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]
MAX_VOLUME = 10**15 - 1  # the largest 采购数量 read.py accepts


@pytest.fixture
def orders():
    return demo_order_sheets(lines=2000, seed=1)["订单明细"]


def huge_month(orders: pl.DataFrame, lines: int = 9300) -> pl.DataFrame:
    """``lines`` lines of one hospital, batch and generic in March, each of the largest volume the reader allows:
    their sum (9.3e18) passes 2**63 - 1, though every cell is valid."""
    first = orders.row(0, named=True)
    return pl.concat([orders.head(1)] * lines).with_columns(
        pl.format("HUGE-{}", pl.int_range(pl.len())).alias("订单编号"),
        pl.lit(first["医疗机构编码"]).alias("医疗机构编码"),
        pl.lit(True).alias("是否中选") if orders.schema["是否中选"] == pl.Boolean else pl.lit("是").alias("是否中选"),
        pl.lit(MAX_VOLUME).alias("采购数量"),
        pl.lit(datetime.date(YEAR, 3, 2)).alias("下单日期"),
        *[pl.lit(None).cast(orders.schema[c]).alias(c) for c in ("配送日期", "入库日期", "入库金额", "支付日期")],
    )


def test_valid_huge_volumes_are_refused_at_the_dry_run_not_a_crash_at_the_write(orders):
    """Every cell is valid, but their sum for one hospital and batch passes what the figure tables hold."""
    job = services.start_import(province(), "orders", "订单明细.csv", csv_bytes(huge_month(orders)), background=False)

    assert job.status == ImportJob.Status.REFUSED
    first = orders.row(0, named=True)
    which = f"医疗机构 {first['医疗机构编码']} 带量批次 {first['带量批次']} {YEAR} 年"
    said = f"{which}的采购数量或金额合计超过系统可保存的上限，请核对数据"
    assert [problem["message"] for problem in job.problems] == [said]
    assert store.stored_files() == []


def test_a_write_whose_figures_fail_leaves_the_store_as_it_was(orders, monkeypatch):
    """The same without huge numbers: any failure of aggregate.refresh (database busy, disk full…)."""
    assert import_orders(csv_bytes(orders)).status == ImportJob.Status.DONE
    before = store.stored_months()
    march = orders.filter(pl.col("下单日期").dt.month() == 3).head(5)
    job = services.start_import(province(), "orders", "订单明细.csv", csv_bytes(march), background=False)

    def broken(year, as_of=None, files_of=None):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(aggregate, "refresh", broken)
    with pytest.raises(RuntimeError):
        services.confirm_import(province(), job, background=False)

    assert store.stored_months() == before  # the figures failed first: the store was never touched
    assert not list(store.root().glob(".staging-*"))


def test_a_month_set_aside_is_put_back_when_moving_its_new_folder_in_fails(orders, monkeypatch):
    assert import_orders(csv_bytes(orders)).status == ImportJob.Status.DONE
    before = store.stored_months()
    march = orders.filter(pl.col("下单日期").dt.month() == 3).head(5)
    real_rename = Path.rename

    def rename(self, target):
        # the staged month moving into the store fails (e.g. EXDEV, ENOSPC, a permission)
        if ".staging-" in str(self) and ".staging-" not in str(target):
            raise OSError(28, "No space left on device")
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    with pytest.raises(OSError):
        store.replace_months(march.rename(RENAMES).with_columns(pl.lit(1).alias("__row")))
    monkeypatch.setattr(Path, "rename", real_rename)

    assert store.stored_months() == before  # March, set aside, is put back


RENAMES = {
    "订单编号": "order_no",
    "医疗机构编码": "hospital",
    "带量批次": "batch",
    "药品通用名": "generic",
    "是否中选": "winning",
    "配送企业": "distributor",
    "采购方式": "offline",
    "采购数量": "quantity",
    "采购金额": "amount",
    "下单日期": "ordered",
    "配送日期": "delivered",
    "入库日期": "received",
    "入库金额": "received_amount",
    "支付日期": "paid",
}
