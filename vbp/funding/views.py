"""医保资金留用金额信息维护 (seed 000 §2): payment ratios, inpatient visits with their proof, and the share query.

The lists are ListPages; every other page is an ``@page`` view, given its objects through the user's scope.
Counts are entered in a grid, as in the seed: a cell is edited by double-click and saved with Enter (维护成功),
rows are selected and 提交 locks them (提交成功). vbp/funding/static/funding/visits.js holds the grid's behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlsplit

from django.contrib import messages
from django.http import Http404, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from vbp import permissions
from vbp.accounts.models import Role
from vbp.catalog.models import Batch, Hospital
from vbp.funding import proofs, selectors, services
from vbp.funding.forms import (
    PayRatioForm,
    PoolVisitsForm,
    ProofForm,
    ReopenForm,
    TotalVisitsForm,
    VisitQuery,
    VisitSubmitForm,
    YearQuery,
)
from vbp.funding.lists import BuiltRows, ObjectListPage
from vbp.funding.models import Entry, PoolVisits, VisitProof
from vbp.regions.models import Pool
from vbp.ui.lists import Column
from vbp.ui.views import Lookup, page, refused

STATUS = "funding/_status_cell.html"
FINAL = "（提交后不能修改）"

# --- 全省医保基金支付比例维护 ------------------------------------------------------------------------


class PayRatioList(ObjectListPage):
    """One row per batch: the ratio is edited in its cell (double-click, Enter), then 提交 (final) or 退回."""

    title = "全省医保基金支付比例维护"
    allows = staticmethod(permissions.keeps_pay_ratios)
    query_form = YearQuery
    template_name = "funding/pay_ratios.html"
    table_id = "pay-ratios"
    sheet = "支付比例"
    columns = (
        Column("批次编码", "batch.code", show=False),
        Column("带量批次", "batch.name", sticky=True),
        Column("批次类型", "batch.get_kind_display"),
        Column("类别", lambda row: row.batch.get_category_display() + ("（接续）" if row.batch.renewal else "")),
        Column("考核年度", "year", kind="year", show=False),
        Column("医保基金平均支付比例（%）", "ratio.percent", kind="number", template="funding/_ratio_cell.html"),
        Column("状态", "ratio.get_status_display", template=STATUS),
        Column("操作", lambda row: "", template="funding/_ratio_actions.html", export=False),
    )

    def rows(self, query):
        rows = selectors.pay_ratio_rows(self.user, query.chosen_year)
        for row in rows:
            row.page = self
        return rows


pay_ratios = PayRatioList.as_view()


@page(permissions.keeps_pay_ratios, batch=Lookup(Batch, "batch_id"))
@require_POST
def pay_ratio_save(request, batch: Batch, year: int):
    form = PayRatioForm(request.POST)
    back = redirect(reverse("funding:pay_ratios") + f"?year={year}")
    if not form.is_valid():
        messages.error(request, form.first_error())
        return back
    action, version = form.cleaned_data["action"], form.cleaned_data["version"]
    try:
        if action == "submit":
            services.submit_pay_ratio(request.user, batch, year, version=version)
            messages.success(request, f"提交成功：{batch.name}的医保基金平均支付比例已提交，本批次留用金额正在重新测算")
        elif action == "reopen":
            services.reopen_pay_ratio(request.user, batch, year, form.cleaned_data["reason"], version=version)
            messages.success(request, f"已退回{batch.name}的医保基金平均支付比例，可重新填写后提交")
        else:
            ratio = services.save_pay_ratio(request.user, batch, year, form.cleaned_data["percent"], version=version)
            messages.success(request, f"维护成功：{batch.name}的医保基金平均支付比例 {ratio.percent}%")
    except services.FundingRefused as error:
        refused(request, error)
    return back


# --- 住院人次维护 --------------------------------------------------------------------------------------


class VisitList(ObjectListPage):
    """住院人次维护 as each party keeps it (seed 000 §2.2–2.4): the hospital its total; the province (省直) and a city
    bureau (its own pool) one count per hospital, in the grid; the platform the other ten cities, on each hospital's
    page, with how many it has entered."""

    allows = staticmethod(permissions.keeps_visits)
    query_form = VisitQuery
    template_name = "funding/visit_list.html"
    table_id = "visits"
    sheet = "住院人次"
    empty = "没有符合条件的医疗机构"
    url_name = "visits"

    def hospitals(self):
        return selectors.own_visit_hospitals(self.user).order_by("code")

    def get_title(self) -> str:
        if self.user.role == Role.HOSPITAL:
            return "医疗机构上一年度住院总人次填报"
        if self.user.role == Role.REMOTE_PLATFORM:
            return "省内异地参保患者住院人次维护"
        return "本统筹地区参保患者住院人次维护"

    @property
    def grid(self) -> bool:
        """One count per hospital, entered in the list itself: the province's 省直 and a city's own pool."""
        return self.user.role in (Role.PROVINCE, Role.CITY)

    @property
    def cell_header(self) -> str:
        return "本统筹地区参保患者住院人次"

    def rows(self, query):
        self.year = query.chosen_year
        return BuiltRows(self.hospitals(), self.built)

    def built(self, hospitals: list[Hospital]) -> list[selectors.VisitRow]:
        rows = selectors.visit_rows(self.user, hospitals, self.year)
        for row in rows:
            row.page = self
        return rows

    def get_columns(self) -> list[Column]:
        hospital = self.user.role == Role.HOSPITAL
        columns = [
            Column("选择", lambda row: "", template="funding/_select_cell.html", export=False, show=self.grid),
            Column("医疗机构编码", "hospital.code", sticky=True),
            Column("医院名称", "hospital.name", sticky=True),
            Column("地市", "hospital.city.name"),
            Column("考核年度", "year", kind="year", show=False),
        ]
        if hospital:
            columns.append(Column("上一年度住院总人次", "total", kind="volume"))
        else:
            total = Column("上一年度患者住院总人次", "shown_total", kind="volume", template="funding/_total_cell.html")
            preview = Column("附件预览", lambda row: "", template="funding/_proof_cell.html", export=False)
            columns += [total, preview]
        if self.grid:
            cell = Column(self.cell_header, "my_visits", kind="volume", template="funding/_visit_cell.html", total=True)
            columns.append(cell)
        elif self.user.role == Role.REMOTE_PLATFORM:
            columns += [
                Column("已填报区域数", lambda row: len(row.areas_done), kind="number"),
                Column("已填报区域", lambda row: "、".join(row.areas_done)),
                Column("省内异地参保患者住院人次", "my_visits", kind="volume", total=True),
            ]
        columns += [
            Column("状态", "my_status", template=STATUS),
            Column("操作", lambda row: "", template="funding/_visit_actions.html", export=False),
        ]
        return columns

    def extra_context(self) -> dict:
        return {
            "grid": self.grid,
            "year": self.year,
            "url_name": self.url_name,
            "cell_header": self.cell_header,
            "hospital_user": self.user.role == Role.HOSPITAL,
            "platform": self.user.role == Role.REMOTE_PLATFORM,
            "final": FINAL,
        }


class CapitalVisitList(VisitList):
    """(太原市)省内异地参保患者住院人次维护 (seed 000 §2.3): the capital's bureau enters its insured's visits at the
    province-direct hospitals, in the grid."""

    allows = staticmethod(permissions.keeps_capital_visits)
    url_name = "capital_visits"
    grid = True  # one count per hospital: 太原市's
    cell_header = "省内异地参保患者住院人次"

    def hospitals(self):
        return selectors.capital_visit_hospitals(self.user).order_by("code")

    def get_title(self) -> str:
        return "省内异地参保患者住院人次维护"


visit_list = VisitList.as_view()
capital_visit_list = CapitalVisitList.as_view()


def _keeps(user, hospital: Hospital) -> None:
    """A hospital the user may see but whose visits it does not keep (the province's non-direct ones) is 404."""
    if not selectors.visit_hospitals(user).filter(pk=hospital.pk).exists():
        raise Http404


PARTIES = {Role.PROVINCE: "省医保局", Role.CITY: "统筹区医保局", Role.REMOTE_PLATFORM: "省内异地平台"}


@dataclass
class PoolLine:
    """One pool of a hospital's visits page: who enters it, what is entered, its share."""

    hospital: Hospital
    pool: Pool
    entry: PoolVisits | None
    mine: bool  # the user enters it
    share: Decimal | None
    page: VisitDetail

    @property
    def party(self) -> str:
        return PARTIES[permissions.pool_party(self.hospital, self.pool)]

    @property
    def visits(self) -> int | None:
        return self.entry.visits if self.entry else None

    @property
    def submitted(self) -> bool:
        return bool(self.entry) and self.entry.status == Entry.SUBMITTED

    @property
    def status_label(self) -> str:
        return self.entry.get_status_display() if self.entry else Entry.DRAFT.label

    @property
    def state(self) -> str:
        return self.entry.status if self.entry else Entry.DRAFT

    @property
    def editable(self) -> bool:
        return self.mine and self.page.report_submitted and not self.submitted


class VisitDetail(ObjectListPage):
    """A hospital's visits of the year: its total with the proof (entered by the hospital), then each pool's count,
    entered by its party (double-click a cell, Enter saves every count of the user's; 提交 locks them)."""

    allows = staticmethod(permissions.keeps_visits)
    lookups = {"hospital": Lookup(Hospital, "hospital_id", related=("city", "home_pool"))}
    template_name = "funding/visit_detail.html"
    table_id = "pools"
    sheet = "参保患者住院人次"
    columns = (
        Column("统筹区", "pool.name", sticky=True),
        Column("维护方", "party"),
        Column("住院人次", "visits", kind="volume", template="funding/_pool_cell.html", total=True),
        Column("参保患者使用量占比", "share", kind="percent"),
        Column("状态", "status_label", template=STATUS),
    )

    def __init__(self, request, **kwargs):
        super().__init__(request, **kwargs)
        _keeps(self.user, self.hospital)
        self.year = self.kwargs["year"]
        self.report = services.find_visit_report(self.hospital, self.year)
        self.report_submitted = self.report.status == Entry.SUBMITTED

    def get_title(self) -> str:
        return f"住院人次维护：{self.hospital.name}"

    def rows(self, query):
        every_pool = list(Pool.objects.order_by("-province_level", "code"))
        report = self.report if self.report.pk else None
        self.shares = selectors.share_row(self.hospital, report, every_pool, selectors.share_rule_set())
        entered = {entry.pool_id: entry for entry in self.report.pools.all()} if self.report.pk else {}
        lines = []
        for share in self.shares.by_pool:
            mine = permissions.enters_pool_visits(self.user, self.hospital, share.pool)
            lines.append(PoolLine(self.hospital, share.pool, entered.get(share.pool.pk), mine, share.share, self))
        self.lines = lines
        return lines

    def extra_context(self) -> dict:
        user, report = self.user, self.report
        mine = [line for line in self.lines if line.mine]
        own = permissions.enters_total_visits(user, self.hospital)
        capital = user.role == Role.CITY and self.hospital.province_direct
        return {
            "hospital": self.hospital,
            "report": report,
            "year": self.year,
            "shares": self.shares,
            "proofs": list(report.proofs.all()) if report.pk else [],
            "own_hospital": own,
            "can_edit_total": own and not self.report_submitted,
            "can_edit_pools": any(line.editable for line in mine),
            "several": len(mine) > 1,
            "report_submitted": self.report_submitted,
            "can_reopen": permissions.reopens_submitted_data(user) and self.report_submitted,
            "accepted": proofs.ACCEPTED,
            "back": reverse("funding:capital_visits" if capital else "funding:visits") + f"?year={self.year}",
            "final": FINAL,
        }


visit_detail = VisitDetail.as_view()


def _report(hospital: Hospital, year: int):
    return services.visit_report(hospital, year)


def _back(request, back: str, hospital: Hospital | None, year: int):
    """Back where the user came from: the hospital's page, or the list (as the user last filtered it: the query of
    the page that sent the form, when that page is the list)."""
    if back == "detail" and hospital is not None:
        return redirect("funding:visit_detail", hospital_id=hospital.pk, year=year)
    listed = reverse("funding:capital_visits" if back == "capital_visits" else "funding:visits")
    referer = urlsplit(request.headers.get("Referer", ""))
    if referer.path == listed and referer.netloc in ("", request.get_host()):
        return redirect(listed + ("?" + QueryDict(referer.query).urlencode() if referer.query else ""))
    return redirect(listed + f"?year={year}")


VISITS = {"hospital": Lookup(Hospital, "hospital_id")}


@page(permissions.keeps_visits, **VISITS)  # the service lets only the hospital itself enter its total
@require_POST
def visit_total(request, hospital: Hospital, year: int):
    _keeps(request.user, hospital)
    form = TotalVisitsForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form.first_error())
        return _back(request, "detail", hospital, year)
    report, version, total = _report(hospital, year), form.cleaned_data["version"], form.cleaned_data["total_visits"]
    try:
        if form.cleaned_data["file"]:  # the proof chosen with the total: kept first, so 提交 finds it on file
            proofs.store_proof(request.user, report, form.cleaned_data["file"])
            messages.success(request, f"已上传附件 {form.cleaned_data['file'].name}")
        if form.cleaned_data["action"] == "submit":
            if total is not None:
                version = services.save_total_visits(request.user, report, total, version=version).version
            services.submit_total_visits(request.user, report, version=version)
            messages.success(request, "提交成功：上一年度住院总人次已提交")
        else:
            services.save_total_visits(request.user, report, total, version=version)
            messages.success(request, "维护成功：已保存上一年度住院总人次")
    except services.FundingRefused as error:
        refused(request, error)
    return _back(request, "detail", hospital, year)


