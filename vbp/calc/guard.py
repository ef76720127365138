"""Checks an .xlsx workbook against size limits before any parser opens it.

The readers (python-calamine, fastexcel) hold a sheet's used range as a dense grid from
its first cell to its last: a 6 KB file whose only cell is XFD1048576 asks for 550 GB
and kills the process, and a small zip may inflate to gigabytes of XML. So before a
parser sees a workbook, ``check_workbook`` checks, cheapest first:

1. the file's size; that it is a plain zip (not an encrypted or old .xls file, nor an
   OpenDocument or .xlsb file that calamine would read instead); its number of parts,
   no encrypted part, only stored or deflated ones, no part named twice;
2. the sizes the zip declares: all parts inflated, the expansion ratio of the archive
   and of each large part, and each metadata part (styles, workbook, relationships);
3. each sheet's declared ``<dimension>``;
4. what the parts really hold: every part is inflated (its deflate stream must end exactly
   at its declared size) and each sheet's XML is scanned for the largest row and
   column any cell refers to (a file may leave ``<dimension>`` out or lie in it), refusing
   an area beyond the limit or far larger than the cells present; the shared strings
   are counted.

Sheets are found by their content (any part holding ``<sheetData>``), not only through
the workbook's relationships, so a part a parser resolves differently is checked too.
Inflating runs in a thread (zlib releases the GIL) while the scan runs here. Cells written
the usual way (``<c r="B7" s="1" t="s">``) are scanned with a few passes that match only
the rare cells beyond the largest seen; any other markup (cells without ``r``, prefixed
tags, other quoting) is tokenised tag by tag as calamine reads it.

This module is below the web layer: the callers pass the limits (the web its settings,
the offline calculator its own).
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import posixpath
import queue
import re
import struct
import threading
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from defusedxml.ElementTree import iterparse

from vbp.calc.problems import Problem, column_letter

KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30


@dataclass(frozen=True)
class WorkbookLimits:
    """What a workbook may hold. The defaults are the web's; the offline calculator allows more."""

    max_file_bytes: int = 50 * MiB
    max_uncompressed_bytes: int = 1 * GiB  # all parts inflated
    max_ratio: int = 100  # inflated : compressed, of the archive and of each part above ratio_floor_bytes
    ratio_floor_bytes: int = 1 * MiB  # a part (or archive) inflating to less may compress any amount
    max_metadata_bytes: int = 64 * MiB  # any XML part other than a sheet or the shared strings (styles…)
    max_entries: int = 10_000  # parts in the zip
    max_rows: int = 1_048_576  # Excel's own limits: a reference beyond is refused
    max_columns: int = 16_384
    max_cells: int = 20_000_000  # rows × columns of a sheet's used area from A1; also shared strings
    sparse_floor: int = 1_000_000  # a used area up to this many cells is never called sparse…
    sparse_factor: int = 20  # …nor one at most this many times the cells present


NOT_XLSX = "无法读取工作簿：不是有效的 .xlsx 文件"
CHUNK = 8 * MiB  # inflated bytes per scanned block
READ = 4 * MiB  # compressed bytes read at a time
MAX_CARRY = 1 * MiB  # a tag or text run longer than this is no Excel sheet (a cell holds 32,767 characters)
HEAD = 64 * KiB  # the start of a sheet, where <dimension> stands
WINDOW = 512 * KiB  # scanned by one call: the GIL is held no longer
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an encrypted .xlsx, or a .xls

# Any namespace prefix (calamine matches elements by local name, whatever the prefix).
PREFIX = rb"""(?:[^\s<>/:!?="']+:)?"""
SHEET_DATA = re.compile(rb"<" + PREFIX + rb"sheetData[\s/>]")
DIMENSION = re.compile(rb"<" + PREFIX + rb"""dimension(?=\s)[^>]*?[\s"']ref\s*=\s*["']([^"'<>]*)["']""")
# A cell written the usual way: r first, then perhaps s (a number) and t (letters), nothing else.
PLAIN_TAIL = rb'(?:>| t="[a-zA-Z]{1,9}"/?>| s="\d{1,5}"(?: t="[a-zA-Z]{1,9}")?/?>|/>)'
PLAIN_CELL = re.compile(rb'<c r="([A-Za-z]{1,3}\d{1,7})"' + PLAIN_TAIL)
PLAIN_ROW = re.compile(rb'<row r="(\d{1,7})"')
PREFIXED = re.compile(rb":(?:c|row)[\s/>]")  # a prefixed cell or row tag (or such text)
R_ATTRIBUTE = re.compile(rb"""(?:^|[\s"'])r\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>/]+))""")
R_NAME = re.compile(rb"r\s*=")  # in a tag's attributes: perhaps an r attribute
REFERENCE = re.compile(rb"([A-Za-z]*)(\d*)")


