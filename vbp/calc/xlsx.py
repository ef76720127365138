"""A streaming .xlsx writer for Polars frames: the only code that knows the file format.

Writing a million rows is mostly making worksheet XML and deflating it. Here
Polars makes the XML of a block of rows at once (every cell's markup is a
string expression) and zlib deflates it, in worker threads, several blocks at
a time: both release the GIL, so all cores share the work. A block's XML never
becomes a Python string: the bytes of the Arrow string column go to zlib as
they are. Each block is deflated on its own and ended with a sync flush, so
the blocks join into one deflate stream (as pigz does); the zip container
around them is written here too, as the deflate streams are made apart.

Cells are written as Excel writes them: numbers as ``<v>`` text that reads
back as the same double, text as inline strings, booleans, dates and times as
serial numbers with a date format. An exact Decimal is written as the double
nearest to it: its own digits when it has at most 15 significant digits
(which are that double's shortest form), else the correctly rounded double.
"""

from __future__ import annotations

import os
import re
import struct
import zlib
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import polars as pl

EXCEL_MAX_STRING = 32_767  # characters in a cell
COMPRESS_LEVEL = 1  # deflate level: 1 keeps pace with the XML; 6 would take four times as long for 25% less
BLOCK_CELLS = 250_000  # cells per block of rows: about 10 MB of XML
WORKERS = min(4, os.cpu_count() or 1)
EXACT_DIGITS = 10**15  # a decimal with at most 15 significant digits round-trips through a double
SAFE_INTEGER = 2**53
EXCEL_EPOCH_DAYS = 25_569  # 1970-01-01 as an Excel serial day
DAY_MICROSECONDS = 86_400_000_000
DATE_FORMAT = "yyyy\\-mm\\-dd"
DATETIME_FORMAT = "yyyy\\-mm\\-dd\\ hh:mm:ss"
TIME_FORMAT = "hh:mm:ss"
DURATION_FORMAT = "[h]:mm:ss"

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# Characters XML 1.0 cannot hold, and text that would read as such an escape: written as _xHHHH_.
_UNSAFE = "[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_"
_UNSAFE_RE = re.compile(_UNSAFE)
# Text a reader would trim unless told to keep its spaces.
_EDGE_SPACE = r"^\s|\s$"
_MARKUP = "[&<>]"


@dataclass
class Worksheet:
    name: str
    frame: pl.DataFrame
    formats: Mapping[str, str] = field(default_factory=dict)  # column → Excel number format


