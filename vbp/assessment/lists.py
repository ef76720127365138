"""The area's lists, each a ListPage (filters, columns, pages, 导出), and the objects its URLs name.

落实集采政策评分审核 / 集采任务完成情况评分审核 and their 查看 (assessments), a hospital's product list (its
scores and ratios from the core), 自评填报's batch-years, and 结余测算数据上报's batches and a batch's hospitals.
A list that belongs to one object (an assessment, a batch) is given it by ``@page``, found through its scope.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count
from django.http import Http404
from django.urls import reverse

from vbp import permissions
from vbp.assessment import offline, selectors, services
from vbp.assessment.forms import (
    AssessmentQuery,
    OfflineBatchQuery,
    OfflineHospitalQuery,
    ProductQuery,
    SelfBatchQuery,
    noun,
)
from vbp.assessment.models import Assessment
from vbp.catalog.models import Batch, Hospital
from vbp.platformdata.models import PlatformRecord
from vbp.ui.lists import Column, ListPage, dated
from vbp.ui.views import Lookup

Review = Assessment.Review
PARTS = services.PARTS
CONFIRM_SUBMIT = "提交后得分不能修改，确定提交？"


# --- the objects the URLs name ------------------------------------------------------------------------


@dataclass(frozen=True)
class Guarded(Lookup):
    """A Lookup whose object the user must also be allowed to act on (``allows(user, object)``): else 404."""

    allows: Callable[[object, object], bool] | None = None

    def fetch(self, user, value):
        found = super().fetch(user, value)
        if self.allows is not None and not self.allows(user, found):
            raise Http404
        return found


SUBMITTED = Assessment.objects.filter(status=Assessment.Status.SUBMITTED)
RELATED = ("hospital__city", "hospital__district", "batch__rule_set", "rule_set")
TO_REVIEW = Guarded(
    SUBMITTED, "pk", related=RELATED, allows=lambda user, a: permissions.reviews_hospital(user, a.hospital)
)
TO_VIEW = Lookup(SUBMITTED, "pk", related=RELATED)


def review_state(assessment: Assessment, part: int) -> str:
    return assessment.part1_review if part == 1 else assessment.part2_review


def detail_url_name(part: int, review: bool) -> str:
    names = {
        (1, True): "review_policy_detail",
        (2, True): "review_task_products",
        (1, False): "view_policy_detail",
        (2, False): "view_task_products",
    }
    return "assessment:" + names[part, review]


# --- 审核 and 查看: the assessments ----------------------------------------------------------------------


class AssessmentList(ListPage):
    """The four lists of assessments; they differ in the part and whether the user reviews or looks."""

    part = 1
    review = True
    query_form = AssessmentQuery
    template_name = "assessment/review_list.html"
    table_id = "assessments"

    def get_title(self) -> str:
        return PARTS[self.part] + ("审核" if self.review else "查看")

    def form_kwargs(self) -> dict:
        return {"user": self.user, "part": self.part}

    def rows(self, query):
        mine = selectors.assessments_to_review if self.review else selectors.assessments_to_view
        ordered = mine(self.user).select_related("rule_set").order_by("hospital__code", "batch__cycle_start", "year")
        return selectors.with_remarks(ordered, self.part)

    def get_columns(self) -> list[Column]:
        part = self.part
        reviewed_at = "part1_reviewed_at" if part == 1 else "part2_reviewed_at"
        return [
            Column("医疗机构编码", "hospital.code", sticky=True),
            Column("医疗机构名称", "hospital.name", sticky=True),
            Column("地市", "hospital.city.name"),
            Column("区县", "hospital.district.name"),
            Column("带量批次", "batch.name"),
            Column("考核年度", "year", kind="year"),
            Column("自评提交时间", "submitted_at", kind="datetime"),
            Column("审核状态", lambda a: Review(review_state(a, part)).label),
            Column("审核提交时间", reviewed_at, kind="datetime"),
            Column("备注", selectors.remarks),
            Column("操作", lambda a: self.action(a)[0], link=lambda a: self.action(a)[1], export=False),
        ]

    def action(self, assessment: Assessment) -> tuple[str, str]:
        if self.review and self.part == 2 and assessment.part2_review == Review.WAITING:
            return "请先审核落实集采政策评分", reverse("assessment:review_policy_detail", args=[assessment.pk])
        url = reverse(detail_url_name(self.part, self.review), args=[assessment.pk])
        return ("审核" if self.review else "查看"), url

    def extra_context(self) -> dict:
        return {"part": self.part, "review": self.review}


class PolicyReviewList(AssessmentList):
    allows = staticmethod(permissions.reviews_assessments)


class TaskReviewList(AssessmentList):
    allows = staticmethod(permissions.reviews_assessments)
    part = 2


class PolicyViewList(AssessmentList):
    allows = staticmethod(permissions.views_scores)
    review = False


class TaskViewList(AssessmentList):
    allows = staticmethod(permissions.views_scores)
    part, review = 2, False


# --- a hospital's products (集采任务完成情况评分) ---------------------------------------------------------


class ProductList(ListPage):
    """An assessment's products with the scores and ratios the core gives them; @page passes ``assessment``."""

    review = True
    query_form = ProductQuery
    template_name = "assessment/review_products.html"
    table_id = "products"

    @property
    def assessment(self) -> Assessment:
        return self.kwargs["assessment"]

    @property
    def closed(self) -> bool:
        """A reviewer cannot start on Part 2 before Part 1 is submitted."""
        return self.review and self.assessment.part2_review == Review.WAITING

    def get_title(self) -> str:
        return f"{PARTS[2]}{'审核' if self.review else '查看'}：{self.assessment.hospital.name}"

    @property
    def sheet(self) -> str:
        return PARTS[2] + ("审核" if self.review else "查看")

    def form_kwargs(self) -> dict:
        return {"user": self.user, "batch": self.assessment.batch}

    def rows(self, query) -> list[dict]:
        if self.closed:
            return []
        assessment = self.assessment
        status = assessment.get_part2_review_display()
        rows = []
        for result in services.product_results(assessment):
            row = {"product": result["product"], "status": status, "answers": result.get("answers", [])}
            if "error" in result:
                row["error"] = result["error"]
            else:
                core = result["core"]
                row.update(part1=core.part1, part2=core.part2, score=result["score"], ratio=result["ratio"])
                row["vetoed"] = core.vetoed
            rows.append(row)
        return rows

    def get_columns(self) -> list[Column]:
        assessment, word = self.assessment, noun(self.assessment.batch)
        drugs = assessment.batch.category == Batch.Category.DRUG
        product_url = "assessment:" + ("review_task_product" if self.review else "view_task_product")

        def remark(row: dict) -> str:
            return selectors.remarks(assessment, row["answers"])

        return [
            Column("医疗机构名称", lambda row: assessment.hospital.name),
            Column("品种序号", "product.variety_code", sticky=True),
            Column(f"{word}通用名", "product.generic_name", sticky=True),
            Column(f"{word}剂型", "product.dosage_form", show=drugs, export=drugs),
            Column("规格" if drugs else "规格型号", "product.spec"),
            Column("中选企业", "product.company"),
            Column("带量品种类型", lambda row: assessment.batch.name),
            Column("落实集采政策评分", lambda row: row.get("part1"), kind="number", show=False),
            Column("集采任务完成情况评分", lambda row: row.get("part2"), kind="number", show=False),
            Column(
                "综合得分", lambda row: row["score"] if "score" in row else f"数据不全：{row['error']}", kind="number"
            ),
            Column("一票否决", lambda row: row.get("vetoed"), kind="yesno"),
            Column("留用比例", lambda row: row.get("ratio"), kind="percent"),
            Column("状态", "status"),
            Column("备注", remark),
            Column(
                "操作",
                lambda row: "审核" if self.review else "查看",
                link=lambda row: reverse(product_url, args=[assessment.pk, row["product"].pk]),
                export=False,
            ),
        ]

    def extra_context(self) -> dict:
        assessment = self.assessment
        can_review = self.review and assessment.part2_review == Review.PENDING
        context = {
            "assessment": assessment,
            "review": self.review,
            "closed": self.closed,
            "can_review": can_review,
            "undecided": selectors.undecided(assessment, 2) if can_review else 0,
            "confirm_submit": CONFIRM_SUBMIT,
            **reopen_context(self.user, assessment, 2),
        }
        if self.closed:
            context["empty"] = "落实集采政策评分审核提交后，才能审核集采任务完成情况"
        return context


