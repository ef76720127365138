"""The calculation workbook (测算底稿): its sheets, from `vbp calc` or from the web system's own results.

`vbp calc` writes one after computing; the web system writes one of the figures
it computed itself (``write_calculation_workbook``), so that an auditor can
verify them with ``vbp calc --check`` and reproduce them with ``vbp calc``. Both
lay the sheets out here, so the two workbooks are alike cell for cell.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator, Mapping, Sequence, Sized
from decimal import Decimal
from typing import BinaryIO

import polars as pl

from vbp.calc.engine import ResultFrames, RowKey, decimal_column, share_display_decimals
from vbp.calc.schema import (
    HOSPITAL_COLUMNS,
    HOSPITALS,
    NO,
    POOL_AMOUNTS,
    POOL_HEADERS,
    PRODUCT_COLUMNS,
    PRODUCTS,
    RESULT_HEADERS,
    SUMMARY,
    SUMMARY_HEADERS,
    VISIT_COLUMNS,
    VISITS,
    YES,
    Column,
)
from vbp.calc.writer import Sheet, money_format, percent_format, rules_sheet, write_workbook
from vbp.core.money import parse_decimal
from vbp.core.retention import RowResult
from vbp.core.rules import RuleSet
from vbp.core.vectorized import Frames

MONEY_RESULTS = ("budget", "actual_cost", "surplus", "retained_amount", "payable_amount")
BLOCK_ROWS = 20_000  # product rows made into frames at a time: few enough to keep their objects small


def write_calculation_workbook(
    target: str | os.PathLike | BinaryIO,
    rule_set: RuleSet,
    products: Sequence[Mapping],
    hospitals: Sequence[Mapping],
    visits: Sequence[Mapping],
    results: Sequence[RowResult],
) -> None:
    """Write a 测算底稿 of the system's own results: ``vbp calc --check`` verifies it, ``vbp calc`` reproduces it.

    ``products`` are the 品种明细 rows keyed by the English names of ``PRODUCT_COLUMNS``
    (``renewal`` a bool), ``hospitals`` and ``visits`` those of ``HOSPITAL_COLUMNS`` and
    ``VISIT_COLUMNS``; numbers are Decimal or int, never float. ``results`` are the
    ``RowResult`` computed for each product row, in the same order: the output sheets
    show them as they are, they are not computed again. ``products`` and ``results``
    are read once, a block of rows at a time, so iterators that make rows as they go
    keep the memory flat. ``target`` is a path or a binary file object (e.g. an HTTP
    response), which gets the complete file or nothing.
    """
    if isinstance(products, Sized) and isinstance(results, Sized) and len(products) != len(results):
        raise ValueError(f"{len(products)} product rows but {len(results)} results")
    visits = list(visits)
    pool_order: dict[str, list[str]] = {}
    for visit in visits:
        pool_order.setdefault(str(visit["hospital"]), []).append(str(visit["pool"]))
    frames = ResultFrames(rule_set, pool_order)
    rows = zip(products, results, strict=True)
    blocks = [_product_block(block, frames) for block in _blocks(rows)] or [_product_block([], frames)]
    sheets = calculation_sheets(
        pl.concat(blocks, how="vertical_relaxed"),  # a decimal column takes the largest scale of its blocks
        _input_sheet(hospitals, HOSPITAL_COLUMNS),
        _input_sheet(visits, VISIT_COLUMNS),
        frames.frames(),
        rule_set,
    )
    write_workbook(target, sheets)


def _blocks(rows: Iterator[tuple[Mapping, RowResult]]) -> Iterator[list[tuple[Mapping, RowResult]]]:
    while block := list(itertools.islice(rows, BLOCK_ROWS)):
        yield block


def _product_block(block: list[tuple[Mapping, RowResult]], frames: ResultFrames) -> pl.DataFrame:
    """A block of product rows as 品种明细 shows them; their results added to ``frames``."""
    values = _values([product for product, _ in block], PRODUCT_COLUMNS)
    keys = [RowKey(*key) for key in zip(*(values[name] for name in RowKey._fields), strict=True)]
    frames.add(keys, [result for _, result in block])
    return _frame(values, PRODUCT_COLUMNS)


def _input_sheet(records: Sequence[Mapping], columns: tuple[Column, ...]) -> pl.DataFrame:
    return _frame(_values(records, columns), columns)


def calculation_sheets(
    products: pl.DataFrame, hospitals: pl.DataFrame, visits: pl.DataFrame, frames: Frames, rule_set: RuleSet
) -> list[Sheet]:
    """The sheets of a calculation workbook: 品种明细 with results, 分统筹区留用金额, 汇总, the other inputs, 规则.

    ``products``, ``hospitals`` and ``visits`` are the input sheets as they are to
    be written (columns named by their headers); ``frames`` the figures. Carrying
    the inputs and the rule set makes the workbook one ``vbp calc --check`` can
    verify on its own.
    """
    share_format = percent_format(share_display_decimals(rule_set) - 2)
    money = money_format(rule_set.amount_decimals)
    results = frames.rows.with_columns(vetoed=yes_no(pl.col("vetoed")))
    results = results.select(*[pl.col(name).alias(header) for name, header in RESULT_HEADERS.items()])
    pools = frames.pools.select(*[pl.col(name).alias(header) for name, header in POOL_HEADERS.items()])
    summary = frames.hospitals.select(*[pl.col(name).alias(header) for name, header in SUMMARY_HEADERS.items()])
    result_formats = {
        RESULT_HEADERS["retention_ratio"]: percent_format(0),
        RESULT_HEADERS["total_share"]: share_format,
        **{RESULT_HEADERS[name]: money for name in MONEY_RESULTS},
    }
    return [
        Sheet(PRODUCTS, products.hstack(results) if products.width else results, result_formats),
        Sheet(POOL_AMOUNTS, pools, {POOL_HEADERS["share"]: share_format, POOL_HEADERS["amount"]: money}),
        Sheet(SUMMARY, summary, {SUMMARY_HEADERS["retained_total"]: money, SUMMARY_HEADERS["payable_total"]: money}),
        Sheet(HOSPITALS, hospitals),
        Sheet(VISITS, visits),
        rules_sheet(rule_set),
    ]


def yes_no(flag: pl.Expr) -> pl.Expr:
    """A boolean as the workbook shows it: 是 or 否."""
    return pl.when(flag).then(pl.lit(YES)).otherwise(pl.lit(NO))


def _values(records: Sequence[Mapping], columns: tuple[Column, ...]) -> dict[str, list]:
    """Each column's values, checked: text as str, numbers as exact Decimals, 接续批次 as bool."""
    values = {}
    for column in columns:
        given = [record.get(column.name) for record in records]
        if column.kind == "text":
            values[column.name] = [None if value is None else str(value) for value in given]
        elif column.kind == "yes_no":
            values[column.name] = [_flag(value, column) for value in given]
        elif all(type(value) in (int, Decimal) or value is None for value in given):
            values[column.name] = given
        else:
            values[column.name] = [_exact(value) for value in given]
    return values


def _flag(value: object, column: Column) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    raise TypeError(f"{column.name} must be a bool, not {value!r}")


def _exact(value: object) -> Decimal | None:
    if value is None or type(value) is Decimal:
        return value
    return parse_decimal(value)  # an int or numeric text; a float is refused


def _frame(values: dict[str, list], columns: tuple[Column, ...]) -> pl.DataFrame:
    """An input sheet as ``vbp calc`` writes it back: its columns under their headers, 接续批次 as 是/否."""
    series = []
    for column in columns:
        given = values[column.name]
        if column.kind == "yes_no":
            series.append(pl.Series(column.header, [YES if value else NO for value in given], dtype=pl.String))
        elif column.kind == "text":
            series.append(pl.Series(column.header, given, dtype=pl.String))
        elif all(type(value) is int or value is None for value in given):
            series.append(pl.Series(column.header, given, dtype=pl.Int64))
        else:  # exact decimals, with the scale of the most decimals given
            series.append(decimal_column(given).alias(column.header))
    return pl.DataFrame(series)
