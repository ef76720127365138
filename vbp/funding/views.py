"""医保资金留用金额信息维护 (seed 000 §2): payment ratios, inpatient visits with their proof, and the share query."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from vbp.accounts.decorators import business_page
from vbp.accounts.models import Role
from vbp.catalog.models import Batch, Hospital
from vbp.funding import proofs, selectors, services
from vbp.funding.models import Entry, VisitProof
from vbp.regions.selectors import region_choices
from vbp.ui.export import PERCENT, YEAR, export_xlsx, paginate

# --- 全省医保基金支付比例维护 ------------------------------------------------------------------------


@business_page
def pay_ratios(request):
    if not services.keeps_pay_ratios(request.user):
        raise Http404
    year = selectors.assessment_year(request)
    rows = selectors.pay_ratio_rows(year)
    if request.GET.get("export"):
        exported = ([batch.code, batch.name, batch.get_kind_display(), year, ratio.percent if ratio else None,
                     ratio.get_status_display() if ratio else Entry.DRAFT.label] for batch, ratio in rows)  # fmt: skip
        headers = ["批次编码", "带量批次", "批次类型", "考核年度", "医保基金平均支付比例（%）", "状态"]
        return export_xlsx(request, "全省医保基金支付比例", headers, exported, sheet="支付比例",
                           filters={"考核年度": year}, formats={"考核年度": YEAR})  # fmt: skip
    context = {"rows": rows, "year": year, "years": selectors.years()}
    return render(request, "funding/pay_ratios.html", context)


@business_page
@require_POST
def pay_ratio_save(request, batch_id: int, year: int):
    if not services.keeps_pay_ratios(request.user):
        raise Http404
    batch = get_object_or_404(Batch, pk=batch_id)
    try:
        if request.POST.get("action") == "submit":
            services.submit_pay_ratio(request.user, batch, year)
            messages.success(request, f"{batch.name}的医保基金平均支付比例已提交，本批次留用金额正在重新测算")
        elif request.POST.get("action") == "reopen":
            services.reopen_pay_ratio(request.user, batch, year, request.POST.get("reason", ""))
            messages.success(request, f"已退回{batch.name}的医保基金平均支付比例，可重新填写后提交")
        else:
            ratio = services.save_pay_ratio(request.user, batch, year, request.POST.get("percent", ""))
            messages.success(request, f"已保存{batch.name}的医保基金平均支付比例 {ratio.percent}%")
    except services.FundingRefused as error:
        messages.error(request, str(error))
    return redirect(reverse("funding:pay_ratios") + f"?year={year}")


# --- 住院人次维护 --------------------------------------------------------------------------------------


@business_page
def visit_list(request):
    user = request.user
    if not selectors.keeps_visits(user):
        raise Http404
    year = selectors.assessment_year(request)
    query = {key: request.GET.get(key, "").strip() for key in ("city", "district", "name")}
    hospitals = selectors.filter_hospitals(selectors.visit_hospitals(user), query).order_by("code")
    title = _visit_title(user)
    if request.GET.get("export"):
        rows = selectors.visit_rows(user, hospitals, year)
        exported = ([row.hospital.code, row.hospital.name, row.hospital.city.name, year, row.total, row.my_visits,
                     row.my_status] for row in rows)  # fmt: skip
        headers = ["医疗机构编码", "医疗机构名称", "地市", "考核年度", "上一年度住院总人次", "本方填报住院人次", "状态"]
        return export_xlsx(request, title, headers, exported, sheet="住院人次",
                           filters=selectors.shown_filters(year, query), formats={"考核年度": YEAR})  # fmt: skip
    page, query_string = paginate(request, hospitals)
    context = {
        "title": title, "page": page, "query": query_string, "rows": selectors.visit_rows(user, page, year),
        "year": year, "years": selectors.years(), **query, **region_choices(user, query["city"]),
    }  # fmt: skip
    return render(request, "funding/visit_list.html", context)


def _visit_title(user) -> str:
    if user.role == Role.HOSPITAL:
        return "医疗机构上一年度住院总人次填报"
    if user.role == Role.REMOTE_PLATFORM:
        return "省内异地参保患者住院人次维护"
    return "本统筹地区参保患者住院人次维护"


def _visit_hospital(request, hospital_id: int) -> Hospital:
    if not selectors.keeps_visits(request.user):
        raise Http404
    return get_object_or_404(selectors.visit_hospitals(request.user), pk=hospital_id)


@business_page
def visit_detail(request, hospital_id: int, year: int):
    hospital = _visit_hospital(request, hospital_id)
    report = services.find_visit_report(hospital, year)
    row = selectors.share_row(hospital, report, {p.pk: p for p in services.required_pools(hospital)},
                              selectors.share_rule_set())  # fmt: skip
    entered = {entry.pool_id: entry for entry in report.pools.select_related("entered_by")} if report.pk else {}
    pools = [
        {"pool": pool, "entry": entered.get(pool.pk), "mine": services.enters_pool(request.user, hospital, pool),
         "party": _party_label(services.pool_party(hospital, pool))}
        for pool in services.required_pools(hospital)
    ]  # fmt: skip
    mine = [item for item in pools if item["mine"]]
    context = {
        "hospital": hospital, "report": report, "year": year, "pools": pools, "shares": row,
        "proofs": list(report.proofs.all()) if report.pk else [],
        "own_hospital": request.user.role == Role.HOSPITAL,
        "can_edit_total": request.user.role == Role.HOSPITAL and report.status == Entry.DRAFT,
        "can_edit_pools": bool(mine) and report.status == Entry.SUBMITTED
        and any(not item["entry"] or item["entry"].status == Entry.DRAFT for item in mine),
        "accepted": proofs.ACCEPTED,
    }  # fmt: skip
    return render(request, "funding/visit_detail.html", context)


def _party_label(party: str) -> str:
    return {Role.PROVINCE: "省医保局", Role.CITY: "统筹区医保局", Role.REMOTE_PLATFORM: "省内异地平台"}[party]


@business_page
@require_POST
def visit_total(request, hospital_id: int, year: int):
    hospital = _visit_hospital(request, hospital_id)
    report = services.visit_report(hospital, year)
    version = _version(request)
    try:
        if request.POST.get("action") == "submit":
            if request.POST.get("total_visits", "").strip():
                report = services.save_total_visits(request.user, report, request.POST["total_visits"], version=version)
                version = report.version
            services.submit_total_visits(request.user, report, version=version)
            messages.success(request, "上一年度住院总人次已提交")
        else:
            services.save_total_visits(request.user, report, request.POST.get("total_visits", ""), version=version)
            messages.success(request, "已保存上一年度住院总人次")
    except services.FundingRefused as error:
        messages.error(request, str(error))
    return redirect("funding:visit_detail", hospital_id=hospital.pk, year=year)


@business_page
@require_POST
def visit_pools(request, hospital_id: int, year: int):
    hospital = _visit_hospital(request, hospital_id)
    report = services.visit_report(hospital, year)
    version = _version(request)
    counts = {
        name.removeprefix("pool_"): value.strip()
        for name, value in request.POST.items()
        if name.startswith("pool_") and value.strip()
    }
    try:
        if counts:
            report = services.save_pool_visits(request.user, report, counts, version=version)
            version = report.version
        if request.POST.get("action") == "submit":
            services.submit_pool_visits(request.user, report, version=version)
            messages.success(request, "参保患者住院人次已提交")
        elif counts:
            messages.success(request, "已保存参保患者住院人次")
    except (services.FundingRefused, ValueError) as error:
        messages.error(request, str(error))
    return redirect("funding:visit_detail", hospital_id=hospital.pk, year=year)


def _version(request) -> int | None:
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None


@business_page
@require_POST
def visit_reopen(request, hospital_id: int, year: int):
    """退回: the province sends a hospital's submitted visits back to be entered again."""
    hospital = get_object_or_404(Hospital.objects.visible_to(request.user), pk=hospital_id)
    if request.user.role != Role.PROVINCE:
        raise Http404
    try:
        services.reopen_visits(request.user, services.visit_report(hospital, year), request.POST.get("reason", ""))
        messages.success(request, "已退回住院人次，医疗机构和各统筹区需重新填报提交")
    except services.FundingRefused as error:
        messages.error(request, str(error))
    if selectors.visit_hospitals(request.user).filter(pk=hospital.pk).exists():  # a province-direct hospital
        return redirect("funding:visit_detail", hospital_id=hospital.pk, year=year)
    return redirect("funding:share_detail", hospital_id=hospital.pk, year=year)


