"""The 报量核对 workflow (seed 003 §1): the hospital explains a flagged report (说明), the bureau accepts it or
returns it for a new report. Each step is one transaction, checked against the version the page showed, and
audited with the values before and after."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from vbp import permissions
from vbp.audit.services import Kind, record_change, snapshot
from vbp.monitoring.models import DemandReport

Status = DemandReport.Status
AUDITED = ["status", "reported", "explanation", "review_note"]
EXPLAINABLE = (Status.EXPLAIN, Status.RETURNED)


class ReportRefused(Exception):
    """The user may not do this to the report, or it is not in a state that allows it."""


class StaleReport(ReportRefused):
    """The page showed an older version of the report."""


def _locked(report: DemandReport, version: int) -> DemandReport:
    locked = DemandReport.objects.select_for_update().select_related("hospital").get(pk=report.pk)
    if locked.version != version:
        raise StaleReport("页面已过期：该报量已被他人处理，请查看最新内容后重试。")
    return locked


def explain(user, report: DemandReport, explanation: str, reported: int | None, *, version: int) -> DemandReport:
    """说明 by the hospital; a returned report comes with a new 报量. It then waits for the bureau (待审核)."""
    if not permissions.explains_demand_report(user, report.hospital):
        raise ReportRefused("只有本医疗机构可以填写说明")
    with transaction.atomic():
        report = _locked(report, version)
        if report.status not in EXPLAINABLE:
            raise ReportRefused(f"该报量当前状态为“{report.get_status_display()}”，不能提交说明")
        if report.status == Status.RETURNED and reported is None:
            raise ReportRefused("报量已被退回，请填写新的报量")
        before = snapshot(report, AUDITED)
        if reported is not None:
            report.reported = reported
        report.explanation, report.explained_at = explanation, timezone.now()
        report.status, report.version = Status.REVIEW, report.version + 1
        report.save()
        record_change(user, Kind.STATUS, report, before=before, after=snapshot(report, AUDITED), message="提交报量说明")
    return report


def review(user, report: DemandReport, accept: bool, note: str, *, version: int) -> DemandReport:
    """接受 or 退回 by the reviewing bureau; a return says why."""
    if not permissions.reviews_demand_report(user, report.hospital):
        raise ReportRefused("只有该医疗机构的审核部门可以审核报量说明")
    if not accept and not note:
        raise ReportRefused("退回时请填写审核意见")
    with transaction.atomic():
        report = _locked(report, version)
        if report.status != Status.REVIEW:
            raise ReportRefused(f"该报量当前状态为“{report.get_status_display()}”，不能审核")
        before = snapshot(report, AUDITED)
        report.status = Status.ACCEPTED if accept else Status.RETURNED
        report.review_note, report.reviewer, report.reviewed_at = note, user, timezone.now()
        report.version += 1
        report.save()
        message = "接受报量说明" if accept else "退回报量说明"
        record_change(user, Kind.STATUS, report, before=before, after=snapshot(report, AUDITED), message=message)
    return report
