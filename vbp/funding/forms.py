"""Every input of the funding pages, typed before a service sees it: the lists' filters and the editing forms.

Counts and ratios are whole numbers within what the database holds; texts are trimmed and bounded;
every editing form carries the version of the row the page showed (``VersionField``), so an edit made
on a page someone else has changed since is refused as stale.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from vbp.catalog.forms import HospitalQuery
from vbp.catalog.models import Batch
from vbp.funding import selectors
from vbp.ui.forms import INT32_MAX, Form, QueryForm, TextField, VersionField, WholeNumberField, YearField

RATIO_RANGE = "医保基金平均支付比例应为 1–100 的整数"
NO_SUCH_CHOICE = {"invalid_choice": "没有这一选项，请刷新页面后重新选择"}


# --- query forms -----------------------------------------------------------------------------------------


def encoded(values: dict, **changes) -> str:
    """Parsed filters as a query string again (batches and regions by their codes), with ``changes`` (None drops)."""
    merged = {name: getattr(value, "code", value) for name, value in values.items()}
    merged.update(changes)
    return urlencode({name: value for name, value in merged.items() if value not in (None, "")})


def year_field() -> YearField:
    return YearField(required=False, widget=forms.Select)


class YearQuery(QueryForm):
    """考核年度: one of the years with platform data is offered; none (or a bad one) means the latest."""

    year = year_field()

    def prepare(self) -> None:
        super().prepare()
        self.fields["year"].widget.choices = [(year, year) for year in selectors.years()]
        self.fields["year"].widget.attrs.pop("inputmode", None)

    @property
    def chosen_year(self) -> int:
        return self.values.get("year") or selectors.latest_year()

    def shown(self) -> dict[str, str]:
        return {"考核年度": str(self.chosen_year), **{k: v for k, v in super().shown().items() if k != "考核年度"}}


class BatchChoice(forms.ModelChoiceField):
    """A batch by its code, among those the user may see."""

    def __init__(self, label: str = "带量批次", **kwargs):
        kwargs.setdefault("empty_label", "全部")
        kwargs.setdefault("error_messages", NO_SUCH_CHOICE)
        super().__init__(queryset=Batch.objects.none(), to_field_name="code", label=label, required=False, **kwargs)

    def label_from_instance(self, batch: Batch) -> str:
        return batch.name


class VisitQuery(YearQuery, HospitalQuery):
    """考核年度, 地市, 区县, 医疗机构名称; a hospital sees only its own row and gets no region filters."""

    field_order = ["year", "city", "district", "name"]

    def prepare(self) -> None:
        super().prepare()
        if self.user is not None and self.user.hospital_id:
            for name in ("city", "district", "name"):
                del self.fields[name]


class AmountQuery(VisitQuery):
    """The amount lists' filters: also 带量批次 and 状态. Its rows are hospital × batch, built by the page from the
    hospitals ``hospitals()`` narrows, so ``filter`` leaves the built rows as they are."""

    batch = BatchChoice()
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), *selectors.AMOUNT_STATES], error_messages=NO_SUCH_CHOICE
    )
    field_order = ["year", "batch", "city", "district", "name", "status"]

    def prepare(self) -> None:
        super().prepare()
        self.fields["batch"].queryset = Batch.objects.visible_to(self.user)

    def hospitals(self, hospitals):
        return HospitalQuery.filter(self, hospitals)

    def filter(self, rows):
        return rows


class ProductQuery(QueryForm):
    """An amount page's filters (seed 000 §3.1): 药品名称, 规格型号, and 带量品种类型 (the page's ``current`` batch, or
    one of the hospital's other batches of the year, to switch to). ``goods`` names what the batch procures (药品 or
    耗材)."""

    generic_name = TextField(label="药品名称", max_length=100, required=False)
    spec = TextField(label="规格型号", max_length=100, required=False)
    batch = BatchChoice(label="带量品种类型")

    def __init__(self, data=None, *, user=None, batches=None, current=None, goods="药品", context=None, **kwargs):
        self.batches, self.current, self.goods, self.context = batches, current, goods, context or {}
        super().__init__(data, user=user, **kwargs)

    def shown(self) -> dict[str, str]:
        """The page's hospital, batch and year, then the filters (an export's header says all of them)."""
        return {**self.context, **super().shown()}

    def prepare(self) -> None:
        self.fields["generic_name"].label = f"{self.goods}名称"
        self.fields["generic_name"].widget.attrs["placeholder"] = f"按{self.goods}名称查询"
        self.fields["spec"].widget.attrs["placeholder"] = f"按{self.goods}规格、剂型查询"
        batches = self.batches if self.batches is not None else Batch.objects.none()
        if self.current is not None:  # the page's own batch is the empty choice (no switch); the others follow
            batches = batches.exclude(pk=self.current.pk)
            self.fields["batch"].empty_label = self.current.name
            if self.data.get("batch") == self.current.code:  # asked for by its code: the same
                self.data = self.data.copy()
                self.data["batch"] = ""
        self.fields["batch"].queryset = batches

    def filter(self, rows):
        return filter_products(rows, self.values)


def filter_products(rows, values: dict):
    """Product rows (of amount sheets) by 名称 (contains) and 规格型号 (in the spec or the dosage form)."""
    if "generic_name" in values:
        rows = rows.filter(product__generic_name__contains=values["generic_name"])
    if "spec" in values:
        spec = values["spec"]
        rows = rows.filter(Q(product__spec__contains=spec) | Q(product__dosage_form__contains=spec))
    return rows


class SurplusProductQuery(YearQuery):
    """医疗机构结余金额's product rows: 考核年度, 带量批次, 医疗机构名称, 品种名称, 规格型号."""

    batch = BatchChoice()
    name = TextField(label="医疗机构名称", max_length=100, required=False)
    generic_name = TextField(label="品种名称", max_length=100, required=False)
    spec = TextField(label="规格型号", max_length=100, required=False)

    def prepare(self) -> None:
        super().prepare()
        self.fields["batch"].queryset = Batch.objects.visible_to(self.user)

    def filter(self, rows):
        values = self.values
        if "batch" in values:
            rows = rows.filter(sheet__batch=values["batch"])
        if "name" in values:
            rows = rows.filter(sheet__hospital__name__contains=values["name"])
        return filter_products(rows, values)


