"""季度通报: the hospitals and distributors it names, per city, as of the quarter's end; scoped; as a workbook."""

from __future__ import annotations

import datetime
import io
from fractions import Fraction

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from tests.monitoring.test_order_import import csv_bytes, import_orders, province
from vbp.accounts.models import User
from vbp.catalog.models import Hospital
from vbp.demo.orders import demo_order_sheets
from vbp.monitoring import aggregate
from vbp.monitoring.bulletin import bulletin
from vbp.monitoring.models import OrderLineFigure, ProgressFigure
from vbp.platformdata.models import ImportJob

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]
YEAR, QUARTER, QUARTER_END = 2024, 3, datetime.date(2024, 9, 30)


@pytest.fixture
def orders():
    job = import_orders(csv_bytes(demo_order_sheets(lines=6000, seed=3)["订单明细"]))
    assert job.status == ImportJob.Status.DONE


def test_each_named_hospital_is_named_for_what_the_figures_of_the_quarter_end_show(orders, settings):
    result = bulletin(Hospital.objects.all(), YEAR, QUARTER)
    aggregate.refresh(YEAR, QUARTER_END)  # the stored figures, now as of the quarter's end too

    assert result.as_of == QUARTER_END and result.hospitals_checked == Hospital.objects.count()
    named = {flags.code: flags for flags in result.hospitals}
    for hospital in Hospital.objects.all():
        figures = ProgressFigure.objects.filter(hospital=hospital, agreed__gt=0)
        agreed = sum(f.agreed for f in figures)
        expected = sum((f.agreed * _share(f) for f in figures), Fraction(0))
        behind = agreed > 0 and sum(f.winning for f in figures) < expected
        over = ProgressFigure.objects.filter(hospital=hospital, nonwinning_over=True).count()
        offline = OrderLineFigure.objects.filter(hospital=hospital, kind=OrderLineFigure.Kind.OFFLINE).count()
        flags = named.get(hospital.code)
        if flags is None:
            assert not behind and not over and not offline, hospital.code
            continue
        assert flags.behind == behind and flags.nonwinning_over == over and flags.offline_lines == offline
        assert ("低于序时进度" in flags.reasons) == behind
    assert result.hospitals and len(result.hospitals) < result.hospitals_checked  # it names some, not everyone
    assert [flags.city for flags in result.hospitals] == sorted(flags.city for flags in result.hospitals)
    floor = Fraction(settings.VBP_DELIVERY_48H_FLOOR)
    assert all(d.within_48h_rate < floor or "配送率偏低" in d.reasons for d in result.distributors)


def _share(figure) -> Fraction:
    period = (figure.ends - figure.starts).days + 1
    passed = min(max((min(QUARTER_END, figure.ends) - figure.starts).days + 1, 0), period)
    return Fraction(passed, period)


@pytest.mark.parametrize("username", ["demo_city", "demo_hospital"])
def test_a_bulletin_covers_only_the_users_hospitals(orders, client, username):
    user = User.objects.get(username=username)
    inside = set(Hospital.objects.visible_to(user).values_list("name", flat=True))
    client.force_login(user)

    page = client.get(reverse("monitoring:bulletin"), {"year": YEAR, "quarter": QUARTER}).content.decode()

    assert f"涉及医疗机构 {len(inside)} 家" in page
    outside = Hospital.objects.exclude(name__in=inside).values_list("name", flat=True)
    assert not [name for name in outside if f"<td>{name}</td>" in page]


def test_the_province_picks_a_city_and_exports_the_bulletin_as_a_workbook(orders, client):
    client.force_login(province())
    taiyuan = Hospital.objects.filter(city__name="太原市").first().city
    query = {"year": YEAR, "quarter": QUARTER, "city": taiyuan.code}
    page = client.get(reverse("monitoring:bulletin"), query).content.decode()
    result = bulletin(Hospital.objects.filter(city=taiyuan), YEAR, QUARTER)
    assert f"<h3>太原市（{len(result.hospitals)} 家）</h3>" in page and "<h3>大同市" not in page

    response = client.get(reverse("monitoring:bulletin"), {**query, "export": "xlsx"})

    workbook = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheet_names == ["通报医疗机构", "通报配送企业"]
    hospitals = workbook.get_sheet_by_name("通报医疗机构").to_python()
    header = next(index for index, row in enumerate(hospitals) if row[0] == "地市")
    assert [row[1] for row in hospitals[header + 1 :]] == [flags.code for flags in result.hospitals]
    assert "筛选条件：年度 2024 年；季度 第三季度；地市 太原市；监测日期 2024-09-30" in [row[0] for row in hospitals]


@pytest.mark.parametrize("query", [{}, {"year": "²", "quarter": "9"}, {"year": "2023", "quarter": "1"}])
def test_without_a_year_and_quarter_of_order_lines_the_page_asks_for_them(orders, client, query):
    client.force_login(province())
    response = client.get(reverse("monitoring:bulletin"), query)
    assert response.status_code == 200 and "一、通报医疗机构" not in response.content.decode()