@page(permissions.keeps_visits, **VISITS)
@require_POST
def visit_pools(request, hospital: Hospital, year: int):
    """保存 the user's pools' counts (from the hospital's page, or one cell of a list's grid), or 提交 them."""
    _keeps(request.user, hospital)
    form = PoolVisitsForm(request.POST, pools=services.pools_entered_by(request.user, hospital))
    if not form.is_valid():
        messages.error(request, form.first_error())
        return _back(request, form.cleaned_data.get("back") or "detail", hospital, year)
    report, version = _report(hospital, year), form.cleaned_data["version"]
    try:
        if form.counts:
            version = services.save_pool_visits(request.user, report, form.counts, version=version).version
        if form.cleaned_data["action"] == "submit":
            services.submit_pool_visits(request.user, report, version=version)
            messages.success(request, "提交成功")
        else:
            messages.success(request, "维护成功")
    except services.FundingRefused as error:
        refused(request, error)
    return _back(request, form.back_to, hospital, year)


@page(permissions.keeps_visits)
@require_POST
def visit_submit(request):
    """提交 of the rows selected in a visits grid, each of the version the page showed (seed 000 §2.2–2.3)."""
    form = VisitSubmitForm(request.POST, hospitals=selectors.visit_hospitals(request.user))
    valid = form.is_valid()
    back = form.cleaned_data.get("back") or "visits"
    if not valid:
        messages.error(request, form.first_error())
        return _back(request, back, None, selectors.latest_year())
    done = []
    for hospital, year, version in form.cleaned_data["rows"]:
        try:
            services.submit_pool_visits(request.user, _report(hospital, year), version=version)
            done.append(hospital)
        except services.FundingRefused as error:
            messages.error(request, f"{hospital.name}：{error}")
    if done:
        messages.success(request, f"提交成功（{len(done)} 家医疗机构）")
    return _back(request, back, None, year)


