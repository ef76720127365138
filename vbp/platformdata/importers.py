"""What each kind of import reads, how its rows become database rows, and the dry run that checks them.

A dry run (``check``) reads the whole file, lists every problem by sheet, Excel
row and column, and works out what would be added and changed; nothing is
written. ``write`` then upserts exactly what the dry run found, all or nothing
(the caller holds the transaction).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models

from vbp.calc.problems import Problem
from vbp.catalog.models import Batch, Hospital, Product
from vbp.catalog.naming import monitoring_names
from vbp.funding.models import VisitReport
from vbp.platformdata.fields import CellError, Column, show
from vbp.platformdata.models import PlatformRecord
from vbp.platformdata.sheets import Table
from vbp.regions.models import Pool, Region
from vbp.rulesets.models import RuleSetVersion

PREVIEW_ROWS = 50
PROGRESS_EVERY = 2000
WRITE_BATCH = 2000


class RowError(ValueError):
    """A row whose cells are each fine but which does not fit the data (an unknown hospital…)."""

    def __init__(self, header: str, message: str):
        self.header = header
        super().__init__(message)


@dataclass
class Change:
    """One row the import would add or change, for the preview."""

    row: int
    key: str
    action: str  # 新增 / 修改
    changes: list[tuple[str, str, str]]  # (header, old, new)


@dataclass
class DryRun:
    """What a file would do: every problem, or the rows to add and change."""

    total_rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    upserts: list[dict] = field(default_factory=list)
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    preview: list[Change] = field(default_factory=list)
    payload: object = None  # what an importer that reads whole files writes, instead of upserts

    def release(self) -> None:
        """Let go of what the payload holds outside the database (an importer's staged files), if anything."""
        discard = getattr(self.payload, "discard", None)
        if discard is not None:
            discard()


class Importer:
    """One kind of import; subclasses name the columns and how a row maps to its model."""

    kind: str
    title: str
    sheet: str
    model: type[models.Model]
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # model fields identifying a row
    notes: tuple[str, ...] = ()

    def headers(self) -> list[str]:
        """The headers that find a file's header row: the template's columns (and any a subclass also reads)."""
        return [column.header for column in self.columns]

    def prepare(self) -> None:
        """Load what rows refer to (hospitals by code…) once, before the rows are read."""

    def to_fields(self, values: dict) -> dict:
        """The model's field values for one row's cell values; RowError if they refer to nothing."""
        raise NotImplementedError

    def existing(self, upserts: list[dict]) -> dict[tuple, dict]:
        """The stored rows the file's keys match, as field values by key."""
        fields = self._fields(upserts)
        return {tuple(row[name] for name in self.key): row for row in self.model.objects.values(*fields)}

    def key_text(self, values: dict) -> str:
        return " ".join(str(values[column.name]) for column in self.columns if column.name in self.key_columns)

    key_columns: tuple[str, ...] = ()
    reads_whole_file = False  # True: check_file reads the upload itself, write_result writes its payload

    def check_file(self, content: bytes, file_name: str, progress: Callable[[int], None] | None = None) -> DryRun:
        """The dry run of a whole file (``reads_whole_file``); ``progress`` hears the rows read so far."""
        raise NotImplementedError

    def _fields(self, upserts: list[dict]) -> list[str]:
        return list(upserts[0]) if upserts else list(self.key)

    # --- the dry run -------------------------------------------------------

    def check(self, table: Table, progress: Callable[[int], None] | None = None) -> DryRun:
        result = DryRun(total_rows=len(table.rows))
        missing = [column.header for column in self.columns if column.required and column.header not in table.columns]
        if missing:
            result.problems = [Problem(table.sheet, None, "", f"缺少列“{header}”") for header in missing]
            return result
        self.prepare()
        seen: dict[tuple, int] = {}
        rows: list[tuple[int, dict, dict]] = []
        for done, (number, cells) in enumerate(table.rows, start=1):
            values = self._read_row(table, number, cells, result.problems)
            if values is not None:
                fields = self._resolve(table, number, values, result.problems)
                if fields is not None:
                    self._remember(table, number, values, fields, seen, rows, result.problems)
            if progress and done % PROGRESS_EVERY == 0:
                progress(done)
        if not result.problems:
            self._compare(rows, result)
        return result

    def _read_row(self, table: Table, number: int, cells: list, problems: list[Problem]) -> dict | None:
        values, ok = {}, True
        for column in self.columns:
            index = table.columns.get(column.header)
            cell = cells[index] if index is not None and index < len(cells) else None
            try:
                values[column.name] = column.read(cell)
            except CellError as error:
                ok = False
                shown = show(cell)
                message = f"{error}，实为“{shown}”" if shown else str(error)
                problems.append(Problem(table.sheet, number, table.place(column.header), message))
        return values if ok else None

    def _resolve(self, table: Table, number: int, values: dict, problems: list[Problem]) -> dict | None:
        try:
            return self.to_fields(values)
        except RowError as error:
            place = table.place(error.header) if error.header in table.columns else ""
            problems.append(Problem(table.sheet, number, place, str(error)))
            return None

    def _remember(self, table, number, values, fields, seen, rows, problems) -> None:
        key = tuple(fields[name] for name in self.key)
        if key in seen:
            headers = [column.header for column in self.columns if column.name in self.key_columns]
            place = "、".join(table.place(header) for header in headers if header in table.columns)
            problems.append(Problem(table.sheet, number, place, f"{'、'.join(headers)}与第{seen[key]}行重复"))
            return
        seen[key] = number
        rows.append((number, values, fields))

    def _compare(self, rows: list[tuple[int, dict, dict]], result: DryRun) -> None:
        stored = self.existing([fields for _, _, fields in rows])
        labels = self._labels()
        for number, values, fields in rows:
            key = tuple(fields[name] for name in self.key)
            old = stored.get(key)
            if old is None:
                result.added += 1
                result.upserts.append(fields)
                self._preview(result, number, values, "新增", [])
                continue
            changes = [
                (labels.get(name, name), _display(old[name]), _display(value))
                for name, value in fields.items()
                if name in old and old[name] != value
            ]
            if changes:
                result.changed += 1
                result.upserts.append(fields)
                self._preview(result, number, values, "修改", changes)
            else:
                result.unchanged += 1

    def _preview(self, result: DryRun, number: int, values: dict, action: str, changes: list) -> None:
        if len(result.preview) < PREVIEW_ROWS:
            result.preview.append(Change(number, self.key_text(values), action, changes))

    def _labels(self) -> dict[str, str]:
        return {f.attname: str(f.verbose_name) for f in self.model._meta.concrete_fields}

    # --- the write ---------------------------------------------------------

    def write_result(self, result: DryRun) -> None:
        """Write what a dry run found; the caller holds the transaction."""
        self.write(result.upserts)

    def write(self, upserts: list[dict]) -> None:
        """Add or update every row of a dry run; the caller holds the transaction."""
        if not upserts:
            return
        update = [name for name in upserts[0] if name not in self.key]
        for start in range(0, len(upserts), WRITE_BATCH):
            objects = [self.model(**fields) for fields in upserts[start : start + WRITE_BATCH]]
            self.model.objects.bulk_create(
                objects, update_conflicts=bool(update), unique_fields=list(self.key), update_fields=update or None
            )


def _display(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _labels_of(choices: type[models.TextChoices]) -> dict[str, str]:
    return {label: value for value, label in choices.choices}


YES_NO_NOTE = "填“是”或“否”"


class HospitalImporter(Importer):
    kind, title, sheet, model = "hospitals", "医疗机构", "医疗机构", Hospital
    key, key_columns = ("code",), ("code",)
    columns = (
        Column("医疗机构编码", "code", "code", max_length=30),
        Column("医疗机构名称", "name"),
        Column("地市", "city", note="地市名称或行政区划代码，如 太原市 或 140100"),
        Column("区县", "district", required=False, note="区县名称或行政区划代码，可空"),
        Column("医院等级", "level", "choice", choices=_labels_of(Hospital.Level)),
        Column("所属统筹区", "home_pool", note="统筹区名称，如 太原市、省直"),
        Column("省直属", "province_direct", "bool", note=YES_NO_NOTE),
    )

    def prepare(self) -> None:
        regions = list(Region.objects.all())
        self.cities = {key: r for r in regions if r.level == Region.Level.CITY for key in (r.name, r.code)}
        self.districts = {}
        for region in regions:
            if region.level == Region.Level.DISTRICT:
                for key in (region.name, region.code):
                    self.districts.setdefault((region.parent_id, key), region)
        self.pools = {pool.name: pool for pool in Pool.objects.all()}

    def to_fields(self, values: dict) -> dict:
        city = self.cities.get(values["city"])
        if city is None:
            raise RowError("地市", f"没有地市“{values['city']}”")
        district = None
        if values["district"]:
            district = self.districts.get((city.pk, values["district"]))
            if district is None:
                raise RowError("区县", f"{city.name}没有区县“{values['district']}”")
        pool = self.pools.get(values["home_pool"])
        if pool is None:
            raise RowError("所属统筹区", f"没有统筹区“{values['home_pool']}”")
        return {
            "code": values["code"],
            "name": values["name"],
            "city_id": city.pk,
            "district_id": district.pk if district else None,
            "level": values["level"],
            "home_pool_id": pool.pk,
            "province_direct": values["province_direct"],
        }


class BatchImporter(Importer):
    kind, title, sheet, model = "batches", "带量批次", "带量批次", Batch
    key, key_columns = ("code",), ("code",)
    columns = (
        Column("批次编码", "code", "code", max_length=30),
        Column("带量批次", "name"),
        Column("批次类型", "kind", "choice", choices=_labels_of(Batch.Kind)),
        Column("类别", "category", "choice", choices=_labels_of(Batch.Category)),
        Column("接续批次", "renewal", "bool", note=YES_NO_NOTE),
        Column("采购周期开始", "cycle_start", "date"),
        Column("采购周期结束", "cycle_end", "date"),
        Column("约定采购比例（%）", "agreed_ratio", "decimal", decimals=2, maximum=Decimal(100)),
        Column("填报截止时间", "fill_deadline", "datetime", required=False),
        Column(
            "考核方案", "rule_set", "code", required=False, max_length=50, note="考核方案编码，如 shanxi；取最新版本"
        ),
    )

    def prepare(self) -> None:
        self.rule_sets = {}
        for version in RuleSetVersion.objects.order_by("code", "version"):
            self.rule_sets[version.code] = version  # the latest version wins

    def to_fields(self, values: dict) -> dict:
        if values["cycle_end"] < values["cycle_start"]:
            raise RowError("采购周期结束", "采购周期结束早于开始")
        rule_set = None
        if values["rule_set"]:
            rule_set = self.rule_sets.get(values["rule_set"])
            if rule_set is None:
                raise RowError("考核方案", f"没有考核方案“{values['rule_set']}”")
        fields = {name: values[name] for name in ("code", "name", "kind", "category", "renewal")}
        fields |= {name: values[name] for name in ("cycle_start", "cycle_end", "agreed_ratio", "fill_deadline")}
        return fields | {"rule_set_id": rule_set.pk if rule_set else None}


PRICE_NOTE = "元，最多4位小数"


class ProductImporter(Importer):
    kind, title, sheet, model = "products", "品种", "品种", Product
    key, key_columns = ("batch_id", "variety_code"), ("batch", "variety_code")
    columns = (
        Column("批次编码", "batch", "code", max_length=30),
        Column("品种序号", "variety_code", "code", max_length=30),
        Column("通用名", "generic_name"),
        Column("剂型", "dosage_form", required=False, max_length=50),
        Column("规格", "spec", required=False),
        Column("中选企业", "company", required=False),
        Column("中选价格", "bid_price", "decimal", decimals=4, note=PRICE_NOTE),
        Column("同通用名加权平均价", "weighted_avg_price", "decimal", decimals=4, note=PRICE_NOTE),
    )

    def prepare(self) -> None:
        self.batches = dict(Batch.objects.values_list("code", "pk"))

    def to_fields(self, values: dict) -> dict:
        batch_id = self.batches.get(values["batch"])
        if batch_id is None:
            raise RowError("批次编码", f"没有批次“{values['batch']}”")
        fields = {
            name: values[name] or "" for name in ("variety_code", "generic_name", "dosage_form", "spec", "company")
        }
        return {"batch_id": batch_id} | fields | {name: values[name] for name in ("bid_price", "weighted_avg_price")}


AMOUNT_NOTE = "元，最多2位小数"
VOLUME_NOTE = "整数"
PLATFORM_AMOUNTS = (
    ("非中选产品使用金额", "nonselected_amount"),
    ("线下采购金额", "offline_amount"),
    ("实际药品采购金额", "drug_purchase_amount"),
    ("入库金额", "purchase_in_amount"),
    ("30天内回款金额", "paid_30d_amount"),
)
PLATFORM_VOLUMES = (
    ("约定采购量", "agreed_volume"),
    ("采购量基数", "base_volume"),
    ("中选产品实际采购量", "winning_volume"),
    ("同通用名产品采购总量", "generic_volume"),
    ("非中选产品采购量", "nonselected_volume"),
)


class PlatformRecordImporter(Importer):
    """平台数据. A file may also name the product by 带量批次 and 药品通用名 (as the 平台数据 sheet of ``vbp monitor``
    does) and may leave out figures: a figure column the file does not have keeps its stored value (0 in a new row),
    so a file of some columns merges into the records other files filled."""

    kind, title, sheet, model = "platform", "平台数据", "平台数据", PlatformRecord
    key, key_columns = ("hospital_id", "product_id", "year"), ("year", "hospital", "batch", "variety_code")
    notes = (
        "此数据由平台提供：每行为一家医疗机构一个品种一个考核年度；同一机构、品种、年度再次导入即更新。",
        "也可用“带量批次”（名称）与“药品通用名”代替“批次编码”与“品种序号”（如采购使用监测工具生成的平台数据表）；"
        "文件中没有的数据列保留系统中已有的值（新增行为 0）。",
    )
    IDENTITY = (
        Column("考核年度", "year", "integer", minimum=Decimal(2015), maximum=Decimal(2100)),
        Column("医疗机构编码", "hospital", "code", max_length=30),
    )
    BY_CODE = (
        Column("批次编码", "batch", "code", max_length=30),
        Column("品种序号", "variety_code", "code", max_length=30),
    )
    BY_NAME = (
        Column("带量批次", "batch_name", max_length=100),
        Column("药品通用名", "generic_name", max_length=100),
    )
    FIGURES = (
        *(Column(header, name, "integer", note=VOLUME_NOTE) for header, name in PLATFORM_VOLUMES),
        *(Column(header, name, "decimal", decimals=2, note=AMOUNT_NOTE) for header, name in PLATFORM_AMOUNTS),
    )
    columns = (*IDENTITY, *BY_CODE, *FIGURES)
    present: frozenset[str] = frozenset()

    def headers(self) -> list[str]:
        return [column.header for column in (*self.IDENTITY, *self.BY_CODE, *self.BY_NAME, *self.FIGURES)]

    def check(self, table: Table, progress: Callable[[int], None] | None = None) -> DryRun:
        """The base dry run over the columns the file has: the identity, by codes or by names, and its figures."""
        given = set(table.columns)
        by_code = all(column.header in given for column in self.BY_CODE)
        identity = self.BY_CODE if by_code or not any(c.header in given for c in self.BY_NAME) else self.BY_NAME
        figures = tuple(column for column in self.FIGURES if column.header in given)
        if not figures:
            return DryRun(
                total_rows=len(table.rows),
                problems=[Problem(table.sheet, None, "", "没有任何数据列（如“约定采购量”“入库金额”）")],
            )
        self.present = frozenset(column.name for column in figures)
        self.columns = (*self.IDENTITY, *identity, *figures)
        self.key_columns = ("year", "hospital", *(column.name for column in identity))
        return super().check(table, progress)

    def prepare(self) -> None:
        self.hospitals = dict(Hospital.objects.values_list("code", "pk"))
        self.products = {
            (batch, variety): pk
            for pk, batch, variety in Product.objects.values_list("pk", "batch__code", "variety_code")
        }
        self.by_name: dict[tuple[str, str], list[int]] = {}
        for pk, name in monitoring_names().items():
            self.by_name.setdefault(name, []).append(pk)

    def _product(self, values: dict) -> int:
        if "batch_name" not in values:
            product_id = self.products.get((values["batch"], values["variety_code"]))
            if product_id is None:
                raise RowError("品种序号", f"批次“{values['batch']}”中没有品种“{values['variety_code']}”")
            return product_id
        batch, generic = values["batch_name"], values["generic_name"]
        found = self.by_name.get((batch, generic), [])
        if not found:
            raise RowError("药品通用名", f"带量批次“{batch}”中没有通用名为“{generic}”的品种")
        if len(found) > 1:
            raise RowError(
                "药品通用名",
                f"带量批次“{batch}”中有 {len(found)} 个通用名为“{generic}”的品种"
                "（规格不同），请用“批次编码”与“品种序号”分别导入",
            )
        return found[0]

    def to_fields(self, values: dict) -> dict:
        hospital_id = self.hospitals.get(values["hospital"])
        if hospital_id is None:
            raise RowError("医疗机构编码", f"没有医疗机构“{values['hospital']}”")
        product_id = self._product(values)
        if {"winning_volume", "generic_volume"} <= self.present and values["winning_volume"] > values["generic_volume"]:
            raise RowError("中选产品实际采购量", "中选产品实际采购量大于同通用名产品采购总量")
        if {"paid_30d_amount", "purchase_in_amount"} <= self.present and (
            values["paid_30d_amount"] > values["purchase_in_amount"]
        ):
            raise RowError("30天内回款金额", "30天内回款金额大于入库金额")
        fields = {"hospital_id": hospital_id, "product_id": product_id, "year": values["year"]}
        volumes = {name: Decimal(values[name]) for _, name in PLATFORM_VOLUMES if name in self.present}
        return fields | volumes | {name: values[name] for _, name in PLATFORM_AMOUNTS if name in self.present}

    def existing(self, upserts: list[dict]) -> dict[tuple, dict]:
        years = {fields["year"] for fields in upserts}
        rows = PlatformRecord.objects.filter(year__in=years).values(*self.key, *FIGURE_NAMES)
        return {(row["hospital_id"], row["product_id"], row["year"]): row for row in rows}

    def _compare(self, rows: list[tuple[int, dict, dict]], result: DryRun) -> None:
        """As the base compares; then every row to write is made whole: the figures the file lacks as stored (0 new)."""
        super()._compare(rows, result)
        kept = [header for header, name in (*PLATFORM_VOLUMES, *PLATFORM_AMOUNTS) if name not in self.present]
        if not kept:
            return
        # said first in the preview: which columns the file leaves as they are
        result.preview.insert(
            0, Change(0, "（文件中没有的列）", "保留", [(header, "系统中已有的值", "不变") for header in kept])
        )
        stored = self.existing(result.upserts)
        for fields in result.upserts:
            old = stored.get((fields["hospital_id"], fields["product_id"], fields["year"]), {})
            for name in FIGURE_NAMES:
                fields.setdefault(name, old.get(name, Decimal(0)))


FIGURE_NAMES = tuple(name for _, name in (*PLATFORM_VOLUMES, *PLATFORM_AMOUNTS))


class FundBasisImporter(Importer):
    """职保/居保 split basis per hospital and year (docs/domain.md "Fund split"), for rule sets that split funds."""

    kind, title, sheet, model = "fund_basis", "职保居保拆分依据", "职保居保拆分依据", VisitReport
    key, key_columns = ("hospital_id", "year"), ("year", "hospital")
    notes = (
        "每行为一家医疗机构一个考核年度的职工医保、城乡居民医保住院人次，作为留用金额拆分为职保、居保的依据；"
        "导入后请在留用金额审核中重新测算（已确认的留用金额不变）。",
    )
    columns = (
        Column("考核年度", "year", "integer", minimum=Decimal(2015), maximum=Decimal(2100)),
        Column("医疗机构编码", "hospital", "code", max_length=30),
        Column("职工医保住院人次", "employee_basis", "integer", note=VOLUME_NOTE),
        Column("城乡居民医保住院人次", "resident_basis", "integer", note=VOLUME_NOTE),
    )

    def prepare(self) -> None:
        self.hospitals = dict(Hospital.objects.values_list("code", "pk"))

    def to_fields(self, values: dict) -> dict:
        hospital_id = self.hospitals.get(values["hospital"])
        if hospital_id is None:
            raise RowError("医疗机构编码", f"没有医疗机构“{values['hospital']}”")
        if values["employee_basis"] + values["resident_basis"] == 0:
            raise RowError("职工医保住院人次", "职工医保与城乡居民医保住院人次不能都为 0")
        return {
            "hospital_id": hospital_id,
            "year": values["year"],
            "employee_basis": values["employee_basis"],
            "resident_basis": values["resident_basis"],
        }


# kind → importer class; take a fresh instance per import, since ``prepare`` loads state onto it
IMPORTERS: dict[str, type[Importer]] = {
    importer.kind: importer
    for importer in (HospitalImporter, BatchImporter, ProductImporter, PlatformRecordImporter, FundBasisImporter)
}
