"""医疗机构: the hospitals a user may see, with a query form and 导出."""

from vbp import permissions
from vbp.catalog.forms import HospitalQuery
from vbp.catalog.models import Hospital
from vbp.ui.lists import Column, ListPage


class HospitalList(ListPage):
    title = "医疗机构"
    allows = staticmethod(permissions.sees_business_data)
    query_form = HospitalQuery
    table_id = "hospitals"
    empty = "没有符合条件的医疗机构"
    columns = (
        Column("医疗机构编码", "code", sticky=True),
        Column("医疗机构名称", "name", sticky=True),
        Column("地市", "city.name"),
        Column("区县", "district.name"),
        Column("医院等级", "get_level_display"),
        Column("所属统筹区", "home_pool.name"),
        Column("省直属", "province_direct", kind="yesno"),
    )

    def rows(self, query):
        return Hospital.objects.visible_to(self.user).select_related("city", "district", "home_pool").order_by("code")


hospital_list = HospitalList.as_view()