@page(permissions.reopens_submitted_data, **VISITS)
@require_POST
def visit_reopen(request, hospital: Hospital, year: int):
    """退回: the province sends a hospital's submitted visits back to be entered again."""
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.first_error())
    else:
        try:
            report, reason = _report(hospital, year), form.cleaned_data["reason"]
            services.reopen_visits(request.user, report, reason, version=form.cleaned_data["version"])
            messages.success(request, "已退回住院人次，医疗机构和各统筹区需重新填报提交")
        except services.FundingRefused as error:
            refused(request, error)
    if selectors.visit_hospitals(request.user).filter(pk=hospital.pk).exists():  # a province-direct hospital
        return redirect("funding:visit_detail", hospital_id=hospital.pk, year=year)
    return redirect("funding:share_detail", hospital_id=hospital.pk, year=year)


@page(permissions.keeps_visits, **VISITS)  # the service lets only the hospital itself upload its proof
@require_POST
def proof_upload(request, hospital: Hospital, year: int):
    _keeps(request.user, hospital)
    form = ProofForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form.first_error())
        return _back(request, "detail", hospital, year)
    upload = form.cleaned_data["file"]
    try:
        proofs.store_proof(request.user, _report(hospital, year), upload)
        messages.success(request, f"已上传附件 {upload.name}")
    except services.FundingRefused as error:
        refused(request, error)
    return _back(request, "detail", hospital, year)


