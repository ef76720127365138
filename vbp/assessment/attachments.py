"""Attachments (附件) of a self-assessment: the proof an item names (卫生健康财务报表), a PDF or an image.

A file is judged by its first bytes, never by its name or the type the browser sent;
it is stored outside the web root under a random name with its SHA-256, and read back
only by the hospital itself, its reviewing bureau and the province bureau.
"""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

from django.conf import settings
from django.db import transaction

from vbp.accounts.models import Role
from vbp.assessment import scoring, services
from vbp.assessment.models import Assessment, Attachment
from vbp.assessment.services import AssessmentRefused
from vbp.audit.services import Kind, record_change, snapshot

# Magic bytes → the content type the file is stored and served with.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
ACCEPTED = "PDF 或图片（PNG、JPEG）"
MAX_NAME = Attachment._meta.get_field("file_name").max_length


def sniff(head: bytes) -> str | None:
    """The content type the first bytes of a file prove, or None if they prove none we accept."""
    return next((content_type for magic, content_type in SIGNATURES if head.startswith(magic)), None)


def attachment_items(assessment: Assessment) -> list:
    """The rule set's items that need an attachment, in rule-set order."""
    return [item for item in scoring.rule_set_for(assessment).items if item.attachment]


def store_attachment(user, assessment: Assessment, item_code: str, uploaded_file, *, version=None) -> Attachment:
    """Keep ``uploaded_file`` as proof of the item ``item_code``, while the hospital may still fill its assessment.

    The page's ``version`` is checked but not bumped: an upload changes no answer, so
    the answers the user is typing on the same page stay saveable.
    """
    with transaction.atomic():
        assessment = services._locked(assessment, version)
        services._check_can_fill(user, assessment)
        item = next((item for item in attachment_items(assessment) if item.code == item_code), None)
        if item is None:
            raise AssessmentRefused("该考核指标不需要上传附件")
        content_type = _checked_content_type(uploaded_file)
        stored_as = secrets.token_hex(16)
        size, sha256 = _write(uploaded_file, _path(stored_as))
        try:
            attachment = Attachment.objects.create(
                assessment=assessment, item=item.code, file_name=_display_name(uploaded_file.name),
                content_type=content_type, size=size, sha256=sha256, stored_as=stored_as, uploaded_by=user,
            )  # fmt: skip
            record_change(user, Kind.CREATE, attachment, after=snapshot(attachment),
                          message=f"上传{item.name}附件（{item.attachment}）")  # fmt: skip
        except BaseException:
            _path(stored_as).unlink(missing_ok=True)
            raise
    return attachment


def delete_attachment(user, attachment: Attachment, *, version=None) -> None:
    """Remove an attachment before the assessment is submitted; the file goes once the deletion is committed."""
    with transaction.atomic():
        assessment = services._locked(attachment.assessment, version)
        services._check_can_fill(user, assessment)
        attachment = Attachment.objects.select_for_update().get(pk=attachment.pk)
        before = snapshot(attachment)
        path = _path(attachment.stored_as)
        record_change(user, Kind.DELETE, attachment, before=before, message=f"删除附件 {attachment.file_name}")
        attachment.delete()
        transaction.on_commit(lambda: path.unlink(missing_ok=True))


def can_read_attachment(user, attachment: Attachment) -> bool:
    """The hospital itself, its reviewing bureau and the province bureau."""
    hospital = attachment.assessment.hospital
    return (
        services.is_own_hospital(user, hospital)
        or services.is_reviewer(user, hospital)
        or (user.is_authenticated and user.is_active and user.role == Role.PROVINCE)
    )


def readable_attachments(user):
    """Attachments in ``user``'s scope whose assessment they may read."""
    return Attachment.objects.filter(assessment__in=Assessment.objects.visible_to(user)).select_related(
        "assessment__hospital"
    )


def stored_path(attachment: Attachment) -> Path:
    return _path(attachment.stored_as)


def _checked_content_type(uploaded_file) -> str:
    if uploaded_file.size == 0:
        raise AssessmentRefused("文件为空，请重新选择")
    if uploaded_file.size > settings.VBP_ATTACHMENT_MAX_BYTES:
        raise AssessmentRefused(_too_large())
    uploaded_file.seek(0)
    content_type = sniff(uploaded_file.read(8))
    uploaded_file.seek(0)
    if content_type is None:
        raise AssessmentRefused(f"只能上传{ACCEPTED}文件；该文件的内容不是{ACCEPTED}")
    return content_type


def _write(uploaded_file, path: Path) -> tuple[int, str]:
    """Copy the upload to ``path`` (never overwriting), returning its size and SHA-256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    try:
        with path.open("xb") as target:
            for chunk in uploaded_file.chunks():
                size += len(chunk)
                if size > settings.VBP_ATTACHMENT_MAX_BYTES:
                    raise AssessmentRefused(_too_large())
                digest.update(chunk)
                target.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return size, digest.hexdigest()


def _path(stored_as: str) -> Path:
    return Path(settings.VBP_ATTACHMENT_ROOT) / stored_as


def _display_name(name: str | None) -> str:
    """The name the user gave the file, for display only (never used as a path)."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip() or "附件"
    if len(name) <= MAX_NAME:
        return name
    suffix = Path(name).suffix[:10]
    return name[: MAX_NAME - len(suffix)] + suffix


def _too_large() -> str:
    limit = settings.VBP_ATTACHMENT_MAX_BYTES
    size = f"{limit / (1024 * 1024):g} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
    return f"文件过大：附件不能超过 {size}"
