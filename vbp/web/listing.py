"""What every list page does alike: filters kept in the URL, pagination, and 导出 of what the filters show."""

from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import Decimal
from urllib.parse import quote

from django.core.paginator import Paginator
from django.http import HttpResponse
from xlsxwriter import Workbook

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def paginate(request, queryset, size: int = PAGE_SIZE):
    """The requested page, and the query string without ``page`` for the page links."""
    page = Paginator(queryset, size).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def export_xlsx(file_name: str, sheet: str, headers: list[str], rows: Iterable[Iterable]) -> HttpResponse:
    """An .xlsx of ``rows`` under ``headers``, written in constant memory.

    Excel holds numbers as doubles, so a Decimal becomes the double nearest it here,
    at the edge, shown with its own number of decimals (amounts below 10^13 show exactly).
    """
    stream = io.BytesIO()
    workbook = Workbook(stream, {"constant_memory": True, "in_memory": True})
    worksheet = workbook.add_worksheet(sheet)
    worksheet.write_row(0, 0, headers, workbook.add_format({"bold": True, "bg_color": "#DDEBF7"}))
    formats = {}
    for index, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if isinstance(value, Decimal):
                places = max(0, -value.as_tuple().exponent)
                if places not in formats:
                    formats[places] = workbook.add_format(
                        {"num_format": "#,##0" + ("." + "0" * places if places else "")}
                    )
                worksheet.write_number(index, column, float(value), formats[places])
            else:
                worksheet.write(index, column, value)
    workbook.close()
    response = HttpResponse(stream.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(file_name)}"
    return response
