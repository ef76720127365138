"""Refreshing the monitoring figures of a year: the shared SQL (vbp/monitor/figures.sql) over the stored lines.

DuckDB reads the year's Parquet files where they lie; the agreements are the year's 平台数据 约定采购量,
summed per hospital, batch and generic name, over the part of the batch's purchasing cycle that falls in
the year. Demand reports are not kept in the system yet, so 报量核对 is for ``vbp monitor`` only. The
figures replace the year's rows in one transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl
from django.db import connection as database
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from vbp.catalog.models import Batch, Hospital
from vbp.catalog.naming import monitoring_names
from vbp.monitor.figures import EMPTY_REPORTS, compute, connect, fetch, read_parquet
from vbp.monitoring import store
from vbp.monitoring.models import (
    DeliveryFigure,
    DemandReport,
    MonthlyFigure,
    OrderLineFigure,
    PaymentFigure,
    ProgressFigure,
    ProgressPeriod,
    Snapshot,
)
from vbp.platformdata.models import PlatformRecord

INSERT_BATCH = 5000


def default_as_of(year: int) -> datetime.date:
    """Today, or the year's last day once the year is over."""
    return min(timezone.localdate(), datetime.date(year, 12, 31))


def agreements(year: int) -> pl.DataFrame:
    """The year's agreed volumes per hospital × batch × generic (the names of vbp.catalog.naming), with the part
    of the batch's cycle inside the year as the contract period."""
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    names = monitoring_names()
    sums: dict[tuple, int] = {}
    rows = (
        PlatformRecord.objects.filter(year=year)
        .values_list("hospital__code", "product_id", "product__batch__cycle_start", "product__batch__cycle_end")
        .annotate(agreed=Sum("agreed_volume"))
        .order_by()
    )
    for hospital, product_id, start, end, agreed in rows:
        if start <= last and end >= first:
            key = (hospital, *names[product_id], max(start, first), min(end, last))
            sums[key] = sums.get(key, 0) + int(agreed)
    records = [
        (hospital, batch, generic, agreed, start, end)
        for (hospital, batch, generic, start, end), agreed in sorted(sums.items())
    ]
    schema = {
        "hospital": pl.String,
        "batch": pl.String,
        "generic": pl.String,
        "agreed": pl.Int64,
        "starts": pl.Date,
        "ends": pl.Date,
    }
    return pl.DataFrame(records, schema=schema, orient="row")