@business_page
@require_POST
def proof_upload(request, hospital_id: int, year: int):
    hospital = _visit_hospital(request, hospital_id)
    report = services.visit_report(hospital, year)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise services.FundingRefused("请选择要上传的文件")
        proofs.store_proof(request.user, report, upload)
        messages.success(request, f"已上传附件 {upload.name}")
    except services.FundingRefused as error:
        messages.error(request, str(error))
    return redirect("funding:visit_detail", hospital_id=hospital.pk, year=year)


@business_page
@require_POST
def proof_delete(request, pk: int):
    proof = get_object_or_404(VisitProof.objects.visible_to(request.user).select_related("report"), pk=pk)
    if request.user.role != Role.HOSPITAL:
        raise Http404
    try:
        proofs.delete_proof(request.user, proof)
        messages.success(request, f"已删除附件 {proof.file_name}")
    except services.FundingRefused as error:
        messages.error(request, str(error))
    return redirect("funding:visit_detail", hospital_id=proof.report.hospital_id, year=proof.report.year)


@business_page
@never_cache
@xframe_options_sameorigin  # the visits page previews it in a frame
def proof_file(request, pk: int):
    """The proof, to whoever sees the hospital's visits (the hospital, its bureaus, the platform)."""
    if not selectors.sees_shares(request.user):
        raise Http404
    proof = get_object_or_404(VisitProof.objects.visible_to(request.user), pk=pk)
    return proofs.serve(proof)


