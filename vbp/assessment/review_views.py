"""The bureaus' review (审核) of self-assessments, the read-only 查看 pages, and 退回重审 (seed 000 §1.1–1.4).

落实集采政策评分审核: assessment list → item-by-item 通过/驳回 → 提交. 集采任务完成情况评分审核
(open once Part 1 is submitted): assessment list → product list with scores → a product's items → 提交.
The 查看 pages show the same read-only to the bureaus and the hospital itself. Views parse the
request, call the verbs in services.py and render; reads come from selectors.py.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from vbp.accounts.decorators import business_page
from vbp.accounts.models import Role
from vbp.assessment import scoring, selectors, services
from vbp.assessment.models import Answer, Assessment
from vbp.catalog.models import Batch
from vbp.regions.models import Region
from vbp.regions.selectors import region_choices
from vbp.ui.export import PERCENT, YEAR, export_xlsx, paginate

Review = Assessment.Review
PARTS = {1: "落实集采政策评分", 2: "集采任务完成情况评分"}
PART_STATUSES = {1: [Review.PENDING, Review.DONE], 2: [Review.WAITING, Review.PENDING, Review.DONE]}
CONFIRM_SUBMIT = "提交后得分不能修改，确定提交？"
LIST_HEADERS = ["医疗机构编码", "医疗机构名称", "地市", "区县", "带量批次", "考核年度", "自评提交时间", "审核状态",
                "审核提交时间"]  # fmt: skip
PRODUCT_HEADERS = ["医疗机构名称", "品种序号", "药品通用名", "药品剂型", "规格", "中选企业", "带量品种类型",
                   "落实集采政策评分", "集采任务完成情况评分", "综合得分", "一票否决", "留用比例", "状态"]  # fmt: skip
YEARS = {"考核年度": YEAR}


def _only(allowed):
    """A business page for the users ``allowed`` says yes to; for anyone else it does not exist (404)."""

    def decorator(view):
        @business_page
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not allowed(request.user):
                raise Http404
            return view(request, *args, **kwargs)

        return guarded

    return decorator


reviewer_page = _only(selectors.reviews_assessments)
viewer_page = _only(selectors.views_scores)
province_page = _only(lambda user: user.role == Role.PROVINCE)


# --- lists ------------------------------------------------------------------------


def _review_state(assessment: Assessment, part: int) -> str:
    return assessment.part1_review if part == 1 else assessment.part2_review


def _filtered(assessments, query: dict, part: int, review: bool):
    """The query form: batch, name and status everywhere; city and district on the 查看 lists."""
    if query["batch"]:
        assessments = assessments.filter(batch__code=query["batch"])
    if query["name"]:
        assessments = assessments.filter(hospital__name__contains=query["name"])
    if query["status"] in PART_STATUSES[part]:
        assessments = assessments.filter(**{f"part{part}_review": query["status"]})
    if not review and query["city"]:
        assessments = assessments.filter(hospital__city__code=query["city"])
    if not review and query["district"]:
        assessments = assessments.filter(hospital__district__code=query["district"])
    return assessments.order_by("hospital__code", "batch__cycle_start", "year")


def _list_page(request, assessments, *, part: int, review: bool):
    """A list of assessments with its query form and 导出: the four list pages differ only in these arguments."""
    query = {key: request.GET.get(key, "").strip() for key in ("batch", "city", "district", "name", "status")}
    assessments = _filtered(assessments, query, part, review)
    title = PARTS[part] + ("审核" if review else "查看")
    if request.GET.get("export"):
        exported = (_list_row(a, part) for a in assessments.iterator())
        return export_xlsx(request, title, LIST_HEADERS, exported, filters=_list_filters(query, part), formats=YEARS)
    page, query_string = paginate(request, assessments)
    rows = [
        {"assessment": a, "state": _review_state(a, part), "status": Review(_review_state(a, part)).label,
         "closed": review and part == 2 and a.part2_review == Review.WAITING}
        for a in page
    ]  # fmt: skip
    context = {
        "title": title, "part": part, "review": review, "page": page, "query": query_string, "rows": rows, **query,
        "statuses": [(status.value, status.label) for status in PART_STATUSES[part]],
        "batches": Batch.objects.all(), "detail_url": _detail_url_name(part, review),
        **({} if review else region_choices(request.user, query["city"])),
    }  # fmt: skip
    return render(request, "assessment/review_list.html", _with_nav(request, context, part, review))


def _list_filters(query: dict, part: int) -> dict:
    """The query form's choices in words, as the form shows them."""
    regions = dict(Region.objects.filter(code__in=[query["city"], query["district"]]).values_list("code", "name"))
    statuses = {status.value: status.label for status in PART_STATUSES[part]}
    return {
        "带量批次": Batch.objects.filter(code=query["batch"]).values_list("name", flat=True).first() or query["batch"],
        "地市": regions.get(query["city"], query["city"]), "区县": regions.get(query["district"], query["district"]),
        "医疗机构名称": query["name"], "审核状态": statuses.get(query["status"], ""),
    }  # fmt: skip


