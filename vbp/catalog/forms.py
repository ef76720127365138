"""The filters every list of hospitals (or of rows about hospitals) shares: 地市, 区县, 医疗机构名称."""

from __future__ import annotations

from django import forms

from vbp.catalog.models import Hospital
from vbp.regions.models import Region
from vbp.ui.forms import QueryForm, TextField


class HospitalQuery(QueryForm):
    """地市 and 区县 offer only the regions of the hospitals the user may see; ``hospital_path`` leads from the rows
    filtered to their hospital ("" when the rows are hospitals, "hospital__" when they belong to one)."""

    hospital_path = ""

    city = forms.ModelChoiceField(
        label="地市", queryset=Region.objects.none(), to_field_name="code", required=False, empty_label="全部"
    )
    district = forms.ModelChoiceField(
        label="区县", queryset=Region.objects.none(), to_field_name="code", required=False, empty_label="全部"
    )
    name = TextField(label="医疗机构名称", max_length=100, required=False)

    def prepare(self) -> None:
        hospitals = Hospital.objects.visible_to(self.user)
        cities = Region.objects.filter(level=Region.Level.CITY, city_hospitals__in=hospitals).distinct()
        districts = Region.objects.filter(level=Region.Level.DISTRICT, district_hospitals__in=hospitals).distinct()
        city = self.data.get("city", "")
        if city.isascii() and city.isdigit() and len(city) <= 6:  # a code; anything else is the field's error
            districts = districts.filter(parent__code=city)
        self.fields["city"].queryset = cities.order_by("code")
        self.fields["district"].queryset = districts.order_by("code")
        self.fields["name"].widget.attrs["placeholder"] = "按医疗机构名称查询"

    def filter(self, rows):
        path, values = self.hospital_path, self.values
        if "city" in values:
            rows = rows.filter(**{f"{path}city": values["city"]})
        if "district" in values:
            rows = rows.filter(**{f"{path}district": values["district"]})
        if "name" in values:
            rows = rows.filter(**{f"{path}name__contains": values["name"]})
        return rows
