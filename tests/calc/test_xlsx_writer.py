"""The workbook writer (vbp.calc.xlsx behind vbp.calc.writer): every cell read back as it was written."""

import datetime
import random
import re
import struct
import zipfile
import zlib
from decimal import Decimal

import openpyxl
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vbp.calc import xlsx
from vbp.calc.validate import displayed_number
from vbp.calc.writer import Sheet, write_workbook

TEXTS = [
    "a&b<c>",
    " leading",
    "trailing ",
    "\x01control",
    "_x0041_",
    "中文",
    None,
    "x" * 32_767,
    "cr\r\nlf\r",
    "tab\there",
]


DECIMALS = [
    Decimal("1.50"), Decimal("-347835"), None, Decimal("0.1"), Decimal("123456789012.345"), Decimal(0),
    Decimal("-0.001"), Decimal(1), Decimal("99999999999999999999.999"), Decimal("-1234567890123456.789"),
]  # fmt: skip


def expected_cell(value):
    """What python_calamine reads back for a value written in a cell."""
    if value is None or (isinstance(value, float) and (value != value or value in (float("inf"), float("-inf")))):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | datetime.date):
        return value
    return float(value)  # Decimal and int: the nearest double, correctly rounded


def every_kind() -> pl.DataFrame:
    n = len(TEXTS)
    return pl.DataFrame(
        {
            "text": TEXTS,
            "decimal": pl.Series(DECIMALS, dtype=pl.Decimal(38, 3)),
            "integer": [1, -2, None, 0, 7, 8, 9, 10, 2**53, -(2**53)],
            "big integer": [2**60, 1, None, 3, 4, 5, 6, 7, 8, -(2**62)],
            "float": [0.1, float("nan"), float("inf"), -0.0, 1e-7, 1e21, None, 2.5, 0.30000000000000004, -1e-300],
            "boolean": [True, False, None, True, False, True, False, True, False, True],
            "date": [datetime.date(2024, 3, 31), None, *[datetime.date(2000 + i, 1, 1 + i) for i in range(n - 2)]],
            "datetime": [datetime.datetime(2024, 3, 31, 12, 30, 15)] * (n - 1) + [None],
            "empty": pl.Series([None] * n, dtype=pl.Null),
            "名称": [f"第{i}行" for i in range(n)],
        }
    )


def test_every_cell_reads_back_as_written(tmp_path, read):
    frame = every_kind()
    path = tmp_path / "out.xlsx"

    write_workbook(path, [Sheet("明细", frame, {"decimal": "#,##0.00"}), Sheet("空", pl.DataFrame({"a": []}))])

    book = read(path)
    assert list(book.sheets) == ["明细", "空"]
    header, *rows = book.sheets["明细"]
    assert header == frame.columns
    assert len(rows) == frame.height
    for row, values in zip(rows, frame.iter_rows(), strict=True):
        assert row == [expected_cell(value) for value in values]
    assert book.sheets["空"] == [["a"]]


def test_formats_header_and_types_as_excel_sees_them(tmp_path):
    path = tmp_path / "out.xlsx"

    write_workbook(path, [Sheet("明细", every_kind(), {"decimal": "#,##0.00", "float": "0.00%"})])

    sheet = openpyxl.load_workbook(path)["明细"]
    columns = {cell.value: cell.column_letter for cell in sheet[1]}
    assert all(cell.font.b for cell in sheet[1])
    assert sheet[f"{columns['decimal']}2"].number_format == "#,##0.00"
    assert sheet[f"{columns['float']}2"].number_format == "0.00%"
    assert sheet[f"{columns['text']}2"].data_type == "s"
    assert sheet[f"{columns['boolean']}2"].value is True
    assert sheet[f"{columns['date']}2"].is_date
    assert sheet[f"{columns['datetime']}2"].value == datetime.datetime(2024, 3, 31, 12, 30, 15)
    assert sheet.dimensions == f"A1:{xlsx.column_letters(len(columns) - 1)}11"


@settings(max_examples=25, deadline=None)
@given(
    scale=st.integers(min_value=0, max_value=20),
    digits=st.lists(st.integers(min_value=-(10**37), max_value=10**37), min_size=1, max_size=40),
)
def test_a_decimal_is_written_as_the_double_nearest_to_it(tmp_path_factory, read, scale, digits):
    values = [Decimal(value).scaleb(-scale) for value in digits]
    path = tmp_path_factory.mktemp("decimals") / "out.xlsx"

    write_workbook(path, [Sheet("S", pl.DataFrame({"v": pl.Series(values, dtype=pl.Decimal(38, scale))}))])

    assert [row[0] for row in read(path).sheets["S"][1:]] == [float(value) for value in values]


