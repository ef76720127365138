"""vbp.calc.guard: every check, with the message it gives, on workbooks built here byte by byte.

The hostile markups are scanned with blocks and windows cut at every few bytes as well as at the real sizes,
so that a cell cut between two blocks is still seen.
"""

from __future__ import annotations

import io
import os
import struct
import warnings
import zipfile

import openpyxl
import pytest

from vbp.calc import guard
from vbp.calc.guard import MiB, WorkbookLimits, check_workbook, format_bytes, parser_panicked

NO_RATIO = WorkbookLimits(max_ratio=10**9)
XFD = "XFD1048576"  # to reach the scan of a highly compressible sheet
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def sheet(body: str, dimension: str | None = None, prefix: str = "") -> str:
    xmlns = f'xmlns:{prefix[:-1]}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    head = f'<{prefix}dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{prefix}worksheet {xmlns} xmlns:r="{OFFICE}">'
        f"{head}<{prefix}sheetData>{body}</{prefix}sheetData>"
        f'<{prefix}pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        f"</{prefix}worksheet>"
    )


def workbook(
    sheets: dict[str, str] | str,
    *,
    extra: dict[str, bytes | str] | None = None,
    shared: str | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """A workbook of these sheets' XML (named Sheet1… when given one), as Excel lays one out."""
    sheets = {"Sheet1": sheets} if isinstance(sheets, str) else sheets
    entries = "".join(
        f'<sheet name="{name}" sheetId="{index}" r:id="rId{index}"/>' for index, name in enumerate(sheets, start=1)
    )
    rels = "".join(
        f'<Relationship Id="rId{index}" Type="{OFFICE}/worksheet" Target="worksheets/sheet{index}.xml"/>'
        for index in range(1, len(sheets) + 1)
    )
    if shared is not None:
        rels += f'<Relationship Id="rIdS" Type="{OFFICE}/sharedStrings" Target="sharedStrings.xml"/>'
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" '
        f'Type="{OFFICE}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r="{OFFICE}"><sheets>{entries}'
        "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0"?><Relationships xmlns="{RELS}">{rels}</Relationships>',
        **{f"xl/worksheets/sheet{index}.xml": xml for index, xml in enumerate(sheets.values(), start=1)},
    }
    if shared is not None:
        parts["xl/sharedStrings.xml"] = f'<?xml version="1.0"?><sst xmlns="{MAIN}">{shared}</sst>'
    parts.update(extra or {})
    stream = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(stream, "w", compression) as archive:
        warnings.simplefilter("ignore")  # a part named twice, on purpose
        for name, content in parts.items():
            archive.writestr(name, content)
    return stream.getvalue()


def row(number: int, *cells: str) -> str:
    return f'<row r="{number}">{"".join(cells)}</row>'


def cell(reference: str, value: int = 1) -> str:
    return f'<c r="{reference}"><v>{value}</v></c>'


def message(content: bytes, limits: WorkbookLimits | None = None) -> str:
    problem = check_workbook(content, limits, name="book.xlsx")
    assert problem is not None, "the workbook passed the guard"
    return str(problem)


@pytest.fixture(params=["real", "tiny"])
def blocks(request, monkeypatch):
    """The scan as it runs, and with blocks, reads and windows of a few bytes (every tag cut somewhere)."""
    if request.param == "tiny":
        monkeypatch.setattr(guard, "CHUNK", 23)
        monkeypatch.setattr(guard, "READ", 7)
        monkeypatch.setattr(guard, "WINDOW", 19)
    return request.param


# --- workbooks within the limits ---


def test_a_workbook_written_by_openpyxl_passes(blocks):
    book = openpyxl.Workbook()
    for index in range(300):
        book.active.append([f"H{index:04d}", "山西省人民医院", index, index * 1.5, None, True, "2ml:0.2mg"])
    stream = io.BytesIO()
    book.save(stream)

    assert check_workbook(stream.getvalue()) is None


def test_the_calculators_own_workbooks_pass(tmp_path, seed, xlsx, vbp):
    source = xlsx(tmp_path / "in.xlsx", seed)
    output = tmp_path / "out.xlsx"
    assert vbp("calc", source, "-o", output, "--rules", "shanxi").code == 0

    assert check_workbook(source) is None
    assert check_workbook(output) is None


