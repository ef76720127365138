"""Problems found in an input workbook, each placed by sheet, row and column."""

from __future__ import annotations

from dataclasses import dataclass


def column_letter(index: int) -> str:
    """Excel's letter for a 0-based column index: 0 → A, 27 → AB."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


@dataclass(frozen=True, order=True)
class Problem:
    sheet: str
    row: int | None  # as Excel shows it; None for a whole sheet or column
    column: str  # Excel letter and header, e.g. "G（约定采购量）", or ""
    message: str

    def __str__(self) -> str:
        place = [self.sheet]
        if self.row is not None:
            place.append(f"第{self.row}行")
        if self.column:
            place.append(f"{self.column}列")
        return f"{' '.join(place)}：{self.message}"


class InputError(Exception):
    """The input cannot be used; ``problems`` lists every reason, in sheet and row order."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.sheet, p.row or 0, p.column, p.message))
        super().__init__(f"输入有 {len(problems)} 处问题")
