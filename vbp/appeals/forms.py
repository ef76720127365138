"""The appeal forms: a new appeal, the thread's entries (补充说明, 回复, 办结) and the list's query form.

Each text is bounded and cleaned at its field (no control character, nothing but invisible marks is empty,
at most TEXT_MAX characters), every editing form carries the appeal's version, and the batch-year is one of
those offered: the services get typed values only.
"""

from __future__ import annotations

import uuid

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from vbp import files
from vbp.accounts.models import Role
from vbp.appeals import selectors
from vbp.appeals.models import Appeal
from vbp.appeals.services import FILES_MAX, TEXT_MAX, TITLE_MAX
from vbp.catalog.models import Batch
from vbp.ui.forms import FilesField, Form, QueryForm, TextField, VersionField

Status = Appeal.Status


def upload_help() -> str:
    size = filesizeformat(settings.VBP_ATTACHMENT_MAX_BYTES)
    return f"可选；{files.ACCEPTED}，每个不超过 {size}，最多 {FILES_MAX} 个"


class SubmissionKeyField(forms.UUIDField):
    """The new-appeal form's one-time key: the one it was sent with; missing or malformed, a new one."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value):
        try:
            return super().to_python(value) or uuid.uuid4()
        except forms.ValidationError:
            return uuid.uuid4()


class NewAppealForm(Form):
    """提交申诉: a batch-year the hospital is assessed on, a title, the appeal, and its evidence."""

    batch = forms.ChoiceField(
        label="结余留用考核批次",
        error_messages={"required": "请选择结余留用考核批次", "invalid_choice": "请选择结余留用考核批次"},
    )
    title = TextField(label="申诉标题", max_length=TITLE_MAX, error_messages={"required": "请填写申诉标题"})
    text = TextField(
        label="申诉内容",
        max_length=TEXT_MAX,
        multiline=True,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "请填写申诉内容"},
    )
    files = FilesField(label="附件", most=FILES_MAX)
    submission_key = SubmissionKeyField()

    def __init__(self, data=None, files=None, *, user, **kwargs):
        super().__init__(data, files, **kwargs)
        pairs = selectors.appealable(user)
        batches = Batch.objects.in_bulk({batch_id for batch_id, _ in pairs})
        self.pairs = {f"{batch_id}-{year}": (batches[batch_id], year) for batch_id, year in pairs}
        self.fields["batch"].choices = [
            ("", "请选择"),
            *((value, f"{batch.name}（{year}年度）") for value, (batch, year) in self.pairs.items()),
        ]
        self.fields["files"].help_text = upload_help()
        if not self.is_bound:
            self.initial.setdefault("submission_key", uuid.uuid4())

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("batch"):
            cleaned["batch"], cleaned["year"] = self.pairs[cleaned["batch"]]
        return cleaned

    def key(self):
        """The key the page is to carry: the one sent (or made for it) once parsed, else the one first given."""
        if self.is_bound:
            return self.cleaned_data.get("submission_key") if hasattr(self, "cleaned_data") else None
        return self.initial["submission_key"]


class EntryForm(Form):
    """One entry of the thread: its text, its attachments, and the version of the appeal the page showed."""

    slot = "entry"  # where the thread page shows it, and its fields' ids
    label = "内容"
    multiline = True

    text = TextField(label="内容", max_length=TEXT_MAX)
    files = FilesField(label="附件", most=FILES_MAX)
    version = VersionField()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.slot}_%s")
        super().__init__(*args, **kwargs)
        field = self.fields["text"]
        field.label, field.multiline = self.label, self.multiline
        field.error_messages["required"] = f"请填写{self.label}"
        field.widget = (
            forms.Textarea(attrs={"rows": 4, "maxlength": TEXT_MAX})
            if self.multiline
            else forms.TextInput(attrs={"maxlength": TEXT_MAX, "placeholder": "如：已电话回访，医疗机构无异议"})
        )
        self.fields["files"].help_text = upload_help()


class FollowUpForm(EntryForm):
    slot = "follow_up"
    label = "补充说明"


class ReplyForm(EntryForm):
    slot = "reply"
    label = "回复内容"


class CloseForm(EntryForm):
    slot = "close"
    label = "办结说明"
    multiline = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["files"]  # a closing note is a line; evidence goes with a reply


class AppealQuery(QueryForm):
    """带量批次, 状态; for a bureau also 医疗机构名称 and 仅看待本部门回复."""

    batch = forms.ModelChoiceField(
        label="带量批次", queryset=Batch.objects.none(), to_field_name="code", required=False, empty_label="全部"
    )
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *Status.choices])
    name = TextField(label="医疗机构名称", max_length=100, required=False)
    to_answer = forms.BooleanField(label="仅看待本部门回复", required=False)

    def prepare(self) -> None:
        appeals = selectors.appeals_for(self.user)
        self.fields["batch"].queryset = Batch.objects.visible_to(self.user).filter(appeal__in=appeals).distinct()
        if self.user.role == Role.HOSPITAL:  # its own appeals only: nothing to search by name or to answer
            del self.fields["name"], self.fields["to_answer"]
        else:
            self.fields["name"].widget.attrs["placeholder"] = "按医疗机构名称查询"

    def shown(self) -> dict[str, str]:
        shown = super().shown()
        if "to_answer" in self.fields:  # a box left unticked filters nothing; a ticked one reads 是
            label = str(self.fields["to_answer"].label)
            if self.values.get("to_answer"):
                shown[label] = "是"
            else:
                shown.pop(label, None)
        return shown

    def filter(self, rows):
        values = self.values
        if values.get("to_answer"):
            rows = rows.filter(selectors.answerer_filter(self.user), status=Status.PENDING)
        if "batch" in values:
            rows = rows.filter(batch=values["batch"])
        if "status" in values:
            rows = rows.filter(status=values["status"])
        if "name" in values:
            rows = rows.filter(hospital__name__contains=values["name"])
        return rows
