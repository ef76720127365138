"""Reading monitoring input: a workbook, or a folder of CSV or Parquet files, checked cell by cell.

Every cell is read as text (a Parquet column too, whatever its type), so one set of checks
types them all, and each bad cell is named by sheet, Excel row and column. Numbers keep their
exact digits: volumes are integers, amounts decimals with at most two places (fen); a number
cell of a workbook counts as the decimal Excel shows for it. Dates may carry a time of day,
which is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import polars as pl

from vbp.calc.problems import InputError, Problem
from vbp.calc.reader import ROW, RawSheet, read_input
from vbp.calc.validate import displayed_text
from vbp.monitor.schema import (
    AGREEMENTS,
    EARLIEST_YEAR,
    INPUT_SHEETS,
    KNOWN_HEADERS,
    LATEST_YEAR,
    MAX_AMOUNT_DIGITS,
    MAX_INTEGER_DIGITS,
    NO,
    OFFLINE,
    ONLINE,
    ORDER_LINES,
    REPORTS,
    YES,
    Column,
)

MAX_TEXT = 100
AMOUNT_TYPE = pl.Decimal(18, 2)
# ASCII digits only: a regular expression's \d would also take full-width and other scripts' digits
_INTEGER = rf"^[0-9]{{1,{MAX_INTEGER_DIGITS}}}(\.0+)?$"
_AMOUNT = rf"^[0-9]{{1,{MAX_AMOUNT_DIGITS}}}(\.[0-9]{{1,2}})?$"
_DATE = r"^([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?$"
# control characters (a text cell may not hold them), and the invisible marks a text of nothing else is empty with
_CONTROL = "[\x00-\x1f\x7f-\x9f]"
_INVISIBLE = "[\u200b\u200c\u200d\u2060\ufeff]"


@dataclass
class Inputs:
    """The checked input: one typed frame per sheet (reports may be None), each row with its sheet row; or, for
    order lines streamed from a folder's CSV or Parquet file, their Parquet files by month (``order_files``)."""

    orders: pl.DataFrame | None
    agreements: pl.DataFrame
    reports: pl.DataFrame | None
    order_files: list[Path] | None = None


def read(path: Path, scratch: Path | None = None) -> Inputs:
    """The input at ``path``, typed; InputError naming every bad cell when there is any.

    With ``scratch`` (an empty folder's path), a folder's 订单明细 file is streamed into Parquet files there
    (vbp.monitor.ingest) instead of being held whole in memory.
    """
    path = Path(path)
    streamed = _order_file(path) if scratch is not None else None
    names = [name for name in INPUT_SHEETS if streamed is None or name != ORDER_LINES]
    sheets, problems = read_input(path, KNOWN_HEADERS, sheet_names=names)
    if problems:
        raise InputError(problems)
    order_files = None
    if streamed is not None:
        from vbp.monitor.ingest import ingest  # the streaming reader builds on this module

        ingested = ingest(streamed, streamed.name, Path(scratch))
        problems += ingested.problems
        order_files = ingested.files()
    typed: dict[str, pl.DataFrame | None] = {ORDER_LINES: None}
    for name in names:
        columns, key, may_be_absent = INPUT_SHEETS[name]
        sheet = sheets.get(name)
        if sheet is None:
            if not may_be_absent:
                problems.append(Problem(name, None, "", f"缺少工作表“{name}”"))
            typed[name] = None
            continue
        found = len(problems)
        typed[name] = _typed(sheet, columns, key, problems, workbook=path.is_file())
        if typed[name] is not None and len(problems) == found and name in ROW_CHECKS:
            ROW_CHECKS[name](sheet, typed[name], problems)
    if not problems and typed[REPORTS] is not None:
        _check_reports(sheets[REPORTS], typed[REPORTS], typed[AGREEMENTS], problems)
    if problems:
        raise InputError(problems)
    return Inputs(typed[ORDER_LINES], typed[AGREEMENTS], typed[REPORTS], order_files)


def _order_file(path: Path) -> Path | None:
    """A folder's 订单明细.csv or 订单明细.parquet (the one read_input would take), if the input is a folder."""
    if not path.is_dir():
        return None
    found = sorted(
        item for item in path.iterdir() if item.stem == ORDER_LINES and item.suffix.lower() in (".csv", ".parquet")
    )
    return found[0] if found else None


