"""Appeal verbs: file an appeal, follow it up, reply to it, close it (办结); and the hospital's read receipt.

Each verb is one transaction that locks the appeal, checks the actor (vbp.permissions), the state
and the version the user saw (required: a page that showed no version is stale), writes the thread
entry and its attachments, moves the status as TRANSITIONS allows, bumps the version and writes the
audit records. A refusal raises AppealRefused with the reason in the user's words.
"""

from __future__ import annotations

import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from vbp import files, permissions
from vbp.appeals import selectors
from vbp.appeals.models import Appeal, AppealAttachment, AppealMessage
from vbp.audit.services import Kind, record_change, snapshot
from vbp.catalog.models import Batch

Status = Appeal.Status
Entry = AppealMessage.Kind
OPEN = frozenset({Status.PENDING, Status.REPLIED})
# The one place the workflow moves: from which statuses each thread entry may be added, and the status it leaves.
TRANSITIONS = {
    Entry.FOLLOW_UP: (OPEN, Status.PENDING),  # the hospital writes again: the bureau has something to answer
    Entry.REPLY: (OPEN, Status.REPLIED),
    Entry.CLOSING: (OPEN, Status.CLOSED),  # final: nothing can be added after
}
TITLE_MAX = Appeal._meta.get_field("title").max_length
TEXT_MAX = 5000
FILES_MAX = 5  # per appeal or thread entry
FILE_NAME_MAX = AppealAttachment._meta.get_field("file_name").max_length


class AppealRefused(Exception):
    """The actor may not do this now; the message says why, in the user's words."""


class StaleAppeal(AppealRefused):
    """Someone else wrote on the appeal since this user loaded it."""

    def __init__(self):
        super().__init__("该申诉已有新的回复或状态变化，请刷新页面查看后再提交。")


# --- the verbs -------------------------------------------------------------------


def file_appeal(
    user, batch: Batch, year: int, title: str, text: str, uploads=(), *, submission_key: uuid.UUID | None = None
) -> Appeal:
    """提交申诉: the hospital picks a batch-year it is assessed on, writes its appeal, attaches any evidence.

    A form sent again with the same ``submission_key`` files nothing more: the appeal it filed is returned.
    """
    if not permissions.files_appeals(user):
        raise AppealRefused("只有医疗机构可以提交申诉")
    already = _filed_with(user, submission_key)
    if already is not None:
        return already
    if (batch.pk, year) not in selectors.appealable(user):
        raise AppealRefused(f"本机构在{batch.name}（{year}年度）没有考核数据，不能就此申诉")
    title = _required(title, "申诉标题", TITLE_MAX)
    text = _required(text, "申诉内容", TEXT_MAX)
    _check_count(uploads)
    try:
        with files.keeping(AppealRefused) as keep, transaction.atomic():
            appeal = Appeal.objects.create(
                hospital_id=user.hospital_id,
                batch=batch,
                year=year,
                title=title,
                text=text,
                created_by=user,
                submission_key=submission_key,
            )
            record_change(user, Kind.CREATE, appeal, after=snapshot(appeal), message=f"提交申诉：{title}")
            _attach(user, appeal, None, uploads, keep)
    except IntegrityError:  # the same form, sent twice at the same moment: the other request filed it
        already = _filed_with(user, submission_key)
        if already is None:
            raise
        return already
    return appeal


def _filed_with(user, submission_key: uuid.UUID | None) -> Appeal | None:
    if submission_key is None:
        return None
    return Appeal.objects.filter(submission_key=submission_key, hospital_id=user.hospital_id).first()


def follow_up_appeal(user, appeal: Appeal, text: str, uploads=(), *, version: int) -> AppealMessage:
    """补充说明 by the hospital itself; an answered appeal goes back to 待处理."""
    return _write(user, appeal, Entry.FOLLOW_UP, text, uploads, version)


def reply_to_appeal(user, appeal: Appeal, text: str, uploads=(), *, version: int) -> AppealMessage:
    """回复 by the hospital's bureau; the appeal is then 已回复 (and may be replied to again until 办结)."""
    return _write(user, appeal, Entry.REPLY, text, uploads, version)