PROOF = {"proof": Lookup(VisitProof, "pk", related=("report",))}


@page(permissions.enters_total_visits, **PROOF)
@require_POST
def proof_delete(request, proof: VisitProof):
    try:
        proofs.delete_proof(request.user, proof)
        messages.success(request, f"已删除附件 {proof.file_name}")
    except services.FundingRefused as error:
        refused(request, error)
    return redirect("funding:visit_detail", hospital_id=proof.report.hospital_id, year=proof.report.year)


@page(permissions.sees_shares, **PROOF)
@never_cache
@xframe_options_sameorigin  # the visits pages preview it in a frame
def proof_file(request, proof: VisitProof):
    """The proof, to whoever sees the hospital's visits (the hospital, its bureaus, the platform)."""
    return proofs.serve(proof)


# --- 参保患者住院人次及占比查询 ---------------------------------------------------------------------------


class ShareList(ObjectListPage):
    """Per hospital: its total, its own pool's count, the capital's and the other cities' (province-direct), the
    share (seed 000 §2.5); a province-direct hospital's other cities open their per-city list."""

    title = "参保患者住院人次及占比查询"
    allows = staticmethod(permissions.sees_shares)
    query_form = VisitQuery
    table_id = "shares"
    sheet = "住院人次及占比"

    def rows(self, query):
        self.year = year = query.chosen_year
        hospitals = Hospital.objects.visible_to(self.user).select_related("city", "district", "home_pool")
        return BuiltRows(hospitals.order_by("code"), lambda chunk: selectors.share_rows(chunk, year))

    columns = (
        Column("医疗机构编码", "hospital.code", show=False),
        Column("医院名称", "hospital.name", sticky=True),
        Column("考核年度", "year", kind="year", show=False),
        Column("该院总住院人次", "total", kind="volume", total=True),
        Column("各统筹地区参保患者在院住院人次", "own", kind="volume", total=True),
        Column("太原市异地患者在省直医院住院人次", "capital", kind="volume", total=True),
        Column(
            "其他地市异地患者在省直医院住院人次",
            "others",
            kind="volume",
            total=True,
            link=lambda row: reverse("funding:share_detail", args=[row.hospital.pk, row.year]),
        ),
        Column("参保患者使用量占比", "share", kind="percent", template="funding/_share_cell.html"),
        Column("操作", lambda row: "", template="funding/_share_actions.html", export=False),
    )


