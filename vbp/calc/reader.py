"""Reading calculator workbooks: .xlsx through calamine, or a folder of CSV files.

Every cell of a known column is read as text, so numbers reach the core as the
digits the sheet holds and never as binary floats. Each row keeps the number
Excel shows for it.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import fastexcel
import polars as pl
from defusedxml import ElementTree

from vbp.calc.problems import Problem, column_letter

ROW = "__row"
_FIRST_FILLED_ROW = re.compile(rb'<row\b[^>]*?\br="(\d+)"[^>]*>(.*?)</row>', re.S)
_NS = {
    "main": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}


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
    first_rows = _first_filled_rows(path)
    sheets = {}
    for name in reader.sheet_names:
        probe = reader.load_sheet(name, n_rows=0)
        columns = probe.available_columns()
        dtypes = {column.name: "string" for column in columns if _clean(column.name) in text_headers}
        sheet = reader.load_sheet(name, dtypes=dtypes or None, dtype_coercion="coerce")
        frame = sheet.to_polars()
        frame = frame.rename({column: _clean(column) for column in frame.columns})
        letters = {_clean(c.name): f"{column_letter(c.absolute_index)}（{_clean(c.name)}）" for c in columns}
        header_row = first_rows.get(name, 1)
        sheets[name] = _finish(name, frame, letters, header_row)
    return sheets


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


def _first_filled_rows(path: Path) -> dict[str, int]:
    """The row (1-based) of each sheet's first cell with a value: where calamine starts.

    fastexcel skips leading empty rows, so this is what turns its row indexes
    back into the numbers Excel shows.
    """
    rows = {}
    with zipfile.ZipFile(path) as archive:
        targets = _sheet_targets(archive)
        for name, target in targets.items():
            try:
                with archive.open(target) as stream:
                    head = stream.read(1 << 20)
            except KeyError:
                continue
            for match in _FIRST_FILLED_ROW.finditer(head):
                if b"<v" in match.group(2) or b"<is" in match.group(2):
                    rows[name] = int(match.group(1))
                    break
    return rows


def _sheet_targets(archive: zipfile.ZipFile) -> dict[str, str]:
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    by_id = {rel.get("Id"): rel.get("Target") for rel in relations.findall("rel:Relationship", _NS)}
    targets = {}
    for sheet in workbook.findall("main:sheets/main:sheet", _NS):
        target = by_id.get(sheet.get(f"{{{_NS['r']}}}id"), "")
        target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[sheet.get("name")] = target
    return targets
