"""Sheets longer than Excel allows continue on 名称2, 名称3…; the calculator reads each family back as one sheet."""


def split_products(seed, rows_per_sheet):
    """The seed's product row repeated under ten generic names, on sheets of at most ``rows_per_sheet`` rows."""
    header, row = seed["品种明细"]
    products = [[*row[:3], f"{row[3]}{index}", *row[4:]] for index in range(10)]
    parts = [products[start : start + rows_per_sheet] for start in range(0, len(products), rows_per_sheet)]
    names = ["品种明细", *(f"品种明细{number}" for number in range(2, len(parts) + 1))]
    sheets = {name: [header, *part] for name, part in zip(names, parts, strict=True)}
    return {**sheets, "医疗机构": seed["医疗机构"], "参保住院人次": seed["参保住院人次"]}


def test_products_continued_on_further_sheets_are_all_computed(tmp_path, seed, xlsx, vbp_calc):
    book = vbp_calc(xlsx(tmp_path / "in.xlsx", split_products(seed, 4)), tmp_path / "out.xlsx", "shanxi")

    rows = book.records("品种明细")
    assert [row["药品通用名"] for row in rows] == [f"盐酸右美托咪定注射液{index}" for index in range(10)]
    assert {row["留用金额"] for row in rows} == {-347835}
    assert len(book.records("分统筹区留用金额")) == 120
    [summary] = book.records("汇总")
    assert summary["品种数"] == 10


def test_a_problem_on_a_continuation_sheet_names_that_sheet_and_its_own_row(tmp_path, seed, xlsx, vbp):
    sheets = split_products(seed, 4)
    sheets["品种明细3"][2][6] = "一千五"  # G 约定采购量 of the continuation's second data row
    sheets["品种明细2"][1][3] = sheets["品种明细"][1][3]  # repeats the first sheet's first row

    result = vbp("calc", xlsx(tmp_path / "in.xlsx", sheets), "-o", tmp_path / "out.xlsx")

    assert result.code == 1
    assert result.problems == [
        "品种明细2 第2行 A（医疗机构编码）、C（带量批次）、D（药品通用名）列："
        "医疗机构编码、带量批次、药品通用名与“品种明细”第2行重复",
        "品种明细3 第3行 G（约定采购量）列：应为≥ 0 的数字，实为“一千五”",
    ]


def test_a_sheet_that_does_not_follow_on_is_not_read_as_a_continuation(tmp_path, seed, xlsx, vbp_calc):
    sheets = split_products(seed, 4)
    sheets["品种明细4"] = sheets.pop("品种明细3")  # 品种明细3 missing: 品种明细4 is some other sheet

    book = vbp_calc(xlsx(tmp_path / "in.xlsx", sheets), tmp_path / "out.xlsx", "shanxi")

    assert len(book.records("品种明细")) == 8