def _tag_patterns(prefix: bytes) -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    """Row and cell tags, with ``prefix`` before their names, and where such a tag starts.

    The tags' groups: the slash of </row>, its name, the name of a row or cell tag (not </c>), its attributes.
    A quoted value holding < or > (no Excel writes one) leaves its tag unmatched, and so refused.
    """
    attributes = rb"""((?:[^<>"']++|"[^"<>]*+"|'[^'<>]*+')*+)"""
    return (
        re.compile(rb"<(?:(/)" + prefix + rb"(row)\s*|" + prefix + rb"(c|row)(?=[\s/>])" + attributes + rb")>"),
        re.compile(rb"<" + prefix + rb"(?:c|row)[\s/>]"),
    )


TAGS, TAG_STARTS = _tag_patterns(PREFIX)
PLAIN_TAGS, PLAIN_TAG_STARTS = _tag_patterns(b"")  # quicker, for a block with no prefixed tag


class _Refused(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem


class _Corrupt(Exception):
    """A part's bytes differ from what the zip says of them."""


def check_workbook(
    source: bytes | bytearray | memoryview | str | os.PathLike | BinaryIO,
    limits: WorkbookLimits | None = None,
    *,
    name: str | None = None,
) -> Problem | None:
    """Why the .xlsx workbook ``source`` (its bytes, its path or a binary file) must not be parsed, or None.

    ``name`` (default: the path's file name) names the file in whole-file problems.
    """
    limits = limits or WorkbookLimits()
    with _opened(source) as (stream, size, default_name):
        try:
            _Check(stream, size, limits, name or default_name).run()
        except _Refused as refused:
            return refused.problem
    return None


@contextlib.contextmanager
def _opened(source) -> Iterator[tuple[BinaryIO, int, str]]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        yield io.BytesIO(source), len(source), "工作簿"
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        with path.open("rb") as stream:
            yield stream, os.fstat(stream.fileno()).st_size, path.name
    else:  # a seekable binary file holding the workbook from its start; left where it was
        position = source.tell()
        try:
            yield source, source.seek(0, io.SEEK_END), Path(getattr(source, "name", "") or "工作簿").name
        finally:
            source.seek(position)


def parser_panicked(error: BaseException) -> bool:
    """Whether ``error`` is a panic of a Rust parser (pyo3's PanicException: a BaseException, no Exception)."""
    kind = type(error)
    return kind.__name__ == "PanicException" and kind.__module__ == "pyo3_runtime"


def format_bytes(size: int) -> str:
    """A size as people read it: 372 MB, 1.6 MB, 1 GB."""
    for unit, step in (("GB", GiB), ("MB", MiB), ("KB", KiB)):
        if size >= step:
            value = size / step
            text = f"{value:.1f}" if value < 10 else f"{value:.0f}"
            return f"{text.removesuffix('.0')} {unit}"
    return f"{size} 字节"


# --- the workbook's structure: which part is which sheet (also used by the calculator's reader) ---


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """A part's relationships: id → (type, target part path)."""
    folder, name = posixpath.split(part)
    rels = {}
    with archive.open(posixpath.join(folder, "_rels", name + ".rels")) as stream:
        for _, element in iterparse(stream):
            if _local(element.tag) == "Relationship":
                target = element.get("Target", "")
                path = (
                    target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
                )
                rels[element.get("Id")] = (element.get("Type", ""), path)
    return rels


def sheet_parts(archive: zipfile.ZipFile) -> dict[str | None, str]:
    """Sheet name → worksheet part; None → the shared strings part, if any."""
    workbook = next(
        (path for kind, path in relationships(archive, "").values() if kind.endswith("/officeDocument")),
        "xl/workbook.xml",
    )
    rels = relationships(archive, workbook)
    parts: dict[str | None, str] = {}
    with archive.open(workbook) as stream:
        for _, element in iterparse(stream):
            if _local(element.tag) == "sheet":
                rel = next((value for key, value in element.attrib.items() if _local(key) == "id"), None)
                if rel in rels:
                    parts[element.get("name")] = rels[rel][1]
    shared = [path for kind, path in rels.values() if kind.endswith("/sharedStrings")]
    if shared:
        parts[None] = shared[0]
    return parts


# --- cell references ---


def _reference(value: bytes) -> tuple[int | None, int | None]:
    """A reference's 1-based row and column ("XFD1048576" → 1048576, 16384); None for a part it lacks."""
    found = REFERENCE.fullmatch(value)
    if found is None:
        return None, None
    letters, digits = found.groups()
    column = 0
    for letter in letters.upper():
        column = column * 26 + letter - 64
    return (int(digits) or None) if digits else None, column or None


def _numbers_up_to(limit: int) -> bytes:
    """A pattern for the decimal numbers 1 to ``limit`` and the quote closing them: those as long as ``limit``
    (no leading zero) first, as most are, digit by digit; then the shorter ones."""

    def same_length(index: int) -> bytes:
        digit, low, rest = int(digits[index]), 1 if index == 0 else 0, len(digits) - index - 1
        if not rest:
            return b"[%d-%d]" % (low, digit)
        below = [b"[%d-%d]\\d{%d}" % (low, digit - 1, rest)] if digit > low else []
        return b"(?:" + b"|".join([*below, b"%d" % digit + same_length(index + 1)]) + b")"

    digits = str(limit)
    shorter = [rb"\d{1,%d}+" % (len(digits) - 1)] if len(digits) > 1 else []
    return b"(?:" + b"|".join([same_length(0), *shorter]) + b')"' if limit > 0 else b"(?!)"


def _letters_up_to(column: int) -> bytes:
    """A pattern for the (upper case) letters of columns 1 to ``column``: the shorter first, then letter by letter."""

    def same_length(index: int) -> bytes:
        letter, rest = letters[index], len(letters) - index - 1
        if not rest:
            return b"[A-%c]" % letter
        below = [b"[A-%c][A-Z]{%d}" % (letter - 1, rest)] if letter > ord("A") else []
        return b"(?:" + b"|".join([*below, b"%c" % letter + same_length(index + 1)]) + b")"

    letters = column_letter(column - 1).encode() if column > 0 else b""
    shorter = [b"[A-Z]{1,%d}" % (len(letters) - 1)] if len(letters) > 1 else []
    return b"(?:" + b"|".join([*shorter, same_length(0)]) + b")" if column > 0 else b"(?!)"


@functools.lru_cache(maxsize=64)
def _outside(rows: int, columns: int) -> re.Pattern[bytes]:
    """Cell tags other than a plain one within ``rows`` × ``columns``: rare in a sheet scanned so far."""
    return re.compile(rb'<c(?! r="' + _letters_up_to(columns) + _numbers_up_to(rows) + PLAIN_TAIL + rb")[\s/>]")


def _beyond_limits(rows: int, columns: int, limits: WorkbookLimits) -> str | None:
    """Which limit an area from A1 to (rows, columns) passes, in words; None within them all."""
    if rows > limits.max_rows:
        return f"超出 Excel 的上限 {limits.max_rows:,} 行"
    if columns > limits.max_columns:
        return f"超出 Excel 的上限 {limits.max_columns:,} 列"
    if rows * columns > limits.max_cells:
        return f"超过上限 {limits.max_cells:,} 个单元格"
    return None


# --- the check ---


class _Check:
    def __init__(self, stream: BinaryIO, size: int, limits: WorkbookLimits, name: str):
        self.stream, self.size, self.limits, self.name = stream, size, limits, name
        self.labels: dict[str, str] = {}  # part (lower case) → its sheet's name
        self.shared_strings: set[str] = {"xl/sharedstrings.xml"}  # parts (lower case) read as shared strings

    def refuse(self, message: str, sheet: str | None = None) -> _Refused:
        return _Refused(Problem(sheet or self.name, None, "", message))

    def run(self) -> None:
        limits = self.limits
        if self.size > limits.max_file_bytes:
            raise self.refuse(f"文件过大：{format_bytes(self.size)}，超过上限 {format_bytes(limits.max_file_bytes)}")
        self.stream.seek(0)
        magic = self.stream.read(8)
        if magic == OLE:
            raise self.refuse("工作簿设置了打开密码，或为旧版 .xls 格式：请在 Excel 中取消密码并另存为 .xlsx 后再试")
        if not magic.startswith(b"PK\x03\x04"):
            raise self.refuse(f"{NOT_XLSX}（无法作为 zip 压缩包打开）")
        entries = self._entry_count()
        if entries > limits.max_entries:
            raise self.refuse(f"工作簿包含 {entries:,} 个部件，超过上限 {limits.max_entries:,} 个，已拒绝")
        try:
            archive = zipfile.ZipFile(self.stream)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, struct.error):
            raise self.refuse(f"{NOT_XLSX}（无法作为 zip 压缩包打开）") from None
        with archive:
            infos = archive.infolist()
            if len(infos) != entries:
                raise self.refuse(f"{NOT_XLSX}（压缩包目录不一致），已拒绝")
            self._entries(infos)
            self._declared_sizes(infos)
            self._declared_metadata(infos)
            self._find_sheets(archive)
            self._declared_dimensions(archive, infos)
            self._contents(infos)

    def _entry_count(self) -> int:
        """The number of parts the zip's end record declares, read before zipfile lists them all."""
        tail_size = min(self.size, 22 + 0xFFFF)
        self.stream.seek(self.size - tail_size)
        tail = self.stream.read(tail_size)
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < 22:
            raise self.refuse(f"{NOT_XLSX}（无法作为 zip 压缩包打开）")
        _, disk, cd_disk, disk_entries, entries, cd_size, cd_offset, comment = struct.unpack(
            "<4s4H2LH", tail[at : at + 22]
        )
        end = self.size - tail_size + at
        if 0xFFFF in (entries, disk_entries) or 0xFFFFFFFF in (cd_size, cd_offset):
            locator = tail[at - 20 : at] if at >= 20 else b""
            if len(locator) < 20 or not locator.startswith(b"PK\x06\x07"):
                raise self.refuse(f"{NOT_XLSX}（压缩包结构异常），已拒绝")
            (end,) = struct.unpack("<Q", locator[8:16])
            self.stream.seek(end)
            record = self.stream.read(56)
            if len(record) < 56 or not record.startswith(b"PK\x06\x06"):
                raise self.refuse(f"{NOT_XLSX}（压缩包结构异常），已拒绝")
            _, _, _, _, disk, cd_disk, disk_entries, entries, cd_size, cd_offset = struct.unpack("<4sQ2H2L4Q", record)
        # One disk, no bytes before the first part or between the directory and its end record, and the
        # end record last: a zip that two readers could take for different archives is refused.
        if disk or cd_disk or disk_entries != entries or cd_offset + cd_size != end or at + 22 + comment != len(tail):
            raise self.refuse(f"{NOT_XLSX}（压缩包结构异常），已拒绝")
        if cd_size > self.limits.max_entries * KiB:  # names of 64 KB each would make a few parts weigh gigabytes
            raise self.refuse(f"{NOT_XLSX}（压缩包目录达 {format_bytes(cd_size)}，异常庞大），已拒绝")
        return entries

    def _entries(self, infos: list[zipfile.ZipInfo]) -> None:
        seen = set()
        for info in infos:
            key = info.filename.lower()
            if key in seen:
                raise self.refuse(f"工作簿中的部件 {info.filename} 出现了两次，疑似被篡改，已拒绝")
            seen.add(key)
            if info.flag_bits & 0x1:
                raise self.refuse("工作簿中的部件经过加密，无法读取")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise self.refuse(f"工作簿使用了不支持的压缩方式（{info.compress_type}），请在 Excel 中另存为 .xlsx")
        if {"content.xml", "mimetype"} & seen:
            raise self.refuse(f"{NOT_XLSX}（这是 OpenDocument 表格），请在 Excel 中另存为 .xlsx")
        if {"xl/workbook.bin", "xl/_rels/workbook.bin.rels"} & seen:
            raise self.refuse(f"{NOT_XLSX}（这是二进制 .xlsb 工作簿），请在 Excel 中另存为 .xlsx")

    def _declared_sizes(self, infos: list[zipfile.ZipInfo]) -> None:
        limits = self.limits
        total = sum(info.file_size for info in infos)
        if total > limits.max_uncompressed_bytes:
            raise self.refuse(
                f"工作簿解压后达 {format_bytes(total)}，超过上限 {format_bytes(limits.max_uncompressed_bytes)}，已拒绝"
            )
        if total > limits.ratio_floor_bytes and total > limits.max_ratio * self.size:
            raise self.refuse(self._ratio_message(total, self.size))
        for info in infos:
            if info.file_size > limits.ratio_floor_bytes and info.file_size > limits.max_ratio * info.compress_size:
                raise self.refuse(self._ratio_message(info.file_size, info.compress_size))

    def _ratio_message(self, inflated: int, compressed: int) -> str:
        ratio = inflated / max(compressed, 1)
        return (
            f"工作簿解压后达 {format_bytes(inflated)}，压缩比 {ratio:,.0f}:1 异常（上限 {self.limits.max_ratio}:1），"
            "疑似压缩炸弹，已拒绝"
        )

    def _find_sheets(self, archive: zipfile.ZipFile) -> None:
        """Names the sheets' parts for the messages; a workbook whose structure cannot be read still gets scanned."""
        try:
            parts = sheet_parts(archive)
        except Exception:  # any broken structure: the parts keep their paths as labels, and are scanned all the same
            return
        shared = parts.pop(None, None)
        if shared:
            self.shared_strings.add(shared.lower())
        for sheet, part in parts.items():
            self.labels[part.lower()] = sheet or part

    def _declared_metadata(self, infos: list[zipfile.ZipInfo]) -> None:
        for info in infos:
            key = info.filename.lower()
            if key.startswith("xl/worksheets/") or key.endswith("sharedstrings.xml"):
                continue
            if key.endswith((".xml", ".rels")) and info.file_size > self.limits.max_metadata_bytes:
                raise self.refuse(
                    f"工作簿中的 {info.filename} 解压后达 {format_bytes(info.file_size)}，"
                    f"超过上限 {format_bytes(self.limits.max_metadata_bytes)}，已拒绝"
                )

    def _declared_dimensions(self, archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
        """The <dimension> each known sheet declares, from the first bytes of its XML."""
        for info in infos:
            label = self.labels.get(info.filename.lower())
            if label is None:
                continue
            try:
                with archive.open(info) as stream:
                    head = stream.read(HEAD)
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error, ValueError, RuntimeError):
                continue  # the scan of its contents says what is wrong
            end = SHEET_DATA.search(head)
            self._dimension(head[: end.start() if end else len(head)], label)

    def _dimension(self, head: bytes, label: str) -> None:
        found = DIMENSION.search(head)
        if found is None:
            return
        reference = found.group(1).decode("ascii", "replace")
        rows, columns = _reference(found.group(1).rsplit(b":", 1)[-1])
        rows, columns = rows or 1, columns or 1
        why = _beyond_limits(rows, columns, self.limits)
        if why:
            raise self.refuse(
                f"声明的范围 {reference} 达 {rows:,} 行 × {columns:,} 列（{rows * columns:,} 个单元格），{why}，已拒绝",
                label,
            )

    def _contents(self, infos: list[zipfile.ZipInfo]) -> None:
        """Inflate every part in a thread and scan what it really holds here."""
        blocks: queue.Queue = queue.Queue(maxsize=3)
        stop = threading.Event()
        inflater = threading.Thread(
            target=_inflate_all, args=(self.stream, infos, blocks, stop), name="workbook-guard", daemon=True
        )
        inflater.start()
        done, scanned = False, 0
        try:
            scan = None
            while (item := blocks.get()) is not None:
                info, data = item
                if isinstance(data, _Corrupt):
                    label = self.labels.get(info.filename.lower(), info.filename)
                    raise self.refuse(f"工作簿已损坏：{label} 的实际内容与压缩包的记录不符（{data}），已拒绝")
                if scan is None:
                    key = info.filename.lower()
                    label = self.labels.get(key) or info.filename
                    scan = _PartScan(self, label, key in self.shared_strings)
                if data is None:
                    scan.finish()
                    scan, scanned = None, scanned + 1
                else:
                    scan.feed(data)
            done = True
            if scanned != len(infos):  # the thread ended early without saying why
                raise self.refuse(f"{NOT_XLSX}（无法完整读取），已拒绝")
        finally:
            stop.set()
            while not done and blocks.get() is not None:  # let the thread end: it puts None last
                pass
            inflater.join()