def column_letters(index: int) -> str:
    """Excel's letters for a 0-based column index: 0 → A, 27 → AB."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def write_xlsx(path: Path, sheets: Sequence[Worksheet]) -> None:
    """Write ``sheets`` as an .xlsx workbook at ``path``; headers in bold, the first sheet selected."""
    styles = _Styles()
    facts = [_facts(sheet.frame) for sheet in sheets]
    columns = [
        [
            _column(sheet.frame.schema[name], name, index, sheet.formats.get(name), styles, known)
            for index, name in enumerate(sheet.frame.columns)
        ]
        for sheet, known in zip(sheets, facts, strict=True)
    ]
    with open(path, "wb") as file, ThreadPoolExecutor(WORKERS, thread_name_prefix="xlsx") as workers:
        archive = _Zip(file)
        archive.add("[Content_Types].xml", [_deflated(_content_types(len(sheets)).encode())])
        archive.add("_rels/.rels", [_deflated(_package_rels().encode())])
        archive.add("xl/workbook.xml", [_deflated(_workbook([sheet.name for sheet in sheets]).encode())])
        archive.add("xl/_rels/workbook.xml.rels", [_deflated(_workbook_rels(len(sheets)).encode())])
        archive.add("xl/styles.xml", [_deflated(styles.xml().encode())])
        for number, (sheet, sheet_columns, known) in enumerate(zip(sheets, columns, facts, strict=True), start=1):
            archive.add(
                f"xl/worksheets/sheet{number}.xml",
                _sheet_blocks(sheet.frame, sheet_columns, workers, selected=number == 1),
                zip64=_may_exceed_zip32(sheet.frame, known),
            )
        archive.close()


class _Styles:
    """Cell formats: 0 plain, 1 the bold header, then one per number format, in order of first use."""

    def __init__(self) -> None:
        self.codes: list[str] = []

    def index(self, code: str) -> int:
        if code not in self.codes:
            self.codes.append(code)
        return self.codes.index(code) + 2

    def xml(self) -> str:
        formats = "".join(
            f"<numFmt numFmtId={quoteattr(str(164 + i))} formatCode={quoteattr(code)}/>"
            for i, code in enumerate(self.codes)
        )
        font = '<sz val="11"/><name val="Calibri"/><family val="2"/>'
        xfs = [
            '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',
            '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>',
            *(
                f'<xf numFmtId="{164 + i}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
                for i in range(len(self.codes))
            ),
        ]
        return (
            f'{_XML}<styleSheet xmlns="{_MAIN}">'
            + (f'<numFmts count="{len(self.codes)}">{formats}</numFmts>' if self.codes else "")
            + f'<fonts count="2"><font>{font}</font><font><b/>{font}</font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"
        )


@dataclass
class _Column:
    """How one column's cells are written: attributes, the tags around the value, the value's text."""

    letters: str
    attributes: str  # e.g. ' s="3"' or ' t="inlineStr"'
    opening: str  # "<v>" or "<is><t>"
    closing: str
    text: pl.Expr  # null where the cell is left empty


ROW_NUMBER = "__xlsx_row"


def _sheet_blocks(
    frame: pl.DataFrame, columns: list[_Column], workers: Executor, *, selected: bool
) -> Iterator[tuple[memoryview | bytes, bytes]]:
    """A worksheet's XML in deflated blocks, made by the workers a few blocks ahead, yielded in order."""
    yield _deflated(_sheet_head(frame, selected).encode())
    block_rows = max(1_000, BLOCK_CELLS // max(1, frame.width))
    pending: deque = deque()
    for start in range(0, frame.height, block_rows):
        pending.append(workers.submit(_block, frame.slice(start, block_rows), start + 2, columns))
        if len(pending) > WORKERS:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()
    yield _deflated(_SHEET_TAIL.encode())


def _block(block: pl.DataFrame, first_row: int, columns: list[_Column]) -> tuple[memoryview, bytes]:
    raw = _rows_xml(block, first_row, columns)
    return raw, _deflated(raw)[1]


def _deflated(raw: memoryview | bytes) -> tuple[memoryview | bytes, bytes]:
    """Raw bytes and their deflated form, ended by a sync flush so that another block may follow."""
    compressor = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    return raw, compressor.compress(raw) + compressor.flush(zlib.Z_SYNC_FLUSH)


def _may_exceed_zip32(frame: pl.DataFrame, facts: dict[str, object]) -> bool:
    """Whether a sheet's XML might reach 4 GB: 128 bytes a cell and text escaped at worst 7 times over."""
    text_bytes = sum(value or 0 for key, value in facts.items() if key.endswith(":bytes"))
    return frame.height * (frame.width * 128 + 32) + 7 * text_bytes >= _ZIP32_LIMIT


def _sheet_head(frame: pl.DataFrame, selected: bool) -> str:
    last = f"{column_letters(frame.width - 1)}{frame.height + 1}" if frame.width else "A1"
    header = "".join(
        f'<c r="{column_letters(index)}1" s="1" t="inlineStr"><is>{_text_element(name)}</is></c>'
        for index, name in enumerate(frame.columns)
    )
    view = '<sheetView tabSelected="1" workbookViewId="0"/>' if selected else '<sheetView workbookViewId="0"/>'
    return (
        f'{_XML}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><dimension ref="A1:{last}"/>'
        f'<sheetViews>{view}</sheetViews><sheetFormatPr defaultRowHeight="15"/>'
        f'<sheetData><row r="1">{header}</row>'
    )


_SHEET_TAIL = (
    '</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>'
)


def _rows_xml(block: pl.DataFrame, first_row: int, columns: list[_Column]) -> memoryview:
    """The <row> elements of a block of rows, as the UTF-8 bytes of one Arrow buffer."""
    number = pl.col(ROW_NUMBER)
    texts = block.select(
        pl.int_range(first_row, first_row + block.height, dtype=pl.Int64).cast(pl.String).alias(ROW_NUMBER),
        *[column.text.alias(str(index)) for index, column in enumerate(columns)],
    )
    parts: list[pl.Expr] = [pl.lit('<row r="'), number, pl.lit('">')]
    for index, column in enumerate(columns):
        value = pl.col(str(index))
        cell = [
            pl.lit(f'<c r="{column.letters}'),
            number,
            pl.lit(f'"{column.attributes}>{column.opening}'),
            value,
            pl.lit(f"{column.closing}</c>"),
        ]
        if texts[str(index)].null_count():
            parts.append(pl.concat_str(cell).fill_null(""))
        else:
            parts.extend(cell)
    parts.append(pl.lit("</row>"))
    rows = texts.select(pl.concat_str(parts)).to_series().rechunk()
    array = rows.to_arrow(compat_level=pl.CompatLevel.oldest())
    _, offsets, data = array.buffers()  # no nulls: every row is text
    ends = memoryview(offsets).cast("q")
    return memoryview(data)[ends[array.offset] : ends[array.offset + len(array)]]


def _as_text(dtype: pl.DataType, name: str) -> pl.Expr:
    return pl.col(name) if dtype == pl.String else pl.col(name).cast(pl.String)


def _is_text(dtype: pl.DataType) -> bool:
    return not (dtype.is_numeric() or dtype.is_temporal() or dtype in (pl.Boolean, pl.Null))


def _facts(frame: pl.DataFrame) -> dict[str, object]:
    """What the cells of each column need, found in one pass over all columns (run in parallel).

    Keys are "index:fact": large (a number a double or 15 digits cannot hold as it is), and for
    text, long (over Excel's limit), unsafe, markup, edge (which escapes it needs) and bytes.
    """
    facts: list[pl.Expr] = []
    for index, (name, dtype) in enumerate(frame.schema.items()):
        value = pl.col(name)
        if isinstance(dtype, pl.Decimal):
            facts.append(
                (value.to_physical().abs().max() >= pl.lit(EXACT_DIGITS, dtype=pl.Int128)).alias(f"{index}:large")
            )
        elif dtype.is_integer():
            facts.append(((value < -SAFE_INTEGER) | (value > SAFE_INTEGER)).any().alias(f"{index}:large"))
        elif _is_text(dtype):
            text = _as_text(dtype, name)
            facts += [
                (text.str.len_chars() > EXCEL_MAX_STRING).any().alias(f"{index}:long"),
                text.str.contains(_UNSAFE).any().alias(f"{index}:unsafe"),
                text.str.contains(_MARKUP).any().alias(f"{index}:markup"),
                text.str.contains(_EDGE_SPACE).any().alias(f"{index}:edge"),
                text.str.len_bytes().sum().alias(f"{index}:bytes"),
            ]
    return frame.select(facts).row(0, named=True) if facts else {}


def _column(
    dtype: pl.DataType, name: str, index: int, code: str | None, styles: _Styles, facts: dict[str, object]
) -> _Column:
    """How a column's cells are written, given what its cells need (``facts``)."""
    value, letters = pl.col(name), column_letters(index)

    def number(text: pl.Expr, default_code: str | None = None) -> _Column:
        return _Column(letters, _style(styles, code or default_code), "<v>", "</v>", text)

    if dtype == pl.Boolean:
        return _Column(letters, _style(styles, code) + ' t="b"', "<v>", "</v>", value.cast(pl.UInt8).cast(pl.String))
    if isinstance(dtype, pl.Decimal):
        text = value.cast(pl.String)
        if dtype.scale:
            text = text.str.strip_chars_end("0").str.strip_chars_end(".")
        if facts[f"{index}:large"]:
            nearest = value.cast(pl.String).cast(pl.Float64).cast(pl.String)  # correctly rounded from the digits
            exact = value.to_physical().abs() < pl.lit(EXACT_DIGITS, dtype=pl.Int128)
            text = pl.when(exact).then(text).otherwise(nearest)
        return number(text)
    if dtype.is_integer():
        if facts[f"{index}:large"]:
            return number(_float_text(value.cast(pl.Float64)))  # as Excel will hold it
        return number(value.cast(pl.String))
    if dtype.is_float():
        return number(_float_text(value.cast(pl.Float64)))
    if dtype == pl.Date:
        return number((value.cast(pl.Int64) + EXCEL_EPOCH_DAYS).cast(pl.String), DATE_FORMAT)
    if isinstance(dtype, pl.Datetime):
        micros = value.dt.replace_time_zone(None).dt.cast_time_unit("us").cast(pl.Int64)
        return number(_float_text(micros.cast(pl.Float64) / DAY_MICROSECONDS + EXCEL_EPOCH_DAYS), DATETIME_FORMAT)
    if isinstance(dtype, pl.Duration):
        return number(_float_text(value.dt.total_microseconds().cast(pl.Float64) / DAY_MICROSECONDS), DURATION_FORMAT)
    if dtype == pl.Time:
        return number(_float_text(value.cast(pl.Int64).cast(pl.Float64) / (DAY_MICROSECONDS * 1000)), TIME_FORMAT)
    if dtype == pl.Null:
        return number(pl.lit(None, dtype=pl.String))
    text = _string_text(
        _as_text(dtype, name), *(facts[f"{index}:{fact}"] for fact in ("long", "unsafe", "markup", "edge"))
    )
    return _Column(letters, _style(styles, code) + ' t="inlineStr"', "<is>", "</is>", text)


def _style(styles: _Styles, code: str | None) -> str:
    return f' s="{styles.index(code)}"' if code else ""


def _float_text(value: pl.Expr) -> pl.Expr:
    """A double as its shortest round-trip text; NaN and infinities, which a cell cannot hold, left empty."""
    return pl.when(value.is_finite()).then(value.cast(pl.String))


def _string_text(text: pl.Expr, long: bool, unsafe: bool, markup: bool, edge: bool) -> pl.Expr:
    """The <t> elements of a text column, escaped as its cells need and cut to Excel's 32,767 characters."""
    if long:
        text = text.str.slice(0, EXCEL_MAX_STRING)
    if unsafe:
        return text.map_elements(_text_element, return_dtype=pl.String, skip_nulls=True)
    if markup:
        text = text.str.replace_all("&", "&amp;", literal=True)
        text = text.str.replace_all("<", "&lt;", literal=True).str.replace_all(">", "&gt;", literal=True)
    element = pl.concat_str(pl.lit("<t>"), text, pl.lit("</t>"))
    if edge:
        kept = pl.concat_str(pl.lit('<t xml:space="preserve">'), text, pl.lit("</t>"))
        element = pl.when(text.str.contains(_EDGE_SPACE)).then(kept).otherwise(element)
    return element


def _unsafe(match: re.Match) -> str:
    found = match.group()
    return f"_x{ord(found):04X}_" if len(found) == 1 else "_x005F_" + found[1:]


def _text_element(text: str) -> str:
    """One <t> element; a character XML cannot hold is written as Excel's _xHHHH_."""
    text = _UNSAFE_RE.sub(_unsafe, text)
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f"<t{space}>{escape(text)}</t>"


def _content_types(count: int) -> str:
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for n in range(1, count + 1)
    )
    return (
        f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        f"{sheets}"
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    )


