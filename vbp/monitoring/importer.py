"""订单明细 as a kind of 数据导入: read and checked by columns (vbp.monitor.read), stored as Parquet, then figures.

The dry run names every bad cell and every line whose hospital or batch the system does not know, and
previews, month by month, how many stored lines the file replaces. Writing stores the file's months
(vbp.monitoring.store) and refreshes the figures of every year it touches (vbp.monitoring.aggregate).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import polars as pl
from django.db.models import F
from django.utils import timezone

from vbp.calc.problems import Problem
from vbp.calc.reader import ROW
from vbp.catalog.models import Batch, Hospital
from vbp.monitor.ingest import Check, Ingested, ingest
from vbp.monitor.schema import ORDER_COLUMNS, ORDER_LINES
from vbp.monitoring import aggregate, store
from vbp.monitoring.models import DemandReport
from vbp.platformdata.fields import Column
from vbp.platformdata.importers import Change, DryRun, Importer, RowError
from vbp.platformdata.sheets import workbook_limits

YES_NO = {"是": "是", "否": "否"}
METHODS = {"线上": "线上", "线下": "线下"}
MAX_LISTED = 1000  # unknown hospitals or batches: the first this many rows named, then a count of the rest
MAX_SUMMED_VOLUME = 2.0**62  # below what the figure tables' 64-bit integers hold, with room to spare
MAX_SUMMED_AMOUNT = 1e17  # yuan: the figure tables keep 18 digits before the point


def _template_column(column) -> Column:
    """The 导入模板's column for a monitoring column: the same header, what a cell holds, whether it may be empty."""
    kinds = {
        "text": {"kind": "text"},
        "yes_no": {"kind": "choice", "choices": YES_NO},
        "method": {"kind": "choice", "choices": METHODS},
        "integer": {"kind": "integer"},
        "amount": {"kind": "decimal", "decimals": 2},
        "date": {"kind": "date"},
    }
    return Column(column.header, column.name, required=column.required, **kinds[column.kind])


def _listed(rows: pl.DataFrame, header: str, letters: dict[str, str], says) -> list[Problem]:
    """A problem per row of (ROW, value) at the column ``header``: the first MAX_LISTED, then how many more."""
    place = letters.get(header, f"（{header}）")
    problems = [Problem(ORDER_LINES, row, place, says(value)) for row, value in rows.head(MAX_LISTED).iter_rows()]
    if rows.height > MAX_LISTED:
        problems.append(Problem(ORDER_LINES, None, place, f"另有 {rows.height - MAX_LISTED} 行同样的问题"))
    return problems


class OrderLineImporter(Importer):
    kind, title, sheet = "orders", "订单明细", ORDER_LINES
    reads_whole_file = True
    columns = tuple(_template_column(column) for column in ORDER_COLUMNS)
    notes = (
        "采购使用监测的订单明细（由平台提供）：每行一条订单，订单编号与医疗机构编码确定一条订单。",
        "可上传 .csv（UTF-8）、.parquet 或 .xlsx 文件；文件中出现的每个月（按下单日期）整月替换系统中已有的该月订单。",
        "配送日期、入库日期、入库金额、支付日期未发生时留空；入库日期与入库金额同时填写。",
    )

    def check_file(self, content: bytes, file_name: str, progress: Callable[[int], None] | None = None) -> DryRun:
        """Stream the file into a staging folder beside the store, checked batch by batch (vbp.monitor.ingest);
        the result's payload is what ``write_result`` swaps in (the caller releases it either way)."""
        suffix = Path(file_name).suffix.lower()
        with tempfile.NamedTemporaryFile(suffix=suffix) as copy:
            copy.write(content)
            copy.flush()
            return self.check_path(Path(copy.name), file_name, progress)

    def check_path(self, path: Path, file_name: str, progress: Callable[[int], None] | None = None) -> DryRun:
        """``check_file`` of a file already on disk (``manage.py import_orders``: one too large to upload)."""
        ingested = ingest(
            path,
            file_name,
            store.new_staging(),
            check=self._batch_problems(),
            finish=self._too_large,
            progress=progress,
            limits=workbook_limits(),
        )
        result = DryRun(total_rows=ingested.rows, problems=ingested.problems)
        if result.problems:
            return result
        result.payload = staged = store.Staged(ingested.folder)
        result.added = ingested.rows
        result.changed = staged.replacement.replaced
        result.preview = [
            Change(
                row=0,
                key=f"{year}年{month}月",
                action="替换" if before else "新增",
                changes=[("订单行数", str(before), str(after))],
            )
            for (year, month), (before, after) in staged.replacement.months.items()
        ]
        return result

    def _batch_problems(self) -> Check:
        """The checks of each batch of lines against the system: hospitals and batches it knows, no future date."""
        known = {
            "hospital": set(Hospital.objects.values_list("code", flat=True)),
            "batch": set(Batch.objects.values_list("name", flat=True)),
        }
        today = timezone.localdate()

        def check(frame: pl.DataFrame, letters: dict[str, str]) -> list[Problem]:
            problems = []
            for header, name in (("医疗机构编码", "hospital"), ("带量批次", "batch")):
                noun = "医疗机构" if name == "hospital" else "带量批次"
                unknown = frame.filter(~pl.col(name).is_in(list(known[name]))).select(ROW, name)
                problems += _listed(unknown, header, letters, lambda value, noun=noun: f"系统中没有{noun}“{value}”")
            for header, name in (
                ("下单日期", "ordered"),
                ("配送日期", "delivered"),
                ("入库日期", "received"),
                ("支付日期", "paid"),
            ):
                late = frame.filter(pl.col(name) > today).select(ROW, name)  # a typo, 2204 for 2024
                problems += _listed(late, header, letters, lambda value: f"{value:%Y-%m-%d} 晚于今天")
            return problems

        return check

    def _too_large(self, ingested: Ingested) -> list[Problem]:
        """Sums the figure tables cannot hold: every figure adds up lines of one hospital and batch in a year at
        most, so those sums (this file's lines with the stored ones of months it does not replace) must fit them."""
        columns = ["hospital", "batch", "ordered", "quantity", "amount", "received_amount"]
        replaced = set(ingested.months)
        years = {year for year, _ in replaced}
        kept = [
            path
            for path in store.stored_files()
            if store.month_of(path)[0] in years and store.month_of(path) not in replaced
        ]
        sums = (
            pl.scan_parquet([*ingested.files(), *kept])
            .select(columns)
            .group_by("hospital", "batch", pl.col("ordered").dt.year().alias("year"))
            .agg(pl.col(name).cast(pl.Float64).sum() for name in ("quantity", "amount", "received_amount"))
            .filter(
                (pl.col("quantity") >= MAX_SUMMED_VOLUME)
                | (pl.col("amount") >= MAX_SUMMED_AMOUNT)
                | (pl.col("received_amount") >= MAX_SUMMED_AMOUNT)
            )
            .sort("hospital", "batch", "year")
            .collect()
        )
        return [
            Problem(
                ORDER_LINES,
                None,
                "",
                f"医疗机构 {hospital} 带量批次 {batch} {year} 年的采购数量或金额合计超过系统可保存的上限，请核对数据",
            )
            for hospital, batch, year, *_ in sums.iter_rows()
        ]

    def write_result(self, result: DryRun) -> None:
        """Compute the figures over the store as it will be (in the caller's transaction), and only then swap the
        staged months in: if the figures fail, the store is as it was and the transaction rolls back."""
        staged = result.payload
        for year in staged.years:
            aggregate.refresh(year, files_of=staged.files)
        staged.swap_in()


