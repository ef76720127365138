"""Validating calculator input: every problem at once, each with sheet, row and column.

Numbers may be numeric cells or text ("1,234.50", " 70 ", "70%"). A numeric
cell of an .xlsx is a binary double; it is read as the decimal Excel shows for
it (15 significant digits), and from there on everything is exact Decimal.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from vbp.calc.problems import InputError, Problem
from vbp.calc.reader import ROW, RawSheet
from vbp.calc.schema import (
    HOSPITALS,
    INPUT_SHEETS,
    PRODUCTS,
    VISITS,
    Column,
)
from vbp.core.money import NumberFormatError, parse_decimal

EXCEL_SIGNIFICANT_DIGITS = 15
MAX_DIGITS = 38  # what a 128-bit decimal holds
_PLAIN = r"^-?\d+(\.\d+)?$"


def displayed_text(text: pl.Expr) -> pl.Expr:
    """Numeric text as the decimal Excel shows (15 significant digits), in plain notation where possible."""
    number = text.cast(pl.Float64, strict=False)
    return (
        pl.when(number.is_finite())
        .then(number.round_sig_figs(EXCEL_SIGNIFICANT_DIGITS).cast(pl.String))
        .otherwise(None)
        .str.replace(r"(\.\d*?)0+$", "${1}")
        .str.replace(r"\.$", "")
    )


@dataclass
class Inputs:
    """Validated input: typed frames, every number a Decimal column or an integer."""

    products: pl.DataFrame
    hospitals: pl.DataFrame
    visits: pl.DataFrame
    product_sheet: RawSheet


def validate(sheets: dict[str, RawSheet]) -> Inputs:
    """Check and type the three input sheets, or raise InputError listing every problem."""
    problems: list[Problem] = []
    typed = {}
    for sheet_name, (columns, key) in INPUT_SHEETS.items():
        sheet = sheets.get(sheet_name)
        if sheet is None:
            problems.append(Problem(sheet_name, None, "", f"缺少工作表“{sheet_name}”"))
            continue
        typed[sheet_name] = _typed_sheet(sheet, columns, key, problems)
    if len(typed) == len(INPUT_SHEETS) and all(frame is not None for frame in typed.values()):
        _check_links(typed, sheets, problems)
    if problems:
        raise InputError(problems)
    return Inputs(typed[PRODUCTS], typed[HOSPITALS], typed[VISITS], sheets[PRODUCTS])


def _typed_sheet(sheet: RawSheet, columns: tuple[Column, ...], key: tuple[str, ...], problems: list[Problem]):
    missing = [column for column in columns if column.required and column.header not in sheet.frame.columns]
    for column in missing:
        problems.append(Problem(sheet.name, None, "", f"缺少列“{column.header}”"))
    if missing:
        return None
    frame = sheet.frame
    values = [pl.col(ROW)]
    for column in columns:
        if column.header not in frame.columns:
            values.append(pl.lit(None, dtype=pl.String if column.kind == "text" else pl.Int64).alias(column.name))
        elif column.kind == "text":
            values.append(_text(sheet, column, problems))
        else:
            values.append(_number(sheet, column, problems))
    typed = frame.select(values)
    _check_duplicates(sheet, typed, key, problems)
    return typed


def _text(sheet: RawSheet, column: Column, problems: list[Problem]) -> pl.Expr:
    frame = sheet.frame
    text = frame[column.header].cast(pl.String)
    if column.required:
        for row in frame.filter(text.is_null())[ROW].to_list():
            problems.append(Problem(sheet.name, row, sheet.place(column.header), "不能为空"))
    return pl.lit(text).alias(column.name)


def _number(sheet: RawSheet, column: Column, problems: list[Problem]) -> pl.Expr:
    """A numeric column as exact Decimals (integers as Int64), bad cells reported."""
    raw = sheet.frame[column.header].cast(pl.String)
    frame = pl.DataFrame({ROW: sheet.frame[ROW], "raw": raw})
    cleaned = pl.col("raw").str.replace_all(r"[,，\s]", "").str.replace(r"^\+", "")
    is_percent = cleaned.str.ends_with("%") if column.kind == "percent" else pl.lit(False)
    body = cleaned.str.strip_suffix("%") if column.kind == "percent" else cleaned
    frame = frame.with_columns(text=displayed_text(body), percent=is_percent, body=body)
    frame = _repair_unusual(frame, sheet, column, problems)
    decimals = frame["text"].str.extract(r"\.(\d+)$").str.len_chars().max() or 0
    digits = frame["text"].str.replace(r"^-", "").str.replace(r"\.", "").str.len_chars().max() or 0
    if digits > MAX_DIGITS:
        problems.append(Problem(sheet.name, None, sheet.place(column.header), "数值位数过多"))
        return pl.lit(None, dtype=pl.Int64).alias(column.name)
    value = frame["text"].str.to_decimal(scale=decimals)
    if column.kind == "percent":
        value, decimals = _percent_points(value, frame["percent"], decimals)
    frame = frame.with_columns(value=value)
    _check_range(frame, sheet, column, decimals, problems)
    if column.kind in ("integer", "percent"):
        return pl.lit(_integer_part(frame["value"])).alias(column.name)
    return pl.lit(frame["value"]).alias(column.name)


def _repair_unusual(frame: pl.DataFrame, sheet: RawSheet, column: Column, problems: list[Problem]) -> pl.DataFrame:
    """Cells not in plain notation (1E-7, full-width digits…): parse them one by one."""
    unusual = frame.filter(pl.col("raw").is_not_null() & ~pl.col("text").fill_null("").str.contains(_PLAIN))
    if unusual.is_empty():
        return frame
    fixed = {}
    for row, raw, body in unusual.select(ROW, "raw", "body").iter_rows():
        try:
            value = parse_decimal(body)
        except NumberFormatError:
            value = None
        if value is None or "%" in body:
            problems.append(Problem(sheet.name, row, sheet.place(column.header), f"应为{column.expected}，实为“{raw}”"))
            continue
        text = format(value, "f")
        fixed[row] = text.rstrip("0").rstrip(".") if "." in text else text
    repaired = pl.DataFrame(
        {ROW: list(fixed), "fixed": list(fixed.values())}, schema={ROW: pl.Int64, "fixed": pl.String}
    )
    return (
        frame.join(repaired, on=ROW, how="left")
        .with_columns(text=pl.coalesce("fixed", pl.when(pl.col("text").str.contains(_PLAIN)).then("text")))
        .drop("fixed")
    )


def _percent_points(value: pl.Series, is_percent: pl.Series, decimals: int) -> tuple[pl.Series, int]:
    """A payment ratio in percent points: "70%" and 70 mean 70; a cell holding 0.7 (shown 70%) too."""
    frame = pl.DataFrame({"value": value, "percent": is_percent})
    fraction = (~pl.col("percent")) & (pl.col("value") > 0) & (pl.col("value") < 1)
    scaled = (pl.col("value") * pl.lit(100)).cast(pl.Decimal(MAX_DIGITS, decimals))
    result = frame.select(pl.when(fraction).then(scaled).otherwise(pl.col("value")).alias("value"))["value"]
    return result, decimals


def _integer_part(value: pl.Series) -> pl.Series:
    return value.cast(pl.Int64, strict=False)


def _check_range(frame: pl.DataFrame, sheet: RawSheet, column: Column, decimals: int, problems: list[Problem]) -> None:
    value = pl.col("value")
    bad = pl.lit(False)
    if column.minimum is not None:
        bad = bad | ((value <= column.minimum) if column.exclusive_minimum else (value < column.minimum))
    if column.maximum is not None:
        bad = bad | (value > column.maximum)
    if column.kind in ("integer", "percent") and decimals:
        bad = bad | (value != value.cast(pl.Int64, strict=False).cast(pl.Decimal(MAX_DIGITS, decimals)))
    missing = value.is_null() & pl.col("raw").is_null()
    if column.required:
        for row in frame.filter(missing)[ROW].to_list():
            problems.append(Problem(sheet.name, row, sheet.place(column.header), "不能为空"))
    for row, raw in frame.filter(value.is_not_null() & bad).select(ROW, "raw").iter_rows():
        problems.append(Problem(sheet.name, row, sheet.place(column.header), f"应为{column.expected}，实为“{raw}”"))


def _check_duplicates(sheet: RawSheet, typed: pl.DataFrame, key: tuple[str, ...], problems: list[Problem]) -> None:
    keyed = typed.filter(pl.all_horizontal(pl.col(key).is_not_null()))
    # the first row of each key is taken before filtering, so a repeat names the row it repeats
    duplicates = keyed.with_columns(first=pl.col(ROW).min().over(key)).filter(pl.col(ROW) != pl.col("first"))
    headers = [column.header for column in INPUT_SHEETS[sheet.name][0] if column.name in key]
    place = "、".join(sheet.place(header) for header in headers)
    for row, first_row in duplicates.select(ROW, "first").iter_rows():
        problems.append(Problem(sheet.name, row, place, f"{'、'.join(headers)}与第{first_row}行重复"))


def _check_links(typed: dict[str, pl.DataFrame], sheets: dict[str, RawSheet], problems: list[Problem]) -> None:
    """Every product's hospital has a total; every hospital has pools; pools fit in the total."""
    products, hospitals, visits = typed[PRODUCTS], typed[HOSPITALS], typed[VISITS]
    code = sheets[PRODUCTS].place("医疗机构编码")
    for row, hospital in products.join(hospitals, on="hospital", how="anti").select(ROW, "hospital").iter_rows():
        problems.append(Problem(PRODUCTS, row, code, f"医疗机构 {hospital} 在“{HOSPITALS}”表中没有上一年度住院总人次"))
    for row, hospital in visits.join(hospitals, on="hospital", how="anti").select(ROW, "hospital").iter_rows():
        problems.append(
            Problem(VISITS, row, sheets[VISITS].place("医疗机构编码"), f"医疗机构 {hospital} 不在“{HOSPITALS}”表中")
        )
    used = hospitals.join(products.select("hospital").unique(), on="hospital", how="semi")
    for row, hospital in used.join(visits, on="hospital", how="anti").select(ROW, "hospital").iter_rows():
        problems.append(
            Problem(
                HOSPITALS,
                row,
                sheets[HOSPITALS].place("医疗机构编码"),
                f"医疗机构 {hospital} 在“{VISITS}”表中没有参保住院人次",
            )
        )
    sums = visits.group_by("hospital").agg(pl.col("visits").sum().alias("pooled"))
    over = hospitals.join(sums, on="hospital").filter(pl.col("pooled") > pl.col("total_visits"))
    place = sheets[HOSPITALS].place("上一年度住院总人次")
    for row, hospital, total, pooled in over.select(ROW, "hospital", "total_visits", "pooled").iter_rows():
        problems.append(
            Problem(
                HOSPITALS,
                row,
                place,
                f"医疗机构 {hospital} 各统筹区住院人次合计 {pooled} 超过上一年度住院总人次 {total}",
            )
        )
