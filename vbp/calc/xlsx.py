"""A streaming .xlsx writer for Polars frames: the only code that knows the file format.

Every .xlsx the system writes goes through ``write_xlsx``: list exports, calculation workbooks, the import
templates and Wuhan's 导出模版. Text is always written as text: a cell never holds a formula, so text that
starts with = + - @ (a hospital named ``=HYPERLINK(…)``) stays the text it is.

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
when they need it. A sheet's head (its ``<dimension>``, which must come first,
names the last row, known only once every block is seen) is made and deflated
after its rows and put in front of them; the entry's CRC-32 joins the head's
and the rows' (``crc32_combine``). The parts that name the sheets (and the
styles, known once every block is seen) are written last.

Cells are written as Excel writes them: numbers as ``<v>`` text that reads
back as the same double, text as inline strings (text a user would type as a
formula is marked to stay text), booleans, dates and times as serial numbers
with a date format. An exact Decimal is written as the double nearest to it:
its own digits when it has at most 15 significant digits (which are that
double's shortest form), else the correctly rounded double. A struct column
holds cells of different kinds: each cell is written as its first field that
is not null (text or a number, say).

Dates follow Excel's 1900 date system, leap-year bug included: 1900-01-01 is serial 1, 1900-02-28 is 59, the
fictitious 1900-02-29 is 60 and 1900-03-01 is 61. Excel holds no date before 1900-01-01, so such a date (or
datetime) is written as its ISO text (``1899-12-31``, ``1899-12-31T08:00:00``), never as a number Excel would show
as ``#####`` or as another day. Aware datetimes are written as the wall-clock time in ``time_zone``
(Asia/Shanghai unless told), naive ones as they are.

Where XlsxWriter (3.3) writes the same values differently, on purpose:

- numbers: XlsxWriter writes ``%.16G``, which does not always read back as the same double (0.30000000000000004
  becomes 0.3); here every double is written in its shortest round-trip form;
- NaN and ±infinity: XlsxWriter refuses them (or writes an error formula); here the cell is left empty;
- datetimes on 1900-01-01 become XlsxWriter's "time only" serial (0.5 for noon, which Excel shows as
  1900-01-00), and datetimes on 1900-02-28 after midnight land on the fictitious 1900-02-29 (59.5 + 1): here they
  are 1.5 and 59.5, the days they are (dates without a time agree);
- dates before 1900-01-01: XlsxWriter writes 0 or negative serials; here the ISO text;
- aware datetimes: XlsxWriter refuses them unless told to drop the zone (keeping the zone's wall time); here they
  are converted to ``time_zone`` first;
- text over 32,767 characters: XlsxWriter cuts it; here it is refused (XlsxError), never cut silently;
- text with two would-be escapes sharing an underscore ("_x005F_x0041_"), or one ending where a control
  character follows ("_x0041" + "\x01"): XlsxWriter's escaping reads back as other text; here it reads back as
  it was.

What Excel refuses, the writer refuses before it writes a byte of the sheet (XlsxError, with a Chinese message
naming the sheet and, for a cell, its row and column): a bad sheet name, more than 1,048,576 rows or 16,384
columns in a sheet (rows counted as blocks arrive), text over 32,767 characters. A workbook written to a path is
removed again when writing fails.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import re
import shutil
import struct
import tempfile
import unicodedata
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import BinaryIO
from xml.sax.saxutils import escape, quoteattr

import polars as pl

EXCEL_MAX_STRING = 32_767  # characters in a cell, as Excel counts them (UTF-16 code units)
EXCEL_MAX_ROWS = 1_048_576  # rows in a sheet, preamble and header rows included
EXCEL_MAX_COLUMNS = 16_384  # columns in a sheet (A … XFD)
EXCEL_MAX_SHEET_NAME = 31  # characters in a sheet name
EXCEL_MAX_LIST = 255  # characters of a drop-down's options, commas included
EXCEL_MAX_MESSAGE = 255  # characters of a data validation's error message
LOCAL_TIME_ZONE = "Asia/Shanghai"  # the wall clock aware datetimes are written in
COMPRESS_LEVEL = 1  # deflate level: 1 keeps pace with the XML; 6 would take four times as long for 25% less
BLOCK_CELLS = 250_000  # cells per block of rows: about 10 MB of XML
WORKERS = min(4, os.cpu_count() or 1)
AHEAD = 2 * WORKERS  # blocks the workers may be making while the caller makes the next rows
EXACT_DIGITS = 10**15  # a decimal with at most 15 significant digits round-trips through a double
SAFE_INTEGER = 2**53
EXCEL_EPOCH_DAYS = 25_569  # 1970-01-01 as an Excel serial day
FIRST_DATE = datetime.date(1900, 1, 1)  # Excel's serial 1: an earlier date is written as its ISO text
LEAP_BUG_END = datetime.date(1900, 3, 1)  # serial 61: from here on serials count Excel's fictitious 1900-02-29
DAY_MICROSECONDS = 86_400_000_000
DATE_FORMAT = "yyyy\\-mm\\-dd"
DATETIME_FORMAT = "yyyy\\-mm\\-dd\\ hh:mm:ss"
TIME_FORMAT = "hh:mm:ss"
DURATION_FORMAT = "[h]:mm:ss"
TEXT_FORMAT = "@"
HEADER_FILL = "DDEBF7"  # the light blue behind header rows
DEFAULT_WIDTH = 9.140625  # Excel's default column width, for a column given a style but no width
ZIP64_FROM = 0xFFFF_FFFF  # sizes and offsets from which an entry needs Zip64 (tests lower it)
SPOOL_BYTES = 16 << 20  # an entry's deflated bytes kept in memory up to this, then in a temporary file
COPY_CHUNK = 1 << 20

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# Characters XML 1.0 cannot hold or would not keep (a CR reads back as LF): written as _xHHHH_, as Excel does.
_CONTROL = "[\x00-\x08\x0b-\x1f\ufffe\uffff]"
# And an underscore that would start such an escape in what is written (its x and four hex digits followed by an
# underscore, or by a character written as an escape, which starts with one): written as _x005F_. Every such
# underscore, also where two would-be escapes share one ("_x005F_x0041_"), so that reading it back, left to
# right, gives the text again (XlsxWriter escapes only the first of two that overlap).
_ESCAPED_RE = re.compile(f"{_CONTROL}|_(?=x[0-9A-Fa-f]{{4}}(?:_|{_CONTROL}))")
# What sends a column to that escaping, value by value: a character to escape (but CR, which a column may hold
# alone, text typed in a browser's text area, and which is replaced in bulk), or what may need _x005F_.
_UNSAFE = "[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}[_\r]"
# Text a reader would trim unless told to keep its spaces.
_EDGE_SPACE = r"^\s|\s$"
_MARKUP = "[&<>]"
# Text Excel would take for a formula if it were typed in: kept text (quotePrefix) when the cell is edited.
_FORMULA_START = "^[=+@-]"
_ASTRAL = "[\U00010000-\U0010ffff]"  # characters Excel counts twice (a UTF-16 surrogate pair)
_NOT_IN_SHEET_NAMES = "/\\:*?[]"
_RESERVED_SHEET_NAMES = {"history"}  # Excel keeps "History" for its own change-tracking sheet
_BUILTIN_FORMATS = {"General": 0, TEXT_FORMAT: 49}


class XlsxError(ValueError):
    """Excel could not hold what was asked for; the message, in Chinese, says what and where."""


@dataclass(frozen=True)
class Style:
    """How a cell looks: font (bold, size, colour as RRGGBB), solid fill, a thin border, number format."""

    bold: bool = False
    size: float = 11
    color: str | None = None
    fill: str | None = None
    border: bool = False
    number_format: str | None = None
    quote_prefix: bool = False  # text kept text when the cell is edited, even if it starts like a formula

    def __post_init__(self) -> None:
        for colour in (self.color, self.fill):
            if colour is not None and not re.fullmatch("[0-9A-Fa-f]{6}", colour):
                raise XlsxError(f"颜色“{colour}”应为 6 位十六进制数（RRGGBB）")


# The fixed cell formats, first in every workbook: plain, bold, title, quoted text, framed header.
_FIXED = (
    Style(),
    Style(bold=True),
    Style(bold=True, size=14),
    Style(quote_prefix=True),
    Style(bold=True, fill=HEADER_FILL, border=True),
)
PLAIN, BOLD, TITLE, QUOTED, FRAMED = range(len(_FIXED))


@dataclass(frozen=True)
class Validation:
    """Excel's data validation (数据验证) of one column's cells, rows ``first_row``..``last_row`` as Excel numbers them.

    Either ``options``, a drop-down of these texts, or ``between``, a decimal number from the first to the second
    bound (both allowed). Empty cells are allowed; ``error`` is what Excel says when it refuses a typed value.
    """

    column: int  # 0-based
    first_row: int
    last_row: int
    options: Sequence[str] = ()
    between: tuple[Decimal | int | float, Decimal | int | float] | None = None
    error: str = ""
    error_title: str = ""


@dataclass
class Block:
    """Some rows of a sheet, and the Excel number formats of their columns (column → format code).

    A struct column's field takes the format given for "column.field", else the column's.
    """

    frame: pl.DataFrame
    formats: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Worksheet:
    """A sheet: a header row over the rows of ``frame``, or of ``blocks`` (read once, in order).

    ``preamble`` lines go above the header row, in column A, the first as a title; a sheet with a
    preamble frames its header row and keeps it in view (frozen, and repeated on every printed page).
    ``freeze_header`` keeps the header row in view with or without a preamble (True) or not (False).
    """

    name: str
    frame: pl.DataFrame | None = None
    formats: Mapping[str, str] = field(default_factory=dict)  # column → Excel number format
    blocks: Iterable[Block] | None = None  # instead of frame: the rows a block at a time
    header: Sequence[str] | None = None  # the header row's texts; by default the column names
    preamble: Sequence[str] = ()
    widths: Sequence[float] = ()  # of the first columns, in characters; the others Excel's default
    header_styles: Sequence[Style | None] = ()  # of the header cells; by default bold (framed under a preamble)
    text_columns: Sequence[int] = ()  # 0-based columns formatted as text ("@"): what is typed in stays text
    validations: Sequence[Validation] = ()
    freeze_header: bool | None = None  # by default, frozen when there is a preamble

    def row_blocks(self) -> Iterator[Block]:
        if self.blocks is None:
            yield Block(self.frame if self.frame is not None else pl.DataFrame(), self.formats)
        else:
            yield from self.blocks

    @property
    def header_row(self) -> int:
        return len(self.preamble) + 1

    @property
    def frozen(self) -> bool:
        return bool(self.preamble) if self.freeze_header is None else self.freeze_header


def column_letters(index: int) -> str:
    """Excel's letters for a 0-based column index: 0 → A, 27 → AB."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def write_xlsx(
    target: str | os.PathLike | BinaryIO, sheets: Iterable[Worksheet], *, time_zone: str = LOCAL_TIME_ZONE
) -> None:
    """Write ``sheets`` as an .xlsx workbook to a path or a binary file; the first sheet selected.

    Sheets are taken one at a time, so ``sheets`` may be a generator that makes each as it is asked.
    Aware datetimes are written as wall-clock time in ``time_zone``. XlsxError when Excel could not open
    what was asked for; a path is then removed again (a file object is left as it is, unfinished).
    """
    path = target if isinstance(target, str | os.PathLike) else None
    try:
        _write_workbook(target, sheets, time_zone)
    except BaseException:
        if path is not None:
            with contextlib.suppress(OSError):
                os.unlink(path)
        raise


