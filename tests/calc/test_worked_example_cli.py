"""The worked example of seed 000 §3.1 through ``vbp calc`` on real files (docs/calculator.md)."""

import csv
from decimal import Decimal

import openpyxl
import pytest

ONE_VISIT_CITIES = ("临汾市", "晋中市", "晋城市", "大同市", "长治市")


def shown(value: float) -> Decimal:
    """A numeric cell as the decimal it shows: the writer stores the double nearest the exact amount."""
    return Decimal(repr(value))


def test_shanxi_rules_give_the_seeds_minus_347835_retained_and_payable(tmp_path, seed, xlsx, vbp_calc):
    book = vbp_calc(xlsx(tmp_path / "in.xlsx", seed), tmp_path / "out.xlsx", "shanxi")

    [row] = book.records("品种明细")
    assert row["留用金额"] == -347835
    assert row["应留用金额"] == -347835
    assert row["参保患者使用量占比"] == 0.7611
    assert row["结余测算基数"] == -914031.3
    assert row["医保资金预算"] == 271733.7
    assert row["实际医保支出"] == 1185765
    assert row["结余留用比例"] == 0.5
    assert row["否决"] == "否"


def test_shanxi_pools_add_up_exactly_to_the_rows_amount(tmp_path, seed, xlsx, vbp_calc):
    book = vbp_calc(xlsx(tmp_path / "in.xlsx", seed), tmp_path / "out.xlsx", "shanxi")

    pools = {record["统筹区"]: record for record in book.records("分统筹区留用金额")}
    assert len(pools) == 12
    assert sum(shown(record["留用金额"]) for record in pools.values()) == -347835
    assert all(shown(record["留用金额"]) == shown(record["留用金额"]).to_integral_value() for record in pools.values())
    assert pools["省直"]["参保患者使用量占比"] == 0.5
    assert pools["省直"]["留用金额"] == -228508
    assert pools["朔州市"]["参保患者使用量占比"] == 0.0011
    for city in ONE_VISIT_CITIES:  # 1 of 100000 visits is cut to a 0 share and gets nothing
        assert pools[city]["参保患者使用量占比"] == 0
        assert pools[city]["留用金额"] == 0
    assert {record["医疗机构编码"] for record in pools.values()} == {"P001"}


def test_shanxi_summary_totals_the_hospitals_rounded_amounts(tmp_path, seed, xlsx, vbp, read):
    result = vbp("calc", xlsx(tmp_path / "in.xlsx", seed), "-o", tmp_path / "out.xlsx", "--rules", "shanxi")

    assert result.code == 0
    assert "留用金额合计 -347,835，应留用金额合计 -347,835" in result.out
    [summary] = read(tmp_path / "out.xlsx").records("汇总")
    assert summary == {
        "医疗机构编码": "P001",
        "医疗机构名称": "山西省人民医院",
        "品种数": 1,
        "留用金额合计": -347835,
        "应留用金额合计": -347835,
    }


def test_default_rules_keep_the_full_share_and_pay_nothing_on_a_negative_amount(tmp_path, seed, xlsx, vbp_calc):
    book = vbp_calc(xlsx(tmp_path / "in.xlsx", seed), tmp_path / "out.xlsx", "default")

    [row] = book.records("品种明细")
    assert shown(row["留用金额"]) == Decimal("-347862.03")
    assert row["应留用金额"] == 0
    assert row["参保患者使用量占比"] == 0.76116
    pools = book.records("分统筹区留用金额")
    assert sum(shown(record["留用金额"]) for record in pools) == Decimal("-347862.03")
    [summary] = book.records("汇总")
    assert shown(summary["留用金额合计"]) == Decimal("-347862.03")
    assert summary["应留用金额合计"] == 0


@pytest.mark.parametrize(("rules", "money_format"), [("shanxi", "#,##0"), ("default", "#,##0.00")])
def test_amount_cells_are_numbers_shown_with_the_rule_sets_decimals(
    tmp_path, seed, xlsx, vbp_calc, rules, money_format
):
    vbp_calc(xlsx(tmp_path / "in.xlsx", seed), tmp_path / "out.xlsx", rules)

    workbook = openpyxl.load_workbook(tmp_path / "out.xlsx")
    amounts = {
        "品种明细": ["医保资金预算", "实际医保支出", "结余测算基数", "留用金额", "应留用金额"],
        "分统筹区留用金额": ["留用金额"],
        "汇总": ["留用金额合计", "应留用金额合计"],
    }
    for sheet_name, headers in amounts.items():
        sheet = workbook[sheet_name]
        columns = {cell.value: cell.column_letter for cell in sheet[1]}
        for header in headers:
            cells = sheet[columns[header]][1:]
            assert cells, (sheet_name, header)
            for cell in cells:
                assert cell.data_type == "n", (sheet_name, cell.coordinate, cell.value)
                assert isinstance(cell.value, int | float), (sheet_name, cell.coordinate, cell.value)
                assert cell.number_format == money_format, (sheet_name, cell.coordinate)
    assert workbook["品种明细"]["N2"].value == "否"  # 否决 is text


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8"], ids=["with-bom", "without-bom"])
@pytest.mark.parametrize("rules", ["shanxi", "default"])
def test_a_csv_folder_gives_the_same_workbook_as_the_xlsx(tmp_path, seed, xlsx, vbp_calc, encoding, rules):
    folder = tmp_path / "csv"
    folder.mkdir()
    for name, rows in seed.items():
        with open(folder / f"{name}.csv", "w", encoding=encoding, newline="") as stream:
            csv.writer(stream).writerows(rows)

    from_csv = vbp_calc(folder, tmp_path / "from_csv.xlsx", rules)
    from_xlsx = vbp_calc(xlsx(tmp_path / "in.xlsx", seed), tmp_path / "from_xlsx.xlsx", rules)

    assert from_csv.sheets == from_xlsx.sheets
    [row] = from_csv.records("品种明细")
    assert shown(row["留用金额"]) == (Decimal(-347835) if rules == "shanxi" else Decimal("-347862.03"))
