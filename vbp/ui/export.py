"""What every list page does alike: filters kept in the URL, pagination, and 导出 of what the filters show."""

from __future__ import annotations

import contextlib
import datetime
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from itertools import chain, count, islice, zip_longest

import polars as pl
from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.utils.html import escape

from vbp.accounts.models import Role
from vbp.audit.services import record_export
from vbp.calc.xlsx import Block, Worksheet, XlsxError, write_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

SHEET_ROWS = 1_048_576  # Excel's rows per sheet
HEADER_ROWS = 6  # above the column headers: title, 导出人, 数据范围, 导出时间, 筛选条件, a blank row
ROWS_PER_SHEET = SHEET_ROWS - HEADER_ROWS - 1  # data rows under the header block and the column headers
YEAR = "0"  # number formats a caller may ask for by column header: a year reads 2024, not 2,024
PERCENT = "0.00%"
DATE = "yyyy-mm-dd"  # dates and datetimes are written as Excel dates, in local time
DATETIME = "yyyy-mm-dd hh:mm:ss"
BLOCK_CELLS = 1_000_000  # values held as Python objects before they become a frame: 50,000 rows of 20
INTEGER = "#,##0"
_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f-\x9f]")


def scope_text(user) -> str:
    """The user's 数据范围 in words: their hospital, the province-direct hospitals, or their region."""
    if user.hospital_id:
        return user.hospital.name
    if user.role == Role.REMOTE_PLATFORM:
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
) -> FileResponse | HttpResponse:
    """``title``.xlsx: ``rows`` under ``headers``, below a header block saying what was exported, by whom and when.

    The header block holds the title, 导出人, 数据范围, 导出时间 and the ``filters`` (label → value as the
    page shows them). Text is always written as text, so user text such as "=1+1" never becomes a formula.
    Numbers stay numbers with thousands separators; a Decimal shows its own decimals (callers quantize money
    to the rule set's; in a column of several, the most of them), and ``formats`` gives a column, by header,
    another number format (YEAR, PERCENT). Excel holds numbers as doubles, so a Decimal becomes the double
    nearest it (amounts below 10^13 show exactly). Dates are Excel dates (DATE), datetimes Excel datetimes
    (DATETIME) in local time; a column that also holds text or numbers keeps each cell its own kind.
    Rows beyond one sheet (``sheet``, by default the title) continue on sheets named "<sheet>(2)", … with
    the header block repeated. Rows are read a block at a time into Polars frames and written by
    vbp.calc.xlsx into a temporary file, which the response streams and then deletes.

    What Excel cannot hold (a text over 32,767 characters) is refused, not cut: the response is then a
    422 page saying 导出失败 and why, never a half-written file.
    """
    return export_workbook(request, title, [(sheet or title, headers, rows, formats or {})], filters=filters)


def export_workbook(
    request,
    title: str,
    sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence], Mapping[str, str]]],
    *,
    filters: Mapping[str, object] | None = None,
) -> FileResponse | HttpResponse:
    """``title``.xlsx of several sheets, each (name, headers, rows, formats) written as ``export_xlsx`` writes one,
    every sheet under the same header block."""
    lines = [*_header_lines(request.user, title, filters or {}), ""]  # the blank row under the block
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it, and closing deletes it)
    counted = [_Counted(rows) for _, _, rows, _ in sheets]
    worksheets = chain.from_iterable(
        _worksheets(name, lines, list(headers), counter, formats)
        for (name, headers, _, formats), counter in zip(sheets, counted, strict=True)
    )
    try:
        write_xlsx(handle, worksheets)
    except XlsxError as error:
        handle.close()
        return refused_export(error)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    rows = sum(counter.count for counter in counted)
    record_export(request.user, f"导出 {title}.xlsx", rows=rows, filters=_filters_text(filters or {}))
    return FileResponse(handle, as_attachment=True, filename=f"{title}.xlsx", content_type=XLSX)