def test_many_blocks_and_a_zip64_entry_read_back_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx, "BLOCK_CELLS", 3_000)  # many blocks, each deflated on its own
    monkeypatch.setattr(xlsx, "ZIP64_FROM", 100_000)  # the sheet, the offsets after it and the directory: Zip64
    rng = random.Random(7)
    n = 20_000
    frame = pl.DataFrame(
        {
            "code": [f"H{rng.randrange(1000):05d}" for _ in range(n)],
            "amount": pl.Series([Decimal(rng.randrange(-(10**12), 10**12)).scaleb(-2) for _ in range(n)]),
            "count": [rng.randrange(10**6) for _ in range(n)],
        }
    )
    path = tmp_path / "big.xlsx"

    write_workbook(path, [Sheet("S", frame, {"amount": "#,##0.00"})])

    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None  # every entry inflates and matches its CRC
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size > 1_000_000
        local_extras = {entry.filename: local_extra(path, entry) for entry in archive.infolist()}
    assert local_extras.pop("xl/worksheets/sheet1.xml")[:2] == b"\x01\x00"  # a Zip64 record: its sizes need one
    assert set(local_extras.values()) == {b""}  # the small entries need none
    import fastexcel

    back = fastexcel.read_excel(path).load_sheet("S", schema_sample_rows=None).to_polars()
    assert back["code"].to_list() == frame["code"].to_list()
    assert back["amount"].to_list() == [float(value) for value in frame["amount"].to_list()]
    assert back["count"].to_list() == [float(value) for value in frame["count"].to_list()]


def local_extra(path, entry: zipfile.ZipInfo) -> bytes:
    """The extra field of an entry's local header (zipfile reads only the central directory's)."""
    with open(path, "rb") as file:
        file.seek(entry.header_offset + 26)
        name_length, extra_length = struct.unpack("<HH", file.read(4))
        return file.read(name_length + extra_length)[name_length:]


def test_a_sheet_longer_than_excel_allows_continues_on_another(tmp_path, read, monkeypatch):
    from vbp.calc import writer

    monkeypatch.setattr(writer, "EXCEL_MAX_ROWS", 4)
    path = tmp_path / "out.xlsx"

    write_workbook(path, [Sheet("分", pl.DataFrame({"n": list(range(7))}))])

    book = read(path)
    assert list(book.sheets) == ["分", "分2", "分3"]
    assert [row[0] for name in book.sheets for row in book.sheets[name][1:]] == [float(i) for i in range(7)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=50))
def test_a_double_is_shown_with_15_significant_digits_in_plain_notation(values):
    """displayed_number strips only ".0": Polars writes doubles in their shortest form, so no other zero trails."""
    frame = pl.DataFrame({"x": values}, schema={"x": pl.Float64})
    number = pl.col("x")
    by_pattern = (
        pl.when(number.is_finite())
        .then(number.round_sig_figs(15).cast(pl.String))
        .str.replace(r"(\.\d*?)0+$", "${1}")
        .str.replace(r"\.$", "")
    )

    shown = frame.select(displayed_number(number).alias("a"), by_pattern.alias("b"))

    assert shown["a"].to_list() == shown["b"].to_list()


@pytest.mark.parametrize("name", ["规则", "a&b", "O'Neil"])
def test_sheet_names_are_escaped(tmp_path, read, name):
    path = tmp_path / "out.xlsx"

    write_workbook(path, [Sheet(name, pl.DataFrame({"x": ["<y>"]}))])

    assert read(path).sheets == {name: [["x"], ["<y>"]]}


def blocks_whose_kinds_change() -> list[xlsx.Block]:
    """Three blocks of one sheet whose columns change kind from block to block, as an export's do."""
    text_or_number = pl.DataFrame({"text": ["未评分", None, None], "number": [None, 2.5, None]}).to_struct("b")
    return [
        xlsx.Block(pl.DataFrame({"a": ["x", "=1+1", None], "b": pl.Series([None] * 3, dtype=pl.Null)})),
        xlsx.Block(
            pl.DataFrame({"a": [1.5, None, -2.0], "b": pl.Series([Decimal("1.25"), None, Decimal(3)])}),
            {"a": "#,##0.0", "b": "#,##0.00"},
        ),
        xlsx.Block(pl.DataFrame({"a": ["+86", "-3", "@x"], "b": text_or_number}), {"b": "0.00%"}),
    ]