class ProductReviewList(ProductList):
    allows = staticmethod(permissions.reviews_assessments)


class ProductViewList(ProductList):
    allows = staticmethod(permissions.views_scores)
    review = False


def reopen_context(user, assessment: Assessment, part: int) -> dict:
    """退回重审: its record on every page of the assessment, and its form for the province once a part is done."""
    reopens = [(PARTS[reopen.part], reopen) for reopen in assessment.reopens.select_related("by")]
    can_reopen = permissions.reopens_submitted_data(user) and review_state(assessment, part) == Review.DONE
    return {"reopens": reopens, "can_reopen": can_reopen, "part": part, "part_name": PARTS[part]}


# --- 自评填报: the hospital's batch-years ----------------------------------------------------------------


def fills_assessments(user) -> bool:
    """自评填报 is a hospital's own: a hospital account, for its own hospital."""
    return getattr(user, "hospital_id", None) is not None and permissions.fills_assessment(user, user.hospital)


class SelfBatchList(ListPage):
    """The batch-years the hospital has platform data for, with the deadline and the status of its self-assessment."""

    title = "自评填报"
    allows = staticmethod(fills_assessments)
    query_form = SelfBatchQuery
    template_name = "assessment/self_batches.html"
    table_id = "batches"
    empty = "暂无需要自评的带量批次（平台尚无本机构的数据）"

    def rows(self, query) -> list[dict]:
        pairs = (
            PlatformRecord.objects.visible_to(self.user)
            .values("product__batch", "year")
            .annotate(products=Count("product", distinct=True))
            .order_by()
        )
        batches = Batch.objects.visible_to(self.user).in_bulk({pair["product__batch"] for pair in pairs})
        assessments = {(a.batch_id, a.year): a for a in Assessment.objects.visible_to(self.user)}
        rows = [self.row(batches[pair["product__batch"]], pair, assessments) for pair in pairs]
        rows.sort(key=lambda row: (-row["year"], row["batch"].cycle_start, row["batch"].code))
        return rows

    @staticmethod
    def row(batch: Batch, pair: dict, assessments: dict) -> dict:
        assessment = assessments.get((batch.pk, pair["year"]))
        submitted = assessment is not None and assessment.status == Assessment.Status.SUBMITTED
        closed = services.deadline_passed(batch)
        status = Assessment.Status.SUBMITTED if submitted else Assessment.Status.DRAFT
        return {
            "batch": batch,
            "year": pair["year"],
            "products": pair["products"],
            "status": status.label,
            "closed": closed,
            "editable": not (submitted or closed),
        }

    columns = (
        Column("考核年度", "year", kind="year", sticky=True),
        Column("带量批次", "batch.name", sticky=True),
        Column("批次类型", lambda row: kind_of(row["batch"])),
        Column("品种数", "products", kind="volume"),
        Column("填报截止时间", lambda row: deadline(row["batch"], row["closed"])),
        Column("状态", "status"),
        Column(
            "操作",
            lambda row: "填报" if row["editable"] else "查看",
            link=lambda row: reverse("assessment:self_assessment", args=[row["batch"].pk, row["year"]]),
            export=False,
        ),
    )


