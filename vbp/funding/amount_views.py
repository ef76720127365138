"""医保资金留用金额管理 (seed 000 §3, seed 001 §4.2): the amount review and 确认, the province's overview,
Wuhan's 医疗机构结余金额, the batch recalculation and the calculation workbook (测算底稿)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from vbp.accounts.decorators import business_page
from vbp.catalog.models import Batch, Hospital
from vbp.core.money import quantize_half_up
from vbp.funding import selectors, services
from vbp.funding.models import AmountSheet, ProductAmount, Recalculation
from vbp.regions.selectors import region_choices
from vbp.rulesets.services import rule_set_of
from vbp.ui.export import PERCENT, YEAR, export_xlsx, paginate

FORMULA = ("留用金额 = 【(采购量基数×同通用名药械加权平均价×医保基金平均支付比例) − ((中选产品约定采购量×中选产品价格"
           "+非中选产品使用金额)×医保基金平均支付比例)】×结余留用比例×参保患者使用量占比")  # fmt: skip


def _batch(request) -> Batch | None:
    code = request.GET.get("batch", "")
    return Batch.objects.filter(code=code).first() if code else None


def _sheets_by_hospital(hospitals, batch: Batch | None, year: int) -> dict:
    sheets = AmountSheet.objects.filter(hospital__in=hospitals, year=year)
    if batch is not None:
        sheets = sheets.filter(batch=batch)
    found: dict[int, list[AmountSheet]] = {}
    for sheet in sheets.select_related("batch"):
        found.setdefault(sheet.hospital_id, []).append(sheet)
    return found


# --- 医疗机构医保资金留用金额审核 --------------------------------------------------------------------------

AMOUNT_STATUSES = [("waiting", "资料未齐"), ("pending", "待确认"), ("confirmed", "已确认")]


@business_page
def amount_list(request):
    """Hospitals × batches of the year, each with its sheet's status and totals, filtered as the page asks."""
    user = request.user
    if not selectors.sees_amounts(user):
        raise Http404
    year, batch = selectors.assessment_year(request), _batch(request)
    query = {key: request.GET.get(key, "").strip() for key in ("city", "district", "name", "status")}
    rows = _amount_rows(user, batch, year, query)
    title = "医疗机构医保资金留用金额审核" if user.role != "hospital" else "医保资金留用金额"
    if request.GET.get("export"):
        exported = ([row["hospital"].code, row["hospital"].name, row["hospital"].city.name, row["batch"].name, year,
                     row["label"], *_sheet_figures(row["sheet"])] for row in rows)  # fmt: skip
        headers = ["医疗机构编码", "医疗机构名称", "地市", "带量批次", "考核年度", "状态", "品种数", "留用金额合计",
                   "应留用金额合计"]  # fmt: skip
        return export_xlsx(request, title, headers, exported, sheet="留用金额",
                           filters=_shown(year, query, batch), formats={"考核年度": YEAR})  # fmt: skip
    page, query_string = paginate(request, rows)
    context = {
        "title": title, "page": page, "query": query_string, "year": year, "years": selectors.years(),
        "batches": Batch.objects.all(), "batch": batch.code if batch else "", "statuses": AMOUNT_STATUSES,
        "can_recalculate": services.can_recalculate(user), **query,
        **region_choices(user, query["city"]),
    }  # fmt: skip
    return render(request, "funding/amount_list.html", context)


def _amount_rows(user, batch: Batch | None, year: int, query: dict) -> list[dict]:
    hospitals = selectors.filter_hospitals(selectors.sheet_hospitals(user, batch, year), query)
    sheets = _sheets_by_hospital(hospitals, batch, year)
    assessed = selectors.assessed_batches(hospitals, batch, year)
    rows = []
    for hospital in hospitals:
        by_batch = {sheet.batch_id: sheet for sheet in sheets.get(hospital.pk, [])}
        for each in assessed.get(hospital.pk, []):
            sheet = by_batch.get(each.pk)
            state, label = selectors.sheet_state(sheet)
            if query.get("status") and query["status"] != state:
                continue
            rows.append({"hospital": hospital, "batch": each, "sheet": selectors.published(user, sheet), "state": state,
                         "label": label})  # fmt: skip
    return rows