PREAMBLE = ["明细表", "导出人：王芳", ""]
BLOCKS_READ_BACK = [
    ["x", ""], ["=1+1", ""], ["", ""], [1.5, 1.25], ["", ""], [-2.0, 3.0], ["+86", "未评分"], ["-3", 2.5], ["@x", ""],
]  # fmt: skip


def test_a_sheet_written_a_block_at_a_time_reads_back_under_its_preamble(tmp_path, read):
    path = tmp_path / "out.xlsx"
    sheet = xlsx.Worksheet("明细", blocks=iter(blocks_whose_kinds_change()), header=["甲", "乙"], preamble=PREAMBLE)

    with open(path, "wb") as file:
        xlsx.write_xlsx(file, [sheet, xlsx.Worksheet("空", blocks=iter([]), header=["甲"], preamble=PREAMBLE)])

    book = read(path)
    assert book.sheets["明细"] == [["明细表", ""], ["导出人：王芳", ""], ["", ""], ["甲", "乙"], *BLOCKS_READ_BACK]
    assert book.sheets["空"] == [["明细表"], ["导出人：王芳"], [""], ["甲"]]


def test_a_preamble_sheet_shows_its_title_frames_its_header_and_keeps_it_in_view(tmp_path):
    path = tmp_path / "out.xlsx"
    sheet = xlsx.Worksheet(
        "O'Neil", blocks=iter(blocks_whose_kinds_change()), header=["甲", "乙"], preamble=PREAMBLE, widths=[12, 30]
    )

    xlsx.write_xlsx(path, [sheet])

    book = openpyxl.load_workbook(path)
    sheet = book["O'Neil"]
    assert (sheet["A1"].font.b, sheet["A1"].font.sz, sheet["A2"].font.b) == (True, 14, False)
    assert all(cell.font.b and cell.fill.fgColor.rgb == "FFDDEBF7" and cell.border.top.style for cell in sheet[4])
    assert (sheet.freeze_panes, sheet.print_title_rows) == ("A5", "$4:$4")
    assert (sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width) == (12, 30)
    rows = list(sheet.iter_rows(min_row=5))
    assert [row[0].data_type for row in rows] == ["s", "s", "n", "n", "n", "n", "s", "s", "s"]  # no formula: "f"
    assert [row[0].quotePrefix for row in rows if row[0].data_type == "s"] == [False, True, True, True, True]
    assert [row[0].number_format for row in rows[3:6]] == ["#,##0.0", "General", "#,##0.0"]
    shown = ["#,##0.00", "General", "#,##0.00", "0.00%", "0.00%", "General"]  # a block's format, empty cells none
    assert [row[1].number_format for row in rows[3:]] == shown


def test_a_sheet_in_blocks_without_a_header_takes_the_first_blocks_column_names(tmp_path, read):
    path = tmp_path / "out.xlsx"
    blocks = [xlsx.Block(pl.DataFrame({"n": [1, 2]})), xlsx.Block(pl.DataFrame({"n": [3]}))]

    xlsx.write_xlsx(path, [xlsx.Worksheet("S", blocks=iter(blocks))])

    assert read(path).sheets == {"S": [["n"], [1.0], [2.0], [3.0]]}


def test_sheets_are_asked_for_one_at_a_time_each_after_the_last_is_written(tmp_path, read):
    path = tmp_path / "out.xlsx"
    read_rows: list[int] = []

    def blocks(start: int):
        for n in range(start, start + 3):
            read_rows.append(n)
            yield xlsx.Block(pl.DataFrame({"n": [n]}))

    def sheets():
        for number in range(3):
            assert read_rows == list(range(3 * number))  # the sheets before all written
            yield xlsx.Worksheet(f"S{number}", blocks=blocks(3 * number))

    xlsx.write_xlsx(path, sheets())

    book = read(path)
    assert [row[0] for name in ("S0", "S1", "S2") for row in book.sheets[name][1:]] == [float(n) for n in range(9)]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.binary(max_size=300), st.binary(max_size=3_000), st.integers(0, 2**32 - 1))
def test_crc32_combine_gives_the_crc_of_the_joined_bytes(first, second, start):
    crc1, crc2 = zlib.crc32(first, start), zlib.crc32(second)

    assert xlsx.crc32_combine(crc1, crc2, len(second)) == zlib.crc32(first + second, start)


def test_crc32_combine_of_long_parts():
    rng = random.Random(3)
    first, second = rng.randbytes(1 << 16), rng.randbytes(5_000_001)

    assert xlsx.crc32_combine(zlib.crc32(first), zlib.crc32(second), len(second)) == zlib.crc32(first + second)


