"""One list machinery: a page declares its filters, its columns and where its rows come from; this does the rest.

A ``ListPage`` is a query form above a paginated table: filters kept in the URL, page numbers with a
page size and the total count, a totals row where a column sums, 导出 (``?export=xlsx``) writing
exactly the filtered rows with the same columns through the one xlsx writer and its header block,
and, when htmx asks (``HX-Request``), the table alone, so a query refreshes the table without
reloading the page. Wide tables scroll inside themselves with their first columns kept in view.

Chosen over django-tables2 and django-filter: our cells are money at a rule set's decimals, exact
shares and statuses in the seeds' words, our exports go through our own writer with a header block,
and many lists are rows computed by selectors rather than querysets; one small class over plain
Django forms (``vbp.ui.forms.QueryForm``) covers all of it with nothing to adapt.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from vbp.core.money import quantize_half_up
from vbp.ui.export import DATE, DATETIME, INTEGER, PERCENT, YEAR, export_xlsx
from vbp.ui.forms import QueryForm
from vbp.ui.templatetags.vbp_format import money, percent, volume

PAGE_SIZES = (20, 50, 100, 200)
NUMERIC = {"money", "percent", "volume", "number", "year"}


def resolve(row, path: str):
    """``row``'s value at a dotted path ("hospital.city.name"), through dicts, attributes and no-argument methods."""
    value = row
    for part in path.split("."):
        if value is None:
            return None
        value = value.get(part) if isinstance(value, dict) else getattr(value, part)
        if callable(value) and not isinstance(value, models.Manager):
            value = value()
    return value


@dataclass
class Column:
    """One column: its header, where its value comes from, and how it is shown and exported.

    ``kind``: text, money (``decimals`` places — a number, or a function of the row — half-up; ``total_decimals``
    for the totals row when they vary), percent (a ratio: 0.7611 → 76.11%), volume (an
    integer count), number (as it is), year, date, datetime, yesno (是/否). ``link`` gives the cell a URL;
    ``template`` renders the cell with a template instead (given ``row`` and ``value``). ``total``: the
    column sums over every filtered row in the totals row. ``sticky``: kept in view when the table scrolls.
    """

    header: str
    value: str | Callable[[object], object]
    kind: str = "text"
    decimals: int | Callable[[object], int] = 2
    total_decimals: int | None = None  # the totals row's places, where ``decimals`` varies by row
    link: Callable[[object], str | None] | None = None
    template: str | None = None
    total: bool = False
    export: bool = True
    show: bool = True
    sticky: bool = False

    def raw(self, row):
        return self.value(row) if callable(self.value) else resolve(row, self.value)

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC

    def places(self, row) -> int:
        """The money places of a row's cell, or (``row`` None) of the totals row."""
        if row is None:
            fixed = self.decimals if not callable(self.decimals) else 2
            return self.total_decimals if self.total_decimals is not None else fixed
        return self.decimals(row) if callable(self.decimals) else self.decimals

    def text(self, value, row=None) -> str:
        """The value as the page shows it."""
        if value is None or value == "":
            return ""
        match self.kind:
            case "money":
                return money(value, self.places(row))
            case "percent":
                return percent(value)
            case "volume":
                return volume(value)
            case "yesno":
                return "是" if value else "否"
            case "date":
                return f"{value:%Y-%m-%d}"
            case "datetime":
                return dated(value)
        return str(value)

    def html(self, row) -> SafeString:
        value = self.raw(row)
        if self.template:
            from django.template.loader import render_to_string

            return mark_safe(render_to_string(self.template, {"row": row, "value": value}))  # noqa: S308 - our template
        shown = self.text(value, row)
        url = self.link(row) if self.link else None
        return format_html('<a href="{}">{}</a>', url, shown) if url and shown else format_html("{}", shown)

    def cell(self, row):
        """The value as the export writes it: numbers stay numbers, money at its places, shares as ratios."""
        value = self.raw(row)
        if value is None:
            return None
        match self.kind:
            case "money":
                return quantize_half_up(Decimal(value), self.places(row))
            case "percent":
                return Decimal(value.numerator) / Decimal(value.denominator) if isinstance(value, Fraction) else value
            case "yesno":
                return "是" if value else "否"
            case "text":
                return str(value)
        return value

    def export_format(self) -> str | None:
        return {"percent": PERCENT, "year": YEAR, "volume": INTEGER, "date": DATE, "datetime": DATETIME}.get(self.kind)


@dataclass
class TableRow:
    cells: list[tuple[Column, SafeString]]
    row: object


