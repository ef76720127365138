"""Writing calculator workbooks: the one module that knows the xlsx writer.

The writer is our own streaming one (``vbp.calc.xlsx``): Polars makes the
worksheet XML a block of rows at a time while zlib deflates the block before,
so a million rows take seconds on two cores. It is kept behind
``write_workbook`` so it can be swapped for XlsxWriter without touching
anything else; a test reads every cell back.

An .xlsx number is a binary double. Each exact Decimal is written as the
double nearest to it (its own digits when it has at most 15 significant
digits, else correctly rounded through its decimal text), which reads back as
the same decimal wherever the value has no more than 15 significant digits,
as Excel itself shows numbers.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import polars as pl

from vbp.calc.schema import EXCEL_MAX_ROWS, RULES
from vbp.calc.xlsx import Worksheet, write_xlsx
from vbp.core.rules import RuleSet

COPY_CHUNK = 1 << 20


@dataclass
class Sheet:
    name: str
    frame: pl.DataFrame
    formats: Mapping[str, str] = field(default_factory=dict)  # header → Excel number format


def money_format(decimals: int) -> str:
    return "#,##0" if decimals == 0 else "#,##0." + "0" * decimals


def percent_format(decimals: int) -> str:
    return "0%" if decimals <= 0 else "0." + "0" * decimals + "%"


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


def write_workbook(target: str | os.PathLike | BinaryIO, sheets: list[Sheet]) -> None:
    """Write all sheets at once to a path or a binary file object.

    A file appears only when complete. The xlsx writer seeks back in its file, so a
    file object (an HTTP response cannot seek) gets a finished temporary file's
    bytes: all of them, or none when writing fails.
    """
    if hasattr(target, "write"):
        with tempfile.TemporaryDirectory(prefix="vbp-workbook-") as folder:
            path = Path(folder) / "workbook.xlsx"
            _write(path, sheets)
            with open(path, "rb") as written:
                shutil.copyfileobj(written, target, COPY_CHUNK)
        return
    path = Path(target)
    handle, temporary = tempfile.mkstemp(suffix=".xlsx", dir=path.parent or ".")
    os.close(handle)
    try:
        _write(Path(temporary), sheets)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _write(path: Path, sheets: list[Sheet]) -> None:
    parts = [part for whole in sheets for part in split_rows(whole)]
    write_xlsx(path, [Worksheet(part.name, part.frame, part.formats) for part in parts])
