"""What the funding lists add to vbp.ui.lists: lists whose rows are built a page at a time from a queryset of
hospitals, lists under an object the URL names (fetched through its scope before the page runs), money whose
decimals come from each row's rule set, and the columns of an amount sheet's product rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from itertools import islice

from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string

from vbp.catalog.models import Batch
from vbp.ui.lists import Column, ListPage
from vbp.ui.views import Lookup

CHUNK = 500


class BuiltRows:
    """A queryset whose rows are built a slice at a time (``build`` takes a list of its objects, gives the rows):
    the paginator asks for one page, the export and the totals iterate over every row in chunks; ``filter``
    narrows the queryset, so a query form filters it as it would the queryset itself."""

    def __init__(self, queryset, build: Callable[[list], list]):
        self.queryset, self.build = queryset, build

    def filter(self, *args, **kwargs) -> BuiltRows:
        return BuiltRows(self.queryset.filter(*args, **kwargs), self.build)

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self.build(list(self.queryset[index]))
        return self.build([self.queryset[index]])[0]

    def __iter__(self) -> Iterator:
        objects = self.queryset.iterator(chunk_size=CHUNK)
        while chunk := list(islice(objects, CHUNK)):
            yield from self.build(chunk)


class ObjectListPage(ListPage):
    """A funding list, perhaps under objects the URL names: each ``lookups`` entry is fetched through the user's
    scope (404 if missing or out of reach) once the page's predicate has admitted the user, as ``@page`` does."""

    lookups: dict[str, Lookup] = {}
    oob_template: str | None = None  # what the page shows outside its table that its filters change

    def __init__(self, request, **kwargs):
        super().__init__(request, **kwargs)
        for name, lookup in self.lookups.items():
            setattr(self, name, lookup.fetch(self.user, self.kwargs.pop(lookup.kwarg)))

    def respond(self) -> HttpResponse:
        """The page; when htmx asks for the table alone, also ``oob_template`` (its element carries
        ``hx-swap-oob``), so what stands outside the table follows the filters too."""
        response = super().respond()
        html = response.get("Content-Type", "").startswith("text/html")
        if self.oob_template and html and self.request.headers.get("HX-Request"):
            context = {**self.extra_context(), "oob": True}
            response.content += render_to_string(self.oob_template, context, request=self.request).encode()
        return response

    @property
    def csrf_token(self) -> str:
        """For the forms inside cells (a cell's template is rendered without the request)."""
        return get_token(self.request)


def plain(value: Decimal | None) -> Decimal | None:
    """A score as a clerk writes it: 95.5, 100 (no trailing zeros, no exponent)."""
    if value is None:
        return None
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def goods_words(batch: Batch | None) -> tuple[str, bool]:
    """(the word for what the rows procure, whether they are drugs): 药品 or 耗材 for one batch, 品种 for several."""
    if batch is None:
        return "品种", True
    if batch.category == Batch.Category.CONSUMABLE:
        return "耗材", False
    return "药品", True


# What a product row of an amount sheet is read as (plain values: a million rows must not become model instances).
PRODUCT_VALUES = (
    "pk",
    "sheet__batch__name",
    "product__generic_name",
    "product__dosage_form",
    "product__spec",
    "product__company",
    "product__variety_code",
    "score",
    "vetoed",
    "retention_ratio",
    "agreed_volume",
    "actual_volume",
    "base_volume",
    "bid_price",
    "weighted_avg_price",
    "nonselected_amount",
    "sheet__pay_ratio",
    "total_share",
    "budget",
    "actual_cost",
    "surplus",
    "retained_amount",
    "payable_amount",
    "sheet__decimals",
    "pool_amounts",
)


def sheet_places(row: dict) -> int:
    return row["sheet__decimals"]


def product_columns(batch: Batch | None, *, decimals: int | None = None, split: bool = False) -> list[Column]:
    """The columns of sheet rows (seed 000 §3.1–3.2): every input of the formula, 测算结余, 留用金额, 应留用金额.

    ``decimals``: the amounts' places when the rows are one sheet's (else each row's own); ``split``: the 留用金额
    cell opens the row's split over the pools (a province-direct hospital)."""
    word, drugs = goods_words(batch)
    places = decimals if decimals is not None else sheet_places
    total_places = decimals if decimals is not None else 2
    split = "funding/_retained_cell.html" if split else None
    return [
        Column("带量品种类型", "sheet__batch__name"),
        Column(f"{word}名称", "product__generic_name", sticky=True),
        Column("药品剂型" if word == "药品" else "剂型", "product__dosage_form", show=drugs, export=drugs),
        Column("规格型号" if not drugs else "规格", "product__spec"),
        Column("中选企业", "product__company"),
        Column("总得分", lambda row: plain(row["score"]), kind="number"),
        Column("一票否决", "vetoed", kind="yesno", show=False),
        Column("结余留用比例", "retention_ratio", kind="percent", template="funding/_retention_cell.html"),
        Column("约定采购量", "agreed_volume", kind="volume"),
        Column("实际采购量", "actual_volume", kind="volume"),
        Column("采购量基数", "base_volume", kind="volume"),
        Column("中选价格", "bid_price", kind="money", decimals=4),
        Column("加权平均价", "weighted_avg_price", kind="money", decimals=4),
        Column("非中选产品使用金额", "nonselected_amount", kind="money"),
        Column("医保基金平均支付比例（%）", "sheet__pay_ratio", kind="number"),
        Column("参保患者使用量占比", "total_share", kind="percent"),
        Column("医保资金预算", "budget", kind="money", show=False),
        Column("实际医保支出", "actual_cost", kind="money", show=False),
        Column("测算结余", "surplus", kind="money", total=True),
        Column(
            "留用金额",
            "retained_amount",
            kind="money",
            decimals=places,
            total_decimals=total_places,
            total=True,
            template=split,
        ),
        Column("应留用金额", "payable_amount", kind="money", decimals=places, total_decimals=total_places),
    ]
