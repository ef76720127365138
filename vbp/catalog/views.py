"""医疗机构: the hospitals a user may see, with a query form and 导出."""

from django.shortcuts import render

from vbp.accounts.decorators import business_page
from vbp.catalog.models import Hospital
from vbp.regions.models import Region
from vbp.web.listing import export_xlsx, paginate

EXPORT_HEADERS = ["医疗机构编码", "医疗机构名称", "地市", "区县", "医院等级", "所属统筹区", "省直属"]


@business_page
def hospital_list(request):
    hospitals = Hospital.objects.visible_to(request.user).select_related("city", "district", "home_pool")
    name, city = request.GET.get("name", "").strip(), request.GET.get("city", "")
    if name:
        hospitals = hospitals.filter(name__contains=name)
    if city:
        hospitals = hospitals.filter(city__code=city)
    if request.GET.get("export"):
        rows = (
            [h.code, h.name, h.city.name, h.district.name if h.district else "", h.get_level_display(),
             h.home_pool.name, "是" if h.province_direct else "否"]
            for h in hospitals.iterator()
        )  # fmt: skip
        filters = {"医疗机构名称": name, "地市": _city_name(city)}
        return export_xlsx(request, "医疗机构", EXPORT_HEADERS, rows, filters=filters)
    page, query = paginate(request, hospitals)
    cities = Region.objects.filter(
        level=Region.Level.CITY, city_hospitals__in=Hospital.objects.visible_to(request.user)
    )
    context = {"page": page, "query": query, "cities": cities.distinct(), "name": name, "city": city}
    return render(request, "catalog/hospital_list.html", context)


def _city_name(code: str) -> str:
    """The city the query form chose, in words as the form shows it."""
    if not code:
        return ""
    return Region.objects.filter(level=Region.Level.CITY, code=code).values_list("name", flat=True).first() or code
