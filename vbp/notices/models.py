"""通知公告 (seed 001 §1): the policies and notices the province bureau publishes to the province or to chosen cities.

A notice is a draft until the province publishes it; then the business users its range reaches
(发布范围: the whole province, or chosen cities) read it in their list and on their home page,
until it is withdrawn (撤回). Its attachments are PDFs or images in the shared file store. The
verbs that change these rows are in services.py.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from vbp.accounts.models import Role
from vbp.accounts.scope import NOTHING
from vbp.files import StoredFileFields
from vbp.permissions import sees_business_data


def reach_filter(user, prefix: str = "") -> Q:
    """The published notices whose range reaches ``user``: the whole province, or the city the user works in.

    A city bureau's city, a district bureau's city (its region's parent), a hospital's city; the
    remote-settlement platform works for the whole province and reads the province-wide notices.
    """
    whole = Q(**{f"{prefix}whole_province": True})
    match user.role:
        case Role.CITY if user.region_id:
            city = user.region_id
        case Role.DISTRICT if user.region_id:
            city = user.region.parent_id
        case Role.HOSPITAL if user.hospital_id:
            city = user.hospital.city_id
        case Role.REMOTE_PLATFORM:
            return whole
        case _:
            return NOTHING
    return whole | Q(**{f"{prefix}cities": city}) if city else whole


class NoticeQuerySet(models.QuerySet):
    """Notices as far as a user may reach them: the province bureau every one (drafts and withdrawn too), any other
    business user the published ones whose range reaches it, the three administrators none."""

    def visible_to(self, user) -> NoticeQuerySet:
        if not sees_business_data(user):
            return self.none()
        if user.role == Role.PROVINCE:
            return self
        published = self.filter(status=Notice.Status.PUBLISHED)
        return published.filter(pk__in=published.filter(reach_filter(user)).values("pk"))


class Notice(models.Model):
    """One policy or notice (通知公告) of the province bureau."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"
        WITHDRAWN = "withdrawn", "已撤回"

    title = models.CharField("标题", max_length=200)
    body = models.TextField("正文")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    whole_province = models.BooleanField("发布范围为全省", default=True)
    cities = models.ManyToManyField(
        "regions.Region",
        verbose_name="发布地市",
        blank=True,
        related_name="notices",
        limit_choices_to={"level": "city"},
    )
    pinned = models.BooleanField("置顶", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("最后修改", auto_now=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True, db_index=True)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)  # every change bumps it: the optimistic check

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-pinned", "-published_at", "-pk"]
        verbose_name = verbose_name_plural = "通知公告"

    def __str__(self) -> str:
        return self.title

    def range_text(self) -> str:
        """发布范围 in words: 全省, or the cities' names."""
        if self.whole_province:
            return "全省"
        return "、".join(city.name for city in self.cities.all()) or "（未选择地市）"


class NoticeAttachmentQuerySet(models.QuerySet):
    """A notice's attachments are read by whoever may read the notice."""

    def visible_to(self, user) -> NoticeAttachmentQuerySet:
        return self.filter(notice__in=Notice.objects.visible_to(user).values("pk"))


class NoticeAttachment(StoredFileFields):
    """A PDF or an image attached to a notice, kept outside the web root."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="attachments")

    objects = NoticeAttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = verbose_name_plural = "通知公告附件"

    def __str__(self) -> str:
        return self.file_name