def _sheet_hospital(request, hospital_id: int) -> Hospital:
    if not selectors.sees_amounts(request.user):
        raise Http404
    return get_object_or_404(Hospital.objects.visible_to(request.user).select_related("city"), pk=hospital_id)


@business_page
def amount_detail(request, hospital_id: int, batch_id: int, year: int):
    """The product rows with the formula header and every input, 测算结余 and 应留用金额; 确认 or what is missing."""
    hospital = _sheet_hospital(request, hospital_id)
    batch = get_object_or_404(Batch, pk=batch_id)
    stored = AmountSheet.objects.filter(hospital=hospital, batch=batch, year=year).select_related("rule_set").first()
    inputs = services.gather_inputs(hospital, batch, year)
    if inputs.assessment is None:
        raise Http404
    sheet = selectors.published(request.user, stored)
    rows = list(sheet.rows.select_related("product").order_by("product__variety_code")) if sheet else []
    decimals = rule_set_of(sheet.rule_set).amount_decimals if sheet else 2
    if request.GET.get("export") and sheet:
        values = sheet.rows.order_by("product__variety_code").values_list(*PRODUCT_VALUES)
        return export_xlsx(request, f"{hospital.name}留用金额", PRODUCT_HEADERS,
                           (_product_export_row(row) for row in values), sheet="品种明细",
                           filters={"医疗机构": hospital.name, "带量批次": batch.name, "考核年度": year},
                           formats=PRODUCT_FORMATS)  # fmt: skip
    context = {
        "hospital": hospital, "batch": batch, "year": year, "sheet": sheet, "rows": rows, "missing": inputs.missing,
        "unpublished": stored is not None and sheet is None,
        "formula": FORMULA, "decimals": decimals, "pool_rows": _pool_rows(sheet),
        "can_confirm": sheet is not None and sheet.status == "pending" and not inputs.missing
        and services.confirms_amounts(request.user, hospital),
        "can_reopen": sheet is not None and sheet.status == "confirmed" and request.user.role == "province",
        "reopens": sheet.reopens.select_related("by") if sheet else [],
    }  # fmt: skip
    return render(request, "funding/amount_detail.html", context)


def _shown(year: int, query: dict, batch: Batch | None) -> dict:
    return selectors.shown_filters(year, query, batch, dict(AMOUNT_STATUSES))


def _pool_rows(sheet: AmountSheet | None) -> list[tuple[str, int, Decimal]]:
    if sheet is None:
        return []
    return [(pool, sheet.pool_visits.get(pool, 0), Decimal(amount)) for pool, amount in sheet.pool_amounts.items()]


PRODUCT_HEADERS = ["药品名称", "规格", "中选企业", "总得分", "一票否决", "结余留用比例", "约定采购量", "实际采购量",
                   "采购量基数", "中选价格", "加权平均价", "非中选产品使用金额", "医保基金平均支付比例（%）",
                   "参保患者使用量占比", "医保资金预算", "实际医保支出", "测算结余", "留用金额",
                   "应留用金额"]  # fmt: skip


PRODUCT_FORMATS = {"结余留用比例": PERCENT, "参保患者使用量占比": PERCENT}


# What a product row's export reads, as plain values (a million rows must not become model instances).
PRODUCT_VALUES = (
    "product__generic_name", "product__spec", "product__company", "score", "vetoed", "retention_ratio",
    "agreed_volume", "actual_volume", "base_volume", "bid_price", "weighted_avg_price", "nonselected_amount",
    "sheet__pay_ratio", "total_share", "budget", "actual_cost", "surplus", "retained_amount", "payable_amount",
    "sheet__decimals",
)  # fmt: skip