@pytest.mark.parametrize(
    "body",
    [
        row(1, '<c><v>1</v></c><c t="inlineStr"><is><t>甲</t></is></c>') + "<row><c><v>2</v></c></row>",  # no r
        row(1, "<c r='A1' s='0'><v>1</v></c>", '<c  r = "B1"\n t="n"><v>2</v></c>'),  # other quoting, spacing
        row(1, '<c r="A1" cm="1" vm="1"><v>1</v></c>', '<c r="b1"><v>2</v></c>'),  # other attributes, lower case
        row(
            1,
            '<c r="A1"><f>SUM(B1:C1)</f><v>3</v></c>',
            '<c r="B1" t="str"><f t="shared" ref="B1:B2" si="0"/><v>x</v></c>',
        ),
    ],
)
def test_cells_written_otherwise_are_read_tag_by_tag_and_pass(blocks, body):
    assert check_workbook(workbook(sheet(body))) is None


def test_cells_without_r_are_placed_exactly(blocks):
    """Calamine's way: a cell without r takes the next column, a row without r the next row."""
    body = "<row><c><v>1</v></c><c/><c><v>1</v></c></row>" * 3

    assert check_workbook(workbook(sheet(body)), WorkbookLimits(max_cells=9)) is None
    assert "已用区域 A1:C3 达 3 行 × 3 列" in message(workbook(sheet(body)), WorkbookLimits(max_cells=8))


def test_prefixed_tags_pass(blocks):
    body = '<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c><x:c r="B1"><x:v>2</x:v></x:c></x:row>'

    assert check_workbook(workbook(sheet(body, "A1:B1", prefix="x:"))) is None


# --- 1. the file and the zip ---


def test_a_file_over_the_size_limit_is_refused_unopened():
    assert message(b"PK\x03\x04" + bytes(2 * MiB), WorkbookLimits(max_file_bytes=1 * MiB)) == (
        "book.xlsx：文件过大：2 MB，超过上限 1 MB"
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"not a zip", "无法读取工作簿：不是有效的 .xlsx 文件（无法作为 zip 压缩包打开）"),
        (b"PK\x03\x04" + bytes(100), "无法读取工作簿：不是有效的 .xlsx 文件（无法作为 zip 压缩包打开）"),
        (guard.OLE + bytes(512), "工作簿设置了打开密码，或为旧版 .xls 格式"),
    ],
)
def test_what_is_no_zip_is_refused(content, expected):
    assert expected in message(content)


def test_a_zip_of_too_many_parts_is_refused_before_it_is_listed():
    content = workbook(sheet(row(1, cell("A1"))), extra={f"xl/media/{index}.txt": "x" for index in range(20)})

    assert "工作簿包含 25 个部件，超过上限 10 个，已拒绝" in message(content, WorkbookLimits(max_entries=10))


def test_a_zip_directory_out_of_proportion_is_refused():
    content = workbook(sheet(row(1, cell("A1"))), extra={"x" * 60_000: "", "y" * 60_000: ""})

    assert "（压缩包目录达 118 KB，异常庞大），已拒绝" in message(content, WorkbookLimits(max_entries=100))


def test_an_encrypted_part_is_refused():
    content = bytearray(workbook(sheet(row(1, cell("A1")))))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = content.find(signature)
        while at >= 0:
            content[at + offset] |= 1
            at = content.find(signature, at + 1)

    assert "工作簿中的部件经过加密，无法读取" in message(bytes(content))


def test_another_compression_is_refused():
    content = workbook(sheet(row(1, cell("A1"))), compression=zipfile.ZIP_BZIP2)

    assert "工作簿使用了不支持的压缩方式（12）" in message(content)


def test_a_part_named_twice_is_refused():
    content = workbook(sheet(row(1, cell("A1"))), extra={"XL/Worksheets/Sheet1.xml": sheet(row(1, cell("XFD1048576")))})

    assert "工作簿中的部件 XL/Worksheets/Sheet1.xml 出现了两次，疑似被篡改，已拒绝" in message(content)


