"""Notice verbs: write a draft, edit it, publish it, withdraw it (发布 / 撤回).

Each verb is one transaction that locks the notice, checks the actor, the state and the version the
page showed (a missing version is no version: the form refuses it before a verb runs), changes the
row, bumps the version and records the change with its values before and after. Attachments go
through the shared file store (vbp.files): a failed verb leaves no file behind. A refusal raises
NoticeRefused with the reason in the user's words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from vbp import files
from vbp.accounts.models import Role
from vbp.audit.services import Kind, record_change, snapshot
from vbp.notices.models import Notice, NoticeAttachment
from vbp.permissions import has_role
from vbp.regions.models import Region

Status = Notice.Status
TITLE_MAX = Notice._meta.get_field("title").max_length
BODY_MAX = 20_000
FILES_MAX = 5  # per notice
FILE_NAME_MAX = NoticeAttachment._meta.get_field("file_name").max_length
EDITABLE = frozenset({Status.DRAFT, Status.WITHDRAWN})  # a withdrawn notice may be corrected and published again
PUBLISHABLE = EDITABLE


def publishes_notices(user) -> bool:
    """通知公告 are the province bureau's to write, publish and withdraw."""
    return has_role(user, Role.PROVINCE)


class NoticeRefused(Exception):
    """The actor may not do this now; the message says why, in the user's words."""


class StaleNotice(NoticeRefused):
    def __init__(self):
        super().__init__("该通知公告已被他人修改（或已发布、撤回），请刷新页面后查看最新状态。")


@dataclass(frozen=True)
class NoticeContent:
    """What the editing form gives a verb: typed values, already checked by the form."""

    title: str
    body: str
    whole_province: bool
    cities: tuple[Region, ...] = ()
    pinned: bool = False


def create_notice(user, content: NoticeContent, uploads: Sequence = ()) -> Notice:
    """新增: a draft, with its attachments; nobody but the province sees it until it is published."""
    _check_actor(user)
    content = _checked(content)
    _check_count(len(uploads))
    with files.keeping(NoticeRefused) as keep, transaction.atomic():
        notice = Notice.objects.create(
            title=content.title,
            body=content.body,
            whole_province=content.whole_province,
            pinned=content.pinned,
            created_by=user,
        )
        notice.cities.set(content.cities)
        record_change(user, Kind.CREATE, notice, after=state(notice), message=f"新增通知公告：{notice.title}")
        _attach(user, notice, uploads, keep)
    return notice


def edit_notice(
    user, notice: Notice, content: NoticeContent, uploads: Sequence = (), remove: Sequence = (), *, version: int
) -> Notice:
    """修改 a draft (or a withdrawn notice): its text, range, 置顶 and attachments, all or nothing."""
    _check_actor(user)
    content = _checked(content)
    with files.keeping(NoticeRefused) as keep, transaction.atomic():
        notice = _locked(notice, version)
        if notice.status not in EDITABLE:
            raise NoticeRefused("已发布的通知公告不能修改，请先撤回")
        removed = list(notice.attachments.filter(pk__in=[attachment.pk for attachment in remove]))
        _check_count(notice.attachments.count() - len(removed) + len(uploads))
        before = state(notice)
        notice.title, notice.body = content.title, content.body
        notice.whole_province, notice.pinned = content.whole_province, content.pinned
        notice.version += 1
        notice.save()
        notice.cities.set(content.cities)
        record_change(user, Kind.UPDATE, notice, before=before, after=state(notice), message="修改通知公告")
        for attachment in removed:
            _discard(user, attachment)
        _attach(user, notice, uploads, keep)
    return notice


def publish_notice(user, notice: Notice, *, version: int) -> Notice:
    """发布: the users its range reaches see it from now on, in their list and on their home page."""
    _check_actor(user)
    with transaction.atomic():
        notice = _locked(notice, version)
        if notice.status not in PUBLISHABLE:
            raise NoticeRefused("该通知公告已发布")
        if not notice.whole_province and not notice.cities.exists():
            raise NoticeRefused("请先选择发布地市")
        before = state(notice)
        notice.status, notice.published_by, notice.published_at = Status.PUBLISHED, user, timezone.now()
        notice.withdrawn_at = None
        notice.version += 1
        notice.save()
        record_change(user, Kind.STATUS, notice, before=before, after=state(notice), message="发布通知公告")
    return notice


def withdraw_notice(user, notice: Notice, *, version: int) -> Notice:
    """撤回: nobody but the province sees it any more; it may be corrected and published again."""
    _check_actor(user)
    with transaction.atomic():
        notice = _locked(notice, version)
        if notice.status != Status.PUBLISHED:
            raise NoticeRefused("只有已发布的通知公告可以撤回")
        before = state(notice)
        notice.status, notice.withdrawn_at = Status.WITHDRAWN, timezone.now()
        notice.version += 1
        notice.save()
        record_change(user, Kind.STATUS, notice, before=before, after=state(notice), message="撤回通知公告")
    return notice


def state(notice: Notice) -> dict:
    """The notice as the audit log keeps it: its fields and the codes of the cities it reaches."""
    return {**snapshot(notice), "cities": sorted(notice.cities.values_list("code", flat=True))}


# --- shared ------------------------------------------------------------------------------------------------


def _check_actor(user) -> None:
    if not publishes_notices(user):
        raise NoticeRefused("只有省医保局可以编辑、发布或撤回通知公告")


def _checked(content: NoticeContent) -> NoticeContent:
    """The form checked all of this already; a verb called any other way is held to the same rules."""
    for label, value, limit in (("标题", content.title, TITLE_MAX), ("正文", content.body, BODY_MAX)):
        if not value or not value.strip():
            raise NoticeRefused(f"请填写{label}")
        if len(value) > limit:
            raise NoticeRefused(f"{label}最多 {limit} 个字（现有 {len(value)} 个）")
        if "\x00" in value:
            raise NoticeRefused(f"{label}不能含有控制字符")
    cities = tuple(content.cities) if not content.whole_province else ()
    if not content.whole_province and not cities:
        raise NoticeRefused("请选择发布地市，或将发布范围设为全省")
    if any(city.level != Region.Level.CITY for city in cities):
        raise NoticeRefused("发布范围只能是全省或地市")
    return NoticeContent(content.title, content.body, content.whole_province, cities, content.pinned)


def _check_count(count: int) -> None:
    if count > FILES_MAX:
        raise NoticeRefused(f"每条通知公告最多 {FILES_MAX} 个附件")


def _locked(notice: Notice, version: int) -> Notice:
    current = Notice.objects.select_for_update().get(pk=notice.pk)
    if current.version != version:
        raise StaleNotice()
    return current


def _attach(user, notice: Notice, uploads: Sequence, keep) -> None:
    for upload in uploads:
        stored = keep(upload, max_name=FILE_NAME_MAX)
        attachment = NoticeAttachment.objects.create(notice=notice, uploaded_by=user, **stored.fields())
        record_change(
            user, Kind.CREATE, attachment, after=snapshot(attachment), message=f"上传通知公告附件 {stored.file_name}"
        )


def _discard(user, attachment: NoticeAttachment) -> None:
    """Remove an attachment; its file goes once the removal is committed."""
    path = files.path(attachment.stored_as)
    record_change(
        user, Kind.DELETE, attachment, before=snapshot(attachment), message=f"删除通知公告附件 {attachment.file_name}"
    )
    attachment.delete()
    transaction.on_commit(lambda: path.unlink(missing_ok=True))