def _typed(sheet: RawSheet, columns: tuple[Column, ...], key: tuple[str, ...], problems: list[Problem], workbook: bool):
    """The sheet's typed frame (a bad cell null), its bad cells and repeated keys added to ``problems``.

    One pass types every column at once by its quick path (plain digits, ISO dates); the few cells it
    cannot read ("1,234", "2024/1/5", a number cell's double) are read again one column at a time by
    the full rules, and only those still unreadable are problems.
    """
    frame = sheet.frame
    missing = [c for c in columns if not c.optional and c.header not in frame.columns]
    for column in missing:
        problems.append(Problem(sheet.name, None, "", f"缺少列“{column.header}”"))
    if missing:
        return None
    present = [column for column in columns if column.header in frame.columns]
    typed = frame.select(
        pl.col(ROW),
        *[_quick(pl.col(column.header), column).alias(column.name) for column in present],
        *[pl.lit(None, dtype=_dtype(column)).alias(column.name) for column in columns if column not in present],
    ).select(ROW, *[column.name for column in columns])
    unread = pl.concat([frame.select(column.header for column in present), typed], how="horizontal").select(
        (pl.col(column.name).is_null() & pl.col(column.header).is_not_null()).any().alias(column.name)
        for column in present
    )
    for column in present:
        if unread[column.name][0]:
            typed = _reread(frame, typed, column, workbook)
    _report_bad_cells(sheet, frame, typed, present, problems)
    if key:  # a bad cell is null: repeated keys are still found
        _check_duplicates(sheet, typed, columns, key, problems)
    return typed


def _reread(frame: pl.DataFrame, typed: pl.DataFrame, column: Column, workbook: bool) -> pl.DataFrame:
    """``typed`` with the cells of ``column`` its quick path could not read read again by the full rules."""
    raw = pl.col(column.header)
    unread = pl.concat([frame.select(raw), typed], how="horizontal").filter(
        pl.col(column.name).is_null() & raw.is_not_null()
    )
    again = unread.select(pl.col(ROW), _value(raw, column, workbook).alias(column.name)).drop_nulls(column.name)
    if again.is_empty():
        return typed
    return typed.update(again, on=ROW, how="left")


def _report_bad_cells(
    sheet: RawSheet, frame: pl.DataFrame, typed: pl.DataFrame, present: list[Column], problems: list[Problem]
) -> None:
    both = pl.concat([frame.select(column.header for column in present), typed], how="horizontal")
    bad = [
        (pl.col(column.name).is_null() & (pl.col(column.header).is_not_null() | column.required)).alias(column.name)
        for column in present
    ]
    flags = both.select(flag.any() for flag in bad)
    for column, flag in zip(present, bad, strict=True):
        if not flags[column.name][0]:
            continue
        for row, text in both.filter(flag).select(ROW, column.header).iter_rows():
            message = "不能为空" if text is None else f"应为{column.expected}，实为“{_shown(text)}”"
            if text is not None and column.kind == "text":
                message = _text_problem(text)
            problems.append(Problem(*sheet.locate(row), sheet.place(column.header), message))


def _dtype(column: Column) -> pl.DataType:
    return {
        "text": pl.String,
        "yes_no": pl.Boolean,
        "method": pl.Boolean,
        "integer": pl.Int64,
        "amount": AMOUNT_TYPE,
        "date": pl.Date,
    }[column.kind]


MAX_VOLUME = 10**MAX_INTEGER_DIGITS - 1
MAX_AMOUNT = Decimal(10**MAX_AMOUNT_DIGITS) - Decimal("0.01")


def _quick(raw: pl.Expr, column: Column) -> pl.Expr:
    """The typed value of a plainly written cell without a regular expression; null when it needs a closer look."""
    if column.kind == "integer":
        value = raw.cast(pl.Int64, strict=False)
        return pl.when(value.is_between(0, MAX_VOLUME)).then(value)
    if column.kind == "amount":
        dot = raw.str.find(".", literal=True)
        short = dot.is_null() | (raw.str.len_bytes() - dot - 1 <= 2)  # the cast would drop a third decimal
        value = pl.when(short).then(raw.cast(AMOUNT_TYPE, strict=False))
        return pl.when(value.is_between(0, MAX_AMOUNT)).then(value)
    if column.kind == "date":
        length = raw.str.len_bytes()
        value = pl.coalesce(
            pl.when(length == 10).then(raw.str.to_date("%Y-%m-%d", strict=False)),
            pl.when(length == 19).then(raw.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False).dt.date()),
        )
        return pl.when(value.dt.year().is_between(EARLIEST_YEAR, LATEST_YEAR)).then(value)
    return _value(raw, column)


