"""A streaming .xlsx writer for Polars frames: the only code that knows the file format.

Writing a million rows is mostly making worksheet XML and deflating it. Here
Polars makes the XML of a block of rows at once (every cell's markup is a
string expression) and zlib deflates it, in worker threads, several blocks at
a time: both release the GIL, so all cores share the work, and the caller may
make the next block of rows meanwhile (a sheet's rows may arrive as blocks,
each a frame, so a sheet is never whole in memory). A block's XML never
becomes a Python string: the bytes of the Arrow string column go to zlib as
they are. Each block is deflated on its own and ended with a sync flush, so
the blocks join into one deflate stream (as pigz does); the zip container
around them is written here too. An entry's deflated bytes are spooled to a
temporary file first, so its header knows its sizes and uses Zip64 only
when they need it; the parts that name the sheets (and the styles, known
once every block is seen) are written last.

Cells are written as Excel writes them: numbers as ``<v>`` text that reads
back as the same double, text as inline strings (text a user would type as a
formula is marked to stay text), booleans, dates and times as serial numbers
with a date format. An exact Decimal is written as the double nearest to it:
its own digits when it has at most 15 significant digits (which are that
double's shortest form), else the correctly rounded double. A struct column
holds cells of different kinds: each cell is written as its first field that
is not null (text or a number, say).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import struct
import tempfile
import zlib
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import BinaryIO
from xml.sax.saxutils import escape, quoteattr

import polars as pl

EXCEL_MAX_STRING = 32_767  # characters in a cell
COMPRESS_LEVEL = 1  # deflate level: 1 keeps pace with the XML; 6 would take four times as long for 25% less
BLOCK_CELLS = 250_000  # cells per block of rows: about 10 MB of XML
WORKERS = min(4, os.cpu_count() or 1)
AHEAD = 2 * WORKERS  # blocks the workers may be making while the caller makes the next rows
EXACT_DIGITS = 10**15  # a decimal with at most 15 significant digits round-trips through a double
SAFE_INTEGER = 2**53
EXCEL_EPOCH_DAYS = 25_569  # 1970-01-01 as an Excel serial day
DAY_MICROSECONDS = 86_400_000_000
DATE_FORMAT = "yyyy\\-mm\\-dd"
DATETIME_FORMAT = "yyyy\\-mm\\-dd\\ hh:mm:ss"
TIME_FORMAT = "hh:mm:ss"
DURATION_FORMAT = "[h]:mm:ss"
ZIP64_FROM = 0xFFFF_FFFF  # sizes and offsets from which an entry needs Zip64 (tests lower it)
SPOOL_BYTES = 16 << 20  # an entry's deflated bytes kept in memory up to this, then in a temporary file
COPY_CHUNK = 1 << 20

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
# Text Excel would take for a formula if it were typed in: kept text (quotePrefix) when the cell is edited.
_FORMULA_START = "^[=+@-]"


@dataclass
class Block:
    """Some rows of a sheet, and the Excel number formats of their columns (column → format code)."""

    frame: pl.DataFrame
    formats: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Worksheet:
    """A sheet: a header row over the rows of ``frame``, or of ``blocks`` (read once, in order).

    ``preamble`` lines go above the header row, in column A, the first as a title; a sheet with a
    preamble frames its header row and keeps it in view (frozen, and repeated on every printed page).
    """

    name: str
    frame: pl.DataFrame | None = None
    formats: Mapping[str, str] = field(default_factory=dict)  # column → Excel number format
    blocks: Iterable[Block] | None = None  # instead of frame: the rows a block at a time
    header: Sequence[str] | None = None  # the header row's texts; by default the column names
    preamble: Sequence[str] = ()
    widths: Sequence[float] = ()  # of the first columns, in characters; the others Excel's default

    def row_blocks(self) -> Iterator[Block]:
        if self.blocks is None:
            yield Block(self.frame if self.frame is not None else pl.DataFrame(), self.formats)
        else:
            yield from self.blocks

    @property
    def header_row(self) -> int:
        return len(self.preamble) + 1


def column_letters(index: int) -> str:
    """Excel's letters for a 0-based column index: 0 → A, 27 → AB."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def write_xlsx(target: str | os.PathLike | BinaryIO, sheets: Iterable[Worksheet]) -> None:
    """Write ``sheets`` as an .xlsx workbook to a path or a binary file; the first sheet selected.

    Sheets are taken one at a time, so ``sheets`` may be a generator that makes each as it is asked.
    """
    styles = _Styles()
    written: list[Worksheet] = []
    opened = open(target, "wb") if isinstance(target, str | os.PathLike) else contextlib.nullcontext(target)  # noqa: SIM115
    with opened as file, ThreadPoolExecutor(WORKERS, thread_name_prefix="xlsx") as workers:
        archive = _Zip(file)
        for number, sheet in enumerate(sheets, start=1):
            archive.add(f"xl/worksheets/sheet{number}.xml", _sheet_blocks(sheet, styles, workers, selected=number == 1))
            written.append(sheet)
        archive.add("[Content_Types].xml", [_deflated(_content_types(len(written)).encode())])
        archive.add("_rels/.rels", [_deflated(_package_rels().encode())])
        archive.add("xl/workbook.xml", [_deflated(_workbook(written).encode())])
        archive.add("xl/_rels/workbook.xml.rels", [_deflated(_workbook_rels(len(written)).encode())])
        archive.add("xl/styles.xml", [_deflated(styles.xml().encode())])
        archive.close()