def _product_export_row(values: tuple) -> list:
    """One row of PRODUCT_HEADERS from PRODUCT_VALUES: money at the rule set's decimals, prices as stored."""
    (name, spec, company, score, vetoed, ratio, agreed, actual, base, bid, average, nonselected, pay_ratio, share,
     budget, cost, surplus, retained, payable, decimals) = values  # fmt: skip
    return [name, spec, company, score.normalize(), "是" if vetoed else "否", ratio, agreed, actual, base,
            bid.normalize(), average.normalize(), nonselected, pay_ratio, share, _cent(budget), _cent(cost),
            _cent(surplus), quantize_half_up(retained, decimals), quantize_half_up(payable, decimals)]  # fmt: skip


def _in(sheet: AmountSheet, amount: Decimal | None) -> Decimal | None:
    """An amount with the rule set's decimals, as the core rounded it (Shanxi: whole yuan); half-up if it had more."""
    return None if amount is None else quantize_half_up(amount, sheet.decimals)


def _cent(amount: Decimal | None) -> Decimal | None:
    """An exact intermediate figure (budget, surplus) shown to the fen, half-up, as the pages show it."""
    return None if amount is None else quantize_half_up(amount, 2)


def _sheet_figures(sheet: AmountSheet | None) -> list:
    if sheet is None:
        return [None, None, None]
    return [sheet.product_count, _in(sheet, sheet.retained_total), _in(sheet, sheet.payable_total)]


@business_page
@require_POST
def amount_confirm(request, hospital_id: int, batch_id: int, year: int):
    hospital = _sheet_hospital(request, hospital_id)
    batch = get_object_or_404(Batch, pk=batch_id)
    version = request.POST.get("version", "")
    try:
        sheet = services.confirm_sheet(request.user, hospital, batch, year,
                                       version=int(version) if version.isdigit() else None)  # fmt: skip
        messages.success(request, f"已确认{hospital.name}的留用金额：应留用金额合计 {sheet.payable_total:,}")
    except services.FundingRefused as error:
        messages.error(request, str(error))
    return redirect("funding:amount_detail", hospital_id=hospital.pk, batch_id=batch.pk, year=year)


@business_page
@require_POST
def amount_reopen(request, hospital_id: int, batch_id: int, year: int):
    hospital = _sheet_hospital(request, hospital_id)
    sheet = get_object_or_404(AmountSheet, hospital=hospital, batch_id=batch_id, year=year)
    if request.user.role != "province":
        raise Http404
    try:
        services.reopen_sheet(request.user, sheet, request.POST.get("reason", ""))
        messages.success(request, "已退回，留用金额已按当前数据重新测算，待重新确认")
    except services.FundingRefused as error:
        messages.error(request, str(error))
    return redirect("funding:amount_detail", hospital_id=hospital.pk, batch_id=batch_id, year=year)


# --- 各地市医保资金留用金额审核情况 -------------------------------------------------------------------------


@business_page
def overview(request):
    """Every city's confirmation status, and the hospitals' list with status (seed 000 §3.2)."""
    if not selectors.sees_overview(request.user):
        raise Http404
    year, batch = selectors.assessment_year(request), _batch(request)
    query = {key: request.GET.get(key, "").strip() for key in ("city", "district", "name", "status")}
    rows = _amount_rows(request.user, batch, year, query)
    cities = selectors.city_summaries(rows)
    if request.GET.get("export"):
        exported = ([city["city"].name, city["total"], city["confirmed"], city["pending"], city["waiting"],
                     city["payable"]] for city in cities)  # fmt: skip
        headers = ["地市", "医疗机构×批次", "已确认", "待确认", "资料未齐", "已确认应留用金额合计"]
        return export_xlsx(request, "各地市医保资金留用金额审核情况", headers, exported, sheet="审核情况",
                           filters=_shown(year, query, batch))  # fmt: skip
    page, query_string = paginate(request, rows)
    context = {
        "page": page, "query": query_string, "city_rows": cities, "year": year, "years": selectors.years(),
        "batches": Batch.objects.all(), "batch": batch.code if batch else "", "statuses": AMOUNT_STATUSES, **query,
        **region_choices(request.user, query["city"]),
    }  # fmt: skip
    return render(request, "funding/overview.html", context)