def close_appeal(user, appeal: Appeal, note: str, uploads=(), *, version: int) -> AppealMessage:
    """办结 by the hospital's bureau, saying how it was settled (a reply, a phone call…); final."""
    return _write(user, appeal, Entry.CLOSING, note, uploads, version)


def mark_read(user, appeal: Appeal) -> None:
    """The hospital has opened its appeal: its bureau's latest entries are no longer waiting for it (待办).

    A read receipt, not a change to the appeal: neither audited nor versioned, so a form the
    hospital already has open stays current.
    """
    unread = appeal.bureau_wrote_at is not None and (
        appeal.hospital_read_at is None or appeal.hospital_read_at < appeal.bureau_wrote_at
    )
    if unread and permissions.files_appeals(user, appeal.hospital):
        Appeal.objects.filter(pk=appeal.pk).update(hospital_read_at=timezone.now())


# --- shared ------------------------------------------------------------------------


def _write(user, appeal: Appeal, kind: str, text: str, uploads, version: int) -> AppealMessage:
    """Add one thread entry of ``kind`` with its attachments, and move the status as TRANSITIONS says."""
    with files.keeping(AppealRefused) as keep, transaction.atomic():
        appeal = Appeal.objects.select_for_update().select_related("hospital").get(pk=appeal.pk)
        _check_actor(user, appeal, kind)
        if not isinstance(version, int) or appeal.version != version:  # no version seen is a stale page too
            raise StaleAppeal()
        allowed_from, status = TRANSITIONS[kind]
        if appeal.status not in allowed_from:
            raise AppealRefused("该申诉已办结，不能再回复或补充")
        text = _required(text, Entry(kind).label, TEXT_MAX)
        _check_count(uploads)
        message = AppealMessage.objects.create(appeal=appeal, kind=kind, author=user, text=text)
        record_change(user, Kind.CREATE, message, after=snapshot(message), message=f"申诉{Entry(kind).label}")
        _attach(user, appeal, message, uploads, keep)
        before = snapshot(appeal, ["status", "version"])
        appeal.status, appeal.version = status, appeal.version + 1
        if kind != Entry.FOLLOW_UP:
            appeal.bureau_wrote_at = message.at
        if kind == Entry.CLOSING:
            appeal.closed_at = message.at
        appeal.save()
        kind_of_change = Kind.STATUS if before["status"] != status else Kind.UPDATE
        after = snapshot(appeal, ["status", "version"])
        record_change(user, kind_of_change, appeal, before=before, after=after, message=f"申诉{Status(status).label}")
    return message


def _check_actor(user, appeal: Appeal, kind: str) -> None:
    if kind == Entry.FOLLOW_UP:
        if not permissions.files_appeals(user, appeal.hospital):
            raise AppealRefused("只有提出申诉的医疗机构可以补充说明")
    elif not permissions.answers_appeals(user, appeal.hospital):
        raise AppealRefused("无权回复或办结该医疗机构的申诉")


def _attach(user, appeal: Appeal, message: AppealMessage | None, uploads, keep) -> None:
    for upload in uploads:
        stored = keep(upload, max_name=FILE_NAME_MAX)
        attachment = AppealAttachment.objects.create(
            appeal=appeal, message=message, uploaded_by=user, **stored.fields()
        )
        record_change(
            user, Kind.CREATE, attachment, after=snapshot(attachment), message=f"上传申诉附件 {stored.file_name}"
        )


def _required(value: str, name: str, max_length: int) -> str:
    value = (value or "").strip()
    if not "".join(char for char in value if char.isprintable()).strip():  # nothing but spaces or invisible marks
        raise AppealRefused(f"请填写{name}")
    if any(not char.isprintable() and char not in "\n\r\t" for char in value):
        raise AppealRefused(f"{name}含有不可见的控制字符，请删除后再提交")
    if len(value) > max_length:
        raise AppealRefused(f"{name}不能超过 {max_length} 字（现有 {len(value)} 字）")
    return value


def _check_count(uploads) -> None:
    if len(uploads) > FILES_MAX:
        raise AppealRefused(f"每次最多上传 {FILES_MAX} 个附件")
