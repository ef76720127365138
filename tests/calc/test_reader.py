"""The reader: the header row found from the sheet's XML as calamine would find it; number columns read once."""

import fastexcel
import polars as pl
import pytest

from bench.generate_workbook import generate
from vbp.calc import reader
from vbp.calc.run import KNOWN_HEADERS, TEXT_HEADERS
from vbp.calc.writer import Sheet, write_workbook


def both_ways(path):
    """Each sheet's header as found from the first rows in the XML, and as found from calamine's probe."""
    workbook = fastexcel.read_excel(path)
    starts = reader._sheet_starts(path, workbook.sheet_names)
    assert set(starts) == set(workbook.sheet_names)
    for name in workbook.sheet_names:
        from_xml = reader._find_header(starts[name][1], KNOWN_HEADERS, TEXT_HEADERS)
        from_calamine = reader._find_header(reader._probe_rows(workbook, name), KNOWN_HEADERS, TEXT_HEADERS)
        yield name, from_xml, from_calamine


def test_shared_strings_a_title_and_blank_rows_give_the_header_calamine_gives(tmp_path, seed, xlsx):
    above = {"品种明细": [["2024年度集采结余留用测算表"], [], [None, "说明"]], "医疗机构": [[], []]}
    path = xlsx(tmp_path / "in.xlsx", seed, above=above)  # openpyxl: shared strings

    found = {name: from_xml for name, from_xml, from_calamine in both_ways(path) if from_xml == from_calamine}

    assert set(found) == {"品种明细", "医疗机构", "参保住院人次"}
    assert found["品种明细"][0] == 3
    assert found["品种明细"][1] == [0, 1, 2, 3, 4]  # codes and names, read as text
    assert found["品种明细"][2] == list(range(5, 12))  # numbers, read natively
    assert found["医疗机构"][0] == 2


def test_inline_strings_give_the_header_calamine_gives(tmp_path):
    generated = tmp_path / "generated.xlsx"
    generate(generated, rows=50, seed=1, hospitals=3, fmt="xlsx")  # rust_xlsxwriter: inline strings
    ours = tmp_path / "ours.xlsx"
    write_workbook(ours, [Sheet("汇总", pl.DataFrame({"标题": ["x"], "医疗机构编码": ["H1"]}))])

    for path in (generated, ours):
        for name, from_xml, from_calamine in both_ways(path):
            assert from_xml == from_calamine, name


def test_a_sheet_the_xml_reading_cannot_find_is_read_through_calamine(tmp_path, seed, xlsx, monkeypatch):
    path = xlsx(tmp_path / "in.xlsx", seed)
    direct, _ = reader.read_input(path, KNOWN_HEADERS, TEXT_HEADERS)
    monkeypatch.setattr(reader, "_sheet_starts", lambda path, names: {})

    probed, problems = reader.read_input(path, KNOWN_HEADERS, TEXT_HEADERS)

    assert not problems
    assert set(probed) == set(direct)
    for name, sheet in probed.items():
        # without the XML scan for booleans, known number columns are read as text: the same numbers
        assert sheet.frame.columns == direct[name].frame.columns
        assert sheet.letters == direct[name].letters


def test_only_the_sheets_asked_for_are_read(tmp_path, seed, xlsx):
    seed["旧结果"] = [["留用金额"], [1]]
    path = xlsx(tmp_path / "in.xlsx", seed)

    sheets, _ = reader.read_input(path, KNOWN_HEADERS, TEXT_HEADERS, ["品种明细", "医疗机构"])

    assert set(sheets) == {"品种明细", "医疗机构"}


def test_number_columns_are_read_natively_unless_one_holds_a_boolean(tmp_path, seed, xlsx):
    seed["品种明细"] = [[*seed["品种明细"][0], "已核对"], [*seed["品种明细"][1], True]]
    path = xlsx(tmp_path / "in.xlsx", seed)

    sheets, _ = reader.read_input(path, KNOWN_HEADERS, TEXT_HEADERS)

    schema = sheets["品种明细"].frame.schema
    assert schema["医疗机构编码"] == pl.String
    assert schema["约定采购量"] == pl.Float64
    assert schema["已核对"] == pl.Boolean  # an extra column keeps its type
    assert reader._boolean_columns(path, "xl/worksheets/sheet1.xml") == {12}


@pytest.mark.parametrize("value", [True, False])
def test_a_boolean_in_a_number_column_is_refused_as_before(tmp_path, seed, xlsx, vbp, value):
    seed["品种明细"][1][6] = value  # G 约定采购量
    output = tmp_path / "out.xlsx"

    result = vbp("calc", xlsx(tmp_path / "in.xlsx", seed), "-o", output, "--rules", "shanxi")

    assert result.code == 1
    assert result.problems == [f"品种明细 第2行 G（约定采购量）列：应为≥ 0 的数字，实为“{str(value).lower()}”"]
    assert not output.exists()
