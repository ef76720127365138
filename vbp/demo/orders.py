"""The demo province's order lines: a year of them, drawn by vbp.monitor.generate for its own hospitals and products.

Stored as the import would store them (vbp.monitoring.store), then the year's monitoring figures computed
as of the monitoring date (vbp.monitoring.aggregate), so every monitoring page shows something.
"""

from __future__ import annotations

import datetime

import polars as pl
from django.utils import timezone

from vbp.catalog.models import Batch, Hospital, Product
from vbp.catalog.naming import monitoring_names
from vbp.demo.province import DATA_YEAR
from vbp.monitor.generate import Product as GeneratedProduct
from vbp.monitor.generate import generate
from vbp.monitor.schema import ORDER_COLUMNS, ORDER_LINES, REPORTS
from vbp.platformdata.models import PlatformRecord

DEMO_LINES = 500_000
AS_OF = datetime.date(DATA_YEAR, 9, 30)  # three quarters into the year: every flag has had time to appear
DEMO_HOSPITAL = "太原市小店区人民医院"  # demo_hospital's: some of its reports come explained


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
    """Store the demo's order lines and 报量, and compute the year's figures; how many lines were stored.

    Two of demo_hospital's flagged reports come explained, waiting for its bureau's review; the others (at least
    one) wait for its 说明.
    """
    from vbp.monitoring import aggregate, store
    from vbp.monitoring.models import DemandReport

    sheets = demo_order_sheets(lines, seed)
    orders = sheets[ORDER_LINES].rename({column.header: column.name for column in ORDER_COLUMNS})
    frame = orders.with_columns(pl.col("winning") == "是", pl.col("offline") == "线下")
    store.replace_months(frame)
    hospitals = dict(Hospital.objects.values_list("code", "pk"))
    batches = dict(Batch.objects.values_list("name", "pk"))
    DemandReport.objects.filter(year=DATA_YEAR).delete()
    DemandReport.objects.bulk_create(
        DemandReport(
            year=DATA_YEAR,
            hospital_id=hospitals[hospital],
            batch_id=batches[batch],
            generic=generic,
            reported=reported,
            last_year=last_year,
        )
        for hospital, batch, generic, reported, last_year in sheets[REPORTS].iter_rows()
    )
    aggregate.refresh(DATA_YEAR, AS_OF)
    flagged = list(
        DemandReport.objects.filter(
            year=DATA_YEAR, hospital__name=DEMO_HOSPITAL, status=DemandReport.Status.EXPLAIN
        ).order_by("batch__cycle_start", "generic")
    )
    for report in flagged[: min(2, len(flagged) - 1)]:  # the others wait for the hospital's 说明
        report.explanation = "上一年度含疫情期间集中备货，本年度按实际诊疗需求报量。"
        report.explained_at = timezone.now()
        report.status = DemandReport.Status.REVIEW
        report.save(update_fields=["explanation", "explained_at", "status"])
    return frame.height