def _list_row(assessment: Assessment, part: int) -> list:
    hospital = assessment.hospital
    reviewed_at = assessment.part1_reviewed_at if part == 1 else assessment.part2_reviewed_at
    return [hospital.code, hospital.name, hospital.city.name, hospital.district.name if hospital.district else "",
            assessment.batch.name, assessment.year, _local(assessment.submitted_at),
            Review(_review_state(assessment, part)).label, _local(reviewed_at)]  # fmt: skip


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _detail_url_name(part: int, review: bool) -> str:
    names = {(1, True): "review_policy_detail", (2, True): "review_task_products",
             (1, False): "view_policy_detail", (2, False): "view_task_products"}  # fmt: skip
    return "assessment:" + names[part, review]


def _with_nav(request, context: dict, part: int, review: bool) -> dict:
    """The sub-menu of the 考核评分 pages: the review pages for reviewers, the 查看 pages for all who may see them."""
    section = ("review_" if review else "view_") + ("policy" if part == 1 else "tasks")
    return {**context, "reviews": selectors.reviews_assessments(request.user), "section": section}


@reviewer_page
def policy_review_list(request):
    return _list_page(request, selectors.assessments_to_review(request.user), part=1, review=True)


@reviewer_page
def task_review_list(request):
    return _list_page(request, selectors.assessments_to_review(request.user), part=2, review=True)


@viewer_page
def policy_view_list(request):
    return _list_page(request, selectors.assessments_to_view(request.user), part=1, review=False)


@viewer_page
def task_view_list(request):
    return _list_page(request, selectors.assessments_to_view(request.user), part=2, review=False)


# --- Part 1: 落实集采政策评分 ------------------------------------------------------------


def _to_review(user, pk: int) -> Assessment:
    assessment = get_object_or_404(selectors.assessments_to_review(user), pk=pk)
    if not services.is_reviewer(user, assessment.hospital):  # the selector mirrors the service; never trust one alone
        raise Http404
    return assessment


def _to_view(user, pk: int) -> Assessment:
    return get_object_or_404(selectors.assessments_to_view(user), pk=pk)


def _reopen_context(request, assessment: Assessment, part: int) -> dict:
    reopens = [(PARTS[reopen.part], reopen) for reopen in assessment.reopens.select_related("by")]
    can_reopen = request.user.role == Role.PROVINCE and _review_state(assessment, part) == Review.DONE
    return {"reopens": reopens, "can_reopen": can_reopen, "part": part, "part_name": PARTS[part]}


def _policy_page(request, assessment: Assessment, *, review: bool):
    rows = selectors.part1_rows(assessment)
    context = {
        "assessment": assessment, "rows": rows, "total": selectors.part1_total(rows), "review": review,
        "title": PARTS[1] + ("审核" if review else "查看"),
        "can_review": review and assessment.part1_review == Review.PENDING,
        "undecided": selectors.undecided(assessment, 1), "confirm_submit": CONFIRM_SUBMIT,
        "part2_open": assessment.part2_review != Review.WAITING,
        **_reopen_context(request, assessment, 1),
    }  # fmt: skip
    return render(request, "assessment/review_policy.html", _with_nav(request, context, 1, review))