def _write_workbook(target: str | os.PathLike | BinaryIO, sheets: Iterable[Worksheet], time_zone: str) -> None:
    context = _Context(_Styles(), time_zone)
    written: list[Worksheet] = []
    names: dict[str, str] = {}  # casefolded → as given
    opened = open(target, "wb") if isinstance(target, str | os.PathLike) else contextlib.nullcontext(target)  # noqa: SIM115
    with opened as file, ThreadPoolExecutor(WORKERS, thread_name_prefix="xlsx") as workers:
        archive = _Zip(file)
        for number, sheet in enumerate(sheets, start=1):
            _check_sheet_name(sheet.name, names)
            writer = _SheetWriter(sheet, context, workers, selected=number == 1)
            archive.add(f"xl/worksheets/sheet{number}.xml", writer.body(), head=writer.head)
            written.append(sheet)
        if not written:
            raise XlsxError("工作簿至少要有一个工作表")
        archive.add("[Content_Types].xml", [_deflated(_content_types(len(written)).encode())])
        archive.add("_rels/.rels", [_deflated(_package_rels().encode())])
        archive.add("xl/workbook.xml", [_deflated(_workbook(written).encode())])
        archive.add("xl/_rels/workbook.xml.rels", [_deflated(_workbook_rels(len(written)).encode())])
        archive.add("xl/styles.xml", [_deflated(context.styles.xml().encode())])
        archive.close()


