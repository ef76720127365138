"""What every list page does alike: filters kept in the URL, pagination, and 导出 of what the filters show."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from django.core.paginator import Paginator
from django.http import FileResponse
from django.utils import timezone
from xlsxwriter import Workbook

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

SHEET_ROWS = 1_048_576  # Excel's rows per sheet
HEADER_ROWS = 6  # above the column headers: title, 导出人, 数据范围, 导出时间, 筛选条件, a blank row
ROWS_PER_SHEET = SHEET_ROWS - HEADER_ROWS - 1  # data rows under the header block and the column headers
YEAR = "0"  # number formats a caller may ask for by column header: a year reads 2024, not 2,024
PERCENT = "0.00%"
FORMULA_STARTS = "=+-@"  # the first characters of text Excel would take for a formula if it were typed in
_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")


def paginate(request, queryset, size: int = PAGE_SIZE):
    """The requested page, and the query string without ``page`` for the page links."""
    page = Paginator(queryset, size).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def scope_text(user) -> str:
    """The user's 数据范围 in words: their hospital, the province-direct hospitals, or their region."""
    if user.hospital_id:
        return user.hospital.name
    if user.role == "remote_platform":
        return "省直属医疗机构"
    return user.region.name if user.region_id else ""


def export_xlsx(
    request,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    sheet: str = "",
    filters: Mapping[str, object] | None = None,
    formats: Mapping[str, str] | None = None,
) -> FileResponse:
    """``title``.xlsx: ``rows`` under ``headers``, below a header block saying what was exported, by whom and when.

    The header block holds the title, 导出人, 数据范围, 导出时间 and the ``filters`` (label → value as the
    page shows them). Text is always written as text, so user text such as "=1+1" never becomes a formula.
    Numbers stay numbers with thousands separators; a Decimal shows its own decimals (callers quantize money
    to the rule set's), and ``formats`` gives a column, by header, another number format (YEAR, PERCENT).
    Excel holds numbers as doubles, so a Decimal becomes the double nearest it (amounts below 10^13 show
    exactly). Rows beyond one sheet (``sheet``, by default the title) continue on sheets named "<sheet>(2)",
    … with the header block repeated. Rows are streamed (XlsxWriter's constant memory) into a temporary
    file, which the response streams and then deletes.
    """
    lines = _header_lines(request.user, title, filters or {})
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it, and closing deletes it)
    try:
        with tempfile.TemporaryDirectory() as scratch:  # XlsxWriter's files of rows, gone even if writing fails
            workbook = Workbook(handle, {"constant_memory": True, "tmpdir": scratch, "strings_to_formulas": False})
            writer = _SheetWriter(workbook, sheet or title, lines, headers, formats or {})
            for values in rows:
                writer.write_row(values)
            workbook.close()
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=f"{title}.xlsx", content_type=XLSX)


def _header_lines(user, title: str, filters: Mapping[str, object]) -> list[str]:
    """The header block's lines: title, 导出人, 数据范围, 导出时间 (local time) and 筛选条件."""
    role = user.get_role_display()
    shown = [f"{label} {value}" for label, value in filters.items() if value is not None and value != ""]
    return [
        title,
        f"导出人：{user.display_name}" + (f"（{role}）" if role else ""),
        f"数据范围：{scope_text(user) or '—'}",
        f"导出时间：{timezone.localtime():%Y-%m-%d %H:%M:%S}",
        "筛选条件：" + ("；".join(shown) if shown else "无"),
    ]


def _sheet_name(base: str, number: int) -> str:
    """``base`` as Excel allows a sheet name (31 characters, none of []:*?/\\), with "(n)" from the second on."""
    suffix = f"({number})" if number > 1 else ""
    name = _NOT_IN_SHEET_NAMES.sub("_", base).strip("'") or "Sheet"
    return name[: 31 - len(suffix)] + suffix


def _column_width(header: str) -> int:
    """Room for the header: a CJK character is about two digits wide."""
    return max(10, min(40, sum(2 if ord(char) > 0x2E7F else 1 for char in header) + 2))


class _SheetWriter:
    """Rows into a workbook, starting a new sheet (header block and column headers again) whenever one is full."""

    def __init__(self, workbook: Workbook, sheet: str, lines: list[str], headers: Sequence[str], formats: Mapping):
        self.workbook = workbook
        self.base, self.lines, self.headers = sheet, lines, list(headers)
        add = self.workbook.add_format
        self.title_format = add({"bold": True, "font_size": 14})
        self.header_format = add({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        self.text_format = add({"quote_prefix": True})  # Excel keeps it text even when the cell is edited
        self.integer_format = add({"num_format": "#,##0"})
        self.decimal_formats = {0: self.integer_format}
        self.column_formats = [add({"num_format": formats[h]}) if h in formats else None for h in self.headers]
        self.sheets = 0
        self._new_sheet()

    def _new_sheet(self) -> None:
        self.sheets += 1
        worksheet = self.workbook.add_worksheet(_sheet_name(self.base, self.sheets))
        worksheet.write_string(0, 0, self.lines[0], self.title_format)
        for row, line in enumerate(self.lines[1:], start=1):
            worksheet.write_string(row, 0, line)
        for column, header in enumerate(self.headers):
            worksheet.write_string(HEADER_ROWS, column, header, self.header_format)
            worksheet.set_column(column, column, _column_width(header))
        worksheet.freeze_panes(HEADER_ROWS + 1, 0)
        worksheet.repeat_rows(HEADER_ROWS)  # the column headers on every printed page
        self.row, self.last_row = HEADER_ROWS + 1, HEADER_ROWS + ROWS_PER_SHEET
        self.write_string, self.write_number = worksheet.write_string, worksheet.write_number

    def write_row(self, values: Iterable) -> None:
        if self.row > self.last_row:
            self._new_sheet()
        row = self.row
        for column, value in enumerate(values):
            kind = type(value)
            if kind is str:
                if value:
                    self.write_string(row, column, value, self.text_format if value[0] in FORMULA_STARTS else None)
            elif kind is Decimal:
                self._write_decimal(row, column, value)
            elif kind is int:
                self.write_number(row, column, value, self.column_formats[column] or self.integer_format)
            elif value is not None:
                self._write_other(row, column, value)
        self.row += 1

    def _write_text(self, row: int, column: int, value: str) -> None:
        if value:
            self.write_string(row, column, value, self.text_format if value[0] in FORMULA_STARTS else None)

    def _write_decimal(self, row: int, column: int, value: Decimal) -> None:
        if not value.is_finite():
            self._write_text(row, column, str(value))
            return
        number_format = self.column_formats[column]
        if number_format is None:
            places = max(0, -value.as_tuple().exponent)
            number_format = self.decimal_formats.get(places)
            if number_format is None:
                number_format = self.workbook.add_format({"num_format": "#,##0." + "0" * places})
                self.decimal_formats[places] = number_format
        self.write_number(row, column, float(value), number_format)

    def _write_other(self, row: int, column: int, value) -> None:
        """The rarer values: yes/no, floats, subclasses of str, int and Decimal; anything else as its text."""
        if isinstance(value, bool):
            self._write_text(row, column, "是" if value else "否")
        elif isinstance(value, float):
            self._write_decimal(row, column, Decimal(repr(value)))
        elif isinstance(value, int):
            self.write_number(row, column, int(value), self.column_formats[column] or self.integer_format)
        elif isinstance(value, Decimal):
            self._write_decimal(row, column, Decimal(value))
        else:
            self._write_text(row, column, str(value))
