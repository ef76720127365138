"""The name a product goes by in order lines and monitoring: its generic name (药品通用名), or, where its batch
holds several products of that generic name (the specifications and makers of a consumable, 冠脉支架), the
generic name with as much of its specification, maker and number as tells it apart from the others:
冠脉支架（铂铬合金依维莫司）, 冠脉支架（钴铬合金雷帕霉素，乐普（北京）医疗器械股份有限公司）."""

from __future__ import annotations

from collections import Counter

from vbp.catalog.models import Product


def monitoring_names() -> dict[int, tuple[str, str]]:
    """Every product's (batch name, name in order lines), by product id; no two products of a batch share one."""
    products = list(
        Product.objects.values_list("pk", "batch__name", "generic_name", "spec", "company", "variety_code").order_by(
            "pk"
        )
    )
    names = {pk: (batch, generic) for pk, batch, generic, *_ in products}
    # add the specification, then the maker, then the number, to the names still shared within a batch
    for depth in range(1, 4):
        shared = Counter(names.values())
        for pk, batch, generic, *details in products:
            if shared[names[pk]] > 1:
                told = "，".join(detail for detail in details[:depth] if detail)
                names[pk] = (batch, f"{generic}（{told}）" if told else generic)
    return names
