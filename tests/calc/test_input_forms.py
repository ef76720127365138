"""What a clerk's workbook may look like: any header order, extra columns, numbers typed as text."""

import datetime

import pytest

RESULTS = [
    "结余留用比例",
    "否决",
    "医保资金预算",
    "实际医保支出",
    "结余测算基数",
    "参保患者使用量占比",
    "留用金额",
    "应留用金额",
]


def reorder(rows: list[list], order: list[int]) -> list[list]:
    return [[row[i] for i in order] for row in rows]


def with_column(rows: list[list], position: int, header: str, values: list) -> list[list]:
    return [[*row[:position], value, *row[position:]] for row, value in zip(rows, [header, *values], strict=True)]


def test_headers_in_any_order_give_the_same_figures(tmp_path, seed, xlsx, vbp_calc):
    plain = vbp_calc(xlsx(tmp_path / "plain.xlsx", seed), tmp_path / "plain_out.xlsx", "shanxi")
    shuffled = {
        "品种明细": reorder(seed["品种明细"], [11, 3, 9, 0, 7, 5, 1, 10, 2, 6, 4, 8]),
        "医疗机构": reorder(seed["医疗机构"], [2, 1, 0]),
        "参保住院人次": reorder(seed["参保住院人次"], [2, 0, 1]),
    }
    book = vbp_calc(xlsx(tmp_path / "shuffled.xlsx", shuffled), tmp_path / "shuffled_out.xlsx", "shanxi")

    [row] = book.records("品种明细")
    [expected] = plain.records("品种明细")
    assert row == expected  # same values under the same headers
    assert book.sheets["品种明细"][0][:12] == shuffled["品种明细"][0]  # the input's own column order is kept
    assert book.sheets["品种明细"][0][12:] == RESULTS
    assert book.sheets["分统筹区留用金额"] == plain.sheets["分统筹区留用金额"]
    assert book.sheets["汇总"] == plain.sheets["汇总"]


def test_extra_columns_are_carried_through_untouched(tmp_path, seed, xlsx, vbp_calc, read):
    products = with_column(seed["品种明细"], 0, "序号", [7])
    products = with_column(products, 5, "备注", ["含税价"])
    products = with_column(products, 9, "编号", ["007"])
    products = with_column(products, len(products[0]), "上报日期", [datetime.date(2024, 3, 31)])
    hospitals = with_column(seed["医疗机构"], 1, "等级", ["三级甲等"])
    visits = with_column(seed["参保住院人次"], 3, "说明", [f"第{i}行" for i in range(12)])
    inputs = {"品种明细": products, "医疗机构": hospitals, "参保住院人次": visits}

    book = vbp_calc(xlsx(tmp_path / "in.xlsx", inputs), tmp_path / "out.xlsx", "shanxi")

    given = read(tmp_path / "in.xlsx")
    assert book.sheets["品种明细"][0] == [*products[0], *RESULTS]
    [row] = book.records("品种明细")
    [given_row] = given.records("品种明细")
    for header in ("序号", "备注", "编号", "上报日期"):
        assert row[header] == given_row[header]
        assert type(row[header]) is type(given_row[header]), header
    assert row["编号"] == "007"
    assert row["上报日期"] == datetime.date(2024, 3, 31)
    assert row["留用金额"] == -347835
    assert book.sheets["医疗机构"] == given.sheets["医疗机构"]
    assert book.sheets["参保住院人次"] == given.sheets["参保住院人次"]


def test_an_extra_column_with_text_below_a_thousand_numbers_keeps_its_text(tmp_path, seed, xlsx, vbp_calc):
    """The reader once typed extra columns from their first 1000 cells and emptied the text further down."""
    header, row = seed["品种明细"]
    products = [[*header, "备注"]]
    for i in range(1100):
        product = list(row)
        product[3] = f"药品{i:04d}"
        products.append([*product, i if i < 1050 else f"备注{i}"])
    inputs = {**seed, "品种明细": products}

    book = vbp_calc(xlsx(tmp_path / "in.xlsx", inputs), tmp_path / "out.xlsx", "shanxi")

    notes = {record["药品通用名"]: record["备注"] for record in book.records("品种明细")}
    assert notes["药品1050"] == "备注1050"
    assert notes["药品1099"] == "备注1099"
    assert float(notes["药品0007"]) == 7  # a column of numbers and text can only be text, but keeps its values


@pytest.mark.parametrize(
    ("header", "text"),
    [
        ("约定采购量", "1,500"),
        ("采购量基数", " 3000 "),
        ("采购量基数", "3,000.00"),
        ("非中选产品使用金额", "1,494,450.000"),
        ("非中选产品使用金额", "1，494，450"),
        ("医保基金平均支付比例", "70%"),
        ("医保基金平均支付比例", " 70 "),
        ("综合得分", "100"),
        ("加权平均价", "+129.397"),
    ],
)
def test_numbers_given_as_text_count_as_those_numbers(tmp_path, seed, xlsx, vbp_calc, header, text):
    column = seed["品种明细"][0].index(header)
    seed["品种明细"][1][column] = text

    book = vbp_calc(xlsx(tmp_path / "in.xlsx", seed), tmp_path / "out.xlsx", "shanxi")

    [row] = book.records("品种明细")
    assert row["留用金额"] == -347835
    assert isinstance(row[header], float)  # written back as a number


def test_visits_and_totals_given_as_text_count_as_numbers(tmp_path, seed, xlsx, vbp_calc):
    seed["医疗机构"][1][2] = "100,000"
    seed["参保住院人次"][1][2] = " 50000 "

    book = vbp_calc(xlsx(tmp_path / "in.xlsx", seed), tmp_path / "out.xlsx", "shanxi")

    assert book.records("品种明细")[0]["留用金额"] == -347835
    assert book.records("医疗机构")[0]["上一年度住院总人次"] == 100000


def test_a_payment_ratio_cell_holding_0_7_shown_as_percent_counts_as_70(tmp_path, seed, xlsx, vbp_calc):
    seed["品种明细"][1][11] = 0.7

    book = vbp_calc(
        xlsx(tmp_path / "in.xlsx", seed, number_formats={("品种明细", "L2"): "0%"}), tmp_path / "out.xlsx", "shanxi"
    )

    [row] = book.records("品种明细")
    assert row["医保基金平均支付比例"] == 70
    assert row["医保资金预算"] == 271733.7
    assert row["留用金额"] == -347835


def test_hospital_codes_typed_as_numbers_match_across_sheets(tmp_path, seed, xlsx, vbp_calc):
    seed["品种明细"][1][0] = 1001
    seed["医疗机构"][1][0] = 1001
    for row in seed["参保住院人次"][1:]:
        row[0] = 1001

    book = vbp_calc(xlsx(tmp_path / "in.xlsx", seed), tmp_path / "out.xlsx", "shanxi")

    assert book.records("汇总")[0]["医疗机构编码"] == "1001"
    assert book.records("品种明细")[0]["留用金额"] == -347835


def test_blank_rows_between_products_are_ignored(tmp_path, seed, xlsx, vbp_calc):
    header, row = seed["品种明细"]
    second = list(row)
    second[3] = "另一药品"
    seed["品种明细"] = [header, row, [], [None] * len(row), second]

    book = vbp_calc(xlsx(tmp_path / "in.xlsx", seed), tmp_path / "out.xlsx", "shanxi")

    assert [record["药品通用名"] for record in book.records("品种明细")] == ["盐酸右美托咪定注射液", "另一药品"]
    assert book.records("汇总")[0]["留用金额合计"] == 2 * -347835
