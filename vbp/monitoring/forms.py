"""The monitoring lists' filters: where the hospital is, its name, the batch, and which flag."""

from __future__ import annotations

from django import forms

from vbp.catalog.forms import HospitalQuery
from vbp.catalog.models import Batch
from vbp.ui.forms import ALL


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
