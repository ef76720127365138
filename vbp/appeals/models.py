"""Appeals (申诉管理, seed 001 §4.3): a hospital's appeal on a batch, the thread of follow-ups and replies, and proof.

The hospital files an appeal with its evidence; its bureau replies in the system; both
see the whole thread and its status (待处理 / 已回复 / 已办结). The verbs that change these
rows are in services.py.
"""

from django.conf import settings
from django.db import models

from vbp.accounts.scope import ScopedQuerySet
from vbp.files import StoredFileFields


class Appeal(models.Model):
    """One hospital's appeal (申诉) about one batch and year."""

    class Status(models.TextChoices):
        PENDING = "pending", "待处理"
        REPLIED = "replied", "已回复"
        CLOSED = "closed", "已办结"

    hospital = models.ForeignKey("catalog.Hospital", verbose_name="医疗机构", on_delete=models.PROTECT)
    batch = models.ForeignKey("catalog.Batch", verbose_name="带量批次", on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField("考核年度")
    title = models.CharField("申诉标题", max_length=200)
    text = models.TextField("申诉内容")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申诉人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("申诉时间", auto_now_add=True)
    updated_at = models.DateTimeField("最后更新", auto_now=True)
    bureau_wrote_at = models.DateTimeField("医保部门最后回复时间", null=True, blank=True)
    hospital_read_at = models.DateTimeField("医疗机构最后查看时间", null=True, blank=True)  # for 待办: unread replies
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)  # every change bumps it: the optimistic check
    # The new-appeal form's one-time key: the same form sent twice (a double click, a resend) files one appeal.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    scope_path = "hospital__"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = verbose_name_plural = "申诉"

    def __str__(self) -> str:
        return f"{self.hospital} {self.title}"


class AppealMessage(models.Model):
    """One entry of the thread after the appeal itself: the hospital's follow-up, the bureau's reply or closing note."""

    class Kind(models.TextChoices):
        FOLLOW_UP = "follow_up", "补充说明"
        REPLY = "reply", "回复"
        CLOSING = "closing", "办结说明"

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="填写人", on_delete=models.PROTECT)
    text = models.TextField("内容")
    at = models.DateTimeField("时间", auto_now_add=True)

    scope_path = "appeal__hospital__"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = verbose_name_plural = "申诉往来"

    def __str__(self) -> str:
        return f"{self.appeal} {self.get_kind_display()}"


class AppealAttachment(StoredFileFields):
    """Evidence (证明材料) on the appeal itself (no message) or on a message: a PDF or image outside the web root."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        AppealMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )

    scope_path = "appeal__hospital__"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = verbose_name_plural = "申诉附件"

    def __str__(self) -> str:
        return self.file_name
