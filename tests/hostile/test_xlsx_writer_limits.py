"""What Excel cannot hold, the writer (vbp.calc.xlsx) refuses with a Chinese message, and leaves no file claiming
success: bad sheet names, too many rows or columns, text too long for a cell. And what it can hold comes back whole:
a CR, and a million-row sheet written a block at a time with its <dimension>.
"""

import io
import zipfile

import polars as pl
import pytest
from python_calamine import CalamineWorkbook

from vbp.calc.xlsx import EXCEL_MAX_ROWS, Block, Worksheet, XlsxError, write_xlsx


def refused(tmp_path, sheets) -> str:
    """The writer's refusal of ``sheets``, written to a path: its message; and no file is left there."""
    path = tmp_path / "out.xlsx"
    with pytest.raises(XlsxError) as refusal:
        write_xlsx(path, sheets)
    assert not path.exists()  # no half-written workbook that looks like a download
    return str(refusal.value)


def sheet(name: str) -> Worksheet:
    return Worksheet(name, pl.DataFrame({"a": [1]}))


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["一" * 32], "工作表名称“" + "一" * 32 + "”超过 31 个字符（有 32 个）"),
        (["😀" * 16], "超过 31 个字符（有 32 个）"),  # Excel counts a character beyond U+FFFF twice
        ([""], "工作表名称不能为空"),
        (["a/b"], "工作表名称“a/b”含有 Excel 不允许的字符：/"),
        (["a\\b"], "含有 Excel 不允许的字符：\\"),
        (["时间:12"], "含有 Excel 不允许的字符：:"),
        (["a*b?"], "含有 Excel 不允许的字符：* ?"),
        (["[省直]"], "含有 Excel 不允许的字符：[ ]"),
        (["名称\x01"], "工作表名称“名称\\x01”含有控制字符"),
        (["tab\there"], "含有控制字符"),
        (["'quoted"], "不能以单引号（'）开头或结尾"),
        (["quoted'"], "不能以单引号（'）开头或结尾"),
        (["history"], "是 Excel 保留的名称"),
        (["明细", "Data", "DATA"], "工作表名称“DATA”与“Data”重复（Excel 不区分大小写）"),
        (["Ärzte", "äRZTE"], "工作表名称“äRZTE”与“Ärzte”重复"),
        (["Ωmega", "ωMEGA"], "与“Ωmega”重复"),
        (["规则", "规则"], "工作表名称“规则”与“规则”重复"),
    ],
)
def test_a_sheet_name_excel_refuses_is_refused(tmp_path, names, message):
    assert message in refused(tmp_path, [sheet(name) for name in names])


def test_names_excel_accepts_are_written(tmp_path):
    names = ["一" * 31, "O'Neil", "a&b<c>", "规则(2)", "Straße", "数据 明细"]

    write_xlsx(tmp_path / "out.xlsx", [sheet(name) for name in names])

    assert CalamineWorkbook.from_path(str(tmp_path / "out.xlsx")).sheet_names == names


def numbers(start: int, count: int) -> pl.DataFrame:
    return pl.DataFrame({"n": pl.int_range(start, start + count, dtype=pl.Int32, eager=True)})


def test_a_sheet_of_more_rows_than_excel_holds_is_refused_as_the_rows_arrive(tmp_path):
    asked: list[int] = []

    def blocks():
        for number, start in enumerate(range(0, EXCEL_MAX_ROWS + 500_000, 500_000)):
            asked.append(number)
            yield Block(numbers(start, 500_000))

    message = refused(tmp_path, [Worksheet("明细", blocks=blocks())])

    assert message == "工作表“明细”至少有 1,500,001 行（含表头），超过 Excel 的上限 1,048,576 行"
    assert asked == [0, 1, 2]  # refused on the third block, before the fourth is made


def test_preamble_and_header_rows_count_towards_the_limit(tmp_path):
    preamble = ["标题", "导出人：王芳", ""]
    rows = EXCEL_MAX_ROWS - len(preamble)  # one too many under the preamble and the header row

    message = refused(tmp_path, [Worksheet("明细", blocks=iter([Block(numbers(0, rows))]), preamble=preamble)])

    assert "工作表“明细”至少有 1,048,577 行（含表头）" in message


