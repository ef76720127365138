"""What the assessment pages take in: every POST and every query string is parsed here, so services get typed values.

Posting forms carry the version of the assessment the page showed (``VersionField``: missing or malformed is
stale). Query forms narrow the area's lists; a value that does not parse is shown with its error and filters
nothing. The self-assessment's answers have their own form (self_forms.AnswersForm): its fields follow the
rule set.
"""

from __future__ import annotations

from django import forms

from vbp.assessment.models import Answer, Assessment
from vbp.catalog.forms import HospitalQuery
from vbp.catalog.models import Batch
from vbp.ui.forms import LINE_CONTROL as CONTROL
from vbp.ui.forms import Form, QueryForm, TextField, VersionField, YearField

Review = Assessment.Review
REASON_LENGTH = Answer._meta.get_field("reason").max_length
REMARK_LENGTH = Answer._meta.get_field("remark").max_length
NAME_LENGTH = 100  # a hospital's, a batch's, a company's or a generic name searched for
PICK = "请从列表中选择"
PART_STATUSES = {1: (Review.PENDING, Review.DONE), 2: (Review.WAITING, Review.PENDING, Review.DONE)}
UPLOAD_GONE = "待确认的文件已更换或已失效，请重新上传。"
MAX_SCORE_UPLOAD = 5 * 1024 * 1024  # a 考核数据上传 workbook


class Pick(forms.ModelChoiceField):
    """A drop-down of rows: any value that names none of them (a NUL, 5,000 digits) is simply not a choice."""

    default_error_messages = {"invalid_choice": PICK}

    def __init__(self, **kwargs):
        super().__init__(required=False, empty_label="全部", **kwargs)
        self.validators = [v for v in self.validators if type(v).__name__ != "ProhibitNullCharactersValidator"]

    def to_python(self, value):
        if isinstance(value, str) and (CONTROL.search(value) or len(value) > NAME_LENGTH):
            raise forms.ValidationError(PICK, code="invalid_choice")
        return super().to_python(value)


def choice(label: str, choices, **kwargs) -> forms.TypedChoiceField:
    """A drop-down whose wrong value says so in plain words (never echoing a 10,000-character value back)."""
    return forms.TypedChoiceField(
        label=label, choices=choices, required=False, error_messages={"invalid_choice": PICK}, **kwargs
    )


def noun(batch: Batch) -> str:
    """What a batch buys, as the pages say it: 药品, or 耗材 for a consumables batch."""
    return Batch.Category(batch.category).label


# --- posting forms ----------------------------------------------------------------------------------


class VersionForm(Form):
    """提交 (a self-assessment or a part's review) and 删除附件: nothing but the version the page showed."""

    version = VersionField()


class ReviewAnswerForm(Form):
    """通过 or 驳回 of one item, with the reason a 驳回 needs and the reviewer's 备注."""

    version = VersionField()
    decision = forms.TypedChoiceField(
        label="审核结果",
        choices=[(Answer.Decision.PASS, Answer.Decision.PASS.label), (Answer.Decision.REJECT, "驳回")],
        coerce=Answer.Decision,
        error_messages={"required": "审核结果应为通过或驳回", "invalid_choice": "审核结果应为通过或驳回"},
    )
    reason = TextField(label="驳回原因", max_length=REASON_LENGTH, required=False)
    remark = TextField(label="备注", max_length=REMARK_LENGTH, required=False)

    def clean(self):
        cleaned = super().clean()
        rejected = cleaned.get("decision") == Answer.Decision.REJECT
        if rejected and not cleaned.get("reason") and "reason" not in self.errors:
            self.add_error("reason", "驳回须填写驳回原因")
        return cleaned


class ReopenForm(Form):
    """退回重审: the reason everyone concerned will read, and the page to go back to."""

    version = VersionField()
    reason = TextField(label="退回原因", max_length=REASON_LENGTH, error_messages={"required": "退回重审须填写原因"})
    next = TextField(max_length=2000, required=False)


class AttachmentForm(Form):
    """上传附件 for an item of the self-assessment."""

    version = VersionField()
    item = TextField(
        label="考核指标",
        max_length=Answer._meta.get_field("item").max_length,
        error_messages={"required": "缺少考核指标，请刷新页面后重试"},
    )
    file = forms.FileField(
        label="附件",
        error_messages={
            "required": "请选择要上传的文件",
            "missing": "请选择要上传的文件",
            "invalid": "请选择要上传的文件",
            "empty": "文件为空，请选择要上传的文件",
        },
    )


