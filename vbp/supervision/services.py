"""配送企业档案, 供应问题反馈 and 约谈督导 as users change them: each change one transaction, checked against the
version the page showed, and audited with the values before and after."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone

from vbp import files, permissions
from vbp.audit.services import Kind, record_change, snapshot
from vbp.catalog.models import Hospital
from vbp.supervision.models import Distributor, Interview, InterviewAttachment, SupplyIssue

DISTRIBUTOR_FIELDS = ["name", "credit_code", "contact", "phone", "address", "area", "status", "note"]
ISSUE_FIELDS = ["status", "follow_up", "outcome"]
FILE_NAME_MAX = 100


class Refused(Exception):
    """The user may not do this, or the record is not in a state that allows it."""


class Stale(Refused):
    """The page showed an older version."""


def save_distributor(user, values: dict, distributor: Distributor | None = None) -> Distributor:
    """新增 or 修改 a distributor of the register."""
    if not permissions.keeps_distributors(user):
        raise Refused("只有医保部门可以维护配送企业档案")
    fields = {name: values[name] for name in DISTRIBUTOR_FIELDS}
    try:
        with transaction.atomic():
            if distributor is None:
                distributor = Distributor.objects.create(updated_by=user, **fields)
                record_change(user, Kind.CREATE, distributor, after=snapshot(distributor, DISTRIBUTOR_FIELDS))
                return distributor
            distributor = Distributor.objects.select_for_update().get(pk=distributor.pk)
            if distributor.version != values.get("version"):
                raise Stale("页面已过期：该配送企业档案已被他人修改，请刷新后重试。")
            before = snapshot(distributor, DISTRIBUTOR_FIELDS)
            for name, value in fields.items():
                setattr(distributor, name, value)
            distributor.updated_by, distributor.version = user, distributor.version + 1
            distributor.save()
            record_change(
                user, Kind.UPDATE, distributor, before=before, after=snapshot(distributor, DISTRIBUTOR_FIELDS)
            )
    except IntegrityError:
        raise Refused(f"已有名为“{fields['name']}”的配送企业") from None
    return distributor


def report_issue(user, values: dict) -> SupplyIssue:
    """供应问题反馈 by a hospital about its own supply."""
    hospital = user.hospital if user.hospital_id else None
    if hospital is None or not permissions.reports_supply_issue(user, hospital):
        raise Refused("只有医疗机构可以反馈供应问题")
    with transaction.atomic():
        issue = SupplyIssue.objects.create(hospital=hospital, reported_by=user, **values)
        record_change(user, Kind.CREATE, issue, after=snapshot(issue, ["generic", "description", "status"]))
    return issue


def follow_up(user, issue: SupplyIssue, status: str, follow_up_text: str, outcome: str, *, version: int) -> SupplyIssue:
    """跟进 by the hospital's bureau; 已解决 is final."""
    if not permissions.handles_supply_issue(user, issue.hospital):
        raise Refused("只有该医疗机构所属的医保部门可以处理供应问题")
    with transaction.atomic():
        issue = SupplyIssue.objects.select_for_update().select_related("hospital").get(pk=issue.pk)
        if issue.version != version:
            raise Stale("页面已过期：该供应问题已被他人处理，请刷新后重试。")
        if issue.status == SupplyIssue.Status.RESOLVED:
            raise Refused("该供应问题已解决，不能再修改")
        before = snapshot(issue, ISSUE_FIELDS)
        issue.status, issue.follow_up, issue.outcome = status, follow_up_text, outcome
        issue.handled_by, issue.handled_at, issue.version = user, timezone.now(), issue.version + 1
        issue.save()
        record_change(
            user, Kind.STATUS, issue, before=before, after=snapshot(issue, ISSUE_FIELDS), message="跟进供应问题"
        )
    return issue


def record_interview(user, values: dict, uploads: Sequence = ()) -> Interview:
    """约谈督导 record with its attachments, all or nothing."""
    if not permissions.records_interviews(user):
        raise Refused("只有医保部门可以记录约谈督导")
    hospital = values.get("hospital")
    if hospital is not None and not Hospital.objects.visible_to(user).filter(pk=hospital.pk).exists():
        raise Refused("只能约谈本辖区的医疗机构")
    with files.keeping(Refused) as keep, transaction.atomic():
        interview = Interview.objects.create(
            hospital=hospital,
            distributor=values.get("distributor"),
            region=user.region,
            held_on=values["held_on"],
            reason=values["reason"],
            participants=values["participants"],
            outcome=values.get("outcome", ""),
            created_by=user,
        )
        record_change(user, Kind.CREATE, interview, after=snapshot(interview, ["held_on", "reason", "outcome"]))
        for upload in uploads:
            stored = keep(upload, max_name=FILE_NAME_MAX)
            attachment = InterviewAttachment.objects.create(interview=interview, uploaded_by=user, **stored.fields())
            record_change(
                user,
                Kind.CREATE,
                attachment,
                after=snapshot(attachment),
                message=f"上传约谈督导附件 {stored.file_name}",
            )
    return interview