class _Counted:
    """The rows of an export, counted as the writer reads them (for the audit record)."""

    def __init__(self, rows: Iterable[Sequence]):
        self.rows, self.count = iter(rows), 0

    def __iter__(self):
        return self

    def __next__(self):
        row = next(self.rows)
        self.count += 1
        return row


def refused_export(error: XlsxError) -> HttpResponse:
    """The page of an export the writer refused: 导出失败 and the writer's reason (422)."""
    reason = escape(str(error))
    page = (
        '<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"><title>导出失败</title></head>'
        f"<body><h1>导出失败</h1><p>导出失败：{reason}</p><p>请修改数据或缩小筛选范围后重新导出。</p></body></html>"
    )
    return HttpResponse(page, status=422, content_type="text/html; charset=utf-8")


def _filters_text(filters: Mapping[str, object]) -> str:
    """The filters a list was exported with, as the page shows them: "考核年度 2024；带量批次 …"."""
    return "；".join(f"{label} {value}" for label, value in filters.items() if value is not None and value != "")


def _header_lines(user, title: str, filters: Mapping[str, object]) -> list[str]:
    """The header block's lines: title, 导出人, 数据范围, 导出时间 (local time) and 筛选条件."""
    role = user.get_role_display()
    return [
        title,
        f"导出人：{user.display_name}" + (f"（{role}）" if role else ""),
        f"数据范围：{scope_text(user) or '—'}",
        f"导出时间：{timezone.localtime():%Y-%m-%d %H:%M:%S}",
        "筛选条件：" + (_filters_text(filters) or "无"),
    ]


def _sheet_name(base: str, number: int) -> str:
    """``base`` as Excel allows a sheet name (31 characters, none of []:*?/\\ or control characters, no quote
    at either end), with "(n)" from the second on."""
    suffix = f"({number})" if number > 1 else ""
    name = _NOT_IN_SHEET_NAMES.sub("_", base).strip("'") or "Sheet"
    return name[: 31 - len(suffix)].rstrip("'") + suffix


def _column_width(header: str) -> int:
    """Room for the header: a CJK character is about two digits wide."""
    return max(10, min(40, sum(2 if ord(char) > 0x2E7F else 1 for char in header) + 2))


def _worksheets(
    base: str, lines: list[str], headers: list[str], rows: Iterable[Sequence], formats: Mapping[str, str]
) -> Iterator[Worksheet]:
    """A sheet for each ROWS_PER_SHEET rows (at least one), each under the header block and the column headers."""
    widths = [_column_width(header) for header in headers]
    rows = iter(rows)
    for number in count(1):
        part = islice(rows, ROWS_PER_SHEET)
        name = _sheet_name(base, number)
        yield Worksheet(name, blocks=_blocks(part, headers, formats), header=headers, preamble=lines, widths=widths)
        following = next(rows, _END)  # asked only once the sheet is written, its rows all read
        if following is _END:
            return
        rows = chain([following], rows)


_END = object()