def _check_sheet_name(name: str, seen: dict[str, str]) -> None:
    """Refuse a name Excel would refuse: empty, too long, a forbidden or control character, quoted, a duplicate."""
    shown = _visible(name)
    if not name:
        raise XlsxError("工作表名称不能为空")
    length = _utf16_length(name)
    if length > EXCEL_MAX_SHEET_NAME:
        raise XlsxError(f"工作表名称“{shown}”超过 {EXCEL_MAX_SHEET_NAME} 个字符（有 {length} 个）")
    forbidden = [char for char in _NOT_IN_SHEET_NAMES if char in name]
    if forbidden:
        raise XlsxError(f"工作表名称“{shown}”含有 Excel 不允许的字符：{' '.join(forbidden)}")
    if any(unicodedata.category(char) == "Cc" for char in name):
        raise XlsxError(f"工作表名称“{shown}”含有控制字符")
    if name.startswith("'") or name.endswith("'"):
        raise XlsxError(f"工作表名称“{shown}”不能以单引号（'）开头或结尾")
    key = name.casefold()
    if key in _RESERVED_SHEET_NAMES:
        raise XlsxError(f"工作表名称“{shown}”是 Excel 保留的名称")
    if key in seen:
        raise XlsxError(f"工作表名称“{shown}”与“{_visible(seen[key])}”重复（Excel 不区分大小写）")
    seen[key] = name


def _visible(text: str) -> str:
    """Text for a message: control characters shown as \\xHH."""
    return "".join(f"\\x{ord(char):02x}" if unicodedata.category(char) == "Cc" else char for char in text)


def _utf16_length(text: str) -> int:
    """Characters as Excel counts them: one beyond the Basic Multilingual Plane counts two."""
    return len(text) + sum(ord(char) > 0xFFFF for char in text)


def _too_long(sheet: str, row: int, letters: str, length: int) -> str:
    return (
        f"工作表“{sheet}”第 {row} 行 {letters} 列的文本有 {length:,} 个字符，超过 Excel 单元格上限 {EXCEL_MAX_STRING:,}"
    )


