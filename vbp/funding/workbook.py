"""测算底稿: a batch's amount sheets in the user's scope as a `vbp calc` workbook, with the system's own results.

Its input sheets (品种明细, 医疗机构, 参保住院人次) are exactly what `vbp calc` reads, built
from the inputs each stored row was computed with; its output sheets are the stored
figures themselves, so `vbp calc --check` verifies them and `vbp calc` reproduces them.
"""

from __future__ import annotations

import itertools
import tempfile
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from urllib.parse import quote

from django.http import FileResponse, HttpResponse

from vbp.audit.services import record_export
from vbp.calc.workbook import write_calculation_workbook
from vbp.catalog.models import Batch
from vbp.core.money import quantize_half_up
from vbp.core.retention import RowResult
from vbp.funding.models import AmountSheet, ProductAmount
from vbp.rulesets.services import rule_set_of
from vbp.ui.export import XLSX


class MixedRuleSets(Exception):
    """The batch's sheets were computed under more than one rule-set version: one workbook holds one."""


def workbook_tables(user, batch: Batch, year: int):
    """(rule set, products, hospitals, visits, results) of the batch's sheets the user may see, hospital by hospital."""
    sheets = list(
        AmountSheet.objects.visible_to(user)
        .filter(batch=batch, year=year)
        .select_related("hospital", "rule_set")
        .order_by("hospital__code")
    )
    versions = {sheet.rule_set_id for sheet in sheets}
    if len(versions) > 1:
        raise MixedRuleSets("本批次的留用金额按不同版本的考核方案测算，请先重新测算")
    rule_set = rule_set_of(sheets[0].rule_set if sheets else batch.rule_set)
    hospitals = [
        {"hospital": sheet.hospital.code, "hospital_name": sheet.hospital.name, "total_visits": sheet.total_visits}
        for sheet in sheets
    ]
    visits = [
        {"hospital": sheet.hospital.code, "pool": pool, "visits": count}
        for sheet in sheets
        for pool, count in sheet.pool_visits.items()
    ]
    products, results = _streamed_rows(sheets, batch)
    return rule_set, products, hospitals, visits, results


def _streamed_rows(sheets: list[AmountSheet], batch: Batch):
    """The product rows and their results as two iterators read in step, so a batch never sits in memory whole."""
    by_pk = {sheet.pk: sheet for sheet in sheets}
    rows = (
        ProductAmount.objects.filter(sheet__in=sheets)
        .select_related("product")
        .order_by("sheet__hospital__code", "product__variety_code")
    )
    pairs = ((by_pk[row.sheet_id], row) for row in rows.iterator(chunk_size=5000))
    first, second = itertools.tee(pairs)
    products = (_product(sheet, row, batch) for sheet, row in first)
    results = (_result(row, sheet.decimals) for sheet, row in second)
    return products, results


def _product(sheet: AmountSheet, row: ProductAmount, batch: Batch) -> dict:
    product = row.product
    return {
        "hospital": sheet.hospital.code,
        "hospital_name": sheet.hospital.name,
        "batch": batch.name,
        "generic_name": product.generic_name,
        "spec": product.spec,
        "score": row.score,
        "agreed_volume": row.agreed_volume,
        "actual_volume": row.actual_volume,
        "base_volume": row.base_volume,
        "bid_price": row.bid_price,
        "weighted_avg_price": row.weighted_avg_price,
        "nonselected_amount": row.nonselected_amount,
        "pay_ratio": sheet.pay_ratio,
        "renewal": batch.renewal,
    }


def _result(row: ProductAmount, decimals: int) -> RowResult:
    """The stored figures of a row as the core's result: amounts at the rule set's decimals, shares exact."""
    shares = {pool: Fraction(share) for pool, (share, _) in row.pool_amounts.items()}
    pools = {pool: quantize_half_up(Decimal(amount), decimals) for pool, (_, amount) in row.pool_amounts.items()}
    return RowResult(
        retention_ratio=row.retention_ratio.normalize(),
        vetoed=row.vetoed,
        budget=row.budget.normalize(),
        actual_cost=row.actual_cost.normalize(),
        surplus=row.surplus.normalize(),
        shares=shares,
        total_share=sum(shares.values(), Fraction(0)),
        retained_amount=quantize_half_up(row.retained_amount, decimals),
        payable_amount=quantize_half_up(row.payable_amount, decimals),
        pool_amounts=pools,
    )


def workbook_response(user, batch: Batch, year: int) -> HttpResponse:
    try:
        rule_set, products, hospitals, visits, results = workbook_tables(user, batch, year)
    except MixedRuleSets as error:
        return HttpResponse(str(error), status=409, content_type="text/plain; charset=utf-8")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "workbook.xlsx"
        write_calculation_workbook(path, rule_set, products, hospitals, visits, results)
        stream = path.open("rb")  # still readable once its folder is gone; the response closes it
    file_name = f"{batch.name}-{year}年度测算底稿.xlsx"
    record_export(user, f"下载测算底稿：{file_name}（{len(hospitals)} 家医疗机构）")
    response = FileResponse(stream, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(file_name)}"
    return response
