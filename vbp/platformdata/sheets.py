"""Reading an uploaded workbook (.xlsx) or CSV file into rows that keep their Excel row numbers.

Only reading happens here; what the cells mean is the importers' business. A workbook is
checked against the settings' limits (vbp.calc.guard) before calamine opens it, and a CSV
file is bounded by the same limits, so a hostile file is refused with a problem, never a crash.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from python_calamine import CalamineWorkbook

from vbp.calc.guard import WorkbookLimits, check_workbook, format_bytes, parser_panicked
from vbp.calc.problems import Problem, column_letter

HEADER_SEARCH_ROWS = 20  # the header may sit below a title and blank rows


@dataclass
class Table:
    """One sheet: where each known header stands, and the data rows below it."""

    sheet: str
    header_row: int  # as Excel numbers it
    columns: dict[str, int]  # header → 0-based column index
    rows: list[tuple[int, list]]  # (Excel row number, cells)

    def place(self, header: str) -> str:
        return f"{column_letter(self.columns[header])}（{header}）"


class UnreadableFile(Exception):
    """The upload is no workbook or CSV we can read; ``problem`` says why."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


def workbook_limits() -> WorkbookLimits:
    """What an uploaded file may hold (config/settings.py)."""
    return WorkbookLimits(
        max_file_bytes=settings.VBP_UPLOAD_MAX_BYTES,
        max_uncompressed_bytes=settings.VBP_WORKBOOK_MAX_UNCOMPRESSED_BYTES,
        max_ratio=settings.VBP_WORKBOOK_MAX_RATIO,
        max_cells=settings.VBP_WORKBOOK_MAX_CELLS,
    )


def read_table(content: bytes, file_name: str, sheet: str, headers: list[str]) -> Table:
    """The sheet named ``sheet`` (or, in a CSV, the file itself) with its header row found."""
    limits = workbook_limits()
    lower = file_name.lower()
    if lower.endswith(".csv"):
        return _find_header(sheet, _csv_rows(content, file_name, limits), headers)
    if lower.endswith(".xls"):  # a binary file the guard cannot look into before calamine does
        raise UnreadableFile(Problem(file_name, None, "", "不支持旧版 .xls 工作簿，请在 Excel 中另存为 .xlsx 后上传"))
    if not lower.endswith((".xlsx", ".xlsm")):
        raise UnreadableFile(Problem(file_name, None, "", "应为 .xlsx 工作簿或 .csv 文件"))
    problem = check_workbook(content, limits, name=file_name)
    if problem is not None:
        raise UnreadableFile(problem)
    name, cells = _parsed(content, file_name, sheet)
    return _find_header(name, enumerate(cells, start=1), headers)


def _parsed(content: bytes, file_name: str, sheet: str) -> tuple[str, list[list]]:
    """The sheet's name and cells as calamine reads them; any failure of calamine's, a problem."""
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        names = workbook.sheet_names
        name = sheet if sheet in names else (names[0] if len(names) == 1 or not names else None)
        cells = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False) if name is not None else []
    except Exception as error:  # calamine raises its own types for every kind of broken file
        raise UnreadableFile(Problem(file_name, None, "", f"无法读取工作簿（{error}）")) from None
    except BaseException as error:  # a panic in calamine (Rust) is no Exception; Ctrl-C and exit pass on
        if not parser_panicked(error):
            raise
        raise UnreadableFile(Problem(file_name, None, "", f"无法读取工作簿（读取程序出错：{error}）")) from None
    if name is None:
        raise UnreadableFile(Problem(file_name, None, "", f"缺少工作表“{sheet}”"))
    return name, cells


def _csv_rows(content: bytes, file_name: str, limits: WorkbookLimits) -> Iterator[tuple[int, list]]:
    if len(content) > limits.max_file_bytes:
        raise UnreadableFile(Problem(file_name, None, "", f"文件过大，超过上限 {format_bytes(limits.max_file_bytes)}"))
    for encoding in ("utf-8-sig", "gb18030"):  # clerks' CSV files come from Excel in either
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableFile(Problem(file_name, None, "", "无法识别文件编码（应为 UTF-8 或 GBK）"))
    return _bounded_csv(csv.reader(io.StringIO(text, newline="")), file_name, limits)


def _bounded_csv(reader, file_name: str, limits: WorkbookLimits) -> Iterator[tuple[int, list]]:
    """The CSV file's rows, numbered; a malformed or too long one, or too many cells in all, a problem."""
    cells = 0
    try:
        for number, row in enumerate(reader, start=1):
            cells += len(row)
            if number > limits.max_rows:
                raise UnreadableFile(Problem(file_name, None, "", f"超过 {limits.max_rows:,} 行的上限，已拒绝"))
            if cells > limits.max_cells:
                raise UnreadableFile(Problem(file_name, None, "", f"超过 {limits.max_cells:,} 个单元格的上限，已拒绝"))
            yield number, row
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            message = f"有超过 {csv.field_size_limit():,} 个字符的单元格，内容过长，无法读取"
        else:
            message = f"CSV 格式有误，无法读取（{error}）"
        raise UnreadableFile(Problem(file_name, reader.line_num, "", message)) from None


def _find_header(sheet: str, numbered: Iterator[tuple[int, list]], headers: list[str]) -> Table:
    known = set(headers)
    buffered: list[tuple[int, list]] = []
    best, best_count = None, 0
    for number, cells in numbered:
        buffered.append((number, cells))
        count = sum(_clean(cell) in known for cell in cells)
        if count > best_count:
            best, best_count = len(buffered) - 1, count
        if len(buffered) >= HEADER_SEARCH_ROWS:
            break
    if best is None:
        raise UnreadableFile(Problem(sheet, None, "", f"找不到表头（应有列：{'、'.join(headers)}）"))
    header_number, header_cells = buffered[best]
    columns = {}
    for index, cell in enumerate(header_cells):
        name = _clean(cell)
        if name in known and name not in columns:
            columns[name] = index
    rows = [(number, cells) for number, cells in buffered[best + 1 :] if _filled(cells)]
    rows.extend((number, cells) for number, cells in numbered if _filled(cells))
    return Table(sheet, header_number, columns, rows)


def _clean(cell) -> str:
    return str(cell).replace("\ufeff", "").strip() if cell is not None else ""


def _filled(cells: list) -> bool:
    return any(cell not in (None, "") and str(cell).strip() for cell in cells)
