"""The lists of 配送企业档案, 供应问题反馈 and 约谈督导, on the shared machinery."""

from __future__ import annotations

from django.urls import reverse

from vbp import permissions
from vbp.supervision.forms import DistributorQuery, InterviewQuery, SupplyIssueQuery
from vbp.supervision.models import Distributor, Interview, SupplyIssue
from vbp.ui.lists import Column, ListPage


class DistributorList(ListPage):
    title = "配送企业档案"
    allows = staticmethod(permissions.keeps_distributors)
    query_form = DistributorQuery
    template_name = "supervision/list.html"
    table_id = "distributors"
    empty = "还没有配送企业档案"
    columns = (
        Column("企业名称", "name", sticky=True, link=lambda row: reverse("supervision:distributor", args=[row.pk])),
        Column("统一社会信用代码", "credit_code"),
        Column("联系人", "contact"),
        Column("联系电话", "phone"),
        Column("配送区域", "area"),
        Column("状态", "get_status_display"),
        Column("维护时间", "updated_at", kind="datetime"),
    )

    def rows(self, query):
        return Distributor.objects.order_by("name", "pk")

    def extra_context(self) -> dict:
        return {"new_url": reverse("supervision:distributor_new"), "new_label": "新增配送企业"}


class SupplyIssueList(ListPage):
    title = "供应问题反馈"
    allows = staticmethod(permissions.has_supervision_pages)
    query_form = SupplyIssueQuery
    template_name = "supervision/list.html"
    table_id = "issues"
    empty = "没有供应问题反馈"
    columns = (
        Column(
            "反馈时间", "reported_at", kind="datetime", link=lambda row: reverse("supervision:issue", args=[row.pk])
        ),
        Column("医疗机构", "hospital.name", sticky=True),
        Column("配送企业", "distributor.name"),
        Column("带量批次", "batch.name"),
        Column("药品通用名", "generic"),
        Column("发生日期", "happened_on", kind="date"),
        Column("状态", "get_status_display"),
    )

    def rows(self, query):
        issues = SupplyIssue.objects.visible_to(self.user).select_related("hospital", "distributor", "batch")
        return issues.order_by("-reported_at", "-pk")

    def extra_context(self) -> dict:
        if permissions.reports_supply_issue(self.user):
            return {"new_url": reverse("supervision:issue_new"), "new_label": "反馈供应问题"}
        return {}


class InterviewList(ListPage):
    title = "约谈督导"
    allows = staticmethod(permissions.has_supervision_pages)
    query_form = InterviewQuery
    template_name = "supervision/list.html"
    table_id = "interviews"
    empty = "没有约谈督导记录"
    columns = (
        Column("约谈日期", "held_on", kind="date", link=lambda row: reverse("supervision:interview", args=[row.pk])),
        Column("约谈对象", "party", sticky=True),
        Column("类型", lambda row: "医疗机构" if row.hospital_id else "配送企业"),
        Column("约谈事由", "reason"),
        Column("记录人", "created_by.display_name"),
    )

    def rows(self, query):
        interviews = Interview.objects.visible_to(self.user).select_related("hospital", "distributor", "created_by")
        return interviews.order_by("-held_on", "-pk")

    def extra_context(self) -> dict:
        if permissions.records_interviews(self.user):
            return {"new_url": reverse("supervision:interview_new"), "new_label": "新增约谈记录"}
        return {}
