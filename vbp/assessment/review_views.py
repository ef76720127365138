"""The bureaus' review (审核) of self-assessments, the read-only 查看 pages, and 退回重审 (seed 000 §1.1–1.4).

落实集采政策评分审核: assessment list → item-by-item 通过/驳回 (with a 备注) → 提交. 集采任务完成情况评分审核
(open once Part 1 is submitted): assessment list → product list with scores → a product's items → 提交.
The 查看 pages show the same read-only to the bureaus and the hospital itself. The lists are ListPages
(vbp.assessment.lists); every other view is guarded by ``@page``, which finds the assessment (and the answer or
product) the URL names through the user's scope, and for a review also checks the user reviews its hospital.
Posts go through forms; the verbs are in services.py and the reads in selectors.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from vbp import permissions
from vbp.assessment import scoring, selectors, services
from vbp.assessment.forms import ReopenForm, ReviewAnswerForm, VersionForm
from vbp.assessment.lists import (
    CONFIRM_SUBMIT,
    TO_REVIEW,
    TO_VIEW,
    PolicyReviewList,
    PolicyViewList,
    ProductReviewList,
    ProductViewList,
    TaskReviewList,
    TaskViewList,
    detail_url_name,
    reopen_context,
)
from vbp.assessment.models import Answer, Assessment
from vbp.catalog.models import Product
from vbp.ui.views import Lookup, page

Review = Assessment.Review
PARTS = services.PARTS
ANSWER = Lookup(Answer, "answer_pk", related=("assessment",))
PRODUCT = Lookup(Product, "product_pk")


# --- lists ------------------------------------------------------------------------


policy_review_list = PolicyReviewList.as_view()
task_review_list = TaskReviewList.as_view()
policy_view_list = PolicyViewList.as_view()
task_view_list = TaskViewList.as_view()
task_review_products = page(permissions.reviews_assessments, assessment=TO_REVIEW)(ProductReviewList.as_view())
task_view_products = page(permissions.views_scores, assessment=TO_VIEW)(ProductViewList.as_view())


# --- Part 1: 落实集采政策评分 ------------------------------------------------------------


def _policy_page(request, assessment: Assessment, *, review: bool):
    rows = selectors.part1_rows(assessment)
    context = {
        "assessment": assessment,
        "rows": rows,
        "total": selectors.part1_total(rows),
        "review": review,
        "title": PARTS[1] + ("审核" if review else "查看"),
        "can_review": review and assessment.part1_review == Review.PENDING,
        "undecided": selectors.undecided(assessment, 1),
        "confirm_submit": CONFIRM_SUBMIT,
        "part2_open": assessment.part2_review != Review.WAITING,
        **reopen_context(request.user, assessment, 1),
    }
    return render(request, "assessment/review_policy.html", context)


@page(permissions.reviews_assessments, assessment=TO_REVIEW)
def policy_review(request, assessment: Assessment):
    return _policy_page(request, assessment, review=True)


@page(permissions.views_scores, assessment=TO_VIEW)
def policy_view(request, assessment: Assessment):
    return _policy_page(request, assessment, review=False)


# --- Part 2: a product's items ----------------------------------------------------------


def _product_page(request, assessment: Assessment, product: Product, *, review: bool):
    if review and assessment.part2_review == Review.WAITING:
        return redirect("assessment:review_task_products", pk=assessment.pk)
    result = next((r for r in services.product_results(assessment) if r["product"].pk == product.pk), None)
    if result is None:
        raise Http404
    rows, vetoes = selectors.product_rows(assessment, result)
    context = {
        "assessment": assessment,
        "product": result["product"],
        "result": result,
        "rows": rows,
        "vetoes": vetoes,
        "review": review,
        "title": PARTS[2] + ("审核" if review else "查看"),
        "can_review": review and assessment.part2_review == Review.PENDING,
        "bands": selectors.ratio_bands_in_words(scoring.rule_set_for(assessment)),
        "back_url": "assessment:" + ("review_task_products" if review else "view_task_products"),
    }
    return render(request, "assessment/review_product.html", context)


@page(permissions.reviews_assessments, assessment=TO_REVIEW, product=PRODUCT)
def task_review_product(request, assessment: Assessment, product: Product):
    return _product_page(request, assessment, product, review=True)


@page(permissions.views_scores, assessment=TO_VIEW, product=PRODUCT)
def task_view_product(request, assessment: Assessment, product: Product):
    return _product_page(request, assessment, product, review=False)


# --- the verbs ----------------------------------------------------------------------------


def _part(part: int) -> int:
    """A part the URL names: 1 or 2; any other number names no page."""
    if part not in PARTS:
        raise Http404
    return part


@page(permissions.reviews_assessments, assessment=TO_REVIEW, answer=ANSWER)
@require_POST
def review_answer(request, assessment: Assessment, answer: Answer):
    if answer.assessment_id != assessment.pk:
        raise Http404
    form = ReviewAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.first_error())
    else:
        values = form.cleaned_data
        try:
            services.review_answer(
                request.user,
                answer,
                values["decision"],
                values["reason"],
                values["remark"],
                version=values["version"],
            )
        except services.AssessmentRefused as error:
            messages.error(request, str(error))
        else:
            names = {item.code: item.name for item in scoring.rule_set_for(assessment).items}
            messages.success(request, f"{names.get(answer.item, answer.item)}：已{values['decision'].label}")
    if answer.product_id is None:
        return redirect("assessment:review_policy_detail", pk=assessment.pk)
    return redirect("assessment:review_task_product", pk=assessment.pk, product_pk=answer.product_id)


@page(permissions.reviews_assessments, assessment=TO_REVIEW)
@require_POST
def review_submit(request, assessment: Assessment, part: int):
    part = _part(part)
    form = VersionForm(request.POST)
    try:
        if not form.is_valid():
            raise services.AssessmentRefused(form.first_error())
        services.submit_review(request.user, assessment, part, version=form.cleaned_data["version"])
    except services.AssessmentRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{PARTS[part]}审核已提交，得分不能再修改。")
    return redirect(detail_url_name(part, review=True), pk=assessment.pk)


@page(permissions.reopens_submitted_data, assessment=TO_VIEW)
@require_POST
def reopen(request, assessment: Assessment, part: int):
    part = _part(part)
    form = ReopenForm(request.POST)
    try:
        if not form.is_valid():
            raise services.AssessmentRefused(form.first_error())
        values = form.cleaned_data
        services.reopen_review(request.user, assessment, part, values["reason"], version=values["version"])
    except services.AssessmentRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"已退回重审{PARTS[part]}，须重新审核并提交。")
    back = form.cleaned_data.get("next", "") if "next" not in form.errors else ""
    if _own_page(request, back):
        return HttpResponseRedirect(back)
    return redirect(detail_url_name(part, review=False), pk=assessment.pk)


def _own_page(request, url: str) -> bool:
    """Whether ``url`` is a page of this site to go back to (a path, never another host or a URL name)."""
    secure = request.is_secure()
    own = url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=secure)
    return url.startswith("/") and not url.startswith("//") and own


urlpatterns = [
    path("policy/", policy_review_list, name="review_policy"),
    path("policy/<id:pk>/", policy_review, name="review_policy_detail"),
    path("tasks/", task_review_list, name="review_tasks"),
    path("tasks/<id:pk>/", task_review_products, name="review_task_products"),
    path("tasks/<id:pk>/products/<id:product_pk>/", task_review_product, name="review_task_product"),
    path("<id:pk>/answers/<id:answer_pk>/", review_answer, name="review_answer"),
    path("<id:pk>/submit/<id:part>/", review_submit, name="review_submit"),
    path("<id:pk>/reopen/<id:part>/", reopen, name="review_reopen"),
    path("view/policy/", policy_view_list, name="view_policy"),
    path("view/policy/<id:pk>/", policy_view, name="view_policy_detail"),
    path("view/tasks/", task_view_list, name="view_tasks"),
    path("view/tasks/<id:pk>/", task_view_products, name="view_task_products"),
    path("view/tasks/<id:pk>/products/<id:product_pk>/", task_view_product, name="view_task_product"),
]
