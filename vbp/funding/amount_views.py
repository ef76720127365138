"""医保资金留用金额管理 (seed 000 §3, seed 001 §4.2): the amount review and 确认, the province's overview,
Wuhan's 医疗机构结余金额, the batch recalculation and the calculation workbook (测算底稿)."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from vbp import permissions
from vbp.accounts.models import Role
from vbp.accounts.scope import get_visible_or_404
from vbp.catalog.models import Batch, Hospital
from vbp.funding import selectors, services
from vbp.funding.forms import (
    AmountQuery,
    ConfirmForm,
    ProductQuery,
    ReopenForm,
    SheetQuery,
    SurplusProductQuery,
    YearQuery,
    encoded,
)
from vbp.funding.lists import PRODUCT_VALUES, ObjectListPage, goods_words, product_columns
from vbp.funding.models import AmountSheet, ProductAmount, Recalculation
from vbp.rulesets.services import rule_set_of
from vbp.ui.lists import Column
from vbp.ui.views import Lookup, page, refused

FORMULA = (
    "留用金额 = 【(采购量基数×同通用名药械加权平均价×医保基金平均支付比例) − ((中选产品约定采购量×中选产品价格"
    "+非中选产品使用金额)×医保基金平均支付比例)】×结余留用比例×参保患者使用量占比"
)
STATUS = "funding/_status_cell.html"


def rule_set_places(batch: Batch | None) -> int:
    """The amounts' decimals of a batch's rule set (whole yuan in Shanxi); 2 for several batches."""
    return rule_set_of(batch.rule_set).amount_decimals if batch is not None and batch.rule_set else 2


# --- 医疗机构医保资金留用金额审核 --------------------------------------------------------------------------


class AmountList(ObjectListPage):
    """Hospitals × batches of the year, each with its sheet's state and totals, filtered as the page asks."""

    allows = staticmethod(permissions.sees_amounts)
    query_form = AmountQuery
    template_name = "funding/amount_list.html"
    oob_template = "funding/_recalculate.html"
    table_id = "amounts"
    sheet = "留用金额"

    def get_title(self) -> str:
        return "医保资金留用金额" if self.user.role == Role.HOSPITAL else "医疗机构医保资金留用金额审核"

    def rows(self, query):
        self.year, self.batch = query.chosen_year, query.values.get("batch")
        hospitals = query.hospitals(selectors.sheet_hospitals(self.user, self.batch, self.year))
        return selectors.amount_rows(self.user, hospitals, self.batch, self.year, query.values.get("status"))

    def get_columns(self) -> list[Column]:
        places, bureau = rule_set_places(self.batch), self.user.role != Role.HOSPITAL  # a hospital: no sums
        return [
            Column("医疗机构编码", "hospital.code", sticky=True),
            Column("医疗机构名称", "hospital.name", sticky=True),
            Column("地市", "hospital.city.name"),
            Column("带量批次", "batch.name"),
            Column("考核年度", "year", kind="year", show=False),
            Column("状态", "label", template=STATUS),
            Column("品种数", "sheet.product_count", kind="number", total=bureau),
            Column(
                "留用金额合计",
                "sheet.retained_total",
                kind="money",
                decimals=sheet_places,
                total_decimals=places,
                show=False,
            ),
            Column(
                "应留用金额合计",
                "sheet.payable_total",
                kind="money",
                decimals=sheet_places,
                total_decimals=places,
                total=bureau,
            ),
            Column("操作", lambda row: "", template="funding/_amount_actions.html", export=False),
        ]

    def extra_context(self) -> dict:
        return {"year": self.year, "batch": self.batch, "can_recalculate": permissions.recalculates(self.user)}


def sheet_places(row) -> int:
    return row.decimals


amount_list = AmountList.as_view()


