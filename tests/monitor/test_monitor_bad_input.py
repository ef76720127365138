"""`vbp monitor` on bad input: every bad cell named by sheet, row and column; no file written."""

from __future__ import annotations

import pytest

from tests.monitor.conftest import (
    AGREEMENT_HEADER,
    ORDER_HEADER,
    REPORT_HEADER,
    run_vbp,
    write_csv_folder,
    write_xlsx,
)
from vbp.cli import main

GOOD_LINE = ["L1", "H1", "第一批", "阿莫西林", "是", "国药", "线上", "10", "100.00", "2024-01-10", "", "", "", ""]
GOOD_AGREEMENT = ["H1", "第一批", "阿莫西林", "100", "2024-01-01", "2024-12-31"]


def line(**changes) -> list[str]:
    row = list(GOOD_LINE)
    for header, value in changes.items():
        row[ORDER_HEADER.index(header)] = value
    return row


def run(tmp_path, sheets):
    output = tmp_path / "out.xlsx"
    result = run_vbp("monitor", write_csv_folder(tmp_path / "in", sheets), "-o", output, "--as-of", "2024-06-30")
    assert result.code == 1
    assert not output.exists()
    return result.err.splitlines()


@pytest.mark.parametrize(
    ("header", "value", "column", "message"),
    [
        ("采购数量", "-5", "H（采购数量）", "应为≥ 0 的整数，实为“-5”"),
        ("采购数量", "1.5", "H（采购数量）", "应为≥ 0 的整数"),
        ("采购数量", "²", "H（采购数量）", "应为≥ 0 的整数，实为“²”"),
        ("采购数量", "9" * 30, "H（采购数量）", "应为≥ 0 的整数"),
        ("采购数量", "1e30", "H（采购数量）", "应为≥ 0 的整数"),
        ("采购金额", "1.234", "I（采购金额）", "最多两位小数"),
        ("采购金额", "NaN", "I（采购金额）", "应为≥ 0 的金额"),
        ("采购金额", "", "I（采购金额）", "不能为空"),
        ("下单日期", "2023-02-29", "J（下单日期）", "应为日期"),
        ("下单日期", "明天", "J（下单日期）", "应为日期"),
        ("下单日期", "99999-01-01", "J（下单日期）", "应为日期"),
        ("是否中选", "Y", "E（是否中选）", "应为“是”或“否”，实为“Y”"),
        ("采购方式", "网上", "G（采购方式）", "应为“线上”或“线下”"),
        ("订单编号", "", "A（订单编号）", "不能为空"),
        ("配送企业", "企" * 101, "F（配送企业）", "不能超过 100 个字"),
        ("配送日期", "2024-01-09", "K（配送日期）", "配送日期早于下单日期"),
    ],
)
def test_each_bad_cell_is_named(tmp_path, header, value, column, message):
    problems = run(
        tmp_path,
        {
            "订单明细": [ORDER_HEADER, line(), line(**{"订单编号": "L2", header: value})],
            "约定采购量": [AGREEMENT_HEADER, GOOD_AGREEMENT],
        },
    )
    assert len(problems) == 2, problems
    assert problems[0].startswith(f"订单明细 第3行 {column}列：")
    assert message in problems[0]
    assert problems[1] == "共 1 处问题，未生成任何文件。"


def test_every_problem_at_once(tmp_path):
    problems = run(
        tmp_path,
        {
            "订单明细": [
                ORDER_HEADER,
                line(),
                line(),  # the same 订单编号 and 医疗机构编码 again
                line(**{"订单编号": "L3", "入库日期": "2024-02-01"}),  # received, but no amount
                line(**{"订单编号": "L4", "入库金额": "5"}),  # an amount, but no date
                line(**{"订单编号": "L5", "采购数量": "x", "采购金额": "y"}),
            ],
            "约定采购量": [
                AGREEMENT_HEADER,
                GOOD_AGREEMENT,
                ["H2", "第一批", "阿莫西林", "5", "2024-12-31", "2024-01-01"],
            ],
            "报量": [REPORT_HEADER, ["H9", "第一批", "阿莫西林", "3"]],
        },
    )
    # the row checks of a sheet wait for its cells (L3, L4), those across sheets for all of them (报量)
    assert problems[-1] == "共 4 处问题，未生成任何文件。"
    text = "\n".join(problems)
    assert "订单明细 第3行 A（订单编号）、B（医疗机构编码）列：订单编号、医疗机构编码与第2行重复" in text
    assert "订单明细 第6行 H（采购数量）列" in text and "订单明细 第6行 I（采购金额）列" in text
    assert "约定采购量 第3行 F（执行结束日期）列：执行结束日期早于执行开始日期" in text


