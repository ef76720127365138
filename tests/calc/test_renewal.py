"""The optional column 接续批次: a renewal batch retains only when the rule set says so (docs/domain.md)."""

import json

import openpyxl
import pytest

from vbp.presets import load_preset


def with_renewal(seed, *values):
    """The seed with a 接续批次 column (M) and one product row per value, each its own generic name."""
    header, row = seed["品种明细"]
    products = [[*header, "接续批次"]]
    for index, value in enumerate(values):
        product = list(row)
        product[3] = f"{row[3]}{index}"
        products.append([*product, value])
    return {**seed, "品种明细": products}


def rules_file(tmp_path, preset, **changes):
    path = tmp_path / f"{preset}-changed.json"
    path.write_text(json.dumps({**load_preset(preset).source, **changes}, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(("value", "shown"), [("是的", "是的"), ("Y", "Y"), (1, "1"), (True, "true")])
def test_a_value_other_than_yes_or_no_is_named_by_sheet_row_and_column(tmp_path, seed, xlsx, vbp, value, shown):
    output = tmp_path / "out.xlsx"

    result = vbp("calc", xlsx(tmp_path / "in.xlsx", with_renewal(seed, "否", value)), "-o", output)

    assert result.code == 1
    assert result.problems == [f"品种明细 第3行 M（接续批次）列：应为“是”或“否”，实为“{shown}”"]
    assert not output.exists()


def test_a_renewal_row_retains_nothing_under_shanxi(tmp_path, seed, xlsx, vbp_calc):
    book = vbp_calc(xlsx(tmp_path / "in.xlsx", with_renewal(seed, "是", "否", "")), tmp_path / "out.xlsx", "shanxi")

    renewal, first_round, empty = book.records("品种明细")
    assert (renewal["接续批次"], renewal["结余留用比例"], renewal["留用金额"], renewal["应留用金额"]) == ("是", 0, 0, 0)
    assert renewal["结余测算基数"] == -914031.3  # the budget figures are still worked out, for monitoring
    assert renewal["否决"] == "否"
    assert (first_round["接续批次"], first_round["留用金额"]) == ("否", -347835)
    assert (empty["接续批次"], empty["留用金额"]) == ("否", -347835)  # an empty cell means 否
    pools = [pool for pool in book.records("分统筹区留用金额") if pool["药品通用名"] == renewal["药品通用名"]]
    assert len(pools) == 12
    assert all(pool["留用金额"] == 0 for pool in pools)
    [summary] = book.records("汇总")
    assert summary["留用金额合计"] == 2 * -347835


def test_a_renewal_row_retains_under_a_rule_set_that_lets_renewals_retain(tmp_path, seed, xlsx, vbp_calc):
    rules = rules_file(tmp_path, "shanxi", renewal_retains=True)

    book = vbp_calc(xlsx(tmp_path / "in.xlsx", with_renewal(seed, "是")), tmp_path / "out.xlsx", rules)

    [row] = book.records("品种明细")
    assert (row["接续批次"], row["结余留用比例"], row["留用金额"]) == ("是", 0.5, -347835)


@pytest.mark.parametrize("engine", ["rows", "vectorized"])
def test_both_engines_honour_the_column(tmp_path, seed, xlsx, vbp_calc, engine):
    inputs = xlsx(tmp_path / "in.xlsx", with_renewal(seed, "是", "否"))

    book = vbp_calc(inputs, tmp_path / "out.xlsx", "default", engine)

    assert [row["留用金额"] for row in book.records("品种明细")] == [0, -347862.03]


def test_a_workbook_with_renewal_rows_checks_clean_and_an_edited_flag_is_caught(tmp_path, seed, xlsx, vbp):
    output = tmp_path / "out.xlsx"
    vbp("calc", xlsx(tmp_path / "in.xlsx", with_renewal(seed, "是", "否")), "-o", output, "--rules", "shanxi")

    assert vbp("calc", "--check", output).code == 0

    workbook = openpyxl.load_workbook(output)
    columns = {cell.value: cell.column_letter for cell in workbook["品种明细"][1]}
    workbook["品种明细"][f"{columns['接续批次']}2"] = "否"
    workbook.save(output)
    result = vbp("calc", "--check", output)

    assert result.code == 1
    assert f"品种明细 第2行 {columns['留用金额']}（留用金额）列：表中为 0，重新计算为 -347835" in result.out