class AmountDetail(ObjectListPage):
    """The product rows under the formula, with every input, 测算结余 and 应留用金额 (seed 000 §3.1); filtered by
    名称 and 规格型号, and 带量品种类型 switches to the hospital's other batches; 确认, or what is still missing."""

    allows = staticmethod(permissions.sees_amounts)
    lookups = {
        "hospital": Lookup(Hospital, "hospital_id", related=("city",)),
        "batch": Lookup(Batch, "batch_id", related=("rule_set",)),
    }
    query_form = ProductQuery
    template_name = "funding/amount_detail.html"
    table_id = "products"
    sheet = "品种明细"
    default_page_size = 100

    def __init__(self, request, **kwargs):
        super().__init__(request, **kwargs)
        self.year = self.kwargs["year"]
        self.inputs = services.gather_inputs(self.hospital, self.batch, self.year)
        if self.inputs.assessment is None:
            raise Http404
        stored = AmountSheet.objects.filter(hospital=self.hospital, batch=self.batch, year=self.year)
        self.stored = stored.select_related("rule_set", "confirmed_by").first()
        self.published = selectors.published(self.user, self.stored)  # (``sheet``: the export's sheet name)

    def get_title(self) -> str:
        return f"{self.hospital.name}留用金额"

    def form_kwargs(self) -> dict:
        batches = Batch.objects.visible_to(self.user).filter(
            assessment__hospital=self.hospital, assessment__year=self.year
        )
        context = {"医疗机构": self.hospital.name, "带量批次": self.batch.name, "考核年度": str(self.year)}
        goods = goods_words(self.batch)[0]
        return {**super().form_kwargs(), "batches": batches, "current": self.batch, "goods": goods, "context": context}

    def respond(self) -> HttpResponse:
        query = self.query_form(self.request.GET, **self.form_kwargs())
        chosen = query.values.get("batch")
        if chosen is not None:  # 带量品种类型: another of the hospital's batches, on its own page
            url = reverse("funding:amount_detail", args=[self.hospital.pk, chosen.pk, self.year])
            params = encoded(query.values, batch=None)
            url += f"?{params}" if params else ""
            if self.request.headers.get("HX-Request"):
                return HttpResponse(headers={"HX-Redirect": url})
            return redirect(url)
        return super().respond()

    def rows(self, query):
        if self.published is None:
            return ProductAmount.objects.none().values(*PRODUCT_VALUES)
        return self.published.rows.order_by("product__variety_code").values(*PRODUCT_VALUES)

    def get_columns(self) -> list[Column]:
        decimals = self.published.decimals if self.published else rule_set_places(self.batch)
        return product_columns(self.batch, decimals=decimals, split=self.hospital.province_direct)

    def extra_context(self) -> dict:
        sheet, user, missing = self.published, self.user, self.inputs.missing
        pending = sheet is not None and sheet.status == AmountSheet.Status.PENDING
        confirmed = sheet is not None and sheet.status == AmountSheet.Status.CONFIRMED
        return {
            "hospital": self.hospital,
            "batch": self.batch,
            "year": self.year,
            "sheet": sheet,
            "missing": missing,
            "unpublished": self.stored is not None and sheet is None,
            "formula": FORMULA,
            "decimals": sheet.decimals if sheet else 2,
            "pool_rows": _pool_rows(sheet),
            "pending": pending,
            "can_confirm": pending and not missing and permissions.confirms_amounts(user, self.hospital),
            "can_reopen": confirmed and permissions.reopens_submitted_data(user),
            "reopens": sheet.reopens.select_related("by") if sheet else [],
            "goods": goods_words(self.batch)[0],
            "back": reverse("funding:amounts") + "?" + urlencode({"year": self.year, "batch": self.batch.code}),
        }


amount_detail = AmountDetail.as_view()


def _pool_rows(sheet: AmountSheet | None) -> list[tuple[str, int, Decimal]]:
    if sheet is None:
        return []
    return [(pool, sheet.pool_visits.get(pool, 0), Decimal(amount)) for pool, amount in sheet.pool_amounts.items()]


AMOUNT = {"hospital": Lookup(Hospital, "hospital_id"), "batch": Lookup(Batch, "batch_id")}


@page(permissions.sees_amounts, **AMOUNT)  # the service lets only the hospital's bureau confirm
@require_POST
def amount_confirm(request, hospital: Hospital, batch: Batch, year: int):
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.first_error())
    else:
        try:
            version = form.cleaned_data["version"]
            sheet = services.confirm_sheet(request.user, hospital, batch, year, version=version)
            messages.success(request, f"已确认{hospital.name}的留用金额：应留用金额合计 {sheet.payable_total:,}")
        except services.FundingRefused as error:
            refused(request, error)
    return redirect("funding:amount_detail", hospital_id=hospital.pk, batch_id=batch.pk, year=year)


@page(permissions.reopens_submitted_data, **AMOUNT)
@require_POST
def amount_reopen(request, hospital: Hospital, batch: Batch, year: int):
    sheet = get_visible_or_404(AmountSheet, request.user, hospital=hospital, batch=batch, year=year)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.first_error())
    else:
        try:
            reason, version = form.cleaned_data["reason"], form.cleaned_data["version"]
            services.reopen_sheet(request.user, sheet, reason, version=version)
            messages.success(request, "已退回，留用金额已按当前数据重新测算，待重新确认")
        except services.FundingRefused as error:
            refused(request, error)
    return redirect("funding:amount_detail", hospital_id=hospital.pk, batch_id=batch.pk, year=year)


# --- 各地市医保资金留用金额审核情况 -------------------------------------------------------------------------


