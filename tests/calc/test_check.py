"""vbp calc --check: recompute a calculation workbook and name every stored figure that differs."""

import openpyxl


def calculated(tmp_path, seed, xlsx, vbp, rules="shanxi"):
    output = tmp_path / "out.xlsx"
    result = vbp("calc", xlsx(tmp_path / "in.xlsx", seed), "-o", output, "--rules", rules)
    assert result.code == 0, result.err
    return output


def edit(path, sheet, header, row, value):
    workbook = openpyxl.load_workbook(path)
    columns = {cell.value: cell.column_letter for cell in workbook[sheet][1]}
    workbook[sheet][f"{columns[header]}{row}"] = value
    workbook.save(path)
    return columns[header]


def test_a_workbook_vbp_calc_wrote_checks_clean(tmp_path, seed, xlsx, vbp):
    output = calculated(tmp_path, seed, xlsx, vbp)

    result = vbp("calc", "--check", output)

    assert result.code == 0, result.out
    assert "不一致 0 处" in result.out
    assert "山西" in result.out  # the rule set was taken from the workbook's 规则 sheet


def test_an_edited_amount_is_named_with_its_sheet_row_and_column(tmp_path, seed, xlsx, vbp):
    output = calculated(tmp_path, seed, xlsx, vbp)
    letter = edit(output, "品种明细", "留用金额", 2, -347000)
    pool_letter = edit(output, "分统筹区留用金额", "留用金额", 3, 1)

    result = vbp("calc", "--check", output)

    assert result.code == 1
    assert f"品种明细 第2行 {letter}（留用金额）列：表中为 -347000，重新计算为 -347835" in result.out
    assert f"分统筹区留用金额 第3行 {pool_letter}（留用金额）列：表中为 1，重新计算为" in result.out
    assert "不一致 2 处" in result.out


def test_an_edited_input_makes_the_stored_results_wrong(tmp_path, seed, xlsx, vbp):
    output = calculated(tmp_path, seed, xlsx, vbp)
    edit(output, "品种明细", "约定采购量", 2, 1600)

    result = vbp("calc", "--check", output)

    assert result.code == 1
    assert "品种明细 第2行" in result.out


def test_a_clerks_own_figures_typed_as_text_with_separators_are_compared_as_numbers(tmp_path, seed, xlsx, vbp):
    output = calculated(tmp_path, seed, xlsx, vbp)
    edit(output, "品种明细", "留用金额", 2, "-347,835")

    result = vbp("calc", "--check", output)

    assert result.code == 0, result.out


def test_rules_given_on_the_command_line_replace_the_workbooks_own(tmp_path, seed, xlsx, vbp):
    output = calculated(tmp_path, seed, xlsx, vbp, rules="shanxi")

    result = vbp("calc", "--check", output, "--rules", "default")

    assert result.code == 1
    assert "重新计算为 -347862.03" in result.out


def test_a_workbook_without_results_cannot_be_checked(tmp_path, seed, xlsx, vbp):
    result = vbp("calc", "--check", xlsx(tmp_path / "in.xlsx", seed))

    assert result.code == 1
    assert "没有可核对的测算结果列" in result.err