@reviewer_page
def policy_review(request, pk: int):
    return _policy_page(request, _to_review(request.user, pk), review=True)


@viewer_page
def policy_view(request, pk: int):
    return _policy_page(request, _to_view(request.user, pk), review=False)


# --- Part 2: 集采任务完成情况评分 ----------------------------------------------------------


def _product_summary(result: dict, assessment: Assessment) -> dict:
    """One row of the product list: the product and the scores product_results gave it."""
    summary = {"product": result["product"], "status": assessment.get_part2_review_display()}
    if "error" in result:
        return {**summary, "error": result["error"]}
    core = result["core"]
    return {**summary, "part1": core.part1, "part2": core.part2, "score": result["score"], "ratio": result["ratio"],
            "vetoed": core.vetoed}  # fmt: skip


def _product_row(assessment: Assessment, row: dict) -> list:
    product = row["product"]
    scores = (
        ["", "", row["error"], "", ""] if "error" in row
        else [row["part1"], row["part2"], row["score"], "是" if row["vetoed"] else "否", row["ratio"]]
    )  # fmt: skip
    return [assessment.hospital.name, product.variety_code, product.generic_name, product.dosage_form, product.spec,
            product.company, assessment.batch.name, *scores, row["status"]]  # fmt: skip


def _products_page(request, assessment: Assessment, *, review: bool):
    closed = assessment.part2_review == Review.WAITING
    query = {key: request.GET.get(key, "").strip() for key in ("company", "generic", "kind")}
    results = [] if review and closed else services.product_results(assessment)
    shown = selectors.filter_results(results, assessment.batch, query["company"], query["generic"], query["kind"])
    rows = [_product_summary(result, assessment) for result in shown]
    title = PARTS[2] + ("审核" if review else "查看")
    if request.GET.get("export"):
        exported = (_product_row(assessment, row) for row in rows)
        filters = {
            "医疗机构": assessment.hospital.name, "带量批次": assessment.batch.name, "考核年度": assessment.year,
            "企业名称": query["company"], "通用名": query["generic"],
            "带量品种类型": dict(Batch.Kind.choices).get(query["kind"], ""),
        }  # fmt: skip
        return export_xlsx(request, f"{title}-{assessment.hospital.name}", PRODUCT_HEADERS, exported, sheet=title,
                           filters=filters, formats={"留用比例": PERCENT})  # fmt: skip
    page, query_string = paginate(request, rows)
    context = {
        "assessment": assessment, "page": page, "query": query_string, **query, "review": review, "title": title,
        "closed": closed, "kinds": Batch.Kind.choices,
        "can_review": review and assessment.part2_review == Review.PENDING,
        "undecided": selectors.undecided(assessment, 2), "confirm_submit": CONFIRM_SUBMIT,
        "product_url": "assessment:" + ("review_task_product" if review else "view_task_product"),
        **_reopen_context(request, assessment, 2),
    }  # fmt: skip
    return render(request, "assessment/review_products.html", _with_nav(request, context, 2, review))


@reviewer_page
def task_review_products(request, pk: int):
    return _products_page(request, _to_review(request.user, pk), review=True)


@viewer_page
def task_view_products(request, pk: int):
    return _products_page(request, _to_view(request.user, pk), review=False)


