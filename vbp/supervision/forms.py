"""The forms of 配送企业档案, 供应问题反馈 and 约谈督导, and the filters of their lists."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from vbp.catalog.forms import HospitalQuery
from vbp.catalog.models import Batch, Hospital
from vbp.supervision.models import Distributor, SupplyIssue
from vbp.ui.forms import ALL, FilesField, Form, QueryForm, TextField, VersionField

CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


class DistributorForm(Form):
    name = TextField(label="企业名称", max_length=100)
    credit_code = TextField(label="统一社会信用代码", max_length=18, required=False)
    contact = TextField(label="联系人", max_length=50, required=False)
    phone = TextField(label="联系电话", max_length=30, required=False)
    address = TextField(label="地址", max_length=200, required=False)
    area = TextField(label="配送区域", max_length=200, required=False)
    status = forms.ChoiceField(label="状态", choices=Distributor.Status.choices)
    note = TextField(label="备注", max_length=2000, multiline=True, required=False)
    version = VersionField(required=False)  # a new distributor has none

    def clean_credit_code(self) -> str:
        code = self.cleaned_data["credit_code"].upper()
        if code and not CREDIT_CODE.match(code):
            raise ValidationError("应为 18 位统一社会信用代码（数字与大写字母）")
        return code


class DistributorQuery(QueryForm):
    name = TextField(label="企业名称", max_length=100, required=False)
    status = forms.ChoiceField(label="状态", required=False, choices=[ALL, *Distributor.Status.choices])

    def filter(self, rows):
        if "name" in self.values:
            rows = rows.filter(name__contains=self.values["name"])
        if "status" in self.values:
            rows = rows.filter(status=self.values["status"])
        return rows


class SupplyIssueForm(Form):
    """A hospital's 供应问题反馈."""

    distributor = forms.ModelChoiceField(label="配送企业", queryset=Distributor.objects.order_by("name"))
    batch = forms.ModelChoiceField(label="带量批次", queryset=Batch.objects.all())
    generic = TextField(label="药品通用名", max_length=100)
    happened_on = forms.DateField(label="发生日期", widget=forms.DateInput(attrs={"type": "date"}))
    description = TextField(label="问题描述", max_length=2000, multiline=True)


class FollowUpForm(Form):
    """The bureau's 跟进: where it stands, what was done, and (once solved) how it ended."""

    status = forms.ChoiceField(label="状态", choices=SupplyIssue.Status.choices)
    follow_up = TextField(label="跟进情况", max_length=2000, multiline=True)
    outcome = TextField(label="处理结果", max_length=2000, multiline=True, required=False)
    version = VersionField()

    def clean(self):
        values = super().clean()
        if values.get("status") == SupplyIssue.Status.RESOLVED and not values.get("outcome"):
            self.add_error("outcome", "已解决时请填写处理结果")
        return values


class SupplyIssueQuery(HospitalQuery):
    hospital_path = "hospital__"
    field_order = ["status", "city", "district", "name"]
    status = forms.ChoiceField(label="状态", required=False, choices=[ALL, *SupplyIssue.Status.choices])

    def filter(self, rows):
        rows = super().filter(rows)
        if "status" in self.values:
            rows = rows.filter(status=self.values["status"])
        return rows


class InterviewForm(Form):
    """约谈督导: a hospital the bureau oversees, or a distributor; when, why, who, and what came of it."""

    hospital = forms.ModelChoiceField(label="约谈医疗机构", queryset=Hospital.objects.none(), required=False)
    distributor = forms.ModelChoiceField(
        label="约谈配送企业", queryset=Distributor.objects.order_by("name"), required=False
    )
    held_on = forms.DateField(label="约谈日期", widget=forms.DateInput(attrs={"type": "date"}))
    reason = TextField(label="约谈事由", max_length=2000, multiline=True)
    participants = TextField(label="参加人员", max_length=200)
    outcome = TextField(label="约谈结果与整改要求", max_length=2000, multiline=True, required=False)
    files = FilesField(label="附件（PDF 或图片）", most=5)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hospital"].queryset = Hospital.objects.visible_to(user).order_by("code")

    def clean(self):
        values = super().clean()
        if bool(values.get("hospital")) == bool(values.get("distributor")):
            raise ValidationError("请选择约谈的医疗机构或配送企业（二者选一）")
        return values


class InterviewQuery(QueryForm):
    party = TextField(label="约谈对象", max_length=100, required=False)

    def filter(self, rows):
        if "party" in self.values:
            name = self.values["party"]
            rows = rows.filter(Q(hospital__name__contains=name) | Q(distributor__name__contains=name))
        return rows