def test_row_checks(tmp_path):
    problems = run(
        tmp_path,
        {
            "订单明细": [
                ORDER_HEADER,
                line(**{"入库日期": "2024-02-01"}),
                line(**{"订单编号": "L4", "入库金额": "5"}),
            ],
            "约定采购量": [AGREEMENT_HEADER, GOOD_AGREEMENT],
        },
    )
    assert problems == [
        "订单明细 第2行 M（入库金额）列：已填入库日期，入库金额不能为空",
        "订单明细 第3行 L（入库日期）列：已填入库金额，入库日期不能为空",
        "共 2 处问题，未生成任何文件。",
    ]


def test_a_report_needs_its_agreement(tmp_path):
    problems = run(
        tmp_path,
        {
            "订单明细": [ORDER_HEADER, line()],
            "约定采购量": [AGREEMENT_HEADER, GOOD_AGREEMENT],
            "报量": [REPORT_HEADER, ["H1", "第一批", "阿莫西林", "3"], ["H9", "第一批", "阿莫西林", "3"]],
        },
    )
    assert problems == [
        "报量 第3行 C（药品通用名）列：“约定采购量”表中没有 H9 第一批 阿莫西林 的约定采购量（报量核对要用它的执行期）",
        "共 1 处问题，未生成任何文件。",
    ]


def test_missing_sheets_and_columns(tmp_path):
    problems = run(tmp_path, {"订单明细": [ORDER_HEADER[:-1], GOOD_LINE[:-1]]})
    assert "订单明细：缺少列“支付日期”" in problems
    assert "约定采购量：缺少工作表“约定采购量”" in problems


def test_not_a_workbook(tmp_path):
    fake = tmp_path / "input.xlsx"
    fake.write_bytes(b"PK\x03\x04 not really a zip")
    result = run_vbp("monitor", fake, "-o", tmp_path / "out.xlsx")
    assert result.code == 1 and "无法读取工作簿" in result.err
    assert not (tmp_path / "out.xlsx").exists()


def test_broken_parquet_file(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "订单明细.parquet").write_bytes(b"PAR1 broken")
    result = run_vbp("monitor", folder, "-o", tmp_path / "out.xlsx")
    assert result.code == 1 and "订单明细.parquet：无法读取文件" in result.err


def test_a_workbook_bomb_is_refused_before_parsing(tmp_path):
    """One cell at XFD1048576 declares a sheet of 17 billion cells: refused by the guard, not parsed."""
    source = write_xlsx(tmp_path / "bomb.xlsx", {"订单明细": [ORDER_HEADER]})
    import openpyxl

    workbook = openpyxl.load_workbook(source)
    workbook["订单明细"]["XFD1048576"] = "x"
    workbook.save(source)
    result = run_vbp("monitor", source, "-o", tmp_path / "out.xlsx")
    assert result.code == 1 and "未生成任何文件" in result.err
    assert not (tmp_path / "out.xlsx").exists()


@pytest.mark.parametrize("as_of", ["2024-02-30", "昨天", "20240101x"])
def test_bad_monitoring_date(tmp_path, as_of, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["monitor", str(tmp_path), "-o", str(tmp_path / "out.xlsx"), "--as-of", as_of])
    assert exit_info.value.code == 2
    assert "不是日期" in capsys.readouterr().err


def test_output_must_be_xlsx(tmp_path):
    result = run_vbp("monitor", tmp_path, "-o", tmp_path / "out.csv")
    assert result.code == 2 and "应以 .xlsx 结尾" in result.err