def figures_of(
    year: int, as_of: datetime.date, hospitals: list[str] | None = None, files_of: FilesOf | None = None
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with every figure's view (figures.sql) over the year's stored lines and agreements, as of
    ``as_of``; with ``hospitals`` (codes), over those hospitals' only; with ``files_of``, over the files it names
    for a year (an import's, before they are stored) instead of the store's."""
    files_of = files_of or _stored_files_of
    connection = connect()
    read_parquet(connection, "stored_orders", files_of(year))
    read_parquet(connection, "stored_previous", files_of(year - 1))
    agreed = agreements(year)
    if hospitals is None:
        connection.execute("CREATE TEMP VIEW orders AS SELECT * FROM stored_orders")
        connection.execute("CREATE TEMP VIEW previous_orders AS SELECT * FROM stored_previous")
    else:
        connection.register("in_scope", pl.DataFrame({"code": hospitals}, schema={"code": pl.String}).to_arrow())
        for view, source in (("orders", "stored_orders"), ("previous_orders", "stored_previous")):
            connection.execute(
                f"CREATE TEMP VIEW {view} AS SELECT * FROM {source} WHERE hospital IN (SELECT code FROM in_scope)"  # noqa: S608
            )
        agreed = agreed.filter(pl.col("hospital").is_in(hospitals))
    connection.register("agreements", agreed.to_arrow())
    connection.register("reports", demand_reports(year, hospitals).to_arrow())
    compute(connection, as_of)
    return connection


FilesOf = Callable[[int], list[Path]]


def _stored_files_of(year: int) -> list[Path]:
    return [path for path in store.stored_files() if path.parent.parent.name == f"year={year}"]


def demand_reports(year: int, hospitals: list[str] | None = None) -> pl.DataFrame:
    """The year's 报量 as the shared SQL reads them."""
    reports = DemandReport.objects.filter(year=year)
    if hospitals is not None:
        reports = reports.filter(hospital__code__in=hospitals)
    rows = reports.values_list("hospital__code", "batch__name", "generic", "reported", "last_year")
    return pl.DataFrame(list(rows), schema=EMPTY_REPORTS.schema, orient="row")


def refresh(year: int, as_of: datetime.date | None = None, files_of: FilesOf | None = None) -> Snapshot:
    """Compute the year's figures as of ``as_of`` (default: ``default_as_of``) and store them; over ``files_of``'s
    files when given (an import's staged months, checked before the store changes)."""
    as_of = as_of or default_as_of(year)
    connection = figures_of(year, as_of, files_of=files_of)
    figures = {view: fetch(connection, view) for view in ("progress", "payments", "late_payments", "offline_lines")}
    figures["delivery_by_hospital"] = connection.sql("SELECT * FROM delivery_by_hospital").pl()
    figures["monthly"] = connection.sql("SELECT * FROM monthly").pl()
    figures["report_check"] = fetch(connection, "report_check")
    (lines,) = connection.execute("SELECT count(*) FROM lines").fetchall()[0]
    connection.close()
    with transaction.atomic():
        snapshot, _ = Snapshot.objects.update_or_create(year=year, defaults={"as_of": as_of, "lines": lines})
        for model in (ProgressFigure, ProgressPeriod, PaymentFigure, DeliveryFigure, OrderLineFigure, MonthlyFigure):
            model.objects.filter(snapshot=snapshot).delete()
        _store(snapshot, figures)
        _check_reports(year, figures["report_check"])
    return snapshot


def _check_reports(year: int, checks: pl.DataFrame) -> None:
    """The 报量核对 figures onto the year's reports; a report not yet answered waits for a 说明 when flagged.

    Only the reports whose figures or status change are written (and their version raised: what a page showed of
    them is stale now), one UPDATE by id each, sent together.
    """
    found = {
        (hospital, batch, generic): (last, change, bool(dropped), bool(unreported))
        for hospital, batch, generic, last, change, dropped, unreported in checks.select(
            "hospital", "batch", "generic", "last", "change", "dropped", "unreported_nonwinning"
        ).iter_rows()
    }
    Status = DemandReport.Status
    nothing = (None, None, False, False)
    updates = []
    for pk, hospital, batch, generic, *before, status in DemandReport.objects.filter(year=year).values_list(
        "pk", "hospital__code", "batch__name", "generic", "last", "change", "dropped", "unreported_nonwinning", "status"
    ):
        after = found.get((hospital, batch, generic), nothing)
        new_status = status
        if status in (Status.CLEAR, Status.EXPLAIN):
            new_status = Status.EXPLAIN if after[2] or after[3] else Status.CLEAR  # DemandReport.flagged
        if [*after, new_status] != [*before, status]:
            updates.append((*after, str(new_status), pk))
    quote = database.ops.quote_name
    fields = ", ".join(
        f"{quote(name)} = %s" for name in ("last", "change", "dropped", "unreported_nonwinning", "status")
    )
    version = quote("version")
    sql = (
        f"UPDATE {quote(DemandReport._meta.db_table)} SET {fields}, {version} = {version} + 1 WHERE {quote('id')} = %s"  # noqa: S608
    )
    with database.cursor() as cursor:
        for start in range(0, len(updates), INSERT_BATCH):
            cursor.executemany(sql, updates[start : start + INSERT_BATCH])


def _store(snapshot: Snapshot, figures: dict[str, pl.DataFrame]) -> None:
    """Every figure's rows, hospitals and batches by id (rows of a batch the system no longer has are left out)."""
    hospitals = pl.DataFrame(
        list(Hospital.objects.values_list("code", "pk")),
        schema={"hospital": pl.String, "hospital_id": pl.Int64},
        orient="row",
    )
    batches = pl.DataFrame(
        list(Batch.objects.values_list("name", "pk")), schema={"batch": pl.String, "batch_id": pl.Int64}, orient="row"
    )

    def rows(view: str, fields: tuple[str, ...], by_batch: bool = True, **constants) -> pl.DataFrame:
        frame = figures[view].join(hospitals, on="hospital", how="inner")
        if by_batch:
            frame = frame.join(batches, on="batch", how="inner")
        ids = ["hospital_id", "batch_id"] if by_batch else ["hospital_id"]
        return frame.select(
            pl.lit(snapshot.pk, dtype=pl.Int64).alias("snapshot_id"),
            *ids,
            *[pl.lit(value).alias(name) for name, value in constants.items()],
            *fields,
        )

    progress = rows("progress", PROGRESS_FIELDS)
    _insert(ProgressFigure, progress)
    periods = progress.filter(pl.col("agreed") > 0).group_by("snapshot_id", "hospital_id", "starts", "ends")
    _insert(ProgressPeriod, periods.agg(pl.col("agreed").sum(), pl.col("winning").sum()).sort("hospital_id", "starts"))
    _insert(PaymentFigure, rows("payments", PAYMENT_FIELDS))
    _insert(MonthlyFigure, rows("monthly", MONTHLY_FIELDS))
    _insert(DeliveryFigure, rows("delivery_by_hospital", DELIVERY_FIELDS, by_batch=False))
    _insert(OrderLineFigure, rows("late_payments", (*LINE_FIELDS, "days_late"), kind=OrderLineFigure.Kind.LATE))
    offline = rows("offline_lines", LINE_FIELDS, kind=OrderLineFigure.Kind.OFFLINE)
    _insert(OrderLineFigure, offline.with_columns(pl.lit(None, dtype=pl.Int64).alias("days_late")))


PROGRESS_FIELDS = (
    "generic",
    "agreed",
    "starts",
    "ends",
    "winning",
    "nonwinning",
    "completion",
    "schedule",
    "behind",
    "winning_share",
    "nonwinning_over",
)
MONTHLY_FIELDS = ("month", "winning", "nonwinning")
PAYMENT_FIELDS = ("received_total", "paid_in_30", "paid_in_30_rate")
DELIVERY_FIELDS = ("distributor", "line_count", "delivered_count", "within_48h")
LINE_FIELDS = (
    "order_no",
    "generic",
    "winning",
    "distributor",
    "quantity",
    "amount",
    "ordered",
    "delivered",
    "received",
    "received_amount",
    "paid",
)


def _insert(model, frame: pl.DataFrame) -> None:
    """``frame``'s rows into ``model``'s table (its columns named as the table's), a few thousand to a statement
    batch: plain INSERTs, without a model object per row."""
    quote = database.ops.quote_name
    columns = ", ".join(quote(name) for name in frame.columns)
    marks = ", ".join(["%s"] * len(frame.columns))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608 (names are ours)
    with database.cursor() as cursor:
        for part in frame.iter_slices(INSERT_BATCH):
            cursor.executemany(sql, part.rows())
