"""The calculator's steps: read, validate, compute, write; and the check of a workbook."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import polars as pl

from vbp.calc import engine
from vbp.calc.problems import InputError, Problem
from vbp.calc.reader import ROW, RawSheet, read_input
from vbp.calc.schema import (
    CONTINUED_SHEETS,
    HOSPITAL_COLUMNS,
    HOSPITALS,
    INPUT_SHEETS,
    PRODUCT_COLUMNS,
    RESULT_HEADERS,
    RULES,
    VISIT_COLUMNS,
    VISITS,
    Column,
)
from vbp.calc.validate import Inputs, validate
from vbp.calc.workbook import calculation_sheets, yes_no
from vbp.calc.writer import Sheet, write_workbook
from vbp.core.rules import RuleSet, RuleSetError, parse_rule_set
from vbp.core.vectorized import Frames

# Headers that find a sheet's header row; of them, those read as text (codes, names, 否决).
KNOWN_HEADERS = {column.header for columns, _ in INPUT_SHEETS.values() for column in columns} | set(
    RESULT_HEADERS.values()
)
TEXT_HEADERS = {column.header for columns, _ in INPUT_SHEETS.values() for column in columns if column.read_as_text} | {
    RESULT_HEADERS["vetoed"]
}


@dataclass
class Timings:
    phases: dict[str, float] = field(default_factory=dict)

    def mark(self, phase: str, started: float) -> float:
        now = time.perf_counter()
        self.phases[phase] = now - started
        return now


def load(
    path: Path, timings: Timings | None = None, *, inputs_only: bool = False
) -> tuple[Inputs, dict[str, RawSheet]]:
    """Read and validate an input (only its input sheets, if so asked), or raise InputError with every problem."""
    timings = timings or Timings()
    started = time.perf_counter()
    sheets, problems = read_input(
        path, KNOWN_HEADERS, TEXT_HEADERS, INPUT_SHEETS if inputs_only else None, CONTINUED_SHEETS
    )
    if problems:
        raise InputError(problems)
    started = timings.mark("read", started)
    inputs = validate(sheets)
    timings.mark("validate", started)
    return inputs, sheets


def stored_rule_set(sheets: dict[str, RawSheet]) -> RuleSet | None:
    """The rule set named in a workbook's 规则 sheet, if it has one."""
    sheet = sheets.get(RULES)
    if sheet is None or "项目" not in sheet.frame.columns or "值" not in sheet.frame.columns:
        return None
    values = dict(sheet.frame.select(pl.col("项目").cast(pl.String), pl.col("值").cast(pl.String)).iter_rows())
    if values.get("定义"):
        try:
            definition = json.loads(values["定义"])
        except json.JSONDecodeError as error:
            raise RuleSetError([f"“{RULES}”表中“定义”不是有效的 JSON（第 {error.pos + 1} 个字符处）"]) from None
        return parse_rule_set(definition)
    return None


def workbook_rule_set(path: Path) -> RuleSet | None:
    """The rule set a workbook's 规则 sheet names (a 测算底稿 has one), reading that sheet alone; None without it."""
    sheets, problems = read_input(path, KNOWN_HEADERS | {"项目", "值"}, None, [RULES])
    return None if problems else stored_rule_set(sheets)


def output_sheets(inputs: Inputs, sheets: dict[str, RawSheet], frames: Frames, rule_set: RuleSet) -> list[Sheet]:
    """The output workbook: the input sheets as given (numbers typed), with the results (``calculation_sheets``)."""
    return calculation_sheets(
        as_given(inputs.product_sheet, inputs.products, PRODUCT_COLUMNS),
        as_given(sheets[HOSPITALS], inputs.hospitals, HOSPITAL_COLUMNS),
        as_given(sheets[VISITS], inputs.visits, VISIT_COLUMNS),
        frames,
        rule_set,
    )


def as_given(sheet: RawSheet, typed: pl.DataFrame, columns: tuple[Column, ...]) -> pl.DataFrame:
    """An input sheet's rows in its own column order, known columns typed, other columns untouched."""
    known = {column.header: column for column in columns}
    kept = [h for h in sheet.frame.columns if h != ROW and h not in RESULT_HEADERS.values()]
    return pl.DataFrame([_typed_column(typed, known[h]).alias(h) if h in known else sheet.frame[h] for h in kept])


def _typed_column(typed: pl.DataFrame, column: Column) -> pl.Series:
    if column.kind == "yes_no":
        return typed.select(yes_no(pl.col(column.name))).to_series()
    return typed[column.name]


@dataclass(frozen=True)
class Summary:
    rows: int
    hospitals: int
    retained_total: Decimal
    payable_total: Decimal


def summarize(frames: Frames) -> Summary:
    """Grand totals of a computation: the sums of the hospitals' rounded totals."""
    totals = frames.hospitals
    return Summary(
        rows=frames.rows.height,
        hospitals=totals.height,
        retained_total=sum(totals["retained_total"].to_list(), Decimal(0)),
        payable_total=sum(totals["payable_total"].to_list(), Decimal(0)),
    )


def calculate(
    input_path: Path, output_path: Path, rule_set: RuleSet, *, engine_name: str = "auto"
) -> tuple[Timings, Summary]:
    """vbp calc: read, validate, compute and write; no output at all on bad input."""
    timings = Timings()
    inputs, sheets = load(input_path, timings, inputs_only=True)
    started = time.perf_counter()
    frames = engine.compute(inputs, rule_set, engine=engine_name)
    started = timings.mark("compute", started)
    write_workbook(output_path, output_sheets(inputs, sheets, frames, rule_set))
    timings.mark("write", started)
    return timings, summarize(frames)


__all__ = ["InputError", "Problem", "calculate", "load", "stored_rule_set", "workbook_rule_set"]