def sheet_xml(path, number: int = 1) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(f"xl/worksheets/sheet{number}.xml").decode()


def test_every_sheet_has_its_dimension_first_also_when_written_in_blocks(tmp_path):
    path = tmp_path / "out.xlsx"
    blocks = [xlsx.Block(pl.DataFrame({"a": [1, 2]})), xlsx.Block(pl.DataFrame({"a": [3], "b": ["x"], "c": [None]}))]

    xlsx.write_xlsx(
        path,
        [
            xlsx.Worksheet("块", blocks=iter(blocks), preamble=PREAMBLE),
            xlsx.Worksheet("空", blocks=iter([]), header=["甲", "乙"]),
            xlsx.Worksheet("题", blocks=iter([]), preamble=["标题"], header=[]),
        ],
    )

    dimensions = [re.search(r'<dimension ref="([^"]+)"/>', sheet_xml(path, n)) for n in (1, 2, 3)]
    assert [found.group(1) for found in dimensions] == ["A1:C7", "A1:B1", "A1:A2"]
    assert all(sheet_xml(path, n).index("<dimension") < sheet_xml(path, n).index("<sheetData") for n in (1, 2, 3))
    assert openpyxl.load_workbook(path, read_only=True)["块"].calculate_dimension() == "A1:C7"  # read from it


def test_a_template_sheet_has_styled_headers_widths_a_frozen_header_drop_downs_and_text_columns(tmp_path):
    path = tmp_path / "template.xlsx"
    red = xlsx.Style(bold=True, color="C00000", fill=xlsx.HEADER_FILL)
    sheet = xlsx.Worksheet(
        "模板",
        frame=pl.DataFrame(),
        header=["编码", "是否", "得分"],
        header_styles=[red, None, xlsx.Style(bold=True, color="000000", fill=xlsx.HEADER_FILL)],
        widths=[12, 8.5],
        text_columns=[0],
        validations=[
            xlsx.Validation(1, 2, 10_000, options=["是", "否"], error="应为“是”或“否”"),
            xlsx.Validation(2, 2, 5, between=(0, Decimal(100)), error="得分应为 0～100 的数值", error_title="得分"),
        ],
        freeze_header=True,
    )

    xlsx.write_xlsx(path, [sheet])

    book = openpyxl.load_workbook(path)
    template = book["模板"]
    first, second, third = template[1]
    assert (first.font.b, first.font.color.rgb, first.fill.fgColor.rgb) == (True, "FFC00000", "FFDDEBF7")
    assert (second.font.b, second.fill.fgColor.rgb) == (True, "00000000")  # the default: bold only
    assert (third.font.color.rgb, third.fill.fgColor.rgb) == ("FF000000", "FFDDEBF7")
    assert template.freeze_panes == "A2" and template.print_title_rows == "$1:$1"
    assert (template.column_dimensions["A"].width, template.column_dimensions["B"].width) == (12, 8.5)
    assert template.column_dimensions["A"].number_format == "@"
    rules = [
        (rule.type, rule.operator, rule.formula1, rule.formula2, str(rule.sqref), rule.error, rule.errorTitle)
        for rule in template.data_validations.dataValidation
    ]
    assert rules == [
        ("list", None, '"是,否"', None, "B2:B10000", "应为“是”或“否”", None),
        ("decimal", "between", "0", "100", "C2:C5", "得分应为 0～100 的数值", "得分"),
    ]
    assert all(rule.allow_blank and rule.showErrorMessage for rule in template.data_validations.dataValidation)
    xml = sheet_xml(path)
    assert xml.index("</sheetData>") < xml.index("<dataValidations") < xml.index("<pageMargins")


def test_an_instructions_sheet_has_a_title_lines_and_a_filled_header_without_freezing(tmp_path):
    path = tmp_path / "out.xlsx"
    table = pl.DataFrame({"列名": ["编码"], "说明": [None]}, schema={"列名": pl.String, "说明": pl.String})
    filled = xlsx.Style(bold=True, fill=xlsx.HEADER_FILL)

    xlsx.write_xlsx(
        path,
        [
            xlsx.Worksheet(
                "填写说明", table, preamble=["说明", "第一行", ""], header_styles=[filled] * 2, freeze_header=False
            )
        ],
    )

    sheet = openpyxl.load_workbook(path)["填写说明"]
    assert [row[0] for row in sheet.iter_rows(values_only=True)] == ["说明", "第一行", None, "列名", "编码"]
    assert (sheet["A1"].font.b, sheet["A1"].font.sz, sheet["A2"].font.b) == (True, 14, False)
    assert all(cell.font.b and cell.fill.fgColor.rgb == "FFDDEBF7" and not cell.border.top.style for cell in sheet[4])
    assert sheet.freeze_panes is None and sheet.print_title_rows is None