PLAIN, BOLD, TITLE, QUOTED, FRAMED = range(5)  # the fixed cell formats; number formats follow


class _Styles:
    """Cell formats: plain, bold, title, quoted text, framed header, then one per number format as first used."""

    def __init__(self) -> None:
        self.codes: list[str] = []

    def index(self, code: str) -> int:
        if code not in self.codes:
            self.codes.append(code)
        return self.codes.index(code) + FRAMED + 1

    def xml(self) -> str:
        formats = "".join(
            f"<numFmt numFmtId={quoteattr(str(164 + i))} formatCode={quoteattr(code)}/>"
            for i, code in enumerate(self.codes)
        )
        font = '<name val="Calibri"/><family val="2"/>'
        xf = '<xf numFmtId="{}" fontId="{}" fillId="{}" borderId="{}" xfId="0"{}/>'
        xfs = [
            xf.format(0, 0, 0, 0, ""),
            xf.format(0, 1, 0, 0, ' applyFont="1"'),
            xf.format(0, 2, 0, 0, ' applyFont="1"'),
            xf.format(0, 0, 0, 0, ' quotePrefix="1"'),
            xf.format(0, 1, 2, 1, ' applyFont="1" applyFill="1" applyBorder="1"'),
            *(xf.format(164 + i, 0, 0, 0, ' applyNumberFormat="1"') for i in range(len(self.codes))),
        ]
        thin = '<{} style="thin"><color auto="1"/></{}>'
        edges = "".join(thin.format(edge, edge) for edge in ("left", "right", "top", "bottom"))
        return (
            f'{_XML}<styleSheet xmlns="{_MAIN}">'
            + (f'<numFmts count="{len(self.codes)}">{formats}</numFmts>' if self.codes else "")
            + f'<fonts count="3"><font><sz val="11"/>{font}</font><font><b/><sz val="11"/>{font}</font>'
            f'<font><b/><sz val="14"/>{font}</font></fonts>'
            '<fills count="3"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill>'
            '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/>'
            "</patternFill></fill></fills>"
            f'<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
            f"<border>{edges}<diagonal/></border></borders>"
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"
        )


@dataclass
class _Column:
    """How one column's cells are written: ``<c r="A7"`` + head + text + tail + ``</c>``."""

    letters: str
    head: str  # the attributes, ">" and the tag opening the value: ' s="6"><v>' or ' t="inlineStr"><is>'
    text: pl.Expr  # null where the cell is left empty
    tail: str  # "</v>" or "</is>"

    def whole(self) -> pl.Expr:
        """What follows the cell reference, as one text (null for an empty cell)."""
        return pl.concat_str(pl.lit(self.head), self.text, pl.lit(self.tail))


ROW_NUMBER = "__xlsx_row"