def test_a_full_million_row_sheet_written_in_blocks_has_its_dimension_and_reads_back(tmp_path):
    path = tmp_path / "full.xlsx"
    rows = EXCEL_MAX_ROWS - 1  # under the header row: the last row Excel has
    blocks = (Block(numbers(start, min(300_000, rows - start))) for start in range(0, rows, 300_000))

    write_xlsx(path, [Worksheet("满", blocks=blocks), Worksheet("空", blocks=iter([]), header=["甲", "乙"])])

    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None  # the head made last, its CRC joined to the rows'
        with archive.open("xl/worksheets/sheet1.xml") as part:
            head = part.read(400).decode()
        assert '<dimension ref="A1:B1"/>' in archive.read("xl/worksheets/sheet2.xml").decode()
    assert '<dimension ref="A1:A1048576"/>' in head
    assert head.index("<dimension") < head.index("<sheetData")
    cells = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("满").to_python()
    assert (len(cells), cells[1], cells[-1]) == (EXCEL_MAX_ROWS, [0.0], [float(rows - 1)])


def test_more_columns_than_excel_holds_are_refused(tmp_path):
    wide = pl.DataFrame({f"c{index}": [index] for index in range(16_385)})

    assert refused(tmp_path, [Worksheet("宽", wide)]) == "工作表“宽”有 16,385 列，超过 Excel 的上限 16,384 列"
    headers = Worksheet("宽", pl.DataFrame(), header=[str(n) for n in range(16_385)])
    assert refused(tmp_path, [headers]) == "工作表“宽”有 16,385 列，超过 Excel 的上限 16,384 列"


def test_text_longer_than_a_cell_holds_is_refused_naming_its_row_and_column_never_cut(tmp_path):
    frame = pl.DataFrame({"序号": ["1", "2", "3"], "说明": ["短", "长" * 32_767, "x" * 32_768]})

    message = refused(tmp_path, [Worksheet("明细", frame, preamble=["标题"])])

    assert message == "工作表“明细”第 5 行 B 列的文本有 32,768 个字符，超过 Excel 单元格上限 32,767"


def long_in_a_later_block() -> Worksheet:
    blocks = [Block(pl.DataFrame({"a": ["ok"]})), Block(pl.DataFrame({"a": ["😀" * 16_384]}))]  # 2 units each
    return Worksheet("S", blocks=iter(blocks))


def long_in_a_struct() -> Worksheet:
    cells = pl.DataFrame({"text": ["z" * 32_768], "number": pl.Series([None], dtype=pl.Float64)}).to_struct("a")
    return Worksheet("S", pl.DataFrame([cells]))


LONG_TEXTS = {
    "a later block": (long_in_a_later_block, "第 3 行 A 列的文本有 32,768 个字符"),
    "the header": (lambda: Worksheet("S", pl.DataFrame({"a": [1]}), header=["x" * 40_000]), "第 1 行 A 列"),
    "the preamble": (lambda: Worksheet("S", pl.DataFrame({"a": [1]}), preamble=["标题", "y" * 32_768]), "第 2 行 A 列"),
    "a struct's text": (long_in_a_struct, "第 2 行 A 列的文本有 32,768 个字符"),
}


@pytest.mark.parametrize("where", list(LONG_TEXTS))
def test_long_text_is_refused_wherever_it_stands(tmp_path, where):
    make, place = LONG_TEXTS[where]

    assert place in refused(tmp_path, [make()])


def test_a_refused_workbook_written_to_a_file_object_is_no_workbook(tmp_path):
    stream = io.BytesIO()

    with pytest.raises(XlsxError):
        write_xlsx(stream, [sheet("好"), Worksheet("坏", pl.DataFrame({"a": ["x" * 32_768]}))])

    with pytest.raises(zipfile.BadZipFile):  # no central directory: nothing opens it as a finished workbook
        zipfile.ZipFile(stream)


def test_a_cr_is_written_as_excels_escape_and_reads_back(tmp_path):
    texts = ["a\rb", "a\r\nb", "\r", "x\ry\x01", "_x000D_"]
    path = tmp_path / "cr.xlsx"

    write_xlsx(path, [Worksheet("S", pl.DataFrame({"t": texts}), preamble=["标题\r"])])

    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "\r" not in xml  # an XML reader would make it LF
    assert "<t>a_x000D_b</t>" in xml and "<t>_x005F_x000D_</t>" in xml
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("S").to_python()
    assert [row[0] for row in rows] == ["标题\r", "t", *texts]


def test_a_workbook_of_no_sheets_is_refused(tmp_path):
    assert refused(tmp_path, []) == "工作簿至少要有一个工作表"