# --- 医疗机构结余金额 (Wuhan) ------------------------------------------------------------------------------


@business_page
def surplus_batches(request):
    """Per batch: the budget and the surplus of the sheets in scope, and the amounts (seed 001 §4.2)."""
    if not selectors.sees_surplus(request.user):
        raise Http404
    year = selectors.assessment_year(request)
    if request.GET.get("export") == "products":
        return _all_products_export(request, year)
    rows = selectors.batch_surpluses(request.user, year)
    if request.GET.get("export"):
        money = ("budget", "surplus", "payable", "employee", "resident")
        exported = ([row["batch"].code, row["batch"].name, year, row["hospitals"],
                     *(_cent(row[name]) for name in money)] for row in rows)  # fmt: skip
        headers = ["批次编码", "带量批次", "考核年度", "医疗机构数", "医保资金预算", "结余金额", "应留用金额",
                   "职保", "居保"]  # fmt: skip
        return export_xlsx(request, "医疗机构结余金额", headers, exported, sheet="带量批次",
                           filters={"考核年度": year}, formats={"考核年度": YEAR})  # fmt: skip
    return render(request, "funding/surplus_batches.html", {"rows": rows, "year": year, "years": selectors.years()})


ALL_PRODUCT_HEADERS = ["带量批次", "医疗机构编码", "医疗机构名称", *PRODUCT_HEADERS, "状态"]


def _all_products_export(request, year: int):
    """Every product row of every sheet in scope (per product the detail, seed 001 §4.2), streamed."""
    rows = (
        ProductAmount.objects.filter(sheet__in=AmountSheet.objects.visible_to(request.user).filter(year=year))
        .order_by("sheet__batch__cycle_start", "sheet__batch__code", "sheet__hospital__code", "product__variety_code")
        .values_list("sheet__batch__name", "sheet__hospital__code", "sheet__hospital__name", "sheet__status",
                     *PRODUCT_VALUES)
    )  # fmt: skip
    statuses = dict(AmountSheet.Status.choices)
    exported = ([batch, code, name, *_product_export_row(values), statuses[status]]
                for batch, code, name, status, *values in rows.iterator(chunk_size=5000))  # fmt: skip
    return export_xlsx(request, "医疗机构结余金额品种明细", ALL_PRODUCT_HEADERS, exported, sheet="品种明细",
                       filters={"考核年度": year}, formats=PRODUCT_FORMATS)  # fmt: skip


@business_page
def surplus_hospitals(request, batch_id: int, year: int):
    """Per hospital of a batch: 品种数 and the amount, 职保 and 居保 apart; a click opens the products."""
    if not selectors.sees_surplus(request.user):
        raise Http404
    batch = get_object_or_404(Batch, pk=batch_id)
    name = request.GET.get("name", "").strip()
    sheets = AmountSheet.objects.visible_to(request.user).filter(batch=batch, year=year).select_related("hospital")
    if name:
        sheets = sheets.filter(hospital__name__contains=name)
    sheets = sheets.order_by("hospital__code")
    if request.GET.get("export"):
        exported = ([s.hospital.code, s.hospital.name, s.product_count, _cent(s.budget_total), _cent(s.surplus_total),
                     *(_in(s, amount) for amount in (s.payable_total, s.employee_amount, s.resident_amount)),
                     s.get_status_display()] for s in sheets.iterator())  # fmt: skip
        headers = ["医疗机构编码", "医疗机构名称", "品种数", "医保资金预算", "结余金额", "应留用金额", "职保", "居保",
                   "状态"]  # fmt: skip
        filters = {"带量批次": batch.name, "考核年度": year, **({"医疗机构名称": name} if name else {})}
        return export_xlsx(request, f"{batch.name}医疗机构结余金额", headers, exported, sheet="医疗机构",
                           filters=filters)  # fmt: skip
    page, query_string = paginate(request, sheets)
    totals = selectors.sheet_totals(sheets)
    context = {"batch": batch, "year": year, "page": page, "query": query_string, "name": name, "totals": totals}
    return render(request, "funding/surplus_hospitals.html", context)


