"""Monitoring input written as a real workbook, CSV folder or Parquet folder, and `vbp monitor` run on it."""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
from python_calamine import CalamineWorkbook

from vbp.cli import main

ORDER_HEADER = [
    "订单编号",
    "医疗机构编码",
    "带量批次",
    "药品通用名",
    "是否中选",
    "配送企业",
    "采购方式",
    "采购数量",
    "采购金额",
    "下单日期",
    "配送日期",
    "入库日期",
    "入库金额",
    "支付日期",
]
AGREEMENT_HEADER = ["医疗机构编码", "带量批次", "药品通用名", "约定采购量", "执行开始日期", "执行结束日期"]
REPORT_HEADER = ["医疗机构编码", "带量批次", "药品通用名", "报量"]


def day(text: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    """Rows as a workbook, dates as date cells and numbers as number cells, as Excel users make them."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append([float(cell) if isinstance(cell, Decimal) else cell for cell in row])
    workbook.save(path)
    return path


def _text(cell) -> str:
    return "" if cell is None else str(cell)


def write_csv_folder(folder: Path, sheets: dict[str, list[list]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in sheets.items():
        with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([[_text(cell) for cell in row] for row in rows])
    return folder


def write_parquet_folder(folder: Path, sheets: dict[str, list[list]]) -> Path:
    """Rows as Parquet files with native column types: dates, integers and decimals."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, (header, *rows) in sheets.items():
        columns = {title: [row[index] for row in rows] for index, title in enumerate(header)}
        pl.DataFrame(columns, strict=False).write_parquet(folder / f"{name}.parquet")
    return folder


@dataclass
class Run:
    code: int
    out: str
    err: str


def run_vbp(*argv) -> Run:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(arg) for arg in argv])
    return Run(code, out.getvalue(), err.getvalue())


def read_sheets(path: Path) -> dict[str, list[dict]]:
    """Each sheet of a written workbook as records under its header row."""
    workbook = CalamineWorkbook.from_path(str(path))
    sheets = {}
    for name in workbook.sheet_names:
        header, *rows = workbook.get_sheet_by_name(name).to_python()
        sheets[name] = [dict(zip(header, row, strict=True)) for row in rows]
    return sheets
