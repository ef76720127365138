"""Reading calculator workbooks: .xlsx through calamine, or a folder of CSV (or Parquet) files.

Known text columns (codes, names) are read as text, so a code typed as a
number keeps its digits. Every other column is typed from all its cells: a
column of numeric cells arrives as the doubles the file holds (validation
turns each into the decimal Excel shows), one holding any text cell as text.
A known number column holding a boolean cell is read as text too, so that
TRUE is refused rather than taken for 1. Each row keeps the number Excel
shows for it, also when a title or blank rows sit above the header.

A sheet is parsed once: the header row is found by reading the first rows of
the sheet's XML straight from the zip, not by loading the sheet twice.

A sheet longer than Excel allows continues on sheets named 名称2, 名称3… (as
the writer splits it); those of the families asked for are read back as one
sheet whose rows still name the sheet and row Excel shows.

Before calamine opens a workbook, vbp.calc.guard checks it against OFFLINE_LIMITS
(a zip bomb or a sheet whose used area is huge is refused as bad input).
"""

from __future__ import annotations

import functools
import re
import zipfile
import zlib
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import fastexcel
import polars as pl
from defusedxml.ElementTree import iterparse

from vbp.calc.guard import GiB, WorkbookLimits, check_workbook, parser_panicked, sheet_parts
from vbp.calc.problems import Problem, column_letter

ROW = "__row"
HEADER_SEARCH_ROWS = 20  # a header may sit below a title and blank rows, within this many rows
PART_ROWS = 1 << 32  # ROW of a row on a continuation sheet: its part's index × PART_ROWS + its Excel row
# The offline calculator reads the user's own, larger files: a 测算底稿 of 1,048,576 rows has some 20 to 35
# columns (and its 1.5 GB of XML for 1,000,000 rows). Bombs are still refused: by their expansion ratio, their
# sizes, and a sheet's used area far larger than the cells it holds.
OFFLINE_LIMITS = WorkbookLimits(max_file_bytes=1 * GiB, max_uncompressed_bytes=4 * GiB, max_cells=48_000_000)


@dataclass
class RawSheet:
    """One sheet as read: known columns as text, a row number per row."""

    name: str
    frame: pl.DataFrame
    letters: dict[str, str]  # header → "G（约定采购量）"
    parts: tuple[str, ...] = ()  # the sheets it was read from, when it continued on others

    def place(self, header: str) -> str:
        return self.letters.get(header, f"（{header}）")

    def locate(self, row: int | None) -> tuple[str, int | None]:
        """The sheet and the row number Excel shows of a ROW value."""
        if row is None or row < PART_ROWS:
            return self.name, row
        part, excel_row = divmod(row, PART_ROWS)
        return self.parts[part], excel_row


def read_input(
    path: Path,
    known_headers: set[str],
    text_headers: set[str] | None = None,
    sheet_names: Collection[str] | None = None,
    continued: Collection[str] = (),
    limits: WorkbookLimits = OFFLINE_LIMITS,
) -> tuple[dict[str, RawSheet], list[Problem]]:
    """The sheets of a workbook or CSV folder (those in ``sheet_names``, or all).

    ``known_headers`` find each sheet's header row; ``text_headers`` (default: all
    known headers) are read as text. A CSV folder is all text. A sheet named in
    ``continued`` is joined with its continuation sheets (名称2, 名称3…). A workbook
    beyond ``limits`` is refused before it is parsed.
    """
    path = Path(path)
    text_headers = known_headers if text_headers is None else text_headers
    if not path.exists():
        return {}, [Problem(path.name, None, "", "文件或文件夹不存在")]
    if path.is_dir():
        try:
            return _join_continued(_read_csv_folder(path, sheet_names, continued), continued), []
        except UnreadableTextFile as error:
            return {}, [error.problem]
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return {}, [Problem(path.name, None, "", "应为 .xlsx 工作簿或 CSV 文件夹")]
    problem = _checked(path, limits)
    if problem is not None:
        return {}, [problem]
    try:
        sheets = _read_xlsx(path, known_headers, text_headers, sheet_names, continued)
        return _join_continued(sheets, continued), []
    except (zipfile.BadZipFile, fastexcel.FastExcelError) as error:
        return {}, [Problem(path.name, None, "", f"无法读取工作簿（{error}）")]
    except BaseException as error:
        if not parser_panicked(error):
            raise
        return {}, [Problem(path.name, None, "", f"无法读取工作簿（读取程序出错：{error}）")]


