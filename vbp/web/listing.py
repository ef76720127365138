"""What every list page does alike: filters kept in the URL, pagination, and 导出 of what the filters show."""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from itertools import chain, count, islice, zip_longest

import polars as pl
from django.core.paginator import Paginator
from django.http import FileResponse
from django.utils import timezone

from vbp.calc.xlsx import Block, Worksheet, write_xlsx

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

SHEET_ROWS = 1_048_576  # Excel's rows per sheet
HEADER_ROWS = 6  # above the column headers: title, 导出人, 数据范围, 导出时间, 筛选条件, a blank row
ROWS_PER_SHEET = SHEET_ROWS - HEADER_ROWS - 1  # data rows under the header block and the column headers
YEAR = "0"  # number formats a caller may ask for by column header: a year reads 2024, not 2,024
PERCENT = "0.00%"
BLOCK_CELLS = 1_000_000  # values held as Python objects before they become a frame: 50,000 rows of 20
INTEGER = "#,##0"
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
    to the rule set's; in a column of several, the most of them), and ``formats`` gives a column, by header,
    another number format (YEAR, PERCENT). Excel holds numbers as doubles, so a Decimal becomes the double
    nearest it (amounts below 10^13 show exactly). Rows beyond one sheet (``sheet``, by default the title)
    continue on sheets named "<sheet>(2)", … with the header block repeated. Rows are read a block at a time
    into Polars frames and written by vbp.calc.xlsx into a temporary file, which the response streams and
    then deletes.
    """
    lines = [*_header_lines(request.user, title, filters or {}), ""]  # the blank row under the block
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it, and closing deletes it)
    try:
        write_xlsx(handle, _worksheets(sheet or title, lines, list(headers), rows, formats or {}))
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
        frame[name], number_format = _series(name, values)
        header = headers[index] if index < len(headers) else None
        if number_format:
            block_formats[name] = formats.get(header, number_format)
    return Block(pl.DataFrame(frame), block_formats)


def _series(name: str, values: tuple) -> tuple[pl.Series, str | None]:
    """A column of a block as the writer takes it, and its number format (None for text).

    The usual columns, all text, all integers, or Decimals (with integers), go to Polars as they are or
    as their digits; anything else is read value by value (``_cell``).
    """
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if kinds <= {str}:
        return pl.Series(name, values, dtype=pl.String).replace("", None), None
    if kinds == {int}:
        with contextlib.suppress(TypeError, OverflowError):  # beyond 64 bits: read as digits below
            return pl.Series(name, values, dtype=pl.Int64), INTEGER
    if kinds <= {int, Decimal}:
        digits = pl.Series(name, [None if value is None else str(value) for value in values], dtype=pl.String)
        if not digits.str.contains("[^0-9.-]").any():  # no exponent, NaN or Infinity
            return _numbers(digits)
    return _mixed(name, [_cell(value) for value in values])


def _numbers(digits: pl.Series) -> tuple[pl.Series, str]:
    """Numbers from their plain decimal digits, as the doubles nearest them, and the format of the most decimals."""
    point = digits.str.find(".", literal=True)
    places = (digits.str.len_bytes() - point - 1).max() or 0
    number_format = INTEGER + ("." + "0" * places if places else "")
    return digits.cast(pl.Float64), number_format


def _mixed(name: str, cells: list[tuple[str | None, str | None]]) -> tuple[pl.Series, str | None]:
    """A column of (text, digits) cells: text, numbers, or, where it holds both, a struct of the two."""
    texts, digits = zip(*cells, strict=True)
    text = pl.Series("text", texts, dtype=pl.String)
    has_text, has_number = text.null_count() < len(text), any(value is not None for value in digits)
    if not has_number:
        return (text if has_text else pl.Series(texts, dtype=pl.Null)).alias(name), None
    numbers, number_format = _numbers(pl.Series("number", digits, dtype=pl.String))
    if not has_text:
        return numbers.alias(name), number_format
    return pl.DataFrame([text, numbers]).to_struct(name), number_format  # each cell its text or its number


def _cell(value) -> tuple[str | None, str | None]:
    """A value as (its text, its plain decimal digits): yes/no as 是/否, a float as its shortest digits."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        return ("是" if value else "否"), None
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, int):
        return None, str(int(value))
    if isinstance(value, Decimal):
        return (None, format(value, "f")) if value.is_finite() else (str(value), None)
    return str(value) or None, None