@pytest.mark.parametrize(
    ("validation", "message"),
    [
        (xlsx.Validation(0, 2, 9, options=["a,b"]), "下拉选项不能含有英文逗号"),
        (xlsx.Validation(0, 2, 9, options=["选项" * 130]), "下拉选项共超过 255 个字符"),
        (xlsx.Validation(0, 2, 9), "应给出下拉选项或数值范围"),
        (xlsx.Validation(0, 9, 2, between=(0, 1)), "数据验证行号应在"),
        (xlsx.Validation(16_384, 2, 9, between=(0, 1)), "没有第 16,385 列"),
        (xlsx.Validation(0, 2, 9, between=(0, 1), error="错" * 256), "提示超过 255 个字符"),
    ],
)
def test_a_validation_excel_cannot_hold_is_refused(tmp_path, validation, message):
    with pytest.raises(xlsx.XlsxError, match=message):
        xlsx.write_xlsx(
            tmp_path / "out.xlsx", [xlsx.Worksheet("S", pl.DataFrame({"a": [1]}), validations=[validation])]
        )


def test_aware_datetimes_are_written_as_wall_clock_time_in_shanghai_naive_ones_as_they_are(tmp_path):
    path = tmp_path / "out.xlsx"
    moments = [datetime.datetime(2024, 3, 31, 16, 30, tzinfo=datetime.UTC), None]
    frame = pl.DataFrame(
        {
            "utc": pl.Series(moments, dtype=pl.Datetime("us", "UTC")),
            "new_york": pl.Series(moments, dtype=pl.Datetime("ms", "UTC")).dt.convert_time_zone("America/New_York"),
            "naive": [datetime.datetime(2024, 3, 31, 16, 30), None],
        }
    )

    xlsx.write_xlsx(path, [xlsx.Worksheet("S", frame)])
    xlsx.write_xlsx(tmp_path / "utc.xlsx", [xlsx.Worksheet("S", frame)], time_zone="UTC")

    shanghai = datetime.datetime(2024, 4, 1, 0, 30)
    assert list(openpyxl.load_workbook(path)["S"].iter_rows(min_row=2, max_row=3, values_only=True)) == [
        (shanghai, shanghai, datetime.datetime(2024, 3, 31, 16, 30)),
        (None, None, None),
    ]
    utc = next(openpyxl.load_workbook(tmp_path / "utc.xlsx")["S"].iter_rows(min_row=2, values_only=True))
    assert utc == (datetime.datetime(2024, 3, 31, 16, 30),) * 3


EARLY_DAYS = [datetime.date(1900, 1, 1), datetime.date(1900, 2, 28), datetime.date(1900, 3, 1)]


def test_dates_before_1900_03_01_get_excels_serials_and_before_1900_their_iso_text(tmp_path):
    path = tmp_path / "out.xlsx"
    days = [datetime.date(1899, 12, 31), *EARLY_DAYS, datetime.date(1, 1, 1), None]
    moments = [datetime.datetime.combine(day, datetime.time(12)) if day else None for day in days]

    xlsx.write_xlsx(path, [xlsx.Worksheet("S", pl.DataFrame({"date": days, "datetime": moments}))])

    cells = re.findall(r'<c r="([AB]\d+)"[^>]*>(?:<v>([^<]*)</v>|<is><t>([^<]*)</t></is>)</c>', sheet_xml(path))
    written = {reference: number or text for reference, number, text in cells}
    assert [written.get(f"A{row}") for row in range(2, 8)] == ["1899-12-31", "1", "59", "61", "0001-01-01", None]
    noon = ["1899-12-31T12:00:00", "1.5", "59.5", "61.5", "0001-01-01T12:00:00", None]
    assert [written.get(f"B{row}") for row in range(2, 8)] == noon
    values = list(openpyxl.load_workbook(path)["S"].iter_rows(min_row=2, max_row=5, values_only=True))
    assert values == [
        ("1899-12-31", "1899-12-31T12:00:00"),
        *(
            (datetime.datetime.combine(day, datetime.time()), moment)
            for day, moment in zip(days[1:4], moments[1:4], strict=True)
        ),
    ]


def test_a_bad_colour_is_refused():
    with pytest.raises(xlsx.XlsxError, match="颜色“red”应为 6 位十六进制数"):
        xlsx.Style(color="red")
