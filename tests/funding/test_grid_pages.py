"""What seed 000 §2.2–§3.2 shows and the funding pages now have: the capital's own list of province-direct
hospitals, visits entered in the grid (a cell saved with Enter: 维护成功; rows selected and 提交: 提交成功), the
platform's 已填报区域数 / 已填报区域, 附件预览 in the bureau's list, the amount page's filters and its 带量品种类型 /
药品剂型 columns, a consumables batch in its own words, the overview's hospital list, every locking action asking
first."""

import funding_steps as steps
import pytest

from vbp.catalog.models import Batch, Hospital
from vbp.funding import services
from vbp.funding.models import AmountSheet, PoolVisits
from vbp.regions.models import Pool

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]
user = steps.user
FINAL = "（提交后不能修改）"


def signed_in(client, name: str):
    client.force_login(user(name))
    return client


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def direct():
    return Hospital.objects.filter(province_direct=True).order_by("code").first()


def version(hospital) -> int:
    return services.find_visit_report(hospital, 2024).version


def test_the_capital_keeps_its_insureds_visits_at_province_direct_hospitals_on_a_list_of_its_own(client, direct):
    steps.total_visits(direct, 100000)
    signed_in(client, "demo_city")
    assert direct.name not in text(client.get("/funding/visits/"))  # its own pool's list: 本统筹地区
    listed = text(client.get("/funding/visits/capital/"))
    assert "省内异地参保患者住院人次维护" in listed and direct.name in listed
    assert f'aria-label="{direct.name}太原市住院人次"' in listed and "dblclick-edit" in listed
    assert signed_in(client, "demo_city2").get("/funding/visits/capital/").status_code == 404  # not the capital
    assert signed_in(client, "demo_platform").get("/funding/visits/capital/").status_code == 404


def test_a_cell_of_the_grid_is_saved_and_the_list_comes_back_as_it_was_filtered(client, direct):
    steps.total_visits(direct, 100000)
    signed_in(client, "demo_city")
    capital = Pool.objects.get(name="太原市")
    came_from = f"http://testserver/funding/visits/capital/?name={direct.name}"
    data = {f"pool_{capital.pk}": "20000", "version": version(direct), "back": "capital_visits"}
    response = client.post(f"/funding/visits/{direct.pk}/2024/pools/", data, HTTP_REFERER=came_from)
    assert response.status_code == 302 and response["Location"].startswith("/funding/visits/capital/?name=")
    listed = text(client.get(response["Location"]))
    assert "维护成功" in listed and 'value="20000"' in listed
    assert PoolVisits.objects.get(report__hospital=direct, pool=capital).visits == 20000
    elsewhere = {**data, f"pool_{capital.pk}": "20001", "version": version(direct)}  # a page of another site: no
    response = client.post(f"/funding/visits/{direct.pk}/2024/pools/", elsewhere, HTTP_REFERER="https://evil.example/")
    assert response["Location"] == "/funding/visits/capital/?year=2024"


def test_the_selected_rows_are_submitted_after_asking_and_a_stale_row_is_refused(client, hospital):
    steps.total_visits(hospital, 1000)
    signed_in(client, "demo_city")
    own = f"pool_{hospital.home_pool_id}"
    client.post(f"/funding/visits/{hospital.pk}/2024/pools/", {own: "800", "version": version(hospital)})
    listed = text(client.get("/funding/visits/"))
    row = f'value="{hospital.pk}-2024-{version(hospital)}" form="visit-submit"'
    assert row in listed and 'id="visit-submit"' in listed and FINAL in listed  # 提交 says it is final
    assert "funding/visits.js" in listed  # the grid's behaviour, in a file (the CSP forbids inline script)
    stale = client.post("/funding/visits/submit/", {"rows": f"{hospital.pk}-2024-{version(hospital) - 1}"}, follow=True)
    assert "已被他人修改" in text(stale) and not PoolVisits.objects.filter(status="submitted").exists()
    done = client.post("/funding/visits/submit/", {"rows": f"{hospital.pk}-2024-{version(hospital)}"}, follow=True)
    assert "提交成功" in text(done) and PoolVisits.objects.get(report__hospital=hospital).status == "submitted"
    nothing = client.post("/funding/visits/submit/", {"back": "visits"}, follow=True)
    assert "请先选中要提交的数据" in text(nothing)


def test_rows_out_of_reach_cannot_be_submitted(client, hospital):
    steps.total_visits(hospital, 1000)
    report = services.visit_report(hospital, 2024)
    services.save_pool_visits(user("demo_city"), report, {hospital.home_pool_id: 8}, version=version(hospital))
    rows = {"rows": f"{hospital.pk}-2024-{version(hospital)}"}
    response = signed_in(client, "demo_city2").post("/funding/visits/submit/", rows, follow=True)
    assert "不存在或无权操作" in text(response) and not PoolVisits.objects.filter(status="submitted").exists()


def test_the_platforms_list_says_how_many_regions_it_has_entered(client, direct):
    report = steps.total_visits(direct, 100000)
    platform = user("demo_platform")
    cities = services.pools_entered_by(platform, direct)
    services.save_pool_visits(platform, report, {pool.pk: 100 for pool in cities[:3]}, version=report.version)
    listed = text(signed_in(client, "demo_platform").get(f"/funding/visits/?name={direct.name}"))
    assert "已填报区域数" in listed and "已填报区域" in listed
    assert "、".join(pool.name for pool in cities[:3]) in listed and "维护住院人次" in listed


