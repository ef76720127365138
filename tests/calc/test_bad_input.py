"""Bad input: every problem at once, placed by sheet, Excel row and column; no output file; exit 1."""

import pytest


def run_bad(tmp_path, xlsx, vbp, sheets, **kwargs):
    output = tmp_path / "out.xlsx"
    result = vbp("calc", xlsx(tmp_path / "in.xlsx", sheets, **kwargs), "-o", output, "--rules", "shanxi")
    assert result.code == 1, result.out
    assert not output.exists()
    assert not list(tmp_path.glob("*.tmp*")), "a partial file was left behind"
    assert result.err.strip().endswith("未生成任何文件。")
    return result.problems


@pytest.mark.parametrize(
    ("header", "value", "message"),
    [
        ("约定采购量", "一千五", "实为“一千五”"),
        ("约定采购量", -1, "实为“-1”"),
        ("采购量基数", "", "不能为空"),
        ("中选价格", "abc", "实为“abc”"),
        ("综合得分", 120, "实为“120”"),
        ("医保基金平均支付比例", 170, "实为“170”"),
        ("非中选产品使用金额", "1.2.3", "实为“1.2.3”"),
    ],
)
def test_a_bad_cell_is_named_by_sheet_row_and_column(tmp_path, seed, xlsx, vbp, header, value, message):
    column = seed["品种明细"][0].index(header)
    seed["品种明细"][1][column] = value

    problems = run_bad(tmp_path, xlsx, vbp, seed)

    letter = "ABCDEFGHIJKL"[column]
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"品种明细 第2行 {letter}（{header}）列："), problems
    assert problems[0].endswith(message)


def test_every_problem_in_every_sheet_is_listed_at_once(tmp_path, seed, xlsx, vbp):
    seed["品种明细"][1][6] = "x"  # G 约定采购量
    seed["品种明细"][1][8] = ""  # I 中选价格
    seed["医疗机构"][1][2] = "很多"  # C 上一年度住院总人次
    seed["参保住院人次"][3][2] = -5  # C 住院人次, Excel row 4

    problems = run_bad(tmp_path, xlsx, vbp, seed)

    places = [problem.split("：")[0] for problem in problems]
    assert "品种明细 第2行 G（约定采购量）列" in places
    assert "品种明细 第2行 I（中选价格）列" in places
    assert "医疗机构 第2行 C（上一年度住院总人次）列" in places
    assert "参保住院人次 第4行 C（住院人次）列" in places


def test_a_missing_sheet_and_a_missing_column_are_named(tmp_path, seed, xlsx, vbp):
    del seed["参保住院人次"]
    seed["医疗机构"] = [row[:2] for row in seed["医疗机构"]]

    problems = run_bad(tmp_path, xlsx, vbp, seed)

    assert "参保住院人次：缺少工作表“参保住院人次”" in problems
    assert "医疗机构：缺少列“上一年度住院总人次”" in problems


def test_the_only_bad_row_last_of_thousands_is_found_with_its_row_number(tmp_path, seed, xlsx, vbp):
    header, row = seed["品种明细"]
    products = [header]
    for i in range(3000):
        product = list(row)
        product[3] = f"药品{i:04d}"
        products.append(product)
    products[-1][7] = "三千"  # H 采购量基数 of the last row, Excel row 3001
    seed["品种明细"] = products

    problems = run_bad(tmp_path, xlsx, vbp, seed)

    assert len(problems) == 1, problems
    assert problems[0].startswith("品种明细 第3001行 H（采购量基数）列：")
    assert problems[0].endswith("实为“三千”")


def test_row_numbers_count_a_title_and_blank_rows_above_the_header(tmp_path, seed, xlsx, vbp):
    seed["品种明细"][1][6] = "x"
    above = {"品种明细": [["2024年度集采结余留用测算表"], []]}

    problems = run_bad(tmp_path, xlsx, vbp, seed, above=above)

    assert len(problems) == 1
    assert problems[0].startswith("品种明细 第4行 G（约定采购量）列：")


def test_a_repeated_product_names_the_row_it_repeats(tmp_path, seed, xlsx, vbp):
    seed["品种明细"].append(list(seed["品种明细"][1]))

    problems = run_bad(tmp_path, xlsx, vbp, seed)

    assert len(problems) == 1
    assert problems[0].startswith("品种明细 第3行 ")
    assert problems[0].endswith("与第2行重复")


def test_links_between_sheets_are_checked(tmp_path, seed, xlsx, vbp):
    seed["品种明细"][1][0] = "P002"  # a hospital with no total visits
    seed["参保住院人次"][1][2] = 200000  # now more pooled visits than P001's total
    seed["参保住院人次"].append(["P009", "太原市", 3])  # a hospital not in 医疗机构

    problems = run_bad(tmp_path, xlsx, vbp, seed)

    text = "\n".join(problems)
    assert "品种明细 第2行 A（医疗机构编码）列：医疗机构 P002 在“医疗机构”表中没有上一年度住院总人次" in text
    assert "参保住院人次 第14行 A（医疗机构编码）列：医疗机构 P009 不在“医疗机构”表中" in text


def test_pooled_visits_above_the_hospitals_total_are_refused(tmp_path, seed, xlsx, vbp):
    seed["参保住院人次"][1][2] = 200000

    problems = run_bad(tmp_path, xlsx, vbp, seed)

    assert len(problems) == 1
    assert problems[0].startswith("医疗机构 第2行 C（上一年度住院总人次）列：")


def test_a_file_that_is_not_a_workbook_is_refused_without_output(tmp_path, vbp):
    bogus = tmp_path / "in.xlsx"
    bogus.write_bytes(b"not a zip")
    output = tmp_path / "out.xlsx"

    result = vbp("calc", bogus, "-o", output)

    assert result.code == 1
    assert "无法读取工作簿" in result.err
    assert not output.exists()


def test_an_existing_output_is_left_as_it_was_on_bad_input(tmp_path, seed, xlsx, vbp):
    output = tmp_path / "out.xlsx"
    output.write_bytes(b"last year's results")
    seed["品种明细"][1][6] = "x"

    result = vbp("calc", xlsx(tmp_path / "in.xlsx", seed), "-o", output)

    assert result.code == 1
    assert output.read_bytes() == b"last year's results"


def test_an_unknown_rule_set_is_a_usage_error(tmp_path, seed, xlsx, vbp):
    result = vbp("calc", xlsx(tmp_path / "in.xlsx", seed), "-o", tmp_path / "out.xlsx", "--rules", "nowhere")

    assert result.code == 2
    assert not (tmp_path / "out.xlsx").exists()


def test_a_rules_sheet_whose_definition_is_not_json_is_a_usage_error(tmp_path, seed, xlsx, vbp):
    seed["规则"] = [["项目", "值"], ["考核方案", "shanxi"], ["定义", '{"id": "shanxi", broken']]
    workbook = xlsx(tmp_path / "in.xlsx", seed)

    for argv in (("calc", workbook, "-o", tmp_path / "out.xlsx"), ("calc", "--check", workbook)):
        result = vbp(*argv)
        assert result.code == 2, result
        assert "“规则”表中“定义”不是有效的 JSON" in result.err
    assert not (tmp_path / "out.xlsx").exists()


def test_an_empty_hospital_code_is_reported_once(tmp_path, seed, xlsx, vbp):
    seed["品种明细"][1][0] = ""

    problems = run_bad(tmp_path, xlsx, vbp, seed)

    assert problems == ["品种明细 第2行 A（医疗机构编码）列：不能为空"]