def kind_of(batch: Batch) -> str:
    return batch.get_kind_display() + ("（接续）" if batch.renewal else "")


def deadline(batch: Batch, closed: bool) -> str:
    """填报截止时间 as the lists show it: the moment, and 已截止 once it has passed."""
    if batch.fill_deadline is None:
        return "未设定"
    return dated(batch.fill_deadline) + (" 已截止" if closed else "")


# --- 结余测算数据上报 -----------------------------------------------------------------------------------


class OfflineBatchList(ListPage):
    """The batches the bureau's hospitals have platform data in, with the deadline and the way of scoring."""

    title = "结余测算数据上报"
    sheet = "带量批次"
    allows = staticmethod(permissions.reviews_assessments)
    query_form = OfflineBatchQuery
    template_name = "assessment/offline_batches.html"
    table_id = "batches"

    def rows(self, query) -> list[dict]:
        return offline.batch_rows(self.user)

    columns = (
        Column("带量批次", "batch.name", sticky=True),
        Column("批次类型", lambda row: kind_of(row["batch"])),
        Column("考核方案", lambda row: row["batch"].rule_set.name if row["batch"].rule_set else "未指定"),
        Column("填报截止时间", lambda row: deadline(row["batch"], row["closed"])),
        Column("考核方式", lambda row: "线下评分" if row["offline"] else "在线审核"),
        Column("医疗机构数", "hospitals", kind="volume"),
        Column("最新考核年度", "latest", kind="year"),
        Column(
            "操作",
            lambda row: "进入",
            link=lambda row: reverse("assessment:offline_batch", args=[row["batch"].pk]),
            export=False,
        ),
    )