class Overview(ObjectListPage):
    """Every city's confirmation status (seed 000 §3.2); a city opens its hospitals' list."""

    title = "各地市医保资金留用金额审核情况"
    allows = staticmethod(permissions.sees_overview)
    query_form = AmountQuery
    template_name = "funding/overview.html"
    oob_template = "funding/_overview_link.html"
    table_id = "cities"
    sheet = "审核情况"
    columns = (
        Column("地市", "city.name", sticky=True, link=lambda row: row["link"]),
        Column("医疗机构×批次", "total", kind="number", total=True),
        Column("已确认", AmountSheet.Status.CONFIRMED.value, kind="number", total=True),
        Column("待确认", AmountSheet.Status.PENDING.value, kind="number", total=True),
        Column("资料未齐", selectors.WAITING, kind="number", total=True),
        Column("已确认应留用金额合计", "payable", kind="money", total=True),
    )

    def rows(self, query):
        year, batch = query.chosen_year, query.values.get("batch")
        hospitals = query.hospitals(selectors.sheet_hospitals(self.user, batch, year))
        rows = selectors.amount_rows(self.user, hospitals, batch, year, query.values.get("status"))
        cities = selectors.city_summaries(rows)
        listed = reverse("funding:overview_hospitals")
        for city in cities:
            city["link"] = f"{listed}?{encoded(query.values, city=city['city'].code, district=None)}"
        self.hospitals_url = f"{listed}?{encoded(query.values)}"
        return cities

    def extra_context(self) -> dict:
        return {"hospitals_url": self.hospitals_url}


overview = Overview.as_view()


class OverviewHospitals(AmountList):
    """医院列表 (seed 000 §3.2): each hospital × batch with its state; 查看 opens its products, a province-direct
    hospital's with its split over the 12 pools."""

    title = "各地市医保资金留用金额审核情况：医院列表"
    allows = staticmethod(permissions.sees_overview)
    template_name = "ui/list_page.html"
    oob_template = None
    table_id = "hospitals"
    sheet = "医院列表"

    def get_title(self) -> str:
        return self.title

    def get_columns(self) -> list[Column]:
        places = rule_set_places(self.batch)
        name = Column("医疗机构名称", lambda row: row.hospital.name + ("（省直属）" * row.hospital.province_direct))
        return [
            Column("医疗机构编码", "hospital.code", sticky=True),
            name,
            Column("地市", "hospital.city.name"),
            Column("带量批次", "batch.name"),
            Column("考核年度", "year", kind="year", show=False),
            Column(
                "应留用金额合计",
                "sheet.payable_total",
                kind="money",
                decimals=sheet_places,
                total_decimals=places,
                total=True,
            ),
            Column("状态", "label", template=STATUS),
            Column("操作", lambda row: "", template="funding/_overview_actions.html", export=False),
        ]


overview_hospitals = OverviewHospitals.as_view()


# --- 医疗机构结余金额 (Wuhan) ------------------------------------------------------------------------------


class SurplusBatches(ObjectListPage):
    """Per batch: the budget and the surplus of the sheets in scope, and the amounts (seed 001 §4.2)."""

    title = "医疗机构结余金额"
    allows = staticmethod(permissions.sees_surplus)
    query_form = YearQuery
    template_name = "funding/surplus_batches.html"
    table_id = "batches"
    sheet = "带量批次"
    columns = (
        Column("批次编码", "batch.code", show=False),
        Column("带量批次", "batch.name", sticky=True),
        Column("考核年度", "year", kind="year", show=False),
        Column("医疗机构数", "hospitals", kind="number", total=True),
        Column("医保资金预算", "budget", kind="money", total=True),
        Column("结余金额", "surplus", kind="money", total=True),
        Column("应留用金额", "payable", kind="money", total=True),
        Column("职保", "employee", kind="money", total=True),
        Column("居保", "resident", kind="money", total=True),
        Column("操作", lambda row: "", template="funding/_surplus_actions.html", export=False),
    )

    def rows(self, query):
        self.year = query.chosen_year
        return selectors.batch_surpluses(self.user, self.year)

    def extra_context(self) -> dict:
        return {"year": self.year}


surplus_batches = SurplusBatches.as_view()