def _checked(path: Path, limits: WorkbookLimits) -> Problem | None:
    """The guard's verdict on a workbook, once per version of the file (vbp calc reads it twice)."""
    stat = path.stat()
    return _check_version(str(path.resolve()), stat.st_size, stat.st_mtime_ns, limits)


@functools.lru_cache(maxsize=8)
def _check_version(path: str, size: int, modified: int, limits: WorkbookLimits) -> Problem | None:
    return check_workbook(path, limits)


def _continuations(name: str, names: Collection[str]) -> list[str]:
    """A sheet's continuation sheets among ``names``: 名称2, 名称3… as long as they follow on."""
    found = []
    while f"{name}{len(found) + 2}" in names:
        found.append(f"{name}{len(found) + 2}")
    return found


def _wanted(names: list[str], sheet_names: Collection[str] | None, continued: Collection[str]) -> list[str]:
    """The sheets to read: those asked for, and the continuations of those that may continue."""
    if sheet_names is None:
        return names
    chosen = {name for name in names if name in sheet_names}
    for name in list(chosen):
        if name in continued:
            chosen.update(_continuations(name, names))
    return [name for name in names if name in chosen]


def _join_continued(sheets: dict[str, RawSheet], continued: Collection[str]) -> dict[str, RawSheet]:
    """Each sheet of ``continued`` with its continuation sheets, as one sheet."""
    joined = dict(sheets)
    for name in continued:
        if name not in sheets:
            continue
        followers = _continuations(name, sheets)
        if not followers:
            continue
        parts = [sheets[name], *(joined.pop(follower) for follower in followers)]
        frames = [
            part.frame.with_columns(pl.col(ROW) + index * PART_ROWS) for index, part in enumerate(parts)
        ]  # a column typed as numbers on one part and as text on another becomes text
        letters = {header: place for part in reversed(parts) for header, place in part.letters.items()}
        joined[name] = RawSheet(
            name, pl.concat(frames, how="diagonal_relaxed"), letters, tuple(part.name for part in parts)
        )
    return joined


def _read_xlsx(
    path: Path,
    known_headers: set[str],
    text_headers: set[str],
    sheet_names: Collection[str] | None,
    continued: Collection[str],
) -> dict[str, RawSheet]:
    reader = fastexcel.read_excel(path)
    names = _wanted(reader.sheet_names, sheet_names, continued)
    starts = _sheet_starts(path, names)
    sheets = {}
    with ThreadPoolExecutor(1, thread_name_prefix="scan") as scanner:
        for name in names:
            part, rows = starts.get(name, (None, None))
            if rows is None:  # the XML could not be read directly: let calamine read the first rows
                rows = _probe_rows(reader, name)
            header_index, text_columns, number_columns = _find_header(rows, known_headers, text_headers)
            # A known number column is read natively, as doubles, unless it holds a boolean cell: calamine
            # would make TRUE a 1, where read as text it is refused. Whether any does is found by scanning
            # the sheet's XML beside calamine's parse (both release the GIL), so it costs no time.
            scan = scanner.submit(_boolean_columns, path, part) if part and number_columns else None
            as_text = text_columns if scan is not None else text_columns + number_columns
            sheet = _load_sheet(reader, name, header_index, as_text)
            if scan is not None:
                flagged = scan.result()  # None: a boolean cell in a column it could not tell
                suspects = [index for index in number_columns if flagged is None or index in flagged]
                if suspects:
                    sheet = _load_sheet(reader, name, header_index, as_text + suspects)
            frame = sheet.to_polars()
            frame = frame.rename({column: _clean(column) for column in frame.columns})
            letters = {
                _clean(c.name): f"{column_letter(c.absolute_index)}（{_clean(c.name)}）"
                for c in sheet.available_columns()
            }
            sheets[name] = _finish(name, frame, letters, header_index + 1)
    return sheets


def _load_sheet(reader: fastexcel.ExcelReader, name: str, header_index: int, as_text: list[int]):
    # skip_rows=0 makes header_index an absolute sheet row: data rows follow it, blank ones included.
    # Other columns are typed from all their cells (schema_sample_rows=None): typed from the first
    # rows only, a text cell further down a column of numbers would be coerced to empty.
    return reader.load_sheet(
        name,
        header_row=header_index,
        skip_rows=0,
        dtypes={index: "string" for index in as_text} or None,
        dtype_coercion="coerce",
        schema_sample_rows=None,
    )


Rows = list[dict[int, str]]  # the first rows of a sheet: absolute column index → cell text


