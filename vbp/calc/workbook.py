"""The calculation workbook (测算底稿) `vbp calc` writes: its sheets, laid out in one place."""

from __future__ import annotations

import polars as pl

from vbp.calc.engine import share_display_decimals
from vbp.calc.schema import (
    HOSPITALS,
    NO,
    POOL_AMOUNTS,
    POOL_HEADERS,
    PRODUCTS,
    RESULT_HEADERS,
    SUMMARY,
    SUMMARY_HEADERS,
    VISITS,
    YES,
)
from vbp.calc.writer import Sheet, money_format, percent_format, rules_sheet
from vbp.core.rules import RuleSet
from vbp.core.vectorized import Frames

MONEY_RESULTS = ("budget", "actual_cost", "surplus", "retained_amount", "payable_amount")


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
