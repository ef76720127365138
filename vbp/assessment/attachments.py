"""Attachments (附件) of a self-assessment: the proof an item names (卫生健康财务报表), a PDF or an image.

A file is judged by its first bytes, never by its name or the type the browser sent;
it is stored outside the web root under a random name with its SHA-256 (vbp.files does
both), and read back only by the hospital itself, its reviewing bureau and the province bureau
(permissions.reads_assessment_attachment, on an attachment found through its scope).
"""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from vbp import files
from vbp.assessment import scoring, services
from vbp.assessment.models import Assessment, Attachment
from vbp.assessment.services import AssessmentRefused
from vbp.audit.services import Kind, record_change, snapshot

MAX_NAME = Attachment._meta.get_field("file_name").max_length


def attachment_items(assessment: Assessment) -> list:
    """The rule set's items that need an attachment, in rule-set order."""
    return [item for item in scoring.rule_set_for(assessment).items if item.attachment]


def store_attachment(user, assessment: Assessment, item_code: str, uploaded_file, *, version: int) -> Attachment:
    """Keep ``uploaded_file`` as proof of the item ``item_code``, while the hospital may still fill its assessment.

    The page's ``version`` is checked but not bumped: an upload changes no answer, so
    the answers the user is typing on the same page stay saveable.
    """
    with files.keeping(AssessmentRefused) as keep, transaction.atomic():
        assessment = services._locked(assessment, version)
        services._check_can_fill(user, assessment)
        item = next((item for item in attachment_items(assessment) if item.code == item_code), None)
        if item is None:
            raise AssessmentRefused("该考核指标不需要上传附件")
        stored = keep(uploaded_file, max_name=MAX_NAME)
        attachment = Attachment.objects.create(
            assessment=assessment, uploaded_by=user, item=item.code, **stored.fields()
        )
        message = f"上传{item.name}附件（{item.attachment}）"
        record_change(user, Kind.CREATE, attachment, after=snapshot(attachment), message=message)
    return attachment


def delete_attachment(user, attachment: Attachment, *, version: int) -> None:
    """Remove an attachment before the assessment is submitted; the file goes once the deletion is committed."""
    with transaction.atomic():
        assessment = services._locked(attachment.assessment, version)
        services._check_can_fill(user, assessment)
        attachment = Attachment.objects.select_for_update().get(pk=attachment.pk)
        before = snapshot(attachment)
        path = files.path(attachment.stored_as)
        record_change(user, Kind.DELETE, attachment, before=before, message=f"删除附件 {attachment.file_name}")
        attachment.delete()
        transaction.on_commit(lambda: path.unlink(missing_ok=True))


def stored_path(attachment: Attachment) -> Path:
    return files.path(attachment.stored_as)
