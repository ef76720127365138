"""`vbp monitor` against a hand-checked case holding every flag and edge of the contract (docs/monitoring.md).

The monitoring date is 2024-06-30. 2024 is a leap year: a contract period of 2024 has 366 days, of which
182 have passed by the monitoring date, so its 序时进度 is 182/366 = 49.73%.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from tests.monitor.conftest import (
    AGREEMENT_HEADER,
    ORDER_HEADER,
    day,
    read_sheets,
    run_vbp,
    write_csv_folder,
    write_parquet_folder,
    write_xlsx,
)

AS_OF = "2024-06-30"
D = Decimal

# One order line per row: 订单编号 医疗机构编码 带量批次 药品通用名 是否中选 配送企业 采购方式 采购数量 采购金额
# 下单日期 配送日期 入库日期 入库金额 支付日期; "-" is an empty cell.
LINE_TABLE = """
L1  H1 第一批 阿莫西林 是 国药 线上 200 2000.00 2024-01-10 2024-01-12 2024-01-15 2000.00 2024-02-14
L2  H1 第一批 阿莫西林 是 国药 线上 200 2000.00 2024-03-01 2024-03-04 2024-03-05 2000.00 2024-04-05
L3  H1 第一批 阿莫西林 否 华润 线下 100 1500.00 2024-04-01 -          -          -       -
L4  H4 第一批 阿莫西林 是 国药 线上 100 1000.00 2024-05-20 2024-05-21 2024-05-31 1000.00 -
L5  H4 第一批 阿莫西林 是 国药 线上 50  500.00  2024-05-20 2024-05-22 2024-05-30 500.00  -
L10 H4 第一批 阿莫西林 是 国药 线上 32  320.00  2024-04-20 2024-04-21 2024-05-01 320.00  2024-07-10
L6  H2 第一批 阿莫西林 否 华润 线上 10  150.00  2024-02-01 2024-02-01 2024-02-02 150.00  2024-02-10
L7  H1 第二批 布洛芬   是 华润 线上 300 600.00  2024-06-30 2024-07-01 -          -       -
L8  H1 第二批 布洛芬   是 华润 线上 50  100.00  2024-07-05 -          -          -       -
L9  H1 第二批 布洛芬   是 国药 线上 20  40.00   2023-12-31 2024-01-01 2024-01-02 40.00   2024-01-20
"""
# L1: delivered in 2 days (within 48 hours); paid on day 30 after receipt: in time.
# L2: delivered in 3 days; paid on day 31: one day late.
# L3: bought offline, non-winning, not delivered.
# L4: unpaid, received 30 days before the monitoring date: not late yet. L5: received 31 days before: one day late.
# L10: paid after the monitoring date, so unpaid as of it; received 60 days before: 30 days late.
# L6: a hospital with nothing agreed buys non-winning products, delivered the day it ordered.
# L7: ordered on the monitoring date, delivered after it: not yet delivered. L8: ordered after it: not counted.
# L9: ordered the day before its period starts: last year's volume, not this period's progress.


def _cell(index: int, text: str):
    if text == "-":
        return None
    if index == 7:
        return int(text)
    return D(text) if index in (8, 12) else text


LINES = [[_cell(i, text) for i, text in enumerate(row.split())] for row in LINE_TABLE.strip().splitlines()]
AGREEMENTS = [
    ["H1", "第一批", "阿莫西林", 1000, "2024-01-01", "2024-12-31"],
    ["H2", "第一批", "阿莫西林", 0, "2024-01-01", "2024-12-31"],  # nothing agreed
    ["H3", "第一批", "阿莫西林", 100, "2024-07-01", "2025-06-30"],  # not started yet
    ["H1", "第二批", "布洛芬", 300, "2024-01-01", "2024-06-30"],  # ends on the monitoring date
    ["H4", "第一批", "阿莫西林", 366, "2024-01-01", "2024-12-31"],  # exactly on schedule: 182/366
]
REPORTS = [
    ["医疗机构编码", "带量批次", "药品通用名", "报量", "上一年度实际采购量"],
    ["H1", "第二批", "布洛芬", 16, None],  # last year from the lines: 20; -20.00% is not a drop of more than 20%
    ["H1", "第一批", "阿莫西林", 0, 500],  # -100%, and non-winning products bought without a report
    ["H4", "第一批", "阿莫西林", 7999, 10000],  # -20.01%
    ["H2", "第一批", "阿莫西林", 3, 0],  # no last year: no change rate
    ["H3", "第一批", "阿莫西林", 1, 3],  # -66.666…% rounds half-up to -66.67%
]


def sheets(dates=day) -> dict[str, list[list]]:
    def dated(row, columns):
        return [dates(cell) if index in columns else cell for index, cell in enumerate(row)]

    return {
        "订单明细": [ORDER_HEADER, *(dated(row, {9, 10, 11, 13}) for row in LINES)],
        "约定采购量": [AGREEMENT_HEADER, *(dated(row, {4, 5}) for row in AGREEMENTS)],
        "报量": REPORTS,
    }


def as_text(value):
    return value


@pytest.fixture(params=["xlsx", "csv", "parquet"])
def report(request, tmp_path):
    if request.param == "xlsx":
        source = write_xlsx(tmp_path / "input.xlsx", sheets())
    elif request.param == "csv":
        source = write_csv_folder(tmp_path / "csv", sheets(as_text))
    else:
        source = write_parquet_folder(tmp_path / "parquet", sheets())
    output = tmp_path / "监测通报.xlsx"
    result = run_vbp("monitor", source, "-o", output, "--as-of", AS_OF)
    assert result.code == 0, result.err
    return read_sheets(output), result


def keyed(records, *key):
    return {tuple(record[k] for k in key): record for record in records}


def test_progress_against_schedule(report):
    progress = keyed(report[0]["采购进度"], "医疗机构编码", "带量批次")
    h1 = progress["H1", "第一批"]
    assert (h1["中选采购数量"], h1["非中选采购数量"]) == (400, 100)
    assert (h1["完成进度"], h1["序时进度"], h1["低于序时进度"]) == (0.4, 0.4973, "是")
    assert (h1["中选数量占比"], h1["非中选超中选"]) == (0.8, "否")
    # nothing agreed: progress is 0, so the contract flags it once the period has started
    h2 = progress["H2", "第一批"]
    assert (h2["完成进度"], h2["低于序时进度"], h2["中选数量占比"], h2["非中选超中选"]) == (0, "是", 0, "是")
    h3 = progress["H3", "第一批"]  # not started: no schedule yet, no share without purchases
    assert (h3["序时进度"], h3["低于序时进度"], h3["中选数量占比"]) == (0, "否", "")
    ended = progress["H1", "第二批"]  # the line before the period and the one after the date do not count
    assert (ended["中选采购数量"], ended["序时进度"], ended["完成进度"], ended["低于序时进度"]) == (300, 1, 1, "否")
    on_schedule = progress["H4", "第一批"]  # 182/366 against 182/366: not behind
    assert (on_schedule["完成进度"], on_schedule["低于序时进度"]) == (0.4973, "否")


def test_demand_reports(report):
    checks = keyed(report[0]["报量核对"], "医疗机构编码", "带量批次")
    assert [checks["H1", "第二批"][k] for k in ("上一年度实际采购量", "变化率", "降幅超20%")] == [20, -0.2, "否"]
    h1 = checks["H1", "第一批"]
    assert (h1["变化率"], h1["降幅超20%"], h1["未报量仍采购非中选"]) == (-1, "是", "是")
    assert (checks["H4", "第一批"]["变化率"], checks["H4", "第一批"]["降幅超20%"]) == (-0.2001, "是")
    assert (checks["H2", "第一批"]["变化率"], checks["H2", "第一批"]["降幅超20%"]) == ("", "否")
    assert checks["H3", "第一批"]["变化率"] == -0.6667


def test_late_payments_count_from_day_31(report):
    late = [(row["订单编号"], row["逾期天数"]) for row in report[0]["逾期回款"]]
    assert late == [("L2", 1), ("L10", 30), ("L5", 1)]


def test_payment_rates(report):
    payments = keyed(report[0]["回款情况"], "医疗机构编码", "带量批次")
    assert set(payments) == {("H1", "第一批"), ("H1", "第二批"), ("H2", "第一批"), ("H4", "第一批")}
    assert [payments["H1", "第一批"][k] for k in ("入库金额", "30天内回款金额", "30天回款率")] == [4000, 2000, 0.5]
    assert [payments["H4", "第一批"][k] for k in ("入库金额", "30天内回款金额", "30天回款率")] == [1820, 0, 0]
    assert payments["H1", "第二批"]["30天回款率"] == 1


def test_delivery_per_distributor(report):
    delivery = keyed(report[0]["配送情况"], "配送企业")
    assert [delivery["国药",][k] for k in ("订单行数", "已配送行数", "配送率", "48小时内配送率")] == [6, 6, 1, 0.8333]
    assert [delivery["华润",][k] for k in ("订单行数", "已配送行数", "配送率", "48小时内配送率")] == [
        3,
        1,
        0.3333,
        0.3333,
    ]


def test_offline_purchases(report):
    assert [row["订单编号"] for row in report[0]["线下采购"]] == ["L3"]


def test_platform_data_per_year(report):
    platform = keyed(report[0]["平台数据"], "考核年度", "医疗机构编码", "带量批次")
    assert set(platform) == {
        (2023, "H1", "第二批"),
        (2024, "H1", "第一批"),
        (2024, "H1", "第二批"),
        (2024, "H2", "第一批"),
        (2024, "H3", "第一批"),
        (2024, "H4", "第一批"),
    }
    columns = ("约定采购量", "中选产品实际采购量", "同通用名产品采购总量", "非中选产品采购量")
    amounts = ("非中选产品使用金额", "线下采购金额", "入库金额", "30天内回款金额")
    assert [platform[2024, "H1", "第一批"][k] for k in columns + amounts] == [
        1000,
        400,
        500,
        100,
        1500,
        1500,
        4000,
        2000,
    ]
    assert [platform[2023, "H1", "第二批"][k] for k in columns + amounts] == [0, 20, 20, 0, 0, 0, 40, 40]
    assert [platform[2024, "H3", "第一批"][k] for k in columns] == [100, 0, 0, 0]


def test_cover_and_summary(report):
    sheets_read, result = report
    assert list(sheets_read) == [
        "说明",
        "采购进度",
        "报量核对",
        "逾期回款",
        "回款情况",
        "配送情况",
        "线下采购",
        "平台数据",
    ]
    cover = {row["项目"]: row["值"] for row in sheets_read["说明"]}
    assert cover["监测日期"] == AS_OF
    assert cover["订单行数（截至监测日期）"] == "9"  # L8 is after the date
    assert "低于序时进度 2 条" in result.out and "逾期回款 3 行" in result.out


def test_monitoring_date_defaults_to_today(tmp_path):
    source = write_csv_folder(tmp_path / "csv", sheets(as_text))
    assert run_vbp("monitor", source, "-o", tmp_path / "out.xlsx").code == 0
    cover = {row["项目"]: row["值"] for row in read_sheets(tmp_path / "out.xlsx")["说明"]}
    assert cover["监测日期"] == datetime.date.today().isoformat()
    # every date of the case is in the past today, so L8 counts too
    assert cover["订单行数（截至监测日期）"] == "10"