def _blocks(rows: Iterator[Sequence], headers: list[str], formats: Mapping[str, str]) -> Iterator[Block]:
    """The rows as frames of BLOCK_CELLS values, so that only one block's values are ever Python objects."""
    size = max(1, BLOCK_CELLS // max(1, len(headers)))
    while True:
        chunk = list(islice(rows, size))
        if not chunk:
            return
        block = _block(chunk, headers, formats)
        del chunk
        yield block


def _block(rows: list[Sequence], headers: list[str], formats: Mapping[str, str]) -> Block:
    """One frame of rows, its columns named by position (headers may repeat), and their number formats."""
    frame, block_formats = {}, {}
    for index, values in enumerate(zip_longest(*rows)):
        name = str(index)
        header = headers[index] if index < len(headers) else None
        frame[name], column_formats = _series(name, values, formats.get(header))
        block_formats |= column_formats
    return Block(pl.DataFrame(frame), block_formats)


def _series(name: str, values: tuple, number_format: str | None) -> tuple[pl.Series, dict[str, str]]:
    """A column of a block as the writer takes it, and its formats (column, or "column.field", → format).

    The usual columns, all text, all integers, Decimals (with integers), all dates or all datetimes, go to
    Polars as they are or as their digits; anything else is read value by value (``_cell``). A number's
    format is ``number_format`` when the caller asked for one.
    """
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if kinds <= {str}:
        return pl.Series(name, values, dtype=pl.String).replace("", None), {}
    if kinds == {int}:
        with contextlib.suppress(TypeError, OverflowError):  # beyond 64 bits: read as digits below
            return pl.Series(name, values, dtype=pl.Int64), {name: number_format or INTEGER}
    if kinds <= {int, Decimal}:
        digits = pl.Series(name, [None if value is None else str(value) for value in values], dtype=pl.String)
        if not digits.str.contains("[^0-9.-]").any():  # no exponent, NaN or Infinity
            numbers, own_format = _numbers(digits)
            return numbers, {name: number_format or own_format}
    if kinds == {datetime.date}:
        return pl.Series(name, values, dtype=pl.Date), {name: DATE}
    if kinds == {datetime.datetime}:
        return pl.Series(name, [_local(value) for value in values], dtype=pl.Datetime("us")), {name: DATETIME}
    return _mixed(name, [_cell(value) for value in values], number_format)


def _numbers(digits: pl.Series) -> tuple[pl.Series, str]:
    """Numbers from their plain decimal digits, as the doubles nearest them, and the format of the most decimals."""
    point = digits.str.find(".", literal=True)
    places = (digits.str.len_bytes() - point - 1).max() or 0
    number_format = INTEGER + ("." + "0" * places if places else "")
    return digits.cast(pl.Float64), number_format


def _mixed(name: str, cells: list[tuple], number_format: str | None) -> tuple[pl.Series, dict[str, str]]:
    """A column of (text, digits, date, datetime) cells: one kind, or, where it holds several, a struct of them."""
    texts, digits, dates, moments = zip(*cells, strict=True)
    parts: list[pl.Series] = []
    formats: dict[str, str] = {}
    text = pl.Series("text", texts, dtype=pl.String)
    if text.null_count() < len(text):
        parts.append(text)
    if any(value is not None for value in digits):
        numbers, own_format = _numbers(pl.Series("number", digits, dtype=pl.String))
        parts.append(numbers)
        formats["number"] = number_format or own_format
    if any(value is not None for value in dates):
        parts.append(pl.Series("date", dates, dtype=pl.Date))
        formats["date"] = DATE
    if any(value is not None for value in moments):
        parts.append(pl.Series("datetime", moments, dtype=pl.Datetime("us")))
        formats["datetime"] = DATETIME
    if not parts:
        return pl.Series(name, texts, dtype=pl.Null), {}
    if len(parts) == 1:
        only = parts[0]
        return only.alias(name), {name: formats[only.name]} if only.name in formats else {}
    return pl.DataFrame(parts).to_struct(name), {f"{name}.{kind}": code for kind, code in formats.items()}


_EMPTY = (None, None, None, None)


def _cell(value) -> tuple:
    """A value as (its text, its plain decimal digits, its date, its local datetime), one of them set.

    Yes/no is 是/否, a float its shortest digits; a NaN or infinite Decimal its text.
    """
    if value is None:
        return _EMPTY
    if isinstance(value, bool):
        return ("是" if value else "否"), None, None, None
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, int):
        return None, str(int(value)), None, None
    if isinstance(value, Decimal):
        return (None, format(value, "f"), None, None) if value.is_finite() else (str(value), None, None, None)
    if isinstance(value, datetime.datetime):
        return None, None, None, _local(value)
    if isinstance(value, datetime.date):
        return None, None, value, None
    return str(value) or None, None, None, None


def _local(value: datetime.datetime | None) -> datetime.datetime | None:
    """A datetime as the local wall-clock time (the site's time zone) it shows: an aware one converted."""
    if value is None or timezone.is_naive(value):
        return value
    return timezone.localtime(value).replace(tzinfo=None)