def _sheet_blocks(
    sheet: Worksheet, styles: _Styles, workers: Executor, *, selected: bool
) -> Iterator[tuple[memoryview | bytes, bytes]]:
    """A worksheet's XML in deflated blocks, made by the workers a few blocks ahead, yielded in order."""
    blocks = sheet.row_blocks()
    first = next(blocks, None)
    named = first.frame.columns if first is not None else []
    header = list(sheet.header) if sheet.header is not None else named
    height = sheet.frame.height if sheet.blocks is None and sheet.frame is not None else None
    yield _deflated(_sheet_head(sheet, header, height, selected).encode())
    row = sheet.header_row + 1
    pending: deque = deque()
    while first is not None:
        frame, columns = first.frame, _columns(first, styles)
        step = max(1_000, BLOCK_CELLS // max(1, frame.width))
        for start in range(0, frame.height, step):
            pending.append(workers.submit(_block, frame.slice(start, step), row + start, columns))
            while len(pending) > AHEAD:
                yield pending.popleft().result()
        row += frame.height
        del frame, first  # so that only the workers hold on to the rows of this block
        first = next(blocks, None)
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


def _sheet_head(sheet: Worksheet, header: Sequence[str], height: int | None, selected: bool) -> str:
    """The worksheet XML up to its first row of data: the view, the widths, the preamble and the header row."""
    top = sheet.header_row
    dimension = ""
    if height is not None:
        width = max(len(header), 1 if sheet.preamble else 0)
        last = f"{column_letters(width - 1)}{top + height}" if width else "A1"
        dimension = f'<dimension ref="A1:{last}"/>'
    pane = ""
    if sheet.preamble:
        below = f"A{top + 1}"
        pane = (
            f'<pane ySplit="{top}" topLeftCell="{below}" activePane="bottomLeft" state="frozen"/>'
            f'<selection pane="bottomLeft" activeCell="{below}" sqref="{below}"/>'
        )
    tab = ' tabSelected="1"' if selected else ""
    view = f'<sheetView{tab} workbookViewId="0">{pane}</sheetView>'
    widths = "".join(
        f'<col min="{n}" max="{n}" width="{width:g}" customWidth="1"/>' for n, width in enumerate(sheet.widths, start=1)
    )
    lines = "".join(
        f'<row r="{n}"><c r="A{n}"{_title_style(n)} t="inlineStr"><is>{_text_element(line)}</is></c></row>'
        for n, line in enumerate(sheet.preamble, start=1)
        if line
    )
    style = FRAMED if sheet.preamble else BOLD
    cells = "".join(
        f'<c r="{column_letters(index)}{top}" s="{style}" t="inlineStr"><is>{_text_element(name)}</is></c>'
        for index, name in enumerate(header)
    )
    return (
        f'{_XML}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">{dimension}'
        f'<sheetViews>{view}</sheetViews><sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{widths}</cols>" if widths else "")
        + f'<sheetData>{lines}<row r="{top}">{cells}</row>'
    )


def _title_style(row: int) -> str:
    return f' s="{TITLE}"' if row == 1 else ""


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
            pl.lit(f'"{column.head}'),
            value,
            pl.lit(f"{column.tail}</c>"),
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


def _as_text(dtype: pl.DataType, value: pl.Expr) -> pl.Expr:
    return value if dtype == pl.String else value.cast(pl.String)


def _is_text(dtype: pl.DataType) -> bool:
    return not (dtype.is_numeric() or dtype.is_temporal() or dtype in (pl.Boolean, pl.Null))


def _columns(block: Block, styles: _Styles) -> list[_Column]:
    """How each column of a block is written, given what its cells need."""
    columns = list(enumerate(block.frame.schema.items()))
    exprs = [fact for index, (name, dtype) in columns for fact in _fact(pl.col(name), dtype, str(index))]
    facts = block.frame.select(exprs).row(0, named=True) if exprs else {}
    return [
        _column(pl.col(name), dtype, str(index), column_letters(index), block.formats.get(name), styles, facts)
        for index, (name, dtype) in columns
    ]


def _fact(value: pl.Expr, dtype: pl.DataType, key: str) -> list[pl.Expr]:
    """What the cells of a column need, as expressions run over the block together (in parallel).

    Keys are "key:fact": large (a number a double or 15 digits cannot hold as it is), and for
    text, long (over Excel's limit), unsafe, markup, edge (which escapes it needs) and formula.
    A struct's fields are keyed "key.field".
    """
    if isinstance(dtype, pl.Struct):
        fields = [(value.struct.field(part.name), part.dtype, f"{key}.{part.name}") for part in dtype.fields]
        return [fact for field_ in fields for fact in _fact(*field_)]
    if isinstance(dtype, pl.Decimal):
        return [(value.to_physical().abs().max() >= pl.lit(EXACT_DIGITS, dtype=pl.Int128)).alias(f"{key}:large")]
    if dtype.is_integer():
        return [((value < -SAFE_INTEGER) | (value > SAFE_INTEGER)).any().alias(f"{key}:large")]
    if not _is_text(dtype):
        return []
    text = _as_text(dtype, value)
    return [
        (text.str.len_chars() > EXCEL_MAX_STRING).any().alias(f"{key}:long"),
        text.str.contains(_UNSAFE).any().alias(f"{key}:unsafe"),
        text.str.contains(_MARKUP).any().alias(f"{key}:markup"),
        text.str.contains(_EDGE_SPACE).any().alias(f"{key}:edge"),
        text.str.contains(_FORMULA_START).any().alias(f"{key}:formula"),
    ]


def _column(
    value: pl.Expr,
    dtype: pl.DataType,
    key: str,
    letters: str,
    code: str | None,
    styles: _Styles,
    facts: dict[str, object],
) -> _Column:
    """How a column's cells are written, given what its cells need (``facts``)."""

    def number(text: pl.Expr, default_code: str | None = None) -> _Column:
        return _Column(letters, f"{_style(styles, code or default_code)}><v>", text, "</v>")

    if isinstance(dtype, pl.Struct):
        kinds = [
            _column(value.struct.field(part.name), part.dtype, f"{key}.{part.name}", letters, code, styles, facts)
            for part in dtype.fields
        ]
        return _Column(letters, "", pl.coalesce([kind.whole() for kind in kinds]), "")
    if dtype == pl.Boolean:
        return _Column(letters, f'{_style(styles, code)} t="b"><v>', value.cast(pl.UInt8).cast(pl.String), "</v>")
    if isinstance(dtype, pl.Decimal):
        text = value.cast(pl.String)
        if dtype.scale:
            text = text.str.strip_chars_end("0").str.strip_chars_end(".")
        if facts[f"{key}:large"]:
            nearest = value.cast(pl.String).cast(pl.Float64).cast(pl.String)  # correctly rounded from the digits
            exact = value.to_physical().abs() < pl.lit(EXACT_DIGITS, dtype=pl.Int128)
            text = pl.when(exact).then(text).otherwise(nearest)
        return number(text)
    if dtype.is_integer():
        if facts[f"{key}:large"]:
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
    return _text_column(_as_text(dtype, value), key, letters, _style(styles, code), facts)


def _text_column(text: pl.Expr, key: str, letters: str, style: str, facts: dict[str, object]) -> _Column:
    """Inline strings; those that start as a formula would are marked to stay text when edited."""
    element = _string_text(text, *(facts[f"{key}:{fact}"] for fact in ("long", "unsafe", "markup", "edge")))
    plain = _Column(letters, f'{style} t="inlineStr"><is>', element, "</is>")
    if not facts[f"{key}:formula"]:
        return plain
    quoted = _Column(letters, f' s="{QUOTED}" t="inlineStr"><is>', element, "</is>")
    either = pl.when(text.str.contains(_FORMULA_START)).then(quoted.whole()).otherwise(plain.whole())
    return _Column(letters, "", either, "")


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


def _workbook(sheets: list[Worksheet]) -> str:
    """The sheets' names, and the header row printed atop every page of a sheet with a preamble."""
    names = "".join(
        f'<sheet name={quoteattr(sheet.name)} sheetId="{n}" r:id="rId{n}"/>' for n, sheet in enumerate(sheets, start=1)
    )
    titles = "".join(
        f'<definedName name="_xlnm.Print_Titles" localSheetId="{index}">'
        f"{escape(_quoted_name(sheet.name))}!${sheet.header_row}:${sheet.header_row}</definedName>"
        for index, sheet in enumerate(sheets)
        if sheet.preamble
    )
    return (
        f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
        f"<bookViews><workbookView/></bookViews><sheets>{names}</sheets>"
        + (f"<definedNames>{titles}</definedNames>" if titles else "")
        + '<calcPr calcId="0"/></workbook>'
    )


def _quoted_name(name: str) -> str:
    """A sheet name as a formula refers to it: 'O''Neil'."""
    return "'" + name.replace("'", "''") + "'"


def _workbook_rels(count: int) -> str:
    sheets = "".join(
        f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, count + 1)
    )
    return (
        f'{_XML}<Relationships xmlns="{_PACKAGE_REL}">{sheets}'
        f'<Relationship Id="rId{count + 1}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'
    )