def _product_page(request, assessment: Assessment, product_pk: int, *, review: bool):
    closed = assessment.part2_review == Review.WAITING
    if review and closed:
        return redirect("assessment:review_task_products", pk=assessment.pk)
    result = next((r for r in services.product_results(assessment) if r["product"].pk == product_pk), None)
    if result is None:
        raise Http404
    rows, vetoes = selectors.product_rows(assessment, result)
    context = {
        "assessment": assessment, "product": result["product"], "result": result, "rows": rows, "vetoes": vetoes,
        "review": review, "title": PARTS[2] + ("审核" if review else "查看"),
        "can_review": review and assessment.part2_review == Review.PENDING,
        "bands": selectors.ratio_bands_in_words(scoring.rule_set_for(assessment)),
        "back_url": "assessment:" + ("review_task_products" if review else "view_task_products"),
    }  # fmt: skip
    return render(request, "assessment/review_product.html", _with_nav(request, context, 2, review))


@reviewer_page
def task_review_product(request, pk: int, product_pk: int):
    return _product_page(request, _to_review(request.user, pk), product_pk, review=True)


@viewer_page
def task_view_product(request, pk: int, product_pk: int):
    return _product_page(request, _to_view(request.user, pk), product_pk, review=False)


# --- the verbs ----------------------------------------------------------------------------


def _posted_version(request) -> int:
    """The version the page was drawn at; a form without one is as stale as an old one."""
    version = request.POST.get("version", "")
    if not version.isdigit():
        raise services.StaleAssessment()
    return int(version)


@reviewer_page
@require_POST
def review_answer(request, pk: int, answer_pk: int):
    assessment = _to_review(request.user, pk)
    answer = get_object_or_404(Answer.objects.select_related("assessment"), assessment=assessment, pk=answer_pk)
    decision = request.POST.get("decision", "")
    try:
        services.review_answer(
            request.user, answer, decision, request.POST.get("reason", ""), version=_posted_version(request)
        )
    except services.AssessmentRefused as error:
        messages.error(request, str(error))
    else:
        item = {item.code: item.name for item in scoring.rule_set_for(assessment).items}.get(answer.item, answer.item)
        messages.success(request, f"{item}：已{Answer.Decision(decision).label}")
    if answer.product_id is None:
        return redirect("assessment:review_policy_detail", pk=pk)
    return redirect("assessment:review_task_product", pk=pk, product_pk=answer.product_id)


@reviewer_page
@require_POST
def review_submit(request, pk: int, part: int):
    if part not in PARTS:
        raise Http404
    assessment = _to_review(request.user, pk)
    try:
        services.submit_review(request.user, assessment, part, version=_posted_version(request))
    except services.AssessmentRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{PARTS[part]}审核已提交，得分不能再修改。")
    return redirect(_detail_url_name(part, review=True), pk=pk)


@province_page
@require_POST
def reopen(request, pk: int, part: int):
    if part not in PARTS:
        raise Http404
    assessment = _to_view(request.user, pk)
    try:
        services.reopen_review(request.user, assessment, part, request.POST.get("reason", ""))
    except services.AssessmentRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"已退回重审{PARTS[part]}，须重新审核并提交。")
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(back)
    return redirect(_detail_url_name(part, review=False), pk=pk)


urlpatterns = [
    path("policy/", policy_review_list, name="review_policy"),
    path("policy/<int:pk>/", policy_review, name="review_policy_detail"),
    path("tasks/", task_review_list, name="review_tasks"),
    path("tasks/<int:pk>/", task_review_products, name="review_task_products"),
    path("tasks/<int:pk>/products/<int:product_pk>/", task_review_product, name="review_task_product"),
    path("<int:pk>/answers/<int:answer_pk>/", review_answer, name="review_answer"),
    path("<int:pk>/submit/<int:part>/", review_submit, name="review_submit"),
    path("<int:pk>/reopen/<int:part>/", reopen, name="review_reopen"),
    path("view/policy/", policy_view_list, name="view_policy"),
    path("view/policy/<int:pk>/", policy_view, name="view_policy_detail"),
    path("view/tasks/", task_view_list, name="view_tasks"),
    path("view/tasks/<int:pk>/", task_view_products, name="view_task_products"),
    path("view/tasks/<int:pk>/products/<int:product_pk>/", task_view_product, name="view_task_product"),
]
