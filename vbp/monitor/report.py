"""The 监测通报 workbook: every figure's view under its Chinese headers, through the one xlsx writer."""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from typing import BinaryIO

import duckdb
import polars as pl

from vbp.calc.writer import Sheet, money_format, percent_format, write_workbook
from vbp.monitor.figures import fetch

PERCENT = percent_format(2)
MONEY = money_format(2)
YES, NO = "是", "否"

# view → (sheet name, [(column, header, kind)]); kind: text | yes_no | method | integer | money | percent | date
LINE_COLUMNS = [
    ("order_no", "订单编号", "text"),
    ("hospital", "医疗机构编码", "text"),
    ("batch", "带量批次", "text"),
    ("generic", "药品通用名", "text"),
    ("winning", "是否中选", "yes_no"),
    ("distributor", "配送企业", "text"),
    ("quantity", "采购数量", "integer"),
    ("amount", "采购金额", "money"),
    ("ordered", "下单日期", "date"),
    ("delivered", "配送日期", "date"),
    ("received", "入库日期", "date"),
    ("received_amount", "入库金额", "money"),
    ("paid", "支付日期", "date"),
]
SHEETS = {
    "progress": (
        "采购进度",
        [
            ("hospital", "医疗机构编码", "text"),
            ("batch", "带量批次", "text"),
            ("generic", "药品通用名", "text"),
            ("agreed", "约定采购量", "integer"),
            ("starts", "执行开始日期", "date"),
            ("ends", "执行结束日期", "date"),
            ("winning", "中选采购数量", "integer"),
            ("nonwinning", "非中选采购数量", "integer"),
            ("completion", "完成进度", "percent"),
            ("schedule", "序时进度", "percent"),
            ("behind", "低于序时进度", "yes_no"),
            ("winning_share", "中选数量占比", "percent"),
            ("nonwinning_over", "非中选超中选", "yes_no"),
        ],
    ),
    "report_check": (
        "报量核对",
        [
            ("hospital", "医疗机构编码", "text"),
            ("batch", "带量批次", "text"),
            ("generic", "药品通用名", "text"),
            ("reported", "报量", "integer"),
            ("last", "上一年度实际采购量", "integer"),
            ("change", "变化率", "percent"),
            ("dropped", "降幅超20%", "yes_no"),
            ("unreported_nonwinning", "未报量仍采购非中选", "yes_no"),
        ],
    ),
    "late_payments": ("逾期回款", [*LINE_COLUMNS, ("days_late", "逾期天数", "integer")]),
    "payments": (
        "回款情况",
        [
            ("hospital", "医疗机构编码", "text"),
            ("batch", "带量批次", "text"),
            ("received_total", "入库金额", "money"),
            ("paid_in_30", "30天内回款金额", "money"),
            ("paid_in_30_rate", "30天回款率", "percent"),
        ],
    ),
    "delivery": (
        "配送情况",
        [
            ("distributor", "配送企业", "text"),
            ("line_count", "订单行数", "integer"),
            ("delivered_count", "已配送行数", "integer"),
            ("delivery_rate", "配送率", "percent"),
            ("within_48h_rate", "48小时内配送率", "percent"),
        ],
    ),
    "offline_lines": ("线下采购", LINE_COLUMNS),
    "platform": (
        "平台数据",
        [
            ("year", "考核年度", "integer"),
            ("hospital", "医疗机构编码", "text"),
            ("batch", "带量批次", "text"),
            ("generic", "药品通用名", "text"),
            ("agreed", "约定采购量", "integer"),
            ("winning_volume", "中选产品实际采购量", "integer"),
            ("generic_volume", "同通用名产品采购总量", "integer"),
            ("nonwinning_volume", "非中选产品采购量", "integer"),
            ("nonwinning_amount", "非中选产品使用金额", "money"),
            ("offline_amount", "线下采购金额", "money"),
            ("received_total", "入库金额", "money"),
            ("paid_in_30", "30天内回款金额", "money"),
        ],
    ),
}


@dataclass
class Summary:
    """What a run found, for the command's closing lines."""

    lines: int
    agreements: int
    behind: int
    dropped: int
    late: int
    offline: int


def sheet(connection: duckdb.DuckDBPyConnection, view: str) -> Sheet:
    """One figure's view as a sheet: Chinese headers, 是/否 for flags, formats for money and percentages."""
    name, columns = SHEETS[view]
    frame = fetch(connection, view)
    formats = {}
    values = []
    for column, header, kind in columns:
        value = pl.col(column)
        if kind == "yes_no":
            value = pl.when(value).then(pl.lit(YES)).otherwise(pl.lit(NO))
        elif kind == "integer":
            value = value.cast(pl.Int64)
        elif kind == "money":
            formats[header] = MONEY
        elif kind == "percent":
            formats[header] = PERCENT
        values.append(value.alias(header))
    return Sheet(name, frame.select(values), formats)


def summary(connection: duckdb.DuckDBPyConnection) -> Summary:
    (lines,) = connection.execute("SELECT count(*) FROM lines").fetchall()[0]
    (agreements, behind) = connection.execute(
        "SELECT count(*), count(*) FILTER (WHERE behind) FROM progress"
    ).fetchall()[0]
    (dropped,) = connection.execute("SELECT count(*) FILTER (WHERE dropped) FROM report_check").fetchall()[0]
    (late,) = connection.execute("SELECT count(*) FROM late_payments").fetchall()[0]
    (offline,) = connection.execute("SELECT count(*) FROM offline_lines").fetchall()[0]
    return Summary(lines, agreements, behind, dropped, late, offline)


def cover(as_of: datetime.date, result: Summary) -> Sheet:
    rows = [
        ("监测日期", as_of.isoformat()),
        ("订单行数（截至监测日期）", str(result.lines)),
        ("约定采购量条数", str(result.agreements)),
        ("低于序时进度", str(result.behind)),
        ("报量降幅超20%", str(result.dropped)),
        ("逾期回款订单行", str(result.late)),
        ("线下采购订单行", str(result.offline)),
    ]
    return Sheet("说明", pl.DataFrame(rows, schema=["项目", "值"], orient="row"))


def write_report(
    target: str | os.PathLike | BinaryIO, connection: duckdb.DuckDBPyConnection, as_of: datetime.date
) -> Summary:
    """Write the 监测通报 workbook of the views ``compute`` defined on ``connection``."""
    result = summary(connection)
    write_workbook(target, [cover(as_of, result), *(sheet(connection, view) for view in SHEETS)])
    return result