def _find_header(rows: Rows, known_headers: set[str], text_headers: set[str]) -> tuple[int, list[int], list[int]]:
    """The header row (0-based, as in the sheet) and the absolute indexes of its text and other known columns.

    The header is the row among the first few holding the most known headers, so a
    title row or blank rows above it are skipped; with none known, the first filled row.
    """
    best, best_count, first_filled = None, 0, None
    for row_index, cells in enumerate(rows):
        values = [_clean(cell) for cell in cells.values()]
        if first_filled is None and any(values):
            first_filled = row_index
        count = sum(value in known_headers for value in values)
        if count > best_count:
            best, best_count = row_index, count
    if best is None:
        return first_filled or 0, [], []
    header = {index: _clean(cell) for index, cell in sorted(rows[best].items())}
    text = [index for index, cell in header.items() if cell in text_headers]
    numbers = [index for index, cell in header.items() if cell in known_headers and cell not in text_headers]
    return best, text, numbers


def _boolean_columns(path: Path, part: str) -> set[int] | None:
    """The absolute indexes of columns holding a boolean cell, from a scan of the sheet's XML.

    None when a boolean cell has no reference to tell its column by, or the XML could not be read.
    """
    try:
        return _scan_booleans(path, part)
    except (OSError, EOFError, KeyError, zipfile.BadZipFile, zlib.error):
        return None


def _scan_booleans(path: Path, part: str) -> set[int] | None:
    columns: set[int] = set()
    tail = b""
    with zipfile.ZipFile(path) as archive, archive.open(part) as stream:
        while chunk := stream.read(1 << 18):
            text = tail + chunk
            for marker in (b't="b"', b"t='b'"):
                found = text.find(marker)
                while found >= 0:
                    cell = text[max(0, text.rfind(b"<", 0, found)) : found]
                    reference = re.search(rb"""\br\s*=\s*["']([A-Za-z]+)""", cell)
                    if reference is None:
                        return None
                    columns.add(_column_index(reference.group(1).decode()))
                    found = text.find(marker, found + 1)
            tail = text[-256:]  # a cell's start and its t="b", should a chunk end between them
    return columns


def _probe_rows(reader: fastexcel.ExcelReader, name: str) -> Rows:
    """The first rows of a sheet through calamine, which parses the whole sheet to give them."""
    probe = reader.load_sheet(name, header_row=None, skip_rows=0, n_rows=HEADER_SEARCH_ROWS, dtypes="string")
    indexes = [column.absolute_index for column in probe.available_columns()]
    return [
        {index: cell for index, cell in zip(indexes, cells, strict=True) if cell is not None}
        for cells in probe.to_polars().iter_rows()
    ]


def _sheet_starts(path: Path, names: list[str]) -> dict[str, tuple[str, Rows]]:
    """Each named sheet's part in the zip and its first HEADER_SEARCH_ROWS rows, read from its XML.

    Only the start of each sheet is inflated and parsed, so this costs milliseconds
    however long the sheet. A sheet this cannot read is left out (calamine then reads it).
    """
    try:
        with zipfile.ZipFile(path) as archive:
            parts = sheet_parts(archive)
            shared_part = parts.pop(None, None)
            found = {name: _xml_rows(archive, parts[name]) for name in names if name in parts}
            needed = {
                int(value)
                for rows, kinds in found.values()
                for row, kind in zip(rows, kinds, strict=True)
                for column, value in row.items()
                if kind[column] == "s"
            }
            shared = _shared_strings(archive, shared_part, max(needed)) if needed and shared_part else {}
            return {name: (parts[name], _resolve(rows, kinds, shared)) for name, (rows, kinds) in found.items()}
    except (KeyError, ValueError, IndexError, zipfile.BadZipFile, SyntaxError):  # ParseError is a SyntaxError
        return {}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml_rows(archive: zipfile.ZipFile, part: str) -> tuple[list[dict[int, str]], list[dict[int, str]]]:
    """The first rows of a worksheet: per row, column → raw value and column → cell type."""
    rows: list[dict[int, str]] = [{} for _ in range(HEADER_SEARCH_ROWS)]
    kinds: list[dict[int, str]] = [{} for _ in range(HEADER_SEARCH_ROWS)]
    row_index, column_index = -1, -1
    with archive.open(part) as stream:
        for event, element in iterparse(stream, events=("start", "end")):
            tag = _local(element.tag)
            if event == "start":
                if tag == "row":
                    row_index = int(element.get("r")) - 1 if element.get("r") else row_index + 1
                    column_index = -1
                    if row_index >= HEADER_SEARCH_ROWS:
                        break
                elif tag == "c":
                    reference = element.get("r")
                    column_index = _column_index(reference) if reference else column_index + 1
                continue
            if tag == "sheetData":
                break
            if tag != "c":
                continue
            kind = element.get("t", "n")
            if kind == "inlineStr":
                value = next((_string_item(child) for child in element if _local(child.tag) == "is"), None)
            else:
                value = next((child.text or "" for child in element if _local(child.tag) == "v"), None)
            if value is not None:
                rows[row_index][column_index], kinds[row_index][column_index] = value, kind
            element.clear()
    return rows, kinds


