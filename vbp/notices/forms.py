"""The notice forms: the editing form (新增 / 修改), the one-button forms (发布 / 撤回) and the list's query form.

Choices (cities, attachments to remove) are matched as plain strings against the choices offered, so no
value a client sends is ever put to the database raw.
"""

from __future__ import annotations

from django import forms

from vbp.notices.models import Notice
from vbp.notices.services import BODY_MAX, FILES_MAX, TITLE_MAX, NoticeContent, publishes_notices
from vbp.regions.models import Region
from vbp.ui.forms import FilesField, Form, QueryForm, TextField, VersionField

WHOLE_PROVINCE, CHOSEN_CITIES = "province", "cities"


class NoticeForm(Form):
    """新增 or 修改 a notice: title, body, range (全省 or chosen cities), 置顶, attachments."""

    title = TextField(label="标题", max_length=TITLE_MAX, error_messages={"required": "请填写标题"})
    body = TextField(
        label="正文",
        max_length=BODY_MAX,
        multiline=True,
        widget=forms.Textarea(attrs={"rows": 12}),
        error_messages={"required": "请填写正文"},
    )
    reach = forms.ChoiceField(
        label="发布范围",
        choices=[(WHOLE_PROVINCE, "全省"), (CHOSEN_CITIES, "指定地市")],
        initial=WHOLE_PROVINCE,
        widget=forms.RadioSelect,
    )
    cities = forms.MultipleChoiceField(label="发布地市", required=False, widget=forms.CheckboxSelectMultiple)
    pinned = forms.BooleanField(label="置顶", required=False)
    files = FilesField(label="附件", most=FILES_MAX)

    def __init__(self, data=None, files=None, *, notice: Notice | None = None, **kwargs):
        self.notice = notice
        if notice is not None and data is None:
            kwargs.setdefault("initial", self.initial_of(notice))
        super().__init__(data, files, **kwargs)
        self.city_regions = {city.code: city for city in Region.objects.filter(level=Region.Level.CITY)}
        self.fields["cities"].choices = [(code, city.name) for code, city in self.city_regions.items()]
        self.fields["files"].help_text = f"PDF 或图片（PNG、JPEG），最多 {FILES_MAX} 个"

    @staticmethod
    def initial_of(notice: Notice) -> dict:
        return {
            "title": notice.title,
            "body": notice.body,
            "reach": WHOLE_PROVINCE if notice.whole_province else CHOSEN_CITIES,
            "cities": [city.code for city in notice.cities.all()],
            "pinned": notice.pinned,
        }

    def kept_attachments(self) -> int:
        return 0

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reach") == CHOSEN_CITIES and "cities" in cleaned and not cleaned["cities"]:
            self.add_error("cities", "请选择发布地市，或将发布范围设为全省")
        uploads = cleaned.get("files") or []
        if self.kept_attachments() + len(uploads) > FILES_MAX:
            self.add_error("files", f"每条通知公告最多 {FILES_MAX} 个附件")
        return cleaned

    def content(self) -> NoticeContent:
        """The typed values a verb takes (call after ``is_valid``)."""
        values = self.cleaned_data
        whole = values["reach"] == WHOLE_PROVINCE
        cities = () if whole else tuple(self.city_regions[code] for code in values["cities"])
        return NoticeContent(values["title"], values["body"], whole, cities, values["pinned"])


class EditNoticeForm(NoticeForm):
    """修改: the same fields, the version the page showed, and the attachments to remove."""

    remove = forms.MultipleChoiceField(label="删除附件", required=False, widget=forms.CheckboxSelectMultiple)
    version = VersionField()

    def __init__(self, data=None, files=None, *, notice: Notice, **kwargs):
        if data is None:
            kwargs.setdefault("initial", {**self.initial_of(notice), "version": notice.version})
        super().__init__(data, files, notice=notice, **kwargs)
        self.attachments = {str(attachment.pk): attachment for attachment in notice.attachments.all()}
        self.fields["remove"].choices = [(pk, attachment.file_name) for pk, attachment in self.attachments.items()]

    def kept_attachments(self) -> int:
        return len(self.attachments) - len(self.cleaned_data.get("remove") or [])

    def removed(self) -> list:
        return [self.attachments[pk] for pk in self.cleaned_data["remove"]]


class ActionForm(Form):
    """发布 or 撤回: one button, and the version the page showed."""

    version = VersionField()


class NoticeQuery(QueryForm):
    """标题 contains; the province also filters by 状态 (the others see published notices only)."""

    title = TextField(label="标题", max_length=100, required=False)
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *Notice.Status.choices])

    def prepare(self) -> None:
        if not publishes_notices(self.user):
            del self.fields["status"]
        self.fields["title"].widget.attrs["placeholder"] = "按标题查询"

    def filter(self, rows):
        values = self.values
        if "title" in values:
            rows = rows.filter(title__contains=values["title"])
        if "status" in values:
            rows = rows.filter(status=values["status"])
        return rows