class SheetQuery(QueryForm):
    """A batch's hospitals (医疗机构结余金额): 医疗机构名称."""

    name = TextField(label="医疗机构名称", max_length=100, required=False)

    def prepare(self) -> None:
        self.fields["name"].widget.attrs["placeholder"] = "按医疗机构名称查询"

    def filter(self, rows):
        if "name" in self.values:
            rows = rows.filter(hospital__name__contains=self.values["name"])
        return rows


# --- editing forms ---------------------------------------------------------------------------------------


class ActionField(forms.ChoiceField):
    """Which button was pressed; none means the first (保存)."""

    def __init__(self, *actions: tuple[str, str]):
        super().__init__(label="操作", choices=actions, required=False, error_messages=NO_SUCH_CHOICE)

    def clean(self, value):
        return super().clean(value) or self.choices[0][0]


class ReasonField(TextField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", "退回原因")
        kwargs.setdefault("error_messages", {"required": "退回须填写原因"})
        super().__init__(max_length=500, **kwargs)


class PayRatioForm(Form):
    """全省医保基金支付比例维护: 保存 a percent, 提交 it, or 退回 it with a reason."""

    action = ActionField(("save", "保存"), ("submit", "提交"), ("reopen", "退回"))
    percent = WholeNumberField(label="医保基金平均支付比例", min_value=1, max_value=100, required=False)
    reason = ReasonField(required=False)
    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["percent"].error_messages.update(invalid=RATIO_RANGE, min_value=RATIO_RANGE, max_value=RATIO_RANGE)

    def clean(self):
        data = super().clean()
        if data.get("action") == "save" and data.get("percent") is None and "percent" not in self.errors:
            self.add_error("percent", RATIO_RANGE)
        if data.get("action") == "reopen" and not data.get("reason") and "reason" not in self.errors:
            self.add_error("reason", "退回须填写原因")
        return data


class TotalVisitsForm(Form):
    """The hospital's 上一年度住院总人次: 保存 it, or 提交 it (with its proof on file)."""

    action = ActionField(("save", "保存"), ("submit", "提交"))
    total_visits = WholeNumberField(label="上一年度住院总人次", min_value=1, required=False)
    file = forms.FileField(label="证明材料", required=False, error_messages={"empty": "上传的文件是空的"})
    version = VersionField()

    def clean(self):
        data = super().clean()
        if data.get("action") == "save" and data.get("total_visits") is None and "total_visits" not in self.errors:
            self.add_error("total_visits", "请填写上一年度住院总人次（大于 0 的整数）")
        return data


BACK = [("detail", "本页"), ("visits", "住院人次维护"), ("capital_visits", "省内异地参保患者住院人次维护")]


class PoolVisitsForm(Form):
    """The pools a user enters at a hospital, one count each (``pool_<id>``): 保存 (from the hospital's page or one
    cell of a list's grid), or 提交 what is saved. ``back`` says which page the user came from."""

    action = ActionField(("save", "保存"), ("submit", "提交"))
    version = VersionField()
    back = forms.ChoiceField(choices=BACK, required=False, error_messages=NO_SUCH_CHOICE)

    def __init__(self, *args, pools=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.pools = list(pools)
        for pool in self.pools:
            self.fields[f"pool_{pool.pk}"] = WholeNumberField(label=f"{pool.name}住院人次", required=False)

    @property
    def counts(self) -> dict[int, int]:
        """{pool id: count} of the counts filled in."""
        counts = {pool.pk: self.cleaned_data.get(f"pool_{pool.pk}") for pool in self.pools}
        return {pk: value for pk, value in counts.items() if value is not None}

    @property
    def back_to(self) -> str:
        return self.cleaned_data.get("back") or "detail"

    def clean(self):
        data = super().clean()
        if data.get("action") == "save" and not self.errors and not self.counts:
            raise ValidationError("请填写住院人次")
        return data


ROW = re.compile(r"([0-9]{1,18})-([0-9]{4})-([0-9]{1,10})")


class RowsField(forms.Field):
    """The rows selected in a grid, each ``<hospital id>-<year>-<version>`` (the checkbox's value)."""

    widget = forms.MultipleHiddenInput

    def __init__(self, **kwargs):
        super().__init__(label="所选数据", error_messages={"required": "请先选中要提交的数据"}, **kwargs)

    def to_python(self, value) -> list[tuple[int, int, int]]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        rows = []
        for item in values:
            match = ROW.fullmatch(str(item))
            if match is None or not 2000 <= int(match[2]) <= 2100 or int(match[3]) > INT32_MAX:
                raise ValidationError("所选数据无效，请刷新页面后重试", code="invalid")
            rows.append((int(match[1]), int(match[2]), int(match[3])))
        return rows

    def validate(self, value) -> None:
        if not value:
            raise ValidationError(self.error_messages["required"], code="required")


class VisitSubmitForm(Form):
    """提交 the rows selected in a visits grid: each its hospital (among those the user keeps), year and the version
    the page showed."""

    rows = RowsField()
    back = forms.ChoiceField(choices=BACK[1:], required=False, error_messages=NO_SUCH_CHOICE)

    def __init__(self, *args, hospitals, **kwargs):
        super().__init__(*args, **kwargs)
        self.hospitals = hospitals

    def clean_rows(self):
        rows = self.cleaned_data["rows"]
        found = self.hospitals.in_bulk([pk for pk, _, _ in rows])
        if len(found) != len({pk for pk, _, _ in rows}):
            raise ValidationError("所选医疗机构不存在或无权操作，请刷新页面后重试")
        return [(found[pk], year, version) for pk, year, version in rows]


class ReopenForm(Form):
    """退回 with a reason, of the version the page showed."""

    reason = ReasonField()
    version = VersionField()


class ConfirmForm(Form):
    """确认 of the version the page showed."""

    version = VersionField()


class ProofForm(Form):
    file = forms.FileField(
        label="证明材料", error_messages={"required": "请选择要上传的文件", "empty": "上传的文件是空的"}
    )