# --- 参保患者住院人次及占比查询 ---------------------------------------------------------------------------


@business_page
def share_list(request):
    user = request.user
    if not selectors.sees_shares(user):
        raise Http404
    year = selectors.assessment_year(request)
    query = {key: request.GET.get(key, "").strip() for key in ("city", "district", "name")}
    hospitals = selectors.filter_hospitals(
        Hospital.objects.visible_to(user).select_related("city", "district", "home_pool"), query
    ).order_by("code")
    if request.GET.get("export"):
        exported = (_share_export_row(row, year) for row in selectors.share_rows(hospitals, year))
        return export_xlsx(request, "参保患者住院人次及占比", SHARE_HEADERS, exported, sheet="住院人次及占比",
                           filters=selectors.shown_filters(year, query),
                           formats={"考核年度": YEAR, "参保患者使用量占比": PERCENT})  # fmt: skip
    page, query_string = paginate(request, hospitals)
    context = {
        "page": page, "query": query_string, "rows": selectors.share_rows(page, year), "year": year,
        "years": selectors.years(), **query, **region_choices(user, query["city"]),
    }  # fmt: skip
    return render(request, "funding/share_list.html", context)


SHARE_HEADERS = ["医疗机构编码", "医院名称", "考核年度", "该院总住院人次", "各统筹地区参保患者在院住院人次",
                 "太原市异地患者在省直医院住院人次", "其他地市异地患者在省直医院住院人次",
                 "参保患者使用量占比"]  # fmt: skip


def _share_export_row(row, year: int) -> list:
    return [row.hospital.code, row.hospital.name, year, row.total, row.own, row.capital, row.others, row.share]


@business_page
def share_detail(request, hospital_id: int, year: int):
    """The per-city list of one hospital (seed 000 §2.5, 异地医保参保者在省直医院住院人数)."""
    if not selectors.sees_shares(request.user):
        raise Http404
    hospital = get_object_or_404(Hospital.objects.visible_to(request.user).select_related("home_pool"), pk=hospital_id)
    row = selectors.share_rows(Hospital.objects.filter(pk=hospital.pk), year)[0]
    return render(request, "funding/share_detail.html", {"hospital": hospital, "row": row, "year": year})


urlpatterns = [
    path("ratios/", pay_ratios, name="pay_ratios"),
    path("ratios/<int:batch_id>/<int:year>/save/", pay_ratio_save, name="pay_ratio_save"),
    path("visits/", visit_list, name="visits"),
    path("visits/<int:hospital_id>/<int:year>/", visit_detail, name="visit_detail"),
    path("visits/<int:hospital_id>/<int:year>/total/", visit_total, name="visit_total"),
    path("visits/<int:hospital_id>/<int:year>/pools/", visit_pools, name="visit_pools"),
    path("visits/<int:hospital_id>/<int:year>/proof/", proof_upload, name="proof_upload"),
    path("visits/<int:hospital_id>/<int:year>/reopen/", visit_reopen, name="visit_reopen"),
    path("proof/<int:pk>/", proof_file, name="proof"),
    path("proof/<int:pk>/delete/", proof_delete, name="proof_delete"),
    path("shares/", share_list, name="shares"),
    path("shares/<int:hospital_id>/<int:year>/", share_detail, name="share_detail"),
]
