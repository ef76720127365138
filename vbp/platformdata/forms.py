"""The forms of 数据导入 and 平台数据: the upload, and the query forms of the record and import lists."""

from __future__ import annotations

from django import forms

from vbp.catalog.forms import HospitalQuery
from vbp.catalog.models import Batch
from vbp.platformdata.importers import IMPORTERS
from vbp.platformdata.models import ImportJob, PlatformRecord
from vbp.ui.forms import ALL, Form, QueryForm


def kind_choices() -> list[tuple[str, str]]:
    return [(kind, importer.title) for kind, importer in IMPORTERS.items()]


class UploadForm(Form):
    """上传并校验: which import, and the file (.xlsx or .csv; its content is checked by the dry run)."""

    kind = forms.ChoiceField(label="导入类型", choices=kind_choices)
    file = forms.FileField(
        label="文件（.xlsx 或 .csv）",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
        error_messages={"required": "请选择要上传的文件", "empty": "上传的文件是空的", "invalid": "请选择要上传的文件"},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "upload_%s")  # the list's query form below has its own 类型
        super().__init__(*args, **kwargs)


class RecordQuery(HospitalQuery):
    """平台数据: 考核年度 and 带量批次 (only years the user's records have), then where the hospital is and its name."""

    hospital_path = "hospital__"
    field_order = ["year", "batch", "city", "district", "name"]

    year = forms.TypedChoiceField(label="考核年度", coerce=int, required=False, empty_value=None)
    batch = forms.ModelChoiceField(
        label="带量批次", queryset=Batch.objects.none(), to_field_name="code", required=False, empty_label="全部"
    )

    def prepare(self) -> None:
        super().prepare()
        years = PlatformRecord.objects.visible_to(self.user).values_list("year", flat=True).distinct()
        self.fields["year"].choices = [ALL, *((year, str(year)) for year in years.order_by("year"))]
        self.fields["batch"].queryset = Batch.objects.visible_to(self.user)

    def filter(self, rows):
        rows = super().filter(rows)
        values = self.values
        if "year" in values:
            rows = rows.filter(year=values["year"])
        if "batch" in values:
            rows = rows.filter(product__batch=values["batch"])
        return rows


class ImportQuery(QueryForm):
    """导入记录: by kind and status."""

    kind = forms.ChoiceField(label="类型", required=False)
    status = forms.ChoiceField(label="状态", required=False, choices=[ALL, *ImportJob.Status.choices])

    def prepare(self) -> None:
        self.fields["kind"].choices = [ALL, *kind_choices()]

    def filter(self, rows):
        values = self.values
        if "kind" in values:
            rows = rows.filter(kind=values["kind"])
        if "status" in values:
            rows = rows.filter(status=values["status"])
        return rows