_ZIP32_MARK = 0xFFFF_FFFF  # a size or offset field that says "see the Zip64 record"
_FINAL_BLOCK = b"\x03\x00"  # an empty last deflate block (fixed Huffman codes), ending the stream
_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01, as Excel's own files carry
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")


class _Zip:
    """The zip container of a workbook, written front to back: deflated entries, Zip64 where a size needs it."""

    def __init__(self, file: BinaryIO) -> None:
        self.file = file
        self.offset = 0
        self.entries: list[tuple[bytes, int, int, int, int]] = []  # name, crc, compressed, size, offset

    def add(self, name: str, blocks: Iterable[tuple[memoryview | bytes, bytes]]) -> None:
        """One entry from blocks of (raw bytes, their deflated form ended by a sync flush)."""
        encoded = name.encode()
        crc = size = 0
        with tempfile.SpooledTemporaryFile(SPOOL_BYTES) as spool:
            for raw, deflated in blocks:
                crc = zlib.crc32(raw, crc)
                size += len(raw)
                spool.write(deflated)
            spool.write(_FINAL_BLOCK)
            compressed = spool.tell()
            self.entries.append((encoded, crc, compressed, size, self.offset))
            self._write(self._local(encoded, crc, compressed, size))
            spool.seek(0)
            shutil.copyfileobj(spool, self.file, COPY_CHUNK)
            self.offset += compressed

    def _write(self, data: bytes) -> None:
        self.file.write(data)
        self.offset += len(data)

    @staticmethod
    def _local(name: bytes, crc: int, compressed: int, size: int) -> bytes:
        if max(size, compressed) >= ZIP64_FROM:
            extra = struct.pack("<HHQQ", 1, 16, size, compressed)
            compressed = size = _ZIP32_MARK
        else:
            extra = b""
        version = 45 if extra else 20
        header = _LOCAL.pack(0x04034B50, version, 0, 8, 0, _DOS_DATE, crc, compressed, size, len(name), len(extra))
        return header + name + extra

    def close(self) -> None:
        """Write the central directory and its end records."""
        start = self.offset
        for name, crc, compressed, size, offset in self.entries:
            large = [value for value in (size, compressed, offset) if value >= ZIP64_FROM]
            extra = struct.pack(f"<HH{len(large)}Q", 1, 8 * len(large), *large) if large else b""
            version = 45 if large else 20
            compressed, size, offset = (_mark(value) for value in (compressed, size, offset))
            fields = [0x02014B50, version, version, 0, 8, 0, _DOS_DATE, crc, compressed, size, len(name), len(extra)]
            self._write(_CENTRAL.pack(*fields, 0, 0, 0, 0, offset) + name + extra)
        end = self.offset
        count, length = len(self.entries), end - start
        if count >= 0xFFFF or start >= ZIP64_FROM or length >= ZIP64_FROM:
            self._write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, length, start))
            self._write(struct.pack("<IIQI", 0x07064B50, 0, end, 1))
            count, length, start = min(count, 0xFFFF), _mark(length), _mark(start)
        self._write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, length, start, 0))


def _mark(value: int) -> int:
    """A size or offset as a 32-bit field holds it: itself, or the mark that its Zip64 record holds it."""
    return _ZIP32_MARK if value >= ZIP64_FROM else value