def _package_rels() -> str:
    return (
        f'{_XML}<Relationships xmlns="{_PACKAGE_REL}">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    )


def _workbook(names: list[str]) -> str:
    sheets = "".join(
        f'<sheet name={quoteattr(name)} sheetId="{n}" r:id="rId{n}"/>' for n, name in enumerate(names, start=1)
    )
    return (
        f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
        f'<bookViews><workbookView/></bookViews><sheets>{sheets}</sheets><calcPr calcId="0"/></workbook>'
    )


def _workbook_rels(count: int) -> str:
    sheets = "".join(
        f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, count + 1)
    )
    return (
        f'{_XML}<Relationships xmlns="{_PACKAGE_REL}">{sheets}'
        f'<Relationship Id="rId{count + 1}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'
    )


_ZIP32_LIMIT = 0xFFFFFFFF
_FINAL_BLOCK = b"\x03\x00"  # an empty last deflate block (fixed Huffman codes), ending the stream
_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01, as Excel's own files carry
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")


class _Zip:
    """The zip container of a workbook: deflated entries, Zip64 where a size or offset needs it."""

    def __init__(self, file) -> None:
        self.file = file
        self.entries: list[tuple[bytes, int, int, int, int]] = []  # name, crc, compressed, size, offset

    def add(self, name: str, blocks: Iterable[tuple[memoryview | bytes, bytes]], *, zip64: bool = False) -> None:
        """One entry from blocks of (raw bytes, their deflated form ended by a sync flush)."""
        encoded, offset = name.encode(), self.file.tell()
        self.file.write(self._local(encoded, 0, 0, 0, zip64))
        crc = size = compressed = 0
        for raw, deflated in blocks:
            crc = zlib.crc32(raw, crc)
            size += len(raw)
            compressed += len(deflated)
            self.file.write(deflated)
        self.file.write(_FINAL_BLOCK)
        compressed += len(_FINAL_BLOCK)
        if not zip64 and max(size, compressed) >= _ZIP32_LIMIT:
            raise OverflowError(f"{name}: {size} bytes, more than was foreseen")
        end = self.file.tell()
        self.file.seek(offset)
        self.file.write(self._local(encoded, crc, compressed, size, zip64))
        self.file.seek(end)
        self.entries.append((encoded, crc, compressed, size, offset))

    @staticmethod
    def _local(name: bytes, crc: int, compressed: int, size: int, zip64: bool) -> bytes:
        if zip64:
            extra = struct.pack("<HHQQ", 1, 16, size, compressed)
            compressed = size = _ZIP32_LIMIT
        else:
            extra = b""
        version = 45 if zip64 else 20
        header = _LOCAL.pack(0x04034B50, version, 0, 8, 0, _DOS_DATE, crc, compressed, size, len(name), len(extra))
        return header + name + extra

    def close(self) -> None:
        """Write the central directory and its end records."""
        start = self.file.tell()
        for name, crc, compressed, size, offset in self.entries:
            large = [value for value in (size, compressed, offset) if value >= _ZIP32_LIMIT]
            extra = struct.pack(f"<HH{len(large)}Q", 1, 8 * len(large), *large) if large else b""
            version = 45 if large else 20
            sizes = [min(value, _ZIP32_LIMIT) for value in (compressed, size, len(name), len(extra))]
            fields = [0x02014B50, version, version, 0, 8, 0, _DOS_DATE, crc, *sizes, 0, 0, 0, 0]
            self.file.write(_CENTRAL.pack(*fields, min(offset, _ZIP32_LIMIT)) + name + extra)
        end = self.file.tell()
        count, length = len(self.entries), end - start
        if count >= 0xFFFF or start >= _ZIP32_LIMIT or length >= _ZIP32_LIMIT:
            self.file.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, length, start))
            self.file.write(struct.pack("<IIQI", 0x07064B50, 0, end, 1))
            count, length, start = min(count, 0xFFFF), min(length, _ZIP32_LIMIT), min(start, _ZIP32_LIMIT)
        self.file.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, length, start, 0))