class _Styles:
    """Cell formats (xf), each given its index as first used; the fixed ones first.

    Fonts, fills, borders and number formats are made from them when the workbook's styles are written.
    """

    def __init__(self) -> None:
        self.xfs: dict[Style, int] = {}
        for style in _FIXED:
            self.index(style)

    def index(self, style: Style) -> int:
        found = self.xfs.get(style)
        if found is None:
            found = self.xfs[style] = len(self.xfs)
        return found

    def xml(self) -> str:
        fonts: dict[tuple, int] = {}
        fills: dict[str, int] = {}  # after "none" and "gray125", which every workbook has
        formats: dict[str, int] = {}
        xfs = []
        for style in self.xfs:  # in index order
            font = fonts.setdefault((style.bold, style.size, (style.color or "").upper()), len(fonts))
            fill = fills.setdefault(style.fill.upper(), len(fills) + 2) if style.fill else 0
            code = style.number_format or "General"
            number = _BUILTIN_FORMATS.get(code)
            if number is None:
                number = formats.setdefault(code, 164 + len(formats))
            border = 1 if style.border else 0
            applied = (
                (' applyNumberFormat="1"' if number else "")
                + (' applyFont="1"' if font else "")
                + (' applyFill="1"' if fill else "")
                + (' applyBorder="1"' if border else "")
                + (' quotePrefix="1"' if style.quote_prefix else "")
            )
            xfs.append(
                f'<xf numFmtId="{number}" fontId="{font}" fillId="{fill}" borderId="{border}" xfId="0"{applied}/>'
            )
        number_formats = "".join(
            f"<numFmt numFmtId={quoteattr(str(number))} formatCode={quoteattr(code)}/>"
            for code, number in formats.items()
        )
        font_xml = "".join(
            "<font>"
            + ("<b/>" if bold else "")
            + f'<sz val="{size:g}"/>'
            + (f'<color rgb="FF{color}"/>' if color else "")
            + '<name val="Calibri"/><family val="2"/></font>'
            for bold, size, color in fonts
        )
        fill_xml = "".join(
            f'<fill><patternFill patternType="solid"><fgColor rgb="FF{colour}"/><bgColor indexed="64"/>'
            "</patternFill></fill>"
            for colour in fills
        )
        thin = '<{} style="thin"><color auto="1"/></{}>'
        edges = "".join(thin.format(edge, edge) for edge in ("left", "right", "top", "bottom"))
        return (
            f'{_XML}<styleSheet xmlns="{_MAIN}">'
            + (f'<numFmts count="{len(formats)}">{number_formats}</numFmts>' if formats else "")
            + f'<fonts count="{len(fonts)}">{font_xml}</fonts>'
            f'<fills count="{len(fills) + 2}"><fill><patternFill patternType="none"/></fill>'
            f'<fill><patternFill patternType="gray125"/></fill>{fill_xml}</fills>'
            f'<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
            f"<border>{edges}<diagonal/></border></borders>"
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"
        )


@dataclass
class _Context:
    """What every sheet of a workbook shares: its cell formats, and the time zone of its datetimes."""

    styles: _Styles
    time_zone: str

    def style(self, code: str | None) -> str:
        """The ``s`` attribute of a cell in number format ``code`` (none for General)."""
        return f' s="{self.styles.index(Style(number_format=code))}"' if code else ""


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
Deflated = tuple[memoryview | bytes, bytes]  # raw bytes and their deflated form