class ListPage:
    """A list page: subclasses give ``title``, ``allows`` (who may see it), ``query_form``, ``columns``, ``rows()``."""

    title = ""
    allows: Callable = staticmethod(lambda user: False)  # fails closed until a page says who may see it
    query_form: type[QueryForm] = QueryForm
    columns: Sequence[Column] = ()
    template_name = "ui/list_page.html"
    table_id = "rows"
    empty = "没有符合条件的数据"
    sheet = ""  # the export's sheet name; the title by default
    default_page_size = 50

    def __init__(self, request, **kwargs):
        self.request, self.kwargs, self.user = request, kwargs, request.user

    @classmethod
    def as_view(cls):
        @login_required
        def view(request, **kwargs):
            if not cls.allows(request.user):
                raise Http404
            return cls(request, **kwargs).respond()

        view.allows = cls.allows
        view.__name__ = view.__qualname__ = cls.__name__
        view.__doc__ = cls.__doc__
        return view

    # --- what a page declares ---

    def rows(self, query: QueryForm) -> models.QuerySet | Sequence:
        """Every row the user may see (start from ``visible_to``), before the query form filters them."""
        raise NotImplementedError

    def get_title(self) -> str:
        return self.title

    def get_columns(self) -> list[Column]:
        return list(self.columns)

    def form_kwargs(self) -> dict:
        return {"user": self.user}

    def extra_context(self) -> dict:
        return {}

    # --- what every page does alike ---

    def respond(self) -> HttpResponse:
        query = self.query_form(self.request.GET, **self.form_kwargs())
        rows = query.filter(self.rows(query))
        columns = self.get_columns()
        if self.request.GET.get("export"):
            return self.export(rows, columns, query)
        size = self.page_size()
        page = Paginator(rows, size).get_page(self.request.GET.get("page"))
        context = {
            "title": self.get_title(),
            "query": query,
            "columns": [column for column in columns if column.show],
            "page": page,
            "rows": [self.table_row(row, columns) for row in page.object_list],
            "totals": self.totals(rows, columns),
            "size": size,
            "sizes": PAGE_SIZES,
            "table_id": self.table_id,
            "empty": self.empty,
            "params": self.params(),
            "export_params": self.params(export="xlsx"),
            **self.extra_context(),
        }
        template = "ui/_list_table.html" if self.request.headers.get("HX-Request") else self.template_name
        return render(self.request, template, context)

    def page_size(self) -> int:
        sizes = {str(size): size for size in PAGE_SIZES}
        return sizes.get(self.request.GET.get("size", ""), self.default_page_size)

    def params(self, **extra) -> str:
        """The query string without its page (and with ``extra``), for page links and the export link."""
        params = self.request.GET.copy()
        for key in ("page", "export"):
            params.pop(key, None)
        for key, value in extra.items():
            params[key] = value
        return params.urlencode()

    def table_row(self, row, columns: list[Column]) -> TableRow:
        return TableRow([(column, column.html(row)) for column in columns if column.show], row)

    def totals(self, rows, columns: list[Column]) -> list[str] | None:
        summed = [column for column in columns if column.total]
        if not summed:
            return None
        sums = self._sums(rows, summed)
        shown = []
        for index, column in enumerate(column for column in columns if column.show):
            if column in summed:
                shown.append(column.text(sums[column.header]))
            else:
                shown.append("合计" if index == 0 else "")
        return shown

    @staticmethod
    def _sums(rows, columns: list[Column]) -> dict[str, object]:
        if isinstance(rows, models.QuerySet) and all(isinstance(column.value, str) for column in columns):
            aggregates = rows.aggregate(
                **{f"c{index}": models.Sum(column.value.replace(".", "__")) for index, column in enumerate(columns)}
            )
            return {column.header: aggregates[f"c{index}"] or 0 for index, column in enumerate(columns)}
        sums = {}
        for column in columns:
            values = [column.raw(row) for row in rows]
            sums[column.header] = sum((value for value in values if value is not None), start=Decimal(0))
        return sums

    def export(self, rows, columns: list[Column], query: QueryForm) -> HttpResponse:
        exported = [column for column in columns if column.export]
        iterator = rows.iterator(chunk_size=2000) if isinstance(rows, models.QuerySet) else rows
        lines = ([column.cell(row) for column in exported] for row in iterator)
        formats = {column.header: code for column in exported if (code := column.export_format())}
        headers = [column.header for column in exported]
        title = self.get_title()
        return export_xlsx(
            self.request, title, headers, lines, sheet=self.sheet, filters=query.shown(), formats=formats
        )


def dated(value: datetime.datetime | None) -> str:
    """A moment as the pages show it: local time to the minute."""
    if not value:
        return ""
    return f"{timezone.localtime(value) if timezone.is_aware(value) else value:%Y-%m-%d %H:%M}"