# --- 重新测算 and 测算底稿 -----------------------------------------------------------------------------------


@business_page
@require_POST
def recalculate(request, batch_id: int, year: int):
    if not services.can_recalculate(request.user):
        raise Http404
    batch = get_object_or_404(Batch, pk=batch_id)
    try:
        job = services.start_recalculation(request.user, batch, year)
    except services.FundingRefused as error:
        messages.error(request, str(error))
        return redirect(reverse("funding:amounts") + f"?year={year}&batch={batch.code}")
    return redirect("funding:recalculation", pk=job.pk)


def _recalculation_of(user, pk: int) -> Recalculation:
    """A recalculation the user asked for or joined (it covers their hospitals); anything else is 404."""
    if not services.can_recalculate(user):
        raise Http404
    job = get_object_or_404(Recalculation.objects.select_related("batch", "requested_by"), pk=pk)
    if not services.sees_recalculation(user, job):
        raise Http404
    return job


@business_page
def recalculation(request, pk: int):
    services.reap_interrupted_recalculations()
    job = _recalculation_of(request.user, pk)
    template = "funding/_recalculation.html" if request.headers.get("HX-Request") else "funding/recalculation.html"
    back = reverse("funding:amounts") + f"?year={job.year}&batch={job.batch.code}"
    return render(request, template, {"job": job, "running": job.running, "back": back})


@business_page
@require_POST
def recalculation_rerun(request, pk: int):
    job = _recalculation_of(request.user, pk)
    try:
        services.rerun_recalculation(request.user, job)
    except services.FundingRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "已重新运行，后台测算中。")
    return redirect("funding:recalculation", pk=pk)


@business_page
@require_POST
def recalculation_cancel(request, pk: int):
    job = _recalculation_of(request.user, pk)
    try:
        services.cancel_recalculation(request.user, job)
    except services.FundingRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "已取消本次重新测算；已测算完的医疗机构保持测算结果。")
    return redirect("funding:recalculation", pk=pk)


@business_page
def workbook(request, batch_id: int, year: int):
    """测算底稿: exactly `vbp calc` input for the batch's sheets in the user's scope, with the system's results."""
    if not selectors.sees_surplus(request.user):
        raise Http404
    batch = get_object_or_404(Batch, pk=batch_id)
    from vbp.funding.workbook import workbook_response

    return workbook_response(request.user, batch, year)


urlpatterns = [
    path("amounts/", amount_list, name="amounts"),
    path("amounts/<int:hospital_id>/<int:batch_id>/<int:year>/", amount_detail, name="amount_detail"),
    path("amounts/<int:hospital_id>/<int:batch_id>/<int:year>/confirm/", amount_confirm, name="amount_confirm"),
    path("amounts/<int:hospital_id>/<int:batch_id>/<int:year>/reopen/", amount_reopen, name="amount_reopen"),
    path("overview/", overview, name="overview"),
    path("surplus/", surplus_batches, name="surplus"),
    path("surplus/<int:batch_id>/<int:year>/", surplus_hospitals, name="surplus_hospitals"),
    path("recalculate/<int:batch_id>/<int:year>/", recalculate, name="recalculate"),
    path("recalculations/<int:pk>/", recalculation, name="recalculation"),
    path("recalculations/<int:pk>/rerun/", recalculation_rerun, name="recalculation_rerun"),
    path("recalculations/<int:pk>/cancel/", recalculation_cancel, name="recalculation_cancel"),
    path("workbook/<int:batch_id>/<int:year>/", workbook, name="workbook"),
]