class SurplusHospitals(ObjectListPage):
    """Per hospital of a batch: 品种数 and the amount, 职保 and 居保 apart; 品种明细 opens the products."""

    allows = staticmethod(permissions.sees_surplus)
    lookups = {"batch": Lookup(Batch, "batch_id", related=("rule_set",))}
    query_form = SheetQuery
    template_name = "funding/surplus_hospitals.html"
    table_id = "sheets"
    sheet = "医疗机构"

    def get_title(self) -> str:
        return f"{self.batch.name}医疗机构结余金额"

    def rows(self, query):
        sheets = AmountSheet.objects.visible_to(self.user).filter(batch=self.batch, year=self.kwargs["year"])
        return sheets.select_related("hospital", "batch").order_by("hospital__code")

    def get_columns(self) -> list[Column]:
        places = rule_set_places(self.batch)

        def amount(header: str, value: str) -> Column:
            return Column(
                header, value, kind="money", decimals=lambda sheet: sheet.decimals, total_decimals=places, total=True
            )

        return [
            Column("医疗机构编号", "hospital.code", sticky=True),
            Column("医疗机构名称", "hospital.name", sticky=True),
            Column("品种数", "product_count", kind="number", total=True),
            Column("医保资金预算", "budget_total", kind="money", total=True),
            Column("结余金额", "surplus_total", kind="money", total=True),
            amount("应留用金额", "payable_total"),
            amount("职保", "employee_amount"),
            amount("居保", "resident_amount"),
            Column("状态", "get_status_display", template=STATUS),
            Column("操作", lambda sheet: "", template="funding/_sheet_actions.html", export=False),
        ]

    def extra_context(self) -> dict:
        return {"batch": self.batch, "year": self.kwargs["year"]}


surplus_hospitals = SurplusHospitals.as_view()


class SurplusProducts(ObjectListPage):
    """Per product the detail (seed 001 §4.2): every product row of every sheet in scope, filtered; its export is
    the whole province's (or city's) rows, streamed."""

    title = "医疗机构结余金额品种明细"
    allows = staticmethod(permissions.sees_surplus)
    query_form = SurplusProductQuery
    table_id = "products"
    sheet = "品种明细"

    def rows(self, query):
        self.batch = query.values.get("batch")
        rows = ProductAmount.objects.visible_to(self.user).filter(sheet__year=query.chosen_year)
        order = ("sheet__batch__cycle_start", "sheet__batch__code", "sheet__hospital__code", "product__variety_code")
        fields = (*PRODUCT_VALUES, "sheet__hospital__code", "sheet__hospital__name", "sheet__status")
        return rows.order_by(*order).values(*fields)

    def get_columns(self) -> list[Column]:
        statuses = dict(AmountSheet.Status.choices)
        products = product_columns(self.batch)
        return [
            Column("带量批次", "sheet__batch__name"),
            Column("医疗机构编码", "sheet__hospital__code"),
            Column("医疗机构名称", "sheet__hospital__name", sticky=True),
            *products[1:],  # its 带量品种类型 is the first column here
            Column("状态", lambda row: statuses[row["sheet__status"]]),
        ]


surplus_products = SurplusProducts.as_view()


# --- 重新测算 and 测算底稿 -----------------------------------------------------------------------------------

BATCH = {"batch": Lookup(Batch, "batch_id")}
JOB = {"job": Lookup(Recalculation, "pk", related=("batch", "requested_by"))}  # scope: the jobs covering the user


@page(permissions.recalculates, **BATCH)
@require_POST
def recalculate(request, batch: Batch, year: int):
    try:
        job = services.start_recalculation(request.user, batch, year)
    except services.FundingRefused as error:
        refused(request, error)
        return redirect(reverse("funding:amounts") + "?" + urlencode({"year": year, "batch": batch.code}))
    return redirect("funding:recalculation", pk=job.pk)


@page(permissions.recalculates, **JOB)
def recalculation(request, job: Recalculation):
    services.reap_interrupted_recalculations()
    job.refresh_from_db()
    template = "funding/_recalculation.html" if request.headers.get("HX-Request") else "funding/recalculation.html"
    back = reverse("funding:amounts") + "?" + urlencode({"year": job.year, "batch": job.batch.code})
    failed = job.status == Recalculation.Status.FAILED
    waiting = job.status == Recalculation.Status.QUEUED and job.waiting_for_worker
    context = {"job": job, "running": job.running, "back": back, "failed": failed, "waiting": waiting}
    return render(request, template, context)


@page(permissions.recalculates, **JOB)
@require_POST
def recalculation_rerun(request, job: Recalculation):
    try:
        services.rerun_recalculation(request.user, job)
    except services.FundingRefused as error:
        refused(request, error)
    else:
        messages.success(request, "已重新运行，后台测算中。")
    return redirect("funding:recalculation", pk=job.pk)


@page(permissions.recalculates, **JOB)
@require_POST
def recalculation_cancel(request, job: Recalculation):
    try:
        services.cancel_recalculation(request.user, job)
    except services.FundingRefused as error:
        refused(request, error)
    else:
        messages.success(request, "已取消本次重新测算；已测算完的医疗机构保持测算结果。")
    return redirect("funding:recalculation", pk=job.pk)


@page(permissions.sees_surplus, **BATCH)
def workbook(request, batch: Batch, year: int):
    """测算底稿: exactly `vbp calc` input for the batch's sheets in the user's scope, with the system's results."""
    from vbp.funding.workbook import workbook_response

    return workbook_response(request.user, batch, year)