def _value(raw: pl.Expr, column: Column, workbook: bool = False) -> pl.Expr:
    """The typed value of a cell by the full rules, null when it is empty or bad (the caller tells which)."""
    if column.kind == "text":  # one pass of one expression: a control character, or nothing visible
        unfit = raw.str.contains(f"{_CONTROL}|^{_INVISIBLE}*$")
        return pl.when(~unfit & (raw.str.len_chars() <= MAX_TEXT)).then(raw)
    if column.kind == "yes_no":
        return pl.when(raw == YES).then(True).when(raw == NO).then(False)
    if column.kind == "method":  # true: bought offline (线下)
        return pl.when(raw == OFFLINE).then(True).when(raw == ONLINE).then(False)
    if column.kind == "date":
        parts = raw.str.extract_groups(_DATE)
        year = parts.struct.field("1").cast(pl.Int32, strict=False)
        month = parts.struct.field("2").cast(pl.Int8, strict=False)
        date = pl.date(year, month, parts.struct.field("3").cast(pl.Int8, strict=False))
        valid = year.is_between(EARLIEST_YEAR, LATEST_YEAR) & _valid_day(parts)
        return pl.when(valid).then(date)
    plain = raw.str.replace_all(r"[,，\s]", "")
    pattern = _INTEGER if column.kind == "integer" else _AMOUNT
    text = pl.when(plain.str.contains(pattern)).then(plain)
    if workbook:  # a number cell arrives as the double's shortest text; it counts as the 15 digits Excel shows
        text = pl.coalesce(text, pl.when(displayed_text(plain).str.contains(pattern)).then(displayed_text(plain)))
    if column.kind == "integer":
        return text.str.replace(r"\.0+$", "").cast(pl.Int64, strict=False)
    return text.str.to_decimal(scale=2).cast(AMOUNT_TYPE)


def _valid_day(parts: pl.Expr) -> pl.Expr:
    """Whether year, month and day name a real day (2023-02-29 does not)."""
    year = parts.struct.field("1").cast(pl.Int32, strict=False)
    month = parts.struct.field("2").cast(pl.Int32, strict=False)
    day = parts.struct.field("3").cast(pl.Int32, strict=False)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    last = (
        pl.when(month == 2)
        .then(pl.when(leap).then(29).otherwise(28))
        .when(month.is_in([4, 6, 9, 11]))
        .then(30)
        .otherwise(31)
    )
    return month.is_between(1, 12) & day.is_between(1, last)


def _text_problem(text: str) -> str:
    """Why a text cell will not do."""
    if not re.sub(_INVISIBLE, "", text):
        return "不能为空（只有不可见字符）"
    if re.search(_CONTROL, text):
        return "不能含有控制字符（如空字符、换行符），请删除后重试"
    return f"不能超过 {MAX_TEXT} 个字"


def _shown(text: str) -> str:
    """A cell's text as a message quotes it: at most 40 characters, control characters written out (\\x00), so a
    message never carries a NUL into the database or the page."""
    text = re.sub(_CONTROL, lambda match: f"\\x{ord(match.group()):02x}", text)
    return text if len(text) <= 40 else text[:40] + "…"


def _check_duplicates(
    sheet: RawSheet, typed: pl.DataFrame, columns: tuple[Column, ...], key: tuple[str, ...], problems: list[Problem]
) -> None:
    duplicates = typed.with_columns(first=pl.col(ROW).min().over(key)).filter(pl.col(ROW) != pl.col("first"))
    headers = [column.header for column in columns if column.name in key]
    place = "、".join(sheet.place(header) for header in headers)
    for row, first_row in duplicates.select(ROW, "first").iter_rows():
        name, excel_row = sheet.locate(row)
        problems.append(Problem(name, excel_row, place, f"{'、'.join(headers)}与第{sheet.locate(first_row)[1]}行重复"))


def _check_orders(sheet: RawSheet, orders: pl.DataFrame, problems: list[Problem]) -> None:
    received, amount = pl.col("received"), pl.col("received_amount")
    for row in orders.filter(received.is_not_null() & amount.is_null())[ROW].to_list():
        problems.append(Problem(*sheet.locate(row), sheet.place("入库金额"), "已填入库日期，入库金额不能为空"))
    for row in orders.filter(received.is_null() & amount.is_not_null())[ROW].to_list():
        problems.append(Problem(*sheet.locate(row), sheet.place("入库日期"), "已填入库金额，入库日期不能为空"))
    for header, name in (("配送日期", "delivered"), ("入库日期", "received")):
        early = orders.filter(pl.col(name) < pl.col("ordered"))
        for row in early[ROW].to_list():
            problems.append(Problem(*sheet.locate(row), sheet.place(header), f"{header}早于下单日期"))


def _check_agreements(sheet: RawSheet, agreements: pl.DataFrame, problems: list[Problem]) -> None:
    for row in agreements.filter(pl.col("ends") < pl.col("starts"))[ROW].to_list():
        problems.append(Problem(*sheet.locate(row), sheet.place("执行结束日期"), "执行结束日期早于执行开始日期"))


ROW_CHECKS = {ORDER_LINES: _check_orders, AGREEMENTS: _check_agreements}


def _check_reports(sheet: RawSheet, reports: pl.DataFrame, agreements: pl.DataFrame, problems: list[Problem]) -> None:
    unmatched = reports.join(agreements, on=["hospital", "batch", "generic"], how="anti")
    for row, hospital, batch, generic in unmatched.select(ROW, "hospital", "batch", "generic").iter_rows():
        problems.append(
            Problem(
                *sheet.locate(row),
                sheet.place("药品通用名"),
                f"“{AGREEMENTS}”表中没有 {hospital} {batch} {generic} 的约定采购量（报量核对要用它的执行期）",
            )
        )
