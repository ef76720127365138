"""The monitoring lists' filters: where the hospital is, its name, the batch, and which flag."""

from __future__ import annotations

from django import forms

from vbp.catalog.forms import HospitalQuery
from vbp.catalog.models import Batch, Hospital
from vbp.monitoring import store
from vbp.monitoring.models import DemandReport
from vbp.regions.models import Region
from vbp.ui.forms import ALL, Form, QueryForm, TextField, VersionField, WholeNumberField


class FigureQuery(HospitalQuery):
    """Rows of a hospital and a batch: 带量批次, then where the hospital is and its name."""

    hospital_path = "hospital__"
    field_order = ["batch", "city", "district", "name"]

    batch = forms.ModelChoiceField(
        label="带量批次", queryset=Batch.objects.none(), to_field_name="code", required=False, empty_label="全部"
    )

    def prepare(self) -> None:
        super().prepare()
        self.fields["batch"].queryset = Batch.objects.visible_to(self.user)

    def filter(self, rows):
        rows = super().filter(rows)
        if "batch" in self.values:
            rows = rows.filter(batch=self.values["batch"])
        return rows


FLAGS = {"behind": "低于序时进度", "nonwinning_over": "非中选超中选"}


class ProgressQuery(FigureQuery):
    """采购进度 also by flag: only the agreements behind 序时进度, or those buying more non-winning than winning."""

    field_order = ["batch", "flag", "city", "district", "name"]
    flag = forms.ChoiceField(label="预警", required=False, choices=[ALL, *FLAGS.items()])

    def filter(self, rows):
        rows = super().filter(rows)
        if "flag" in self.values:
            rows = rows.filter(**{self.values["flag"]: True})
        return rows


class DeliveryQuery(HospitalQuery):
    """配送情况 over the hospitals of a city or district, or of one name."""

    hospital_path = "hospital__"


QUARTERS = [(1, "第一季度"), (2, "第二季度"), (3, "第三季度"), (4, "第四季度")]


class BulletinQuery(QueryForm):
    """季度通报: the year (of those with order lines), the quarter, and optionally one city of the user's."""

    year = forms.TypedChoiceField(label="年度", coerce=int, required=False, empty_value=None)
    quarter = forms.TypedChoiceField(label="季度", coerce=int, choices=QUARTERS, required=False, empty_value=None)
    city = forms.ModelChoiceField(
        label="地市", queryset=Region.objects.none(), to_field_name="code", required=False, empty_label="全部"
    )

    def prepare(self) -> None:
        years = sorted({year for year, _ in store.stored_months()}, reverse=True)
        self.fields["year"].choices = [(year, f"{year} 年") for year in years]
        hospitals = Hospital.objects.visible_to(self.user)
        cities = Region.objects.filter(level=Region.Level.CITY, city_hospitals__in=hospitals).distinct()
        self.fields["city"].queryset = cities.order_by("code")

    def hospitals(self):
        """The hospitals the 通报 covers: the user's, in the city asked for."""
        hospitals = Hospital.objects.visible_to(self.user)
        if "city" in self.values:
            hospitals = hospitals.filter(city=self.values["city"])
        return hospitals


class ReportQuery(FigureQuery):
    """报量核对: by 带量批次, flag and state, then where the hospital is and its name."""

    field_order = ["batch", "flag", "status", "city", "district", "name"]
    flag = forms.ChoiceField(
        label="预警",
        required=False,
        choices=[ALL, ("dropped", "降幅超20%"), ("unreported_nonwinning", "未报量仍采购非中选")],
    )
    status = forms.ChoiceField(label="状态", required=False, choices=[ALL, *DemandReport.Status.choices])

    def filter(self, rows):
        rows = super().filter(rows)
        if "flag" in self.values:
            rows = rows.filter(**{self.values["flag"]: True})
        if "status" in self.values:
            rows = rows.filter(status=self.values["status"])
        return rows


class ExplainForm(Form):
    """说明 of a flagged report; after a return, with the new 报量."""

    explanation = TextField(label="说明", max_length=2000, multiline=True)
    reported = WholeNumberField(label="新的报量", required=False, max_value=10**15 - 1)
    version = VersionField()


class ReviewForm(Form):
    """接受 or 退回 the hospital's 说明, with the bureau's 审核意见 (needed to return it)."""

    decision = forms.ChoiceField(label="审核结果", choices=[("accept", "接受"), ("return", "退回")])
    note = TextField(label="审核意见", max_length=2000, multiline=True, required=False)
    version = VersionField()

    def clean(self):
        values = super().clean()
        if values.get("decision") == "return" and not values.get("note"):
            self.add_error("note", "退回时请填写审核意见")
        return values


class RefreshForm(forms.Form):
    """重新计算: a year with order lines, and the monitoring date within it."""

    year = forms.TypedChoiceField(label="监测年度", coerce=int)
    as_of = forms.DateField(label="监测日期", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, f"{year} 年") for year in years]