@pytest.mark.parametrize(
    ("extra", "expected"), [("content.xml", "OpenDocument 表格"), ("xl/workbook.bin", "二进制 .xlsb 工作簿")]
)
def test_a_workbook_calamine_would_read_as_another_format_is_refused(extra, expected):
    assert expected in message(workbook(sheet(row(1, cell("A1"))), extra={extra: "<x/>"}))


def test_a_zip_behind_another_is_refused():
    """Two archives end to end: one reader may take the first, another the second."""
    content = workbook(sheet(row(1, cell("A1")))) + workbook(sheet(row(1, cell(XFD))))

    assert "无法读取工作簿：不是有效的 .xlsx 文件（压缩包结构异常），已拒绝" in message(content)


# --- 2. the sizes the zip declares ---


def inflated(content: bytes) -> str:
    return format_bytes(sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(content)).infolist()))


def test_more_inflated_bytes_than_the_limit_are_refused():
    noise = "".join(f"<!-- {index:08x} -->" for index in range(150_000))  # 2.4 MB that compress some 10:1
    content = workbook(sheet(row(1, cell("A1")) + noise))

    assert f"book.xlsx：工作簿解压后达 {inflated(content)}，超过上限 1 MB，已拒绝" == message(
        content, WorkbookLimits(max_uncompressed_bytes=MiB)
    )


def test_a_zip_bomb_is_refused_by_its_expansion_ratio():
    content = workbook(sheet(row(1, cell("A1")) + " " * (20 * MiB)))
    ratio = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(content)).infolist()) / len(content)

    assert message(content) == (
        f"book.xlsx：工作簿解压后达 20 MB，压缩比 {ratio:,.0f}:1 异常（上限 100:1），疑似压缩炸弹，已拒绝"
    )


def test_one_part_of_a_large_workbook_may_not_be_a_bomb_either():
    noise = os.urandom(4 * MiB)  # compresses 1:1, the sheet beside it some 1000:1: 2:1 in all
    content = workbook(sheet(row(1, cell("A1")) + " " * (3 * MiB)), extra={"xl/media/image1.bin": noise})

    assert "book.xlsx：工作簿解压后达 3 MB，压缩比" in message(content, WorkbookLimits(max_ratio=50))


def test_a_metadata_part_larger_than_its_limit_is_refused():
    styles = "<styleSheet>" + "".join(f'<numFmt numFmtId="{index}" formatCode="0.{index}"/>' for index in range(60_000))
    content = workbook(sheet(row(1, cell("A1"))), extra={"xl/styles.xml": styles + "</styleSheet>"})

    size = format_bytes(zipfile.ZipFile(io.BytesIO(content)).getinfo("xl/styles.xml").file_size)

    assert f"工作簿中的 xl/styles.xml 解压后达 {size}，超过上限 1 MB，已拒绝" in message(
        content, WorkbookLimits(max_metadata_bytes=MiB)
    )


def _patched_sizes(content: bytes, part: str, size: int) -> bytes:
    """The zip with ``part``'s uncompressed size rewritten in its local header and the central directory."""
    data = bytearray(content)
    name = part.encode()
    for signature, offset, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = data.find(signature)
        while at >= 0:
            if data[at + name_at : at + name_at + len(name)] == name:
                data[at + offset : at + offset + 4] = struct.pack("<L", size)
            at = data.find(signature, at + 1)
    return bytes(data)


@pytest.mark.parametrize("change", [-1000, +1000])
def test_a_part_whose_declared_size_lies_is_refused(blocks, change):
    content = workbook(sheet("".join(row(n, cell(f"A{n}")) for n in range(1, 200))))
    true_size = zipfile.ZipFile(io.BytesIO(content)).getinfo("xl/worksheets/sheet1.xml").file_size

    found = message(_patched_sizes(content, "xl/worksheets/sheet1.xml", true_size + change))

    assert "工作簿已损坏：Sheet1 的实际内容与压缩包的记录不符" in found


def test_shared_strings_beyond_the_limit_are_refused():
    content = workbook(sheet(row(1, '<c r="A1" t="s"><v>0</v></c>')), shared="<si><t>甲</t></si>" * 50)

    assert "共享字符串超过 40 条上限，已拒绝" in message(content, WorkbookLimits(max_cells=40))


# --- 3. the declared dimension ---