def test_the_bureaus_list_previews_the_hospitals_proof(client, hospital):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from vbp.funding import proofs

    report = services.visit_report(hospital, 2024)
    proof = proofs.store_proof(user("demo_hospital"), report, SimpleUploadedFile("证明.pdf", b"%PDF-1.4\n%%EOF\n"))
    listed = text(signed_in(client, "demo_city").get("/funding/visits/?name=小店区人民医院"))
    assert "附件预览" in listed and f'href="/funding/proof/{proof.pk}/"' in listed and "证明.pdf" in listed


def test_the_amount_page_filters_its_products_and_switches_to_the_hospitals_other_batches(client, hospital, batch):
    steps.ready(hospital)
    other = Batch.objects.get(name="国家第三批集中带量采购")
    steps.reviewed(hospital, other.name)
    sheet = AmountSheet.objects.get(hospital=hospital, batch=batch)
    product = sheet.rows.select_related("product").order_by("product__variety_code").first().product
    signed_in(client, "demo_city")
    url = f"/funding/amounts/{hospital.pk}/{batch.pk}/2024/"
    page = text(client.get(url))
    assert "带量品种类型" in page and "药品剂型" in page and "药品名称" in page and "规格型号" in page
    assert f"共 {sheet.product_count} 条" in page
    assert f"共 {sheet.rows.filter(product__generic_name__contains=product.generic_name).count()} 条" in text(
        client.get(url, {"generic_name": product.generic_name})
    )
    assert "共 0 条" in text(client.get(url, {"spec": "没有这种规格"}))
    switched = client.get(url, {"batch": other.code, "generic_name": "片"})
    assert switched.status_code == 302
    assert switched["Location"] == f"/funding/amounts/{hospital.pk}/{other.pk}/2024/?generic_name=%E7%89%87"
    by_htmx = client.get(url, {"batch": other.code}, HTTP_HX_REQUEST="true")
    assert by_htmx["HX-Redirect"] == f"/funding/amounts/{hospital.pk}/{other.pk}/2024/"
    assert f"共 {sheet.product_count} 条" in text(client.get(url, {"batch": batch.code}))  # its own: no switch
    unknown = text(client.get(url, {"batch": "NOPE"}))  # shown as an error, filtering nothing
    assert "没有这一选项" in unknown and f"共 {sheet.product_count} 条" in unknown


def test_a_consumables_batch_speaks_of_consumables(client, direct):
    stent = Batch.objects.get(category=Batch.Category.CONSUMABLE)
    steps.reviewed(direct, stent.name)
    steps.pay_ratio(stent.name)
    steps.total_visits(direct, 100000)
    steps.pool_visits(direct, {pool.name: 1000 for pool in services.required_pools(direct)})
    assert AmountSheet.objects.filter(hospital=direct, batch=stent).exists()
    page = text(signed_in(client, "demo_province").get(f"/funding/amounts/{direct.pk}/{stent.pk}/2024/"))
    assert "耗材名称" in page and "按耗材名称查询" in page and "耗材" in page
    assert "药品" not in page.split("<main", 1)[1]


def test_the_overview_opens_each_citys_hospitals(client, hospital, batch):
    steps.ready(hospital)
    signed_in(client, "demo_province")
    page = text(client.get(f"/funding/overview/?batch={batch.code}"))
    link = f"/funding/overview/hospitals/?batch={batch.code}&amp;city={hospital.city.code}"
    assert link in page
    hospitals = text(client.get(link.replace("&amp;", "&")))
    assert hospital.name in hospitals and "待确认" in hospitals and "<td>大同市</td>" not in hospitals


def test_every_action_that_locks_data_asks_first(client, hospital, batch):
    steps.ready(hospital)
    services.save_pay_ratio(
        user("demo_province"), Batch.objects.get(name="国家第三批集中带量采购"), 2024, 60, version=1
    )
    province = text(signed_in(client, "demo_province").get("/funding/ratios/"))
    assert (
        'data-confirm="提交之后数据不可以修改：国家第三批集中带量采购 支付比例 60%。确定提交吗？（提交后不能修改）"'
        in province
    )
    amount = text(signed_in(client, "demo_city").get(f"/funding/amounts/{hospital.pk}/{batch.pk}/2024/"))
    assert 'data-confirm="确认后留用金额不能修改' in amount


def test_the_amount_lists_batch_actions_follow_its_filters_when_htmx_sends_them(client, hospital, batch):
    steps.ready(hospital)
    signed_in(client, "demo_city")
    assert "重新测算本批次" not in text(client.get("/funding/amounts/"))  # no batch chosen
    table = text(client.get("/funding/amounts/", {"batch": batch.code}, HTTP_HX_REQUEST="true"))
    assert "<html" not in table and hospital.name in table  # the table alone…
    assert 'id="recalculate" hx-swap-oob="true"' in table and "重新测算本批次" in table  # …and the batch's actions
    hospital_page = text(signed_in(client, "demo_hospital").get("/funding/amounts/", {"batch": batch.code}))
    assert "重新测算本批次" not in hospital_page
