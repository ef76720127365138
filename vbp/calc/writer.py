"""Writing calculator workbooks: the one module that knows the xlsx writer.

rustpy-xlsxwriter (a binding of the Rust rust_xlsxwriter) writes a million rows
in seconds. It is kept behind ``write_workbook`` so it can be swapped for
XlsxWriter without touching anything else; a test reads every cell back.

An .xlsx number is a binary double. Each exact Decimal is written as the
double nearest to it (through its decimal text, so the conversion is
correctly rounded), which reads back as the same decimal wherever the value
has no more than 15 significant digits, as Excel itself shows numbers.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from rustpy_xlsxwriter import FastExcel, Format

from vbp.calc.schema import EXCEL_MAX_ROWS, RULES
from vbp.core.rules import RuleSet


@dataclass
class Sheet:
    name: str
    frame: pl.DataFrame
    formats: Mapping[str, str] = field(default_factory=dict)  # header → Excel number format


def money_format(decimals: int) -> str:
    return "#,##0" if decimals == 0 else "#,##0." + "0" * decimals


def percent_format(decimals: int) -> str:
    return "0%" if decimals <= 0 else "0." + "0" * decimals + "%"


def _excel_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """Decimals as correctly rounded doubles, so the binding writes numeric cells."""
    decimals = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.Decimal)]
    if not decimals:
        return frame
    return frame.with_columns(pl.col(decimals).cast(pl.String).cast(pl.Float64))


def split_rows(sheet: Sheet) -> list[Sheet]:
    """A sheet longer than Excel allows continues on sheets named 名称2, 名称3…."""
    capacity = EXCEL_MAX_ROWS - 1
    if sheet.frame.height <= capacity:
        return [sheet]
    return [
        Sheet(
            sheet.name if index == 0 else f"{sheet.name}{index + 1}", sheet.frame.slice(start, capacity), sheet.formats
        )
        for index, start in enumerate(range(0, sheet.frame.height, capacity))
    ]


def rules_sheet(rule_set: RuleSet) -> Sheet:
    """The 规则 sheet: which rule set made the figures, and its full definition."""
    rows = [
        ("考核方案", rule_set.id),
        ("版本", str(rule_set.version)),
        ("名称", rule_set.name),
        ("说明", rule_set.description),
        ("定义", json.dumps(rule_set.source, ensure_ascii=False)),
    ]
    return Sheet(RULES, pl.DataFrame(rows, schema=["项目", "值"], orient="row"))


def write_workbook(path: Path, sheets: list[Sheet]) -> None:
    """Write all sheets at once; the file appears only when complete."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(suffix=".xlsx", dir=path.parent or ".")
    os.close(handle)
    try:
        workbook = FastExcel(temporary)
        header = Format().set_bold()
        for sheet in [part for whole in sheets for part in split_rows(whole)]:
            formats = {name: Format().set_num_format(code) for name, code in sheet.formats.items()}
            workbook.sheet(sheet.name, _excel_ready(sheet.frame), column_formats=formats, header_format=header)
        workbook.save()
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