def test_a_declared_dimension_beyond_the_limit_is_refused_from_the_first_bytes():
    content = workbook(sheet(row(1, cell("A1")), "A1:XFD1048576"))

    assert message(content) == (
        "Sheet1：声明的范围 A1:XFD1048576 达 1,048,576 行 × 16,384 列（17,179,869,184 个单元格），"
        "超过上限 20,000,000 个单元格，已拒绝"
    )


# --- 4. what the sheets really hold ---


FAR = "已用区域 A1:XFD1048576 达 1,048,576 行 × 16,384 列"
ROWS = "超出 Excel 的上限 1,048,576 行"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (row(1048576, cell(XFD)), FAR),
        (row(1, cell("A1"), cell("B2"), cell(XFD)), FAR),
        (row(1, f'<c r="A1" r="{XFD}"><v>1</v></c>'), FAR),  # calamine takes the last r
        (row(1, f"<c r='{XFD}'><v>1</v></c>"), FAR),
        (row(1, f'<c r = "{XFD}"><v>1</v></c>'), FAR),
        (row(1, f'<c s="0"r="{XFD}"><v>1</v></c>'), FAR),
        (row(1, f'<c s="1" r="{XFD}" t="n"><v>1</v></c>'), FAR),
        (row(1, f'<c r="{XFD.lower()}"><v>1</v></c>'), FAR),
        (row(1, '<c r="XFD0001048576"><v>1</v></c>'), FAR),
        (row(1, f'<c r="{XFD}"/>'), FAR),  # no value: calamine skips it, the guard need not know that
        ("<row>" + "<c/>" * 16_384 + "<c><v>1</v></c></row>", "超出 Excel 的上限 16,384 列"),  # one after another
        (row(1048575, "<c><v>1</v></c>") + "<row><c><v>1</v></c></row>" * 2, ROWS),  # rows without r likewise
        ('<row r="1048570"/>' + "<row><c><v>1</v></c></row>" * 10, ROWS),
        (row(1, cell("A1")) + f"<!-- </sheetData> -->{row(1048577, '<c><v>1</v></c>')}", ROWS),  # a decoy end
    ],
)
def test_a_cell_far_out_is_found_however_it_is_written(blocks, body, expected):
    limits = WorkbookLimits(max_ratio=10**9, sparse_floor=10**12)  # so that no other check refuses it first

    assert expected in message(workbook(sheet(body, "A1:B2")), limits)


def test_a_prefixed_cell_far_out_is_found(blocks):
    body = f'<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c><x:c r="{XFD}"><x:v>1</x:v></x:c></x:row>'

    assert "已用区域 A1:XFD1048576" in message(workbook(sheet(body, prefix="x:")), NO_RATIO)


@pytest.mark.parametrize("odd", ['foo="a&gt;b" x=">"', 'foo="a<b"'])
def test_a_tag_with_angle_brackets_in_a_value_is_refused(blocks, odd):
    body = row(1, f'<c r="A1" {odd} r="{XFD}"><v>1</v></c>')

    assert message(workbook(sheet(body)), NO_RATIO) == "Sheet1：单元格标记异常，无法安全读取，已拒绝"


def test_the_used_area_beyond_the_cells_limit_is_refused_with_its_size(blocks):
    content = workbook(sheet(row(1, cell("A1")) + row(1_000_000, cell("Z1000000"))))

    assert message(content) == (
        "Sheet1：已用区域 A1:Z1000000 达 1,000,000 行 × 26 列（26,000,000 个单元格），"
        "超过上限 20,000,000 个单元格，已拒绝"
    )


def test_a_sparse_sheet_is_refused(blocks):
    content = workbook(sheet(row(1, cell("A1")) + row(1_000_000, cell("B1000000"))))

    assert message(content) == (
        "Sheet1：已用区域 A1:B1000000 达 1,000,000 行 × 2 列（2,000,000 个单元格），却只有 2 个单元格，"
        "疑似恶意构造的稀疏工作表，已拒绝"
    )


def test_a_small_used_area_is_never_sparse(blocks):
    assert check_workbook(workbook(sheet(row(1, cell("A1")) + row(1000, cell("J1000"))))) is None


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("A1048577", "超出 Excel 的上限 1,048,576 行"),
        ("XFE1", "超出 Excel 的上限 16,384 列"),
        ("A99999999999", "达 99,999,999,999 行"),
    ],
)
def test_a_reference_beyond_excel_is_refused(blocks, reference, expected):
    assert expected in message(workbook(sheet(row(1, cell(reference)))))


