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
    NO,
    PRODUCTS,
    VISITS,
    YES,
    Column,
)
from vbp.core.money import NumberFormatError, parse_decimal

EXCEL_SIGNIFICANT_DIGITS = 15
MAX_DIGITS = 38  # what a 128-bit decimal holds
_PLAIN = r"^-?\d+(\.\d+)?$"


def displayed_text(text: pl.Expr) -> pl.Expr:
    """Numeric text as the decimal Excel shows (15 significant digits), in plain notation where possible."""
    return displayed_number(text.cast(pl.Float64, strict=False))


def displayed_number(number: pl.Expr) -> pl.Expr:
    """A double as the decimal Excel shows (15 significant digits), in plain notation where possible.

    Polars writes a double in its shortest form, so the one trailing zero is the ".0" of a whole number.
    """
    return (
        pl.when(number.is_finite())
        .then(number.round_sig_figs(EXCEL_SIGNIFICANT_DIGITS).cast(pl.String))
        .otherwise(None)
        .str.strip_suffix(".0")
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
    numbers = [column for column in columns if not column.read_as_text and column.header in frame.columns]
    typed_numbers = _numbers(sheet, numbers, problems)
    values = [pl.col(ROW)]
    for column in columns:
        if column.header not in frame.columns:
            values.append(_absent(column).alias(column.name))
        elif column.kind == "text":
            values.append(_text(sheet, column, problems))
        elif column.kind == "yes_no":
            values.append(_yes_no(sheet, column, problems))
        else:
            values.append(pl.lit(typed_numbers[column.name]).alias(column.name))
    typed = frame.select(values)
    _check_duplicates(sheet, typed, key, problems)
    return typed


def _absent(column: Column) -> pl.Expr:
    """The value of an optional column the sheet does not have: empty, or 否."""
    if column.kind == "yes_no":
        return pl.lit(False)
    return pl.lit(None, dtype=pl.String if column.kind == "text" else pl.Int64)


def _text(sheet: RawSheet, column: Column, problems: list[Problem]) -> pl.Expr:
    frame = sheet.frame
    text = frame[column.header].cast(pl.String)
    if column.required:
        for row in frame.filter(text.is_null())[ROW].to_list():
            problems.append(Problem(*sheet.locate(row), sheet.place(column.header), "不能为空"))
    return pl.lit(text).alias(column.name)


def _yes_no(sheet: RawSheet, column: Column, problems: list[Problem]) -> pl.Expr:
    """是 → true, 否 or empty → false; anything else is reported."""
    text = pl.col(column.header).cast(pl.String)
    bad = sheet.frame.filter(text.is_not_null() & ~text.is_in([YES, NO]))
    for row, value in bad.select(ROW, text).iter_rows():
        problems.append(
            Problem(*sheet.locate(row), sheet.place(column.header), f"应为{column.expected}，实为“{value}”")
        )
    return (text == YES).fill_null(False).alias(column.name)


def _numbers(sheet: RawSheet, columns: list[Column], problems: list[Problem]) -> dict[str, pl.Series]:
    """The numeric columns as exact Decimals (integers as Int64), bad cells reported.

    Each step runs over all the columns in one Polars query, so they are worked on in parallel.
    """
    frame = sheet.frame
    steps = [_shown(frame, i, column) for i, column in enumerate(columns)]
    shown = frame.select(ROW, *[expr for computed, _ in steps for expr in computed])
    shown = shown.with_columns(expr for _, copied in steps for expr in copied)
    unusual = shown.select(
        *[
            (pl.col(f"raw{i}").is_not_null() & ~pl.col(f"text{i}").fill_null("").str.contains(_PLAIN)).any()
            for i in range(len(columns))
        ]
    ).row(0)
    for i, column in enumerate(columns):
        if unusual[i]:
            shown = shown.with_columns(_repair_unusual(shown, i, sheet, column, problems).alias(f"text{i}"))
    # Every text left is plain now (-123.45): its decimals follow the dot, its digits are all but "-" and ".".
    sizes = shown.select(
        *[_decimals(pl.col(f"text{i}")).max().alias(f"decimals{i}") for i in range(len(columns))],
        *[_digits(pl.col(f"text{i}")).max().alias(f"digits{i}") for i in range(len(columns))],
    ).row(0)
    typed, values, scales = {}, [], {}
    for i, column in enumerate(columns):
        decimals, digits = sizes[i] or 0, sizes[len(columns) + i] or 0
        if digits > MAX_DIGITS:
            problems.append(Problem(sheet.name, None, sheet.place(column.header), "数值位数过多"))
            typed[column.name] = pl.Series(column.name, [None] * frame.height, dtype=pl.Int64)
            continue
        value = pl.col(f"text{i}").str.to_decimal(scale=decimals)
        if column.kind == "percent":
            value = _percent_points(value, pl.col(f"percent{i}"), decimals)
        values.append(value.alias(f"value{i}"))
        scales[i] = decimals
    shown = shown.with_columns(values)
    for i, decimals in scales.items():
        column = columns[i]
        _check_range(shown, i, sheet, column, decimals, problems)
        value = shown[f"value{i}"]
        typed[column.name] = _integer_part(value) if column.kind in ("integer", "percent") else value
    return typed


def _decimals(text: pl.Expr) -> pl.Expr:
    """Digits after the dot of plain numeric text."""
    return (text.str.len_bytes() - text.str.find(".", literal=True) - 1).fill_null(0)


def _digits(text: pl.Expr) -> pl.Expr:
    """Digits of plain numeric text: all but its sign and dot."""
    return (
        text.str.len_bytes()
        - text.str.starts_with("-").cast(pl.UInt32)
        - text.str.contains(".", literal=True).cast(pl.UInt32)
    )


def _shown(frame: pl.DataFrame, i: int, column: Column) -> tuple[list[pl.Expr], list[pl.Expr]]:
    """raw (the cell as given), text (the decimal it shows, plain), body and, for a percent, whether it had "%".

    Two lists: what is computed from the sheet, then what is copied from that.
    """
    dtype = frame.schema[column.header]
    source = pl.col(column.header)
    percent = column.kind == "percent"
    if dtype.is_numeric():  # a numeric cell: the double the file holds, shown as Excel shows it
        text = displayed_number(source.cast(pl.Float64)).alias(f"text{i}")
        copies = [pl.col(f"text{i}").alias(f"raw{i}"), pl.col(f"text{i}").alias(f"body{i}")]
        return [text], [*copies, pl.lit(False).alias(f"percent{i}")] if percent else copies
    raw = source.cast(pl.String)
    cleaned = raw.str.replace_all(r"[,，\s]", "").str.replace(r"^\+", "")
    body = cleaned.str.strip_suffix("%") if percent else cleaned
    computed = [raw.alias(f"raw{i}"), body.alias(f"body{i}")]
    if percent:
        computed.append(cleaned.str.ends_with("%").alias(f"percent{i}"))
    return computed, [displayed_text(pl.col(f"body{i}")).alias(f"text{i}")]


def _repair_unusual(shown: pl.DataFrame, i: int, sheet: RawSheet, column: Column, problems: list[Problem]) -> pl.Series:
    """Cells not in plain notation (1E-7, full-width digits…): parse them one by one; the column's new text."""
    raw, text = pl.col(f"raw{i}"), pl.col(f"text{i}")
    unusual = shown.filter(raw.is_not_null() & ~text.fill_null("").str.contains(_PLAIN))
    fixed = {}
    for row, raw_value, body in unusual.select(ROW, f"raw{i}", f"body{i}").iter_rows():
        try:
            value = parse_decimal(body)
        except NumberFormatError:
            value = None
        if value is None or "%" in body:
            problems.append(
                Problem(*sheet.locate(row), sheet.place(column.header), f"应为{column.expected}，实为“{raw_value}”")
            )
            continue
        digits = format(value, "f")
        fixed[row] = digits.rstrip("0").rstrip(".") if "." in digits else digits
    repaired = pl.DataFrame(
        {ROW: list(fixed), "fixed": list(fixed.values())}, schema={ROW: pl.Int64, "fixed": pl.String}
    )
    return (
        shown.select(ROW, text)
        .join(repaired, on=ROW, how="left", maintain_order="left")
        .select(pl.coalesce("fixed", pl.when(text.str.contains(_PLAIN)).then(text)))
        .to_series()
    )


def _percent_points(value: pl.Expr, is_percent: pl.Expr, decimals: int) -> pl.Expr:
    """A payment ratio in percent points: "70%" and 70 mean 70; a cell holding 0.7 (shown 70%) too."""
    fraction = (~is_percent) & (value > 0) & (value < 1)
    scaled = (value * pl.lit(100)).cast(pl.Decimal(MAX_DIGITS, decimals))
    return pl.when(fraction).then(scaled).otherwise(value)


def _integer_part(value: pl.Series) -> pl.Series:
    return value.cast(pl.Int64, strict=False)


def _check_range(
    shown: pl.DataFrame, i: int, sheet: RawSheet, column: Column, decimals: int, problems: list[Problem]
) -> None:
    value = pl.col(f"value{i}")
    bad = pl.lit(False)
    if column.minimum is not None:
        bad = bad | ((value <= column.minimum) if column.exclusive_minimum else (value < column.minimum))
    if column.maximum is not None:
        bad = bad | (value > column.maximum)
    if column.kind in ("integer", "percent") and decimals:
        bad = bad | (value != value.cast(pl.Int64, strict=False).cast(pl.Decimal(MAX_DIGITS, decimals)))
    missing = value.is_null() & pl.col(f"raw{i}").is_null()
    if column.required:
        for row in shown.filter(missing)[ROW].to_list():
            problems.append(Problem(*sheet.locate(row), sheet.place(column.header), "不能为空"))
    for row, raw in shown.filter(value.is_not_null() & bad).select(ROW, f"raw{i}").iter_rows():
        problems.append(Problem(*sheet.locate(row), sheet.place(column.header), f"应为{column.expected}，实为“{raw}”"))


def _check_duplicates(sheet: RawSheet, typed: pl.DataFrame, key: tuple[str, ...], problems: list[Problem]) -> None:
    keyed = typed.filter(pl.all_horizontal(pl.col(key).is_not_null()))
    # the first row of each key is taken before filtering, so a repeat names the row it repeats
    duplicates = keyed.with_columns(first=pl.col(ROW).min().over(key)).filter(pl.col(ROW) != pl.col("first"))
    headers = [column.header for column in INPUT_SHEETS[sheet.name][0] if column.name in key]
    place = "、".join(sheet.place(header) for header in headers)
    for row, first_row in duplicates.select(ROW, "first").iter_rows():
        name, excel_row = sheet.locate(row)
        first_name, first_excel_row = sheet.locate(first_row)
        first = f"第{first_excel_row}行" if first_name == name else f"“{first_name}”第{first_excel_row}行"
        problems.append(Problem(name, excel_row, place, f"{'、'.join(headers)}与{first}重复"))


def _check_links(typed: dict[str, pl.DataFrame], sheets: dict[str, RawSheet], problems: list[Problem]) -> None:
    """Every product's hospital has a total; every hospital has pools; pools fit in the total."""
    products, hospitals, visits = typed[PRODUCTS], typed[HOSPITALS], typed[VISITS]
    code = sheets[PRODUCTS].place("医疗机构编码")
    unknown = products.filter(pl.col("hospital").is_not_null()).join(hospitals, on="hospital", how="anti")
    for row, hospital in unknown.select(ROW, "hospital").iter_rows():  # an empty code is already reported
        problems.append(
            Problem(
                *sheets[PRODUCTS].locate(row), code, f"医疗机构 {hospital} 在“{HOSPITALS}”表中没有上一年度住院总人次"
            )
        )
    for row, hospital in visits.join(hospitals, on="hospital", how="anti").select(ROW, "hospital").iter_rows():
        problems.append(
            Problem(
                *sheets[VISITS].locate(row),
                sheets[VISITS].place("医疗机构编码"),
                f"医疗机构 {hospital} 不在“{HOSPITALS}”表中",
            )
        )
    used = hospitals.join(products.select("hospital").unique(), on="hospital", how="semi")
    for row, hospital in used.join(visits, on="hospital", how="anti").select(ROW, "hospital").iter_rows():
        problems.append(
            Problem(
                *sheets[HOSPITALS].locate(row),
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
                *sheets[HOSPITALS].locate(row),
                place,
                f"医疗机构 {hospital} 各统筹区住院人次合计 {pooled} 超过上一年度住院总人次 {total}",
            )
        )
