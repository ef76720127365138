"""The demo province's order lines: a year of them, drawn by vbp.monitor.generate for its own hospitals and products.

Stored as the import would store them (vbp.monitoring.store), then the year's monitoring figures computed
as of the monitoring date (vbp.monitoring.aggregate), so every monitoring page shows something.
"""

from __future__ import annotations

import datetime

import polars as pl

from vbp.catalog.models import Hospital, Product
from vbp.catalog.naming import monitoring_names
from vbp.demo.province import DATA_YEAR
from vbp.monitor.generate import Product as GeneratedProduct
from vbp.monitor.generate import generate
from vbp.monitor.schema import ORDER_COLUMNS, ORDER_LINES
from vbp.platformdata.models import PlatformRecord

DEMO_LINES = 500_000
AS_OF = datetime.date(DATA_YEAR, 9, 30)  # three quarters into the year: every flag has had time to appear


def demo_products() -> list[GeneratedProduct]:
    """One generic per batch and name in order lines (vbp.catalog.naming), priced by its first product, over its
    batch's cycle within the year."""
    first, last = datetime.date(DATA_YEAR, 1, 1), datetime.date(DATA_YEAR, 12, 31)
    names = monitoring_names()
    seen, products = set(), []
    for product in Product.objects.select_related("batch").order_by("batch__cycle_start", "batch__code", "pk"):
        key = names[product.pk]
        if key in seen or product.batch.cycle_end < first or product.batch.cycle_start > last:
            continue
        seen.add(key)
        cents = max(1, int(product.bid_price * 100))
        starts, ends = max(product.batch.cycle_start, first), min(product.batch.cycle_end, last)
        products.append(GeneratedProduct(*key, cents, starts, ends))
    return products


def demo_order_lines(lines: int = DEMO_LINES, seed: int = 2024) -> pl.DataFrame:
    """The order lines, typed and named as vbp.monitor.read makes them, bought against the demo's 平台数据."""
    orders = demo_order_sheets(lines, seed)[ORDER_LINES]
    return orders.rename({column.header: column.name for column in ORDER_COLUMNS}).with_columns(
        pl.col("winning") == "是", pl.col("offline") == "线下"
    )


def demo_order_sheets(lines: int = DEMO_LINES, seed: int = 2024) -> dict[str, pl.DataFrame]:
    """The monitoring input sheets (订单明细, 约定采购量, 报量) under their Chinese headers, as in a file."""
    hospitals = list(Hospital.objects.order_by("code").values_list("code", flat=True))
    products = demo_products()
    hospital_index = {code: index for index, code in enumerate(hospitals)}
    product_index = {(product.batch, product.generic): index for index, product in enumerate(products)}
    names = monitoring_names()
    volumes: dict[tuple[int, int], int] = {}
    for hospital, product_id, volume in PlatformRecord.objects.filter(year=DATA_YEAR).values_list(
        "hospital__code", "product_id", "agreed_volume"
    ):
        if names[product_id] in product_index:
            key = (hospital_index[hospital], product_index[names[product_id]])
            volumes[key] = volumes.get(key, 0) + int(volume)
    agreed = [(hospital, product, volume) for (hospital, product), volume in sorted(volumes.items())]
    return generate(hospitals, products, lines=lines, year=DATA_YEAR, seed=seed, agreed=agreed)


def load_demo_orders(lines: int = DEMO_LINES, seed: int = 2024) -> int:
    """Store the demo's order lines and compute the year's figures; how many lines were stored."""
    from vbp.monitoring import aggregate, store

    frame = demo_order_lines(lines, seed)
    store.replace_months(frame)
    aggregate.refresh(DATA_YEAR, AS_OF)
    return frame.height