@pytest.mark.parametrize(("max_cells", "refused"), [(14, True), (15, False)])
def test_cells_without_r_after_plain_ones_take_the_next_columns(blocks, max_cells, refused):
    body = row(4, cell("A4")) + row(5, cell("A5"), cell("B5"), "<c><v>1</v></c>")  # the last one is C5
    problem = check_workbook(workbook(sheet(body)), WorkbookLimits(max_cells=max_cells))

    assert (problem is not None) == refused
    if refused:
        assert "已用区域 A1:C5 达 5 行 × 3 列（15 个单元格）" in str(problem)


def test_a_row_without_r_follows_an_empty_row_written_as_one_tag(blocks):
    """<row r="1048576"/> ends as it starts (calamine expands it): the next row without r is row 1,048,577."""
    body = row(1, cell("A1")) + '<row r="1048576"/><row><c><v>1</v></c></row>'

    assert "超出 Excel 的上限 1,048,576 行" in message(workbook(sheet(body)))


def test_many_sheets_are_each_checked_and_named(blocks):
    content = workbook(
        {"品种明细": sheet(row(1, cell("A1"))), "医疗机构": sheet(row(1, cell("A1")) + row(2, cell(XFD)))}
    )

    assert message(content).startswith("医疗机构：已用区域 A1:XFD1048576")


def test_a_sheet_no_relationship_names_is_found_by_its_content(blocks):
    content = workbook(sheet(row(1, cell("A1"))), extra={"xl/worksheets/hidden.xml": sheet(row(1, cell(XFD)))})

    assert message(content, NO_RATIO).startswith("xl/worksheets/hidden.xml：已用区域 A1:XFD1048576")


def test_xml_in_utf_16_is_refused():
    xml = sheet(row(1, cell(XFD))).replace("UTF-8", "UTF-16").encode("utf-16-le")
    content = workbook(sheet(row(1, cell("A1"))), extra={"xl/worksheets/sheet2.xml": b"\xff\xfe" + xml})

    assert "book.xlsx：工作簿中的 xl/worksheets/sheet2.xml 是 UTF-16 编码的 XML" in message(content)


def test_a_text_run_longer_than_any_cell_across_blocks_is_refused(monkeypatch):
    """(Carried from block to block it would make the scan quadratic: an Excel cell holds 32,767 characters.)"""
    monkeypatch.setattr(guard, "CHUNK", 256 * 1024)
    content = workbook(sheet(row(1, f'<c r="A1" t="inlineStr"><is><t>{"x" * (2 * MiB)}</t></is></c>')))

    assert "含有超长的单元格内容或标记" in message(content, NO_RATIO)


# --- the source, the helpers ---


def test_the_source_may_be_a_path_or_an_open_file(tmp_path):
    path = tmp_path / "炸弹.xlsx"
    path.write_bytes(workbook(sheet(row(1, cell(XFD)))))

    assert str(check_workbook(path)).startswith("Sheet1：")
    assert check_workbook(path, WorkbookLimits(max_file_bytes=10)).sheet == "炸弹.xlsx"
    with path.open("rb") as stream:
        stream.seek(5)
        assert check_workbook(stream) is not None
        assert stream.tell() == 5


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (0, "0 字节"),
        (1023, "1023 字节"),
        (1536, "1.5 KB"),
        (50 * MiB, "50 MB"),
        (1_677_722, "1.6 MB"),
        (372 * MiB + 1234, "372 MB"),
        (1 << 30, "1 GB"),
        (4 << 30, "4 GB"),
    ],
)
def test_sizes_are_shown_as_people_read_them(size, shown):
    assert format_bytes(size) == shown


def test_a_panic_of_the_rust_parser_is_told_from_other_base_exceptions():
    panic = type("PanicException", (BaseException,), {"__module__": "pyo3_runtime"})

    assert parser_panicked(panic("boom"))
    assert not parser_panicked(KeyboardInterrupt())
    assert not parser_panicked(SystemExit(1))
    assert not parser_panicked(ValueError("x"))