share_list = ShareList.as_view()


class ShareDetail(ObjectListPage):
    """One hospital's pools (seed 000 §2.5, 异地医保参保者在省直医院住院人数), and 退回 for the province."""

    allows = staticmethod(permissions.sees_shares)
    lookups = {"hospital": Lookup(Hospital, "hospital_id", related=("home_pool",))}
    template_name = "funding/share_detail.html"
    table_id = "pool-shares"
    columns = (
        Column("区域", "pool.name", sticky=True),
        Column("医院名称", "hospital.name"),
        Column("参保患者住院人次", "visits", kind="volume", total=True),
        Column("参保患者使用量占比", "share", kind="percent"),
    )

    def get_title(self) -> str:
        if self.hospital.province_direct:
            return "异地医保参保者在省直医院住院人数"
        return "参保患者住院人次及占比"

    def rows(self, query):
        self.row = selectors.share_rows([self.hospital], self.kwargs["year"])[0]
        return self.row.by_pool

    def extra_context(self) -> dict:
        report = services.find_visit_report(self.hospital, self.kwargs["year"])
        return {
            "hospital": self.hospital,
            "row": self.row,
            "year": self.kwargs["year"],
            "report": report,
            "can_reopen": permissions.reopens_submitted_data(self.user) and report.status == Entry.SUBMITTED,
        }


share_detail = ShareDetail.as_view()