def submitted(hospital: Hospital) -> bool:
    return hospital.assessment_status == Assessment.Status.SUBMITTED


def scores_url(hospital: Hospital) -> str | None:
    """查看评分: the hospital's submitted assessment of the batch-year, if it has one."""
    return reverse("assessment:view_task_products", args=[hospital.assessment_id]) if submitted(hospital) else None


def self_status(status: str | None) -> str:
    """自评状态: 已提交 once submitted, else 待填报 (also before the hospital has opened it)."""
    return Assessment.Status.SUBMITTED.label if status == Assessment.Status.SUBMITTED else Assessment.Status.DRAFT.label


class OfflineHospitalList(ListPage):
    """A batch's hospitals the bureau scores, in one year, with 导出模版 and 考核数据上传; @page passes ``batch``."""

    allows = staticmethod(permissions.reviews_assessments)
    query_form = OfflineHospitalQuery
    template_name = "assessment/offline_batch.html"
    table_id = "hospitals"
    sheet = "医疗机构"
    year = None

    @property
    def batch(self) -> Batch:
        return self.kwargs["batch"]

    def get_title(self) -> str:
        return f"{self.batch.name}（{self.year}年度）" if self.year else self.batch.name

    def form_kwargs(self) -> dict:
        return {"user": self.user, "years": offline.years_of(self.user, self.batch)}

    def rows(self, query):
        self.year = query.chosen_year
        if self.year is None:
            return Hospital.objects.none()
        return offline.hospitals_of(self.user, self.batch, self.year)

    columns = (
        Column("区域", offline.area_of),
        Column("医疗机构编号", "code", sticky=True),
        Column("医疗机构名称", "name", sticky=True),
        Column("品种数", "products", kind="volume"),
        Column("自评状态", lambda hospital: self_status(hospital.assessment_status)),
        Column("已导入医保考核评分", lambda hospital: f"{hospital.scored} / {hospital.products}", export=False),
        Column("已导入医保考核评分品种数", "scored", kind="volume", show=False),
        Column("操作", lambda hospital: "查看评分" if submitted(hospital) else "", link=scores_url, export=False),
    )

    def extra_context(self) -> dict:
        batch = self.batch
        return {
            "batch": batch,
            "year": self.year,
            "offline": offline.uses_offline_scoring(batch.rule_set),
            "closed": services.deadline_passed(batch),
            "pending": offline.pending_upload(self.user, batch, self.year),
            "empty": "没有符合条件的数据" if self.year else "本局审核的医疗机构在本批次没有平台数据。",
        }