def _inflate_all(stream: BinaryIO, infos: list[zipfile.ZipInfo], blocks: queue.Queue, stop: threading.Event) -> None:
    """Put (part, inflated block) for every part, (part, None) at its end, and None when done or stopped."""
    try:
        for info in infos:
            try:
                for block in _inflate(stream, info):
                    if stop.is_set():
                        return
                    blocks.put((info, block))
            except _Corrupt as error:
                blocks.put((info, error))
                return
            except Exception as error:  # zlib.error, OSError, EOFError…: whatever stops the inflating, refuses
                blocks.put((info, _Corrupt(str(error) or type(error).__name__)))
                return
            blocks.put((info, None))
    finally:
        blocks.put(None)


def _inflate(stream: BinaryIO, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A part's bytes, inflated from its own local header: exactly as many as declared, or _Corrupt.

    Stopping at the declared size is not enough (zipfile truncates there): a deflate stream going on beyond it
    would be read in full by another reader, so the stream must end exactly there. (Its CRC, which bears on
    corruption and not on size, is left to the parser's zip reader: checking it here took a tenth of the time.)
    """
    stream.seek(info.header_offset)
    header = stream.read(30)
    if len(header) < 30 or not header.startswith(b"PK\x03\x04"):
        raise _Corrupt("缺少部件头")
    name_size, extra_size = struct.unpack("<HH", header[26:30])
    local_name = stream.read(name_size)
    expected = info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")
    if local_name != expected:
        raise _Corrupt("部件名前后不一致")
    stream.seek(extra_size, io.SEEK_CUR)
    left, produced = info.compress_size, 0
    if info.compress_type == zipfile.ZIP_STORED:
        if info.compress_size != info.file_size:
            raise _Corrupt("大小不一致")
        while left:
            data = stream.read(min(CHUNK, left))
            if not data:
                raise _Corrupt("内容不完整")
            left -= len(data)
            yield data
    else:
        inflater = zlib.decompressobj(-15)
        pending = b""
        while not inflater.eof:
            if not pending:
                pending = stream.read(min(READ, left))
                left -= len(pending)
                if not pending:
                    raise _Corrupt("内容不完整")
            data = inflater.decompress(pending, CHUNK)
            pending = inflater.unconsumed_tail
            produced += len(data)
            if produced > info.file_size:
                raise _Corrupt(f"解压后超过记录的 {format_bytes(info.file_size)}")
            if data:
                yield data
        if produced != info.file_size:
            raise _Corrupt("解压后大小与记录不符")


@dataclass
class _Extent:
    """What the cells of one sheet refer to so far, and calamine's position for a cell without ``r``."""

    rows: int = 0  # the largest 1-based row a cell is at
    columns: int = 0  # the largest 1-based column
    cells: int = 0  # cell tags seen
    row_index: int = 0  # calamine's 0-based row for a cell without r
    column_index: int = 0  # …and column


class _PartScan:
    """Scans one part, block by block: for <sheetData> (then its cells), and in the shared strings for <si>."""

    def __init__(self, check: _Check, label: str, shared_strings: bool):
        self.check, self.limits, self.label = check, check.limits, label
        self.shared_strings = shared_strings
        self.strings = 0
        self.in_data, self.first = False, True
        self.enough_cells = -(-self.limits.max_cells // self.limits.sparse_factor)
        self.carry = b""
        self.extent = _Extent()

    def refuse(self, message: str) -> _Refused:
        return self.check.refuse(message, self.label)

    def feed(self, data: bytes) -> None:
        if self.first:  # XML this scan cannot read (no parser reads cells from it today): refused all the same
            self.first = False
            if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
                raise self.check.refuse(f"工作簿中的 {self.label} 是 UTF-16 编码的 XML，请在 Excel 中另存为 .xlsx")
        if not self.in_data:
            joint = self.carry + data[:256]
            if b"sheetData" not in joint and b"sheetData" not in data:
                self._count_strings(data, 0, len(data))  # (a <si cut between blocks is missed: no matter)
                self.carry = data[-256:]
                return
            text = self.carry + data  # once per sheet
            found = SHEET_DATA.search(text)
            if found is None:
                self.carry = data[-256:]
                return
            self.check._dimension(text[: found.start()], self.label)
            self._count_strings(text, 0, found.start())
            self.in_data, self.carry = True, b""
            data, start = text, found.end()
        elif self.carry:  # the tag the last block ended in, completed up to the next one
            first = data.find(b"<")
            if first < 0:
                self.carry += data
                self._carry_limit()
                return
            head, self.carry = self.carry + data[:first], b""
            self._carry_limit(head)
            self._block(head, 0, len(head))
            start = first
        else:
            start = 0
        end = data.rfind(b"<", start)  # the tag it starts may be incomplete: it is read with the next block
        if end < 0:
            end = len(data)
        self.carry = data[end:]
        self._carry_limit()
        self._block(data, start, end)

    def _carry_limit(self, text: bytes | None = None) -> None:
        if len(self.carry if text is None else text) > MAX_CARRY:
            raise self.refuse("含有超长的单元格内容或标记，不是 Excel 写出的工作表，已拒绝")

    def finish(self) -> None:
        if self.in_data:
            self._block(self.carry, 0, len(self.carry))
            self._sparse()
        else:
            self._count_strings(self.carry, 0, len(self.carry))

    def _count_strings(self, text: bytes, start: int, end: int) -> None:
        if not self.shared_strings:
            return
        self.strings += text.count(b"<si", start, end) + text.count(b":si", start, end)
        if self.strings > self.limits.max_cells:
            raise self.check.refuse(f"共享字符串超过 {self.limits.max_cells:,} 条上限，已拒绝")

    def _block(self, text: bytes, start: int, end: int) -> None:
        """The cells of text[start:end], complete tags."""
        if start < end:
            self._quick(text, start, end)

    def _quick(self, text: bytes, start: int, end: int) -> None:
        """Cells written the usual way (plain <c r="B7" s="1" t="s">): two passes over each window of the block,
        matching only a prefixed tag, and a cell beyond the largest row and column so far or written otherwise.

        A window at a time, so that the inflating thread gets the GIL between them and the second pass finds
        the window in the cache. Matches are shorter than 64 bytes: the windows overlap that much.
        """
        extent = self.extent
        last = text.rfind(b'<c r="', start, end)
        cell = PLAIN_CELL.match(text, last, end) if last >= 0 else None
        rows, columns = extent.rows, extent.columns
        if cell is not None:  # most likely the largest row, and the widest row's last column
            row, column = _reference(cell.group(1))
            rows, columns = max(rows, row or 0), max(columns, column or 0)
        cells = 0
        for window in range(start, end, WINDOW):
            stop = min(window + WINDOW + 64, end)
            prefixed = PREFIXED.search(text, window, stop)
            if prefixed is not None:
                self._otherwise(text, start, end, prefixed.start())
                return
            position = window
            while found := _outside(rows, columns).search(text, position, stop):
                cell = PLAIN_CELL.match(text, found.start(), end)
                if cell is None:  # a cell without r, with r not first, or another attribute
                    self._otherwise(text, start, end, found.start())
                    return
                row, column = _reference(cell.group(1))
                rows, columns = max(rows, row or 0), max(columns, column or 0)
                position = found.end()
            if extent.cells + cells < self.enough_cells:  # past that many, no area within max_cells is sparse
                cells += text.count(b'<c r="', window, min(window + WINDOW + 5, end))
        extent.cells += cells
        extent.rows, extent.columns = rows, columns
        self._position_after(text, start, end, last)
        self._within_limits()

    def _otherwise(self, text: bytes, start: int, end: int, odd: int) -> None:
        """A block holding markup read otherwise at ``odd``: tag by tag, but quickly up to the end of sheetData
        if that comes before (what follows it, calamine does not read as cells, unless the end is a decoy)."""
        mention = text.rfind(b"sheetData", start, odd)
        if mention < 0:
            self._tokenised(text[start:end])
            return
        middle = text.rfind(b"<", start, mention)
        if middle > start:
            self._quick(text, start, middle)
        self._tokenised(text[max(start, middle) : end])

    def _position_after(self, text: bytes, start: int, end: int, last_cell: int) -> None:
        """Calamine's position after a block read quickly, should a later block hold cells without r."""
        extent = self.extent
        row_end = text.rfind(b"</row", start, end)
        row_start = text.rfind(b"<row", start, end)
        while row_start >= 0 and text[row_start + 4 : row_start + 5] not in b" >/\t\n\r":
            row_start = text.rfind(b"<row", start, row_start)
        if row_start >= 0:
            row = PLAIN_ROW.match(text, row_start)
            extent.row_index = int(row.group(1)) - 1 if row else max(extent.row_index, extent.rows)
            start_end = text.find(b">", row_start, end)
            if text[start_end - 1 : start_end] == b"/":  # <row …/>: ended as it starts
                row_end = max(row_end, start_end)
        if row_end > row_start:
            extent.row_index += 1
        if last_cell >= 0:
            cell = PLAIN_CELL.match(text, last_cell, end)
            extent.column_index = (_reference(cell.group(1))[1] or 0) if cell else extent.columns
        if row_end > last_cell:
            extent.column_index = 0

    def _tokenised(self, block: bytes) -> None:
        """Every row and cell tag as calamine reads it: by local name, any quoting, r last or missing.

        Where calamine would take one of several r attributes, the largest is taken.
        """
        extent = self.extent
        row_index, column_index = extent.row_index, extent.column_index
        rows, columns, cells, opened = extent.rows, extent.columns, extent.cells, 0
        tags, starts = (TAGS, TAG_STARTS) if PREFIXED.search(block) else (PLAIN_TAGS, PLAIN_TAG_STARTS)
        for slash, _, name, attributes in tags.findall(block):
            if slash:  # </row>
                row_index, column_index = row_index + 1, 0
                continue
            opened += 1
            references = R_ATTRIBUTE.findall(attributes) if R_NAME.search(attributes) else ()
            if name == b"c":
                row = column = 0
                for reference in references:
                    found_row, found_column = _reference(b"".join(reference))
                    row, column = max(row, found_row or 0), max(column, found_column or 0)
                row, column = row or row_index + 1, column or column_index + 1
                column_index, cells = column, cells + 1
                if row > rows:
                    rows = row
                if column > columns:
                    columns = column
                continue
            numbers = [row for row, _ in map(_reference, map(b"".join, references)) if row]
            if numbers:
                row_index = max(numbers) - 1
            if attributes.endswith(b"/"):  # <row …/>: ended as it starts
                row_index, column_index = row_index + 1, 0
        extent.row_index, extent.column_index = row_index, column_index
        extent.rows, extent.columns, extent.cells = rows, columns, cells
        # Every row or cell tag must have been read whole above: one holding < or > in a quoted value, or left
        # open, could hide a reference from this scan.
        if opened != len(starts.findall(block)):
            raise self.refuse("单元格标记异常，无法安全读取，已拒绝")
        self._within_limits()

    def _within_limits(self) -> None:
        why = _beyond_limits(self.extent.rows, self.extent.columns, self.limits)
        if why:
            raise self.refuse(f"{self._area()}，{why}，已拒绝")

    def _sparse(self) -> None:
        extent, limits = self.extent, self.limits
        if extent.rows * extent.columns > max(limits.sparse_floor, limits.sparse_factor * extent.cells):
            raise self.refuse(f"{self._area()}，却只有 {extent.cells:,} 个单元格，疑似恶意构造的稀疏工作表，已拒绝")

    def _area(self) -> str:
        extent = self.extent
        return (
            f"已用区域 A1:{column_letter(extent.columns - 1)}{extent.rows} "
            f"达 {extent.rows:,} 行 × {extent.columns:,} 列（{extent.rows * extent.columns:,} 个单元格）"
        )
