"""Reading calculator workbooks: .xlsx through calamine, or a folder of CSV files.

Every cell of a known column is read as text, so numbers reach the core as the
digits the sheet holds and never as binary floats. Each row keeps the number
Excel shows for it, also when a title or blank rows sit above the header.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import fastexcel
import polars as pl

from vbp.calc.problems import Problem, column_letter

ROW = "__row"
HEADER_SEARCH_ROWS = 20  # a header may sit below a title and blank rows, within this many rows


@dataclass
class RawSheet:
    """One sheet as read: known columns as text, a row number per row."""

    name: str
    frame: pl.DataFrame
    letters: dict[str, str]  # header → "G（约定采购量）"

    def place(self, header: str) -> str:
        return self.letters.get(header, f"（{header}）")


def read_input(path: Path, text_headers: set[str]) -> tuple[dict[str, RawSheet], list[Problem]]:
    """All sheets of a workbook or CSV folder; ``text_headers`` are read as text."""
    path = Path(path)
    if not path.exists():
        return {}, [Problem(path.name, None, "", "文件或文件夹不存在")]
    if path.is_dir():
        return _read_csv_folder(path, text_headers), []
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return {}, [Problem(path.name, None, "", "应为 .xlsx 工作簿或 CSV 文件夹")]
    try:
        return _read_xlsx(path, text_headers), []
    except (zipfile.BadZipFile, fastexcel.FastExcelError) as error:
        return {}, [Problem(path.name, None, "", f"无法读取工作簿（{error}）")]


def _read_xlsx(path: Path, text_headers: set[str]) -> dict[str, RawSheet]:
    reader = fastexcel.read_excel(path)
    sheets = {}
    for name in reader.sheet_names:
        header_index, text_columns = _find_header(reader, name, text_headers)
        # skip_rows=0 makes header_index an absolute sheet row: data rows follow it, blank ones included.
        # Other columns are typed from all their cells (schema_sample_rows=None): typed from the first
        # rows only, a text cell further down a column of numbers would be coerced to empty.
        sheet = reader.load_sheet(
            name,
            header_row=header_index,
            skip_rows=0,
            dtypes={index: "string" for index in text_columns} or None,
            dtype_coercion="coerce",
            schema_sample_rows=None,
        )
        frame = sheet.to_polars()
        frame = frame.rename({column: _clean(column) for column in frame.columns})
        letters = {
            _clean(c.name): f"{column_letter(c.absolute_index)}（{_clean(c.name)}）" for c in sheet.available_columns()
        }
        sheets[name] = _finish(name, frame, letters, header_index + 1)
    return sheets


def _find_header(reader: fastexcel.ExcelReader, name: str, text_headers: set[str]) -> tuple[int, list[int]]:
    """The header row (0-based, as in the sheet) and the absolute indexes of its known columns.

    The header is the row among the first few holding the most known headers, so a
    title row or blank rows above it are skipped; with none known, the first filled row.
    """
    probe = reader.load_sheet(name, header_row=None, skip_rows=0, n_rows=HEADER_SEARCH_ROWS, dtypes="string")
    frame, indexes = probe.to_polars(), [column.absolute_index for column in probe.available_columns()]
    best, best_count, first_filled = None, 0, None
    for row_index, cells in enumerate(frame.iter_rows()):
        values = [_clean(cell) if cell is not None else None for cell in cells]
        if first_filled is None and any(values):
            first_filled = row_index
        count = sum(value in text_headers for value in values)
        if count > best_count:
            best, best_count = row_index, count
    if best is None:
        return first_filled or 0, []
    cells = frame.row(best)
    return best, [index for index, cell in zip(indexes, cells, strict=True) if cell and _clean(cell) in text_headers]


def _read_csv_folder(folder: Path, text_headers: set[str]) -> dict[str, RawSheet]:
    sheets = {}
    for csv_path in sorted(folder.glob("*.csv")):
        frame = pl.read_csv(csv_path, infer_schema=False, encoding="utf8-lossy", raise_if_empty=False)
        frame = frame.rename({column: _clean(column) for column in frame.columns})
        letters = {column: f"{column_letter(index)}（{column}）" for index, column in enumerate(frame.columns)}
        sheets[csv_path.stem] = _finish(csv_path.stem, frame, letters, 1)
    return sheets


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
