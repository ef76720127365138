"""Reading an uploaded workbook (.xlsx) or CSV file into rows that keep their Excel row numbers.

Only reading happens here; what the cells mean is the importers' business.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from python_calamine import CalamineWorkbook

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


def read_table(content: bytes, file_name: str, sheet: str, headers: list[str]) -> Table:
    """The sheet named ``sheet`` (or, in a CSV, the file itself) with its header row found."""
    if file_name.lower().endswith(".csv"):
        return _find_header(sheet, _csv_rows(content, file_name), headers)
    if not file_name.lower().endswith((".xlsx", ".xlsm", ".xls")):
        raise UnreadableFile(Problem(file_name, None, "", "应为 .xlsx 工作簿或 .csv 文件"))
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    except Exception as error:  # calamine raises its own types for every kind of broken file
        raise UnreadableFile(Problem(file_name, None, "", f"无法读取工作簿（{error}）")) from None
    names = workbook.sheet_names
    name = sheet if sheet in names else (names[0] if len(names) == 1 or not names else None)
    if name is None:
        raise UnreadableFile(Problem(file_name, None, "", f"缺少工作表“{sheet}”"))
    cells = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    return _find_header(name, enumerate(cells, start=1), headers)


def _csv_rows(content: bytes, file_name: str) -> Iterator[tuple[int, list]]:
    for encoding in ("utf-8-sig", "gb18030"):  # clerks' CSV files come from Excel in either
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableFile(Problem(file_name, None, "", "无法识别文件编码（应为 UTF-8 或 GBK）"))
    return enumerate(csv.reader(io.StringIO(text, newline="")), start=1)


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
