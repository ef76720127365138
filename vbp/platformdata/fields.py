"""The columns of an import template, each turning one cell into one value or a clear refusal."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from vbp.core.money import NumberFormatError, excel_number, parse_decimal, quantize_half_up

YES, NO = "是", "否"
MAX_MAGNITUDE = Decimal(10) ** 15  # what the database's amounts hold (18 digits, up to 3 decimals)


class CellError(ValueError):
    """The cell cannot be used; the message says what was expected."""


@dataclass(frozen=True)
class Column:
    """One template column: its Chinese header, the value's name in code, and how to read it."""

    header: str
    name: str
    kind: str = "text"  # text, code, decimal, integer, choice, bool, date, datetime
    required: bool = True
    decimals: int = 0
    max_length: int = 100
    choices: dict[str, str] = field(default_factory=dict)  # label → stored value
    minimum: Decimal | None = Decimal(0)
    maximum: Decimal | None = None
    note: str = ""

    @property
    def expected(self) -> str:
        """What a cell should hold, in the words of the instructions sheet and of every error."""
        match self.kind:
            case "decimal":
                return f"数值，最多{self.decimals}位小数" + (self._range() or "，不小于0")
            case "integer":
                return "整数" + (self._range() or "，不小于0")
            case "choice":
                return "以下之一：" + "、".join(self.choices)
            case "bool":
                return f"“{YES}”或“{NO}”"
            case "date":
                return "日期，如 2024-01-01"
            case "datetime":
                return "日期时间，如 2024-03-31 17:00"
        return f"文字，最多{self.max_length}字"

    def _range(self) -> str:
        if self.maximum is not None:
            return f"，{self.minimum}～{self.maximum}"
        return ""

    def read(self, cell):
        """The value of ``cell`` (None when empty and optional); CellError when it will not do."""
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            if self.required:
                raise CellError("不能为空")
            return None
        return self._readers[self.kind](self, cell)

    def _read_text(self, cell) -> str:
        text = _as_text(cell)
        if len(text) > self.max_length:
            raise CellError(f"不能超过{self.max_length}字")
        return text

    _read_code = _read_text

    def _read_decimal(self, cell) -> Decimal:
        value = _as_decimal(cell)
        if value is None or not self._in_range(value):
            raise CellError(f"应为{self.expected}")
        rounded = quantize_half_up(value, self.decimals)
        if rounded != value:  # never round a figure silently: 0.005 yuan is somebody's typo
            raise CellError(f"应为{self.expected}")
        return rounded

    def _read_integer(self, cell) -> int:
        if type(cell) is float and cell.is_integer() and abs(cell) < MAX_MAGNITUDE:  # the usual cell, quickly
            number = int(cell)
            if (self.minimum is None or number >= self.minimum) and (self.maximum is None or number <= self.maximum):
                return number
        value = _as_decimal(cell)
        if value is None or not self._in_range(value) or value != value.to_integral_value():
            raise CellError(f"应为{self.expected}")
        return int(value)

    def _in_range(self, value: Decimal) -> bool:
        if abs(value) >= MAX_MAGNITUDE:
            return False
        return (self.minimum is None or value >= self.minimum) and (self.maximum is None or value <= self.maximum)

    def _read_choice(self, cell) -> str:
        text = _as_text(cell)
        if text in self.choices:
            return self.choices[text]
        raise CellError(f"应为{self.expected}")

    def _read_bool(self, cell) -> bool:
        if isinstance(cell, bool):
            return cell
        text = _as_text(cell)
        if text in (YES, NO):
            return text == YES
        raise CellError(f"应为{self.expected}")

    def _read_date(self, cell) -> datetime.date:
        if isinstance(cell, datetime.datetime):
            return cell.date()
        if isinstance(cell, datetime.date):
            return cell
        text = _as_text(cell).replace("/", "-").replace(".", "-")
        try:
            return datetime.date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
        except ValueError:
            raise CellError(f"应为{self.expected}") from None

    def _read_datetime(self, cell) -> datetime.datetime:
        if isinstance(cell, datetime.datetime):
            moment = cell
        elif isinstance(cell, datetime.date):
            moment = datetime.datetime.combine(cell, datetime.time(23, 59))
        else:
            text = _as_text(cell).replace("/", "-")
            try:
                moment = datetime.datetime.fromisoformat(text)
            except ValueError:
                raise CellError(f"应为{self.expected}") from None
        return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


Column._readers = {
    kind: getattr(Column, f"_read_{kind}")
    for kind in ("text", "code", "decimal", "integer", "choice", "bool", "date", "datetime")
}


def _as_text(cell) -> str:
    """A cell as text; a code typed as a number (1001, shown 1001) stays "1001", not "1001.0"."""
    if isinstance(cell, float):
        return format(excel_number(cell), "f")
    return str(cell).strip()


def _as_decimal(cell) -> Decimal | None:
    if isinstance(cell, bool):
        return None
    if isinstance(cell, float):
        return excel_number(cell)
    try:
        return parse_decimal(cell if isinstance(cell, int | Decimal) else str(cell))
    except NumberFormatError:
        return None


def show(cell) -> str:
    """A cell as the user typed it, for error messages."""
    if cell is None:
        return ""
    return _as_text(cell)