class _SheetWriter:
    """One worksheet's XML: ``body`` (its rows, deflated a block at a time), then ``head`` (what precedes them)."""

    def __init__(self, sheet: Worksheet, context: _Context, workers: Executor, *, selected: bool) -> None:
        self.sheet, self.context, self.workers, self.selected = sheet, context, workers, selected
        self.width = 0  # columns, as wide as the widest row
        self.last_row = sheet.header_row

    def body(self) -> Iterator[Deflated]:
        """The preamble and header rows, the data rows made by the workers a few blocks ahead, and the tail."""
        sheet = self.sheet
        self._check_rows(sheet.header_row)
        blocks = sheet.row_blocks()
        first = next(blocks, None)
        named = first.frame.columns if first is not None else []
        header = list(sheet.header) if sheet.header is not None else list(named)
        yield _deflated(self._top_rows(header).encode())
        tail = self._tail()  # checked before any row is made
        row = sheet.header_row + 1
        pending: deque[Future] = deque()
        try:
            while first is not None:
                frame = first.frame
                self._widen(frame.width)
                if frame.height:
                    self._check_rows(row + frame.height - 1)
                    columns = _columns(first, self.context, sheet.name, row)
                    step = max(1_000, BLOCK_CELLS // max(1, frame.width))
                    for start in range(0, frame.height, step):
                        pending.append(self.workers.submit(_block, frame.slice(start, step), row + start, columns))
                        while len(pending) > AHEAD:
                            yield pending.popleft().result()
                    row += frame.height
                del frame, first  # so that only the workers hold on to the rows of this block
                first = next(blocks, None)
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:  # refused or abandoned: the blocks not yet made are not made
                future.cancel()
        self.last_row = row - 1
        yield _deflated(tail.encode())

    def head(self) -> Deflated:
        """The worksheet XML up to its first row, known once every row is: the dimension, the view, the columns."""
        sheet = self.sheet
        top = sheet.header_row
        width = max(self.width, 1 if sheet.preamble else 0)
        last = f"{column_letters(width - 1)}{self.last_row}" if width else "A1"
        dimension = f'<dimension ref="{"A1" if last == "A1" else "A1:" + last}"/>'
        pane = ""
        if sheet.frozen:
            below = f"A{top + 1}"
            pane = (
                f'<pane ySplit="{top}" topLeftCell="{below}" activePane="bottomLeft" state="frozen"/>'
                f'<selection pane="bottomLeft" activeCell="{below}" sqref="{below}"/>'
            )
        tab = ' tabSelected="1"' if self.selected else ""
        view = f'<sheetView{tab} workbookViewId="0">{pane}</sheetView>'
        columns = self._columns_xml()
        xml = (
            f'{_XML}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">{dimension}'
            f'<sheetViews>{view}</sheetViews><sheetFormatPr defaultRowHeight="15"/>'
            + (f"<cols>{columns}</cols>" if columns else "")
            + "<sheetData>"
        )
        return _deflated(xml.encode())

    def _widen(self, width: int) -> None:
        if width > EXCEL_MAX_COLUMNS:
            raise XlsxError(f"工作表“{self.sheet.name}”有 {width:,} 列，超过 Excel 的上限 {EXCEL_MAX_COLUMNS:,} 列")
        self.width = max(self.width, width)

    def _check_rows(self, last: int) -> None:
        if last > EXCEL_MAX_ROWS:
            raise XlsxError(
                f"工作表“{self.sheet.name}”至少有 {last:,} 行（含表头），超过 Excel 的上限 {EXCEL_MAX_ROWS:,} 行"
            )

    def _text(self, text: str, row: int, column: int) -> str:
        """One <t> element of the preamble or header, refused when longer than a cell holds."""
        length = _utf16_length(text)
        if length > EXCEL_MAX_STRING:
            raise XlsxError(_too_long(self.sheet.name, row, column_letters(column), length))
        return _text_element(text)

    def _top_rows(self, header: list[str]) -> str:
        """The preamble lines in column A, the first as a title, and the header row."""
        sheet, styles = self.sheet, self.context.styles
        self._widen(len(header))
        lines = "".join(
            f'<row r="{n}"><c r="A{n}"{_title_style(n)} t="inlineStr"><is>{self._text(line, n, 0)}</is></c></row>'
            for n, line in enumerate(sheet.preamble, start=1)
            if line
        )
        top = sheet.header_row
        default = FRAMED if sheet.preamble else BOLD
        given = list(sheet.header_styles)
        cells = "".join(
            f'<c r="{column_letters(index)}{top}" '
            f's="{styles.index(given[index]) if index < len(given) and given[index] else default}" '
            f't="inlineStr"><is>{self._text(name, top, index)}</is></c>'
            for index, name in enumerate(header)
        )
        return f'{lines}<row r="{top}">{cells}</row>'

    def _columns_xml(self) -> str:
        """<col> elements: the given widths, and the text format of the text columns."""
        styles = self.context.styles
        columns: dict[int, list] = {index: [width, None] for index, width in enumerate(self.sheet.widths)}
        for index in self.sheet.text_columns:
            _check_column(self.sheet.name, index)
            columns.setdefault(index, [None, None])[1] = styles.index(Style(number_format=TEXT_FORMAT))
        xml = []
        for index in sorted(columns):
            width, style = columns[index]
            if index >= EXCEL_MAX_COLUMNS:
                break
            xml.append(
                f'<col min="{index + 1}" max="{index + 1}" width="{DEFAULT_WIDTH if width is None else width:g}"'
                + (f' style="{style}"' if style is not None else "")
                + (' customWidth="1"' if width is not None else "")
                + "/>"
            )
        return "".join(xml)

    def _tail(self) -> str:
        """After the rows: the data validations (in the schema's order), the page margins."""
        validations = [_validation_xml(self.sheet.name, validation) for validation in self.sheet.validations]
        return (
            "</sheetData>"
            + (
                f'<dataValidations count="{len(validations)}">{"".join(validations)}</dataValidations>'
                if validations
                else ""
            )
            + _PAGE_MARGINS
            + "</worksheet>"
        )


_PAGE_MARGINS = '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'


def _check_column(sheet: str, index: int) -> None:
    if not 0 <= index < EXCEL_MAX_COLUMNS:
        raise XlsxError(f"工作表“{sheet}”没有第 {index + 1:,} 列（Excel 最多 {EXCEL_MAX_COLUMNS:,} 列）")


def _validation_xml(sheet: str, validation: Validation) -> str:
    """A <dataValidation>: a drop-down of options, or a decimal between two bounds; empty cells allowed."""
    _check_column(sheet, validation.column)
    if not 1 <= validation.first_row <= validation.last_row <= EXCEL_MAX_ROWS:
        raise XlsxError(f"工作表“{sheet}”的数据验证行号应在 1～{EXCEL_MAX_ROWS:,} 之间且从小到大")
    letters = column_letters(validation.column)
    cells = f"{letters}{validation.first_row}:{letters}{validation.last_row}"
    if validation.options:
        if any("," in option for option in validation.options):
            raise XlsxError(f"工作表“{sheet}”{letters} 列下拉选项不能含有英文逗号")
        listed = ",".join(validation.options)
        if _utf16_length(listed) > EXCEL_MAX_LIST:
            raise XlsxError(f"工作表“{sheet}”{letters} 列的下拉选项共超过 {EXCEL_MAX_LIST} 个字符")
        kind = 'type="list"'
        formulas = f"<formula1>{escape(_quoted_text(listed))}</formula1>"
    elif validation.between is not None:
        low, high = (_number_text(bound) for bound in validation.between)
        kind = 'type="decimal" operator="between"'
        formulas = f"<formula1>{low}</formula1><formula2>{high}</formula2>"
    else:
        raise XlsxError(f"工作表“{sheet}”{letters} 列的数据验证应给出下拉选项或数值范围")
    for text in (validation.error, validation.error_title):
        if _utf16_length(text) > EXCEL_MAX_MESSAGE:
            raise XlsxError(f"工作表“{sheet}”{letters} 列数据验证的提示超过 {EXCEL_MAX_MESSAGE} 个字符")
    messages = (f" errorTitle={quoteattr(validation.error_title)}" if validation.error_title else "") + (
        f" error={quoteattr(validation.error)}" if validation.error else ""
    )
    return (
        f'<dataValidation {kind} allowBlank="1" showErrorMessage="1"{messages} sqref="{cells}">{formulas}'
        "</dataValidation>"
    )


def _quoted_text(text: str) -> str:
    """Text as a formula's string literal: "a,b", a quote doubled."""
    return '"' + text.replace('"', '""') + '"'


def _number_text(value: Decimal | int | float) -> str:
    number = Decimal(str(value))
    if not number.is_finite():
        raise XlsxError(f"数据验证的范围应为有限数值，实为“{value}”")
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _block(block: pl.DataFrame, first_row: int, columns: list[_Column]) -> tuple[memoryview, bytes]:
    raw = _rows_xml(block, first_row, columns)
    return raw, _deflated(raw)[1]


def _deflated(raw: memoryview | bytes) -> Deflated:
    """Raw bytes and their deflated form, ended by a sync flush so that another block may follow."""
    compressor = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    return raw, compressor.compress(raw) + compressor.flush(zlib.Z_SYNC_FLUSH)


def _title_style(row: int) -> str:
    return f' s="{TITLE}"' if row == 1 else ""


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


def _wall(value: pl.Expr, dtype: pl.Datetime, time_zone: str) -> pl.Expr:
    """A datetime column as naive wall-clock time in microseconds: an aware one in ``time_zone``."""
    if dtype.time_zone:
        value = value.dt.convert_time_zone(time_zone).dt.replace_time_zone(None)
    return value.dt.cast_time_unit("us")


def _columns(block: Block, context: _Context, sheet: str, first_row: int) -> list[_Column]:
    """How each column of a block is written, given what its cells need; refused text too long for a cell."""
    columns = list(enumerate(block.frame.schema.items()))
    exprs = [fact for index, (name, dtype) in columns for fact in _fact(pl.col(name), dtype, str(index), context)]
    facts = block.frame.select(exprs).row(0, named=True) if exprs else {}
    if any(value for key, value in facts.items() if key.endswith(":long")):
        _refuse_long_text(block.frame, sheet, first_row)
    return [
        _column(pl.col(name), dtype, str(index), name, _Making(column_letters(index), context, facts, block.formats))
        for index, (name, dtype) in columns
    ]


def _before(value: pl.Expr, date: datetime.date) -> pl.Expr:
    """Whether a date or (naive, microsecond) datetime is before the start of ``date``."""
    return value < pl.lit(date, dtype=pl.Date).cast(pl.Datetime("us"))


def _fact(value: pl.Expr, dtype: pl.DataType, key: str, context: _Context) -> list[pl.Expr]:
    """What the cells of a column need, as expressions run over the block together (in parallel).

    Keys are "key:fact": large (a number a double or 15 digits cannot hold as it is), early (a date
    before 1900-03-01, where Excel's serials need care), and for text, long (perhaps over Excel's
    limit: more UTF-8 bytes than it holds characters), unsafe, cr, markup, edge (which escapes it
    needs) and formula. A struct's fields are keyed "key.field".
    """
    if isinstance(dtype, pl.Struct):
        fields = [(value.struct.field(part.name), part.dtype, f"{key}.{part.name}") for part in dtype.fields]
        return [fact for field_ in fields for fact in _fact(*field_, context)]
    if isinstance(dtype, pl.Decimal):
        return [(value.to_physical().abs().max() >= pl.lit(EXACT_DIGITS, dtype=pl.Int128)).alias(f"{key}:large")]
    if dtype.is_integer():
        return [((value < -SAFE_INTEGER) | (value > SAFE_INTEGER)).any().alias(f"{key}:large")]
    if dtype == pl.Date:
        return [(value < pl.lit(LEAP_BUG_END)).any().alias(f"{key}:early")]
    if isinstance(dtype, pl.Datetime):
        return [_before(_wall(value, dtype, context.time_zone), LEAP_BUG_END).any().alias(f"{key}:early")]
    if not _is_text(dtype):
        return []
    text = _as_text(dtype, value)
    return [
        (text.str.len_bytes() > EXCEL_MAX_STRING).any().alias(f"{key}:long"),
        text.str.contains(_UNSAFE).any().alias(f"{key}:unsafe"),
        text.str.contains("\r", literal=True).any().alias(f"{key}:cr"),
        text.str.contains(_MARKUP).any().alias(f"{key}:markup"),
        text.str.contains(_EDGE_SPACE).any().alias(f"{key}:edge"),
        text.str.contains(_FORMULA_START).any().alias(f"{key}:formula"),
    ]


def _texts(value: pl.Expr, dtype: pl.DataType) -> Iterator[pl.Expr]:
    """The text a column holds: itself, or the text fields of a struct."""
    if isinstance(dtype, pl.Struct):
        for part in dtype.fields:
            yield from _texts(value.struct.field(part.name), part.dtype)
    elif _is_text(dtype):
        yield _as_text(dtype, value)


def _refuse_long_text(frame: pl.DataFrame, sheet: str, first_row: int) -> None:
    """XlsxError for the first cell of a block whose text Excel cannot hold, counted as Excel counts (UTF-16)."""
    for index, (name, dtype) in enumerate(frame.schema.items()):
        for text in _texts(pl.col(name), dtype):
            length = (text.str.len_chars() + text.str.count_matches(_ASTRAL)).alias("length")
            found = frame.select(length).with_row_index("row").filter(pl.col("length") > EXCEL_MAX_STRING).head(1)
            if found.height:
                row, length = found.row(0)
                raise XlsxError(_too_long(sheet, first_row + row, column_letters(index), length))


@dataclass
class _Making:
    """What a column's cells are made with: its letters, the workbook's context, the block's facts and formats."""

    letters: str
    context: _Context
    facts: Mapping[str, object]
    formats: Mapping[str, str]


def _column(
    value: pl.Expr, dtype: pl.DataType, key: str, path: str, making: _Making, code: str | None = None
) -> _Column:
    """How a column's cells are written, given what its cells need (``making.facts``).

    ``path`` names the column ("name", or "name.field" in a struct) in the block's formats; a field
    without a format of its own takes its struct's (``code``).
    """
    letters, context, facts = making.letters, making.context, making.facts
    code = making.formats.get(path, code)

    def number(text: pl.Expr, default_code: str | None = None) -> _Column:
        return _Column(letters, f"{context.style(code or default_code)}><v>", text, "</v>")

    if isinstance(dtype, pl.Struct):
        kinds = [
            _column(
                value.struct.field(part.name), part.dtype, f"{key}.{part.name}", f"{path}.{part.name}", making, code
            )
            for part in dtype.fields
        ]
        return _Column(letters, "", pl.coalesce([kind.whole() for kind in kinds]), "")
    if dtype == pl.Boolean:
        return _Column(letters, f'{context.style(code)} t="b"><v>', value.cast(pl.UInt8).cast(pl.String), "</v>")
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
        days = value.cast(pl.Int64) + EXCEL_EPOCH_DAYS
        if not facts[f"{key}:early"]:
            return number(days.cast(pl.String), DATE_FORMAT)
        days -= (value < pl.lit(LEAP_BUG_END)).cast(pl.Int64)  # before Excel's 1900-02-29: one serial less
        serial = number(days.cast(pl.String), DATE_FORMAT)
        return _unless_before_1900(value < pl.lit(FIRST_DATE), value.dt.to_string("%Y-%m-%d"), serial)
    if isinstance(dtype, pl.Datetime):
        wall = _wall(value, dtype, context.time_zone)
        days = wall.cast(pl.Int64).cast(pl.Float64) / DAY_MICROSECONDS + EXCEL_EPOCH_DAYS
        if not facts[f"{key}:early"]:
            return number(_float_text(days), DATETIME_FORMAT)
        days -= _before(wall, LEAP_BUG_END).cast(pl.Float64)
        serial = number(_float_text(days), DATETIME_FORMAT)
        return _unless_before_1900(_before(wall, FIRST_DATE), wall.dt.to_string("%Y-%m-%dT%H:%M:%S%.f"), serial)
    if isinstance(dtype, pl.Duration):
        return number(_float_text(value.dt.total_microseconds().cast(pl.Float64) / DAY_MICROSECONDS), DURATION_FORMAT)
    if dtype == pl.Time:
        return number(_float_text(value.cast(pl.Int64).cast(pl.Float64) / (DAY_MICROSECONDS * 1000)), TIME_FORMAT)
    if dtype == pl.Null:
        return number(pl.lit(None, dtype=pl.String))
    return _text_column(_as_text(dtype, value), key, letters, code, context, facts)


def _unless_before_1900(early: pl.Expr, iso: pl.Expr, serial: _Column) -> _Column:
    """A date cell as its serial, or, before 1900-01-01 (which Excel cannot hold), as its ISO text."""
    text = pl.concat_str(pl.lit(' t="inlineStr"><is><t>'), iso, pl.lit("</t></is>"))
    return _Column(serial.letters, "", pl.when(early).then(text).otherwise(serial.whole()), "")


def _text_column(
    text: pl.Expr, key: str, letters: str, code: str | None, context: _Context, facts: Mapping[str, object]
) -> _Column:
    """Inline strings; those that start as a formula would are marked to stay text when edited."""
    element = _string_text(text, *(facts[f"{key}:{fact}"] for fact in ("unsafe", "cr", "markup", "edge")))
    plain = _Column(letters, f'{context.style(code)} t="inlineStr"><is>', element, "</is>")
    if not facts[f"{key}:formula"]:
        return plain
    quoted_style = context.styles.index(Style(number_format=code, quote_prefix=True))
    quoted = _Column(letters, f' s="{quoted_style}" t="inlineStr"><is>', element, "</is>")
    either = pl.when(text.str.contains(_FORMULA_START)).then(quoted.whole()).otherwise(plain.whole())
    return _Column(letters, "", either, "")


def _float_text(value: pl.Expr) -> pl.Expr:
    """A double as its shortest round-trip text; NaN and infinities, which a cell cannot hold, left empty."""
    return pl.when(value.is_finite()).then(value.cast(pl.String))


def _string_text(text: pl.Expr, unsafe: bool, cr: bool, markup: bool, edge: bool) -> pl.Expr:
    """The <t> elements of a text column, escaped as its cells need (never cut: long text is refused before)."""
    if unsafe:
        return text.map_elements(_text_element, return_dtype=pl.String, skip_nulls=True)
    if cr:  # no other escape in the column: a CR, which XML would read back as LF, is Excel's _x000D_
        text = text.str.replace_all("\r", "_x000D_", literal=True)
    if markup:
        text = text.str.replace_all("&", "&amp;", literal=True)
        text = text.str.replace_all("<", "&lt;", literal=True).str.replace_all(">", "&gt;", literal=True)
    element = pl.concat_str(pl.lit("<t>"), text, pl.lit("</t>"))
    if edge:
        kept = pl.concat_str(pl.lit('<t xml:space="preserve">'), text, pl.lit("</t>"))
        element = pl.when(text.str.contains(_EDGE_SPACE)).then(kept).otherwise(element)
    return element


def _escape(match: re.Match) -> str:
    return f"_x{ord(match.group()):04X}_"  # an underscore too: _x005F_


def _text_element(text: str) -> str:
    """One <t> element; a character XML cannot hold (or keep, as CR) is written as Excel's _xHHHH_."""
    text = _ESCAPED_RE.sub(_escape, text)
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
    """The sheets' names, and the header row printed atop every page of a sheet that keeps it in view."""
    names = "".join(
        f'<sheet name={quoteattr(sheet.name)} sheetId="{n}" r:id="rId{n}"/>' for n, sheet in enumerate(sheets, start=1)
    )
    titles = "".join(
        f'<definedName name="_xlnm.Print_Titles" localSheetId="{index}">'
        f"{escape(_quoted_name(sheet.name))}!${sheet.header_row}:${sheet.header_row}</definedName>"
        for index, sheet in enumerate(sheets)
        if sheet.frozen
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


# --- CRC-32 of joined parts -------------------------------------------------------------------------------------

_CRC32_POLYNOMIAL = 0xEDB88320  # reflected, as zlib's


def _gf2_times(matrix: list[int], vector: int) -> int:
    """A 32×32 matrix over GF(2) (a column per bit) times a 32-bit vector."""
    total, row = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[row]
        vector >>= 1
        row += 1
    return total


def _gf2_square(matrix: list[int]) -> list[int]:
    return [_gf2_times(matrix, column) for column in matrix]


def crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """The CRC-32 of A + B from crc32(A), crc32(B) and len(B): zlib's crc32_combine (its GF(2) matrix method).

    Appending ``length2`` zero bytes to A is a linear operator on its CRC; it is applied by squaring the
    operator of one zero bit up to whole bytes, one power of two of ``length2`` at a time.
    """
    if length2 <= 0:
        return crc1
    odd = [_CRC32_POLYNOMIAL] + [1 << bit for bit in range(31)]  # one zero bit
    even = _gf2_square(odd)  # two zero bits
    odd = _gf2_square(even)  # four zero bits
    while True:
        even = _gf2_square(odd)  # the first time, one zero byte; then each time four times as many
        if length2 & 1:
            crc1 = _gf2_times(even, crc1)
        length2 >>= 1
        if not length2:
            break
        odd = _gf2_square(even)
        if length2 & 1:
            crc1 = _gf2_times(odd, crc1)
        length2 >>= 1
        if not length2:
            break
    return crc1 ^ crc2


# --- the zip container ------------------------------------------------------------------------------------------

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

    def add(self, name: str, blocks: Iterable[Deflated], head: Callable[[], Deflated] | None = None) -> None:
        """One entry from blocks of (raw bytes, their deflated form ended by a sync flush).

        ``head``, asked once every block is spooled, gives the bytes that go before them.
        """
        encoded = name.encode()
        crc = size = 0
        with tempfile.SpooledTemporaryFile(SPOOL_BYTES) as spool:
            for raw, deflated in blocks:
                crc = zlib.crc32(raw, crc)
                size += len(raw)
                spool.write(deflated)
            spool.write(_FINAL_BLOCK)
            first = b""
            if head is not None:
                raw, first = head()
                crc = crc32_combine(zlib.crc32(raw), crc, size)
                size += len(raw)
            spooled = spool.tell()
            compressed = len(first) + spooled
            self.entries.append((encoded, crc, compressed, size, self.offset))
            self._write(self._local(encoded, crc, compressed, size))
            self._write(first)
            spool.seek(0)
            shutil.copyfileobj(spool, self.file, COPY_CHUNK)
            self.offset += spooled

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