class ScoreUploadForm(Form):
    """考核数据上传: the filled template."""

    file = forms.FileField(
        label="考核数据文件",
        error_messages={
            "required": "请选择要上传的文件",
            "missing": "请选择要上传的文件",
            "invalid": "请选择要上传的文件",
            "empty": "文件为空，请选择要上传的文件",
        },
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_SCORE_UPLOAD:
            raise forms.ValidationError(f"文件过大（不能超过 {MAX_SCORE_UPLOAD // (1024 * 1024)} MB）")
        return upload


class ScoreConfirmForm(Form):
    """确认导入: the SHA-256 of the file the preview showed, so a file replaced meanwhile is not what is written."""

    sha256 = forms.RegexField(
        regex=r"\A[0-9a-f]{64}\Z", error_messages={"required": UPLOAD_GONE, "invalid": UPLOAD_GONE}
    )


# --- query forms ----------------------------------------------------------------------------------


class AssessmentQuery(HospitalQuery):
    """The review and 查看 lists: 带量批次, 地市, 区县, 医疗机构名称 and the part's 审核状态."""

    hospital_path = "hospital__"
    field_order = ["batch", "city", "district", "name", "status"]

    batch = Pick(label="带量批次", queryset=Batch.objects.none(), to_field_name="code")
    status = choice("审核状态", ())

    def __init__(self, data=None, *, part: int, **kwargs):
        self.part = part
        super().__init__(data, **kwargs)

    def prepare(self) -> None:
        super().prepare()
        self.fields["batch"].queryset = Batch.objects.visible_to(self.user)
        self.fields["status"].choices = [("", "全部"), *((s.value, s.label) for s in PART_STATUSES[self.part])]

    def filter(self, rows):
        rows = super().filter(rows)
        values = self.values
        if "batch" in values:
            rows = rows.filter(batch=values["batch"])
        if "status" in values:
            rows = rows.filter(**{f"part{self.part}_review": values["status"]})
        return rows


class ProductQuery(QueryForm):
    """A hospital's product list (seed 000 §1.2): 企业名称, 药品通用名 (耗材通用名), 带量品种类型."""

    company = TextField(label="企业名称", max_length=NAME_LENGTH, required=False)
    generic = TextField(label="药品通用名", max_length=NAME_LENGTH, required=False)
    kind = choice("带量品种类型", [("", "全部"), *Batch.Kind.choices])

    def __init__(self, data=None, *, batch: Batch, **kwargs):
        self.batch = batch
        super().__init__(data, **kwargs)

    def prepare(self) -> None:
        self.fields["generic"].label = f"{noun(self.batch)}通用名"
        self.fields["company"].widget.attrs["placeholder"] = "按企业名称查询"
        self.fields["generic"].widget.attrs["placeholder"] = "按通用名查询"

    def filter(self, rows):
        values = self.values
        if values.get("kind", self.batch.kind) != self.batch.kind:
            return []
        company, generic = values.get("company", ""), values.get("generic", "")
        return [row for row in rows if company in row["product"].company and generic in row["product"].generic_name]


class SelfBatchQuery(QueryForm):
    """自评填报's batch list: 考核年度 and 带量批次."""

    year = YearField(required=False)
    batch = TextField(label="带量批次", max_length=NAME_LENGTH, required=False)

    def prepare(self) -> None:
        self.fields["batch"].widget.attrs["placeholder"] = "按批次名称查询"

    def filter(self, rows):
        values = self.values
        return [
            row
            for row in rows
            if values.get("year", row["year"]) == row["year"] and values.get("batch", "") in row["batch"].name
        ]


class OfflineBatchQuery(QueryForm):
    """结余测算数据上报's batch list: 带量批次."""

    name = TextField(label="带量批次", max_length=NAME_LENGTH, required=False)

    def prepare(self) -> None:
        self.fields["name"].widget.attrs["placeholder"] = "按批次名称查询"

    def filter(self, rows):
        name = self.values.get("name", "")
        return [row for row in rows if name in row["batch"].name]


class OfflineHospitalQuery(HospitalQuery):
    """A batch's hospitals to score offline: one 考核年度 (the latest by default), 地市, 区县, 医疗机构名称."""

    field_order = ["year", "city", "district", "name"]

    year = choice("考核年度", (), coerce=int, empty_value=None)

    def __init__(self, data=None, *, years: list[int], **kwargs):
        self.years = years
        super().__init__(data, **kwargs)

    def prepare(self) -> None:
        super().prepare()
        self.fields["year"].choices = [(year, str(year)) for year in self.years]

    @property
    def chosen_year(self) -> int | None:
        """The year asked for, or the latest there is."""
        return self.values.get("year") or (self.years[0] if self.years else None)