def _column_index(reference: str) -> int:
    index = 0
    for char in reference:
        if not char.isalpha():
            break
        index = index * 26 + ord(char.upper()) - 64
    return index - 1


def _string_item(element) -> str:
    """The text of a shared or inline string: its runs' text, phonetic hints left out."""
    texts = []
    for child in element:
        tag = _local(child.tag)
        if tag == "t":
            texts.append(child.text or "")
        elif tag == "r":
            texts.extend(grandchild.text or "" for grandchild in child if _local(grandchild.tag) == "t")
    return "".join(texts)


def _shared_strings(archive: zipfile.ZipFile, part: str, last: int) -> dict[int, str]:
    """Shared strings 0..last, reading no further into the table."""
    strings: dict[int, str] = {}
    with archive.open(part) as stream:
        for _, element in iterparse(stream):
            if _local(element.tag) == "si":
                strings[len(strings)] = _string_item(element)
                element.clear()
                if len(strings) > last:
                    break
    return strings


def _resolve(rows: list[dict[int, str]], kinds: list[dict[int, str]], shared: dict[int, str]) -> Rows:
    return [
        {column: shared[int(value)] if kind[column] == "s" else value for column, value in row.items()}
        for row, kind in zip(rows, kinds, strict=True)
    ]


def _read_csv_folder(
    folder: Path, sheet_names: Collection[str] | None, continued: Collection[str]
) -> dict[str, RawSheet]:
    sheets = {}
    paths = {path.stem: path for path in sorted(folder.iterdir()) if path.suffix.lower() in (".csv", ".parquet")}
    for name in _wanted(list(paths), sheet_names, continued):
        csv_path = paths[name]
        frame = _read_text_file(csv_path)
        frame = frame.rename({column: _clean(column) for column in frame.columns})
        letters = {column: f"{column_letter(index)}（{column}）" for index, column in enumerate(frame.columns)}
        sheets[csv_path.stem] = _finish(csv_path.stem, frame, letters, 1)
    return sheets


class UnreadableTextFile(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


def read_text_sheet(path: Path, name: str) -> tuple[RawSheet | None, list[Problem]]:
    """One CSV or Parquet file as the sheet ``name`` (every column as text), or the problem reading it."""
    try:
        frame = _read_text_file(path)
    except UnreadableTextFile as error:
        return None, [error.problem]
    frame = frame.rename({column: _clean(column) for column in frame.columns})
    letters = {column: f"{column_letter(index)}（{column}）" for index, column in enumerate(frame.columns)}
    return _finish(name, frame, letters, 1), []


def _read_text_file(path: Path) -> pl.DataFrame:
    """A CSV file (UTF-8) or a Parquet file, every column as text."""
    try:
        if path.suffix.lower() == ".csv":
            return pl.read_csv(path, infer_schema=False, encoding="utf8-lossy", raise_if_empty=False)
        return pl.read_parquet(path).with_columns(pl.all().cast(pl.String))
    except (pl.exceptions.PolarsError, OSError) as error:
        reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise UnreadableTextFile(Problem(path.name, None, "", f"无法读取文件（{reason}）")) from None


def _finish(name: str, frame: pl.DataFrame, letters: dict[str, str], header_row: int) -> RawSheet:
    """Number the rows as Excel does, blank text to null, and drop rows left empty."""
    frame = frame.with_columns(
        pl.col(pl.String).str.strip_chars().replace("", None),
    ).with_row_index(ROW, offset=header_row + 1)
    data_columns = [column for column in frame.columns if column != ROW]
    if data_columns:
        frame = frame.filter(~pl.all_horizontal(pl.col(data_columns).is_null()))
    return RawSheet(name=name, frame=frame.with_columns(pl.col(ROW).cast(pl.Int64)), letters=letters)


def _clean(header: str) -> str:
    return header.replace("\ufeff", "").strip()
