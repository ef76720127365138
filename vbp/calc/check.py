"""vbp calc --check: recompute a calculation workbook and list every stored figure that differs."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import polars as pl

from vbp.calc import engine
from vbp.calc.problems import InputError, Problem
from vbp.calc.reader import ROW, RawSheet
from vbp.calc.run import load, stored_rule_set
from vbp.calc.schema import (
    DISPLAY_SHARE_DECIMALS,
    POOL_AMOUNTS,
    POOL_HEADERS,
    PRODUCTS,
    RESULT_HEADERS,
    SUMMARY,
    SUMMARY_HEADERS,
)
from vbp.calc.validate import displayed_text
from vbp.calc.workbook import yes_no
from vbp.core.money import NumberFormatError, parse_decimal, round_decimal
from vbp.core.rules import RuleSet
from vbp.presets import load_preset

FOUND = "__found"  # marks a stored row that has a computed counterpart
EMPTY = "（空）"


@dataclass(frozen=True)
class Mismatch:
    sheet: str
    row: int
    column: str
    stored: str
    computed: str

    def __str__(self) -> str:
        return f"{self.sheet} 第{self.row}行 {self.column}列：表中为 {self.stored}，重新计算为 {self.computed}"


@dataclass
class CheckResult:
    rule_set: RuleSet
    checked: int
    mismatches: list[Mismatch]


def check(path: Path, rule_set: RuleSet | None = None) -> CheckResult:
    """Recompute a workbook under its own rule set (or the one given) and compare every stored figure."""
    inputs, sheets = load(path)
    rule_set = rule_set or stored_rule_set(sheets) or load_preset("default")
    frames = engine.compute(inputs, rule_set)
    comparer = _Comparer(rule_set)
    product_sheet = sheets[PRODUCTS]
    computed = frames.rows.with_columns(vetoed=yes_no(pl.col("vetoed"))).with_columns(
        pl.lit(product_sheet.frame[ROW]).alias(ROW)
    )
    checked = comparer.compare(product_sheet, computed, RESULT_HEADERS, key=[ROW])
    if POOL_AMOUNTS in sheets:  # with its continuation sheets, read as one
        checked += comparer.compare(
            sheets[POOL_AMOUNTS], frames.pools, POOL_HEADERS, key=["hospital", "batch", "generic_name", "pool"]
        )
    if SUMMARY in sheets:
        checked += comparer.compare(sheets[SUMMARY], frames.hospitals, SUMMARY_HEADERS, key=["hospital"])
    if checked == 0:
        raise InputError([Problem(PRODUCTS, None, "", "工作簿中没有可核对的测算结果列（如“留用金额”）")])
    return CheckResult(rule_set, checked, comparer.mismatches)


class _Comparer:
    """Compares stored cells with computed figures at the precision each is shown."""

    def __init__(self, rule_set: RuleSet):
        share = rule_set.share_decimals if rule_set.share_decimals is not None else DISPLAY_SHARE_DECIMALS
        q = rule_set.amount_decimals
        self.precision = {
            "retention_ratio": 4,
            "share": share,
            "total_share": share,
            "budget": q,
            "actual_cost": q,
            "surplus": q,
            "retained_amount": q,
            "payable_amount": q,
            "amount": q,
            "retained_total": q,
            "payable_total": q,
            "product_count": 0,
        }
        self.mismatches: list[Mismatch] = []

    def compare(self, sheet: RawSheet, computed: pl.DataFrame, headers: dict[str, str], key: list[str]) -> int:
        """Compare every stored column of ``headers`` with ``computed``, rows matched on ``key``."""
        names = {name: header for name, header in headers.items() if header in sheet.frame.columns}
        keys = [name for name in key if name == ROW or name in names]
        values = [name for name in names if name not in key]
        if not values or len(keys) < len(key):
            return 0
        stored = sheet.frame.select(
            ROW,
            *[pl.col(names[name]).cast(pl.String).alias(name) for name in keys if name != ROW],
            *[displayed_or_text(pl.col(names[name]).cast(pl.String)).alias(f"stored_{name}") for name in values],
        )
        computed = computed.select(*keys, *values, pl.lit(True).alias(FOUND))
        joined = stored.join(computed, on=keys, how="left", nulls_equal=True)
        for record in joined.iter_rows(named=True):
            for name in values:
                self._one(sheet, record, name, names[name])
        return len(values)

    def _one(self, sheet: RawSheet, record: dict, name: str, header: str) -> None:
        stored, computed = record[f"stored_{name}"], record[name]
        shown = EMPTY if stored is None else stored
        if not record[FOUND]:
            self.mismatches.append(Mismatch(*sheet.locate(record[ROW]), sheet.place(header), shown, "（无此行）"))
        elif not self._same(name, stored, computed):
            self.mismatches.append(Mismatch(*sheet.locate(record[ROW]), sheet.place(header), shown, _show(computed)))

    def _same(self, name: str, stored: str | None, computed) -> bool:
        if computed is None:  # e.g. no 医疗机构名称 given: an empty cell is right
            return stored is None
        if isinstance(computed, str):
            return stored == computed
        if stored is None:
            return False
        try:
            stored_value = parse_decimal(stored)  # a clerk's own "-347,835" counts as the number
        except NumberFormatError:
            return False
        places = self.precision[name]
        return round_decimal(stored_value, places) == round_decimal(Decimal(computed), places)


def displayed_or_text(expr: pl.Expr) -> pl.Expr:
    """A stored cell as the decimal it shows, or its text when it is no number."""
    return pl.coalesce(displayed_text(expr), expr)


def _show(value) -> str:
    if value is None:
        return EMPTY
    return format(value, "f") if isinstance(value, Decimal) else str(value)