class DemandReportImporter(Importer):
    """报量: a hospital's reported demand per batch and generic for a year, as the platform gives it."""

    kind, title, sheet, model = "reports", "报量", "报量", DemandReport
    key, key_columns = ("year", "hospital_id", "batch_id", "generic"), ("year", "hospital", "batch", "generic")
    notes = (
        "采购使用监测的报量（由平台提供）：每行为一家医疗机构一个带量批次一个药品通用名一个年度的报量；再次导入即更新。",
        "上一年度实际采购量可空：空时按执行期开始前 365 天内的订单明细计算。",
        "报量须有对应的约定采购量（该年度平台数据），报量核对用它的执行期。",
    )
    columns = (
        Column("年度", "year", "integer", minimum=Decimal(2015), maximum=Decimal(2100)),
        Column("医疗机构编码", "hospital", "code", max_length=30),
        Column("带量批次", "batch"),
        Column("药品通用名", "generic"),
        Column("报量", "reported", "integer"),
        Column("上一年度实际采购量", "last_year", "integer", required=False),
    )

    def prepare(self) -> None:
        self.hospitals = dict(Hospital.objects.values_list("code", "pk"))
        self.batches = dict(Batch.objects.values_list("name", "pk"))
        self.agreed: dict[int, set[tuple]] = {}

    def to_fields(self, values: dict) -> dict:
        hospital_id = self.hospitals.get(values["hospital"])
        if hospital_id is None:
            raise RowError("医疗机构编码", f"没有医疗机构“{values['hospital']}”")
        batch_id = self.batches.get(values["batch"])
        if batch_id is None:
            raise RowError("带量批次", f"没有带量批次“{values['batch']}”")
        year = values["year"]
        if year not in self.agreed:
            keys = aggregate.agreements(year).select("hospital", "batch", "generic").iter_rows()
            self.agreed[year] = set(keys)
        if (values["hospital"], values["batch"], values["generic"]) not in self.agreed[year]:
            raise RowError("药品通用名", f"{year} 年平台数据中没有该医疗机构该药品的约定采购量")
        return {
            "year": year,
            "hospital_id": hospital_id,
            "batch_id": batch_id,
            "generic": values["generic"],
            "reported": values["reported"],
            "last_year": values["last_year"],
        }

    def write_result(self, result: DryRun) -> None:
        """Write the reports; a changed one is checked afresh (its earlier 说明 stays on it), then the years'
        figures are refreshed."""
        super().write_result(result)
        for fields in result.upserts:  # changed or new: a page shown before is stale now
            DemandReport.objects.filter(**{name: fields[name] for name in self.key}).update(
                status=DemandReport.Status.CLEAR, version=F("version") + 1
            )
        for year in sorted({fields["year"] for fields in result.upserts}):
            aggregate.refresh(year)
