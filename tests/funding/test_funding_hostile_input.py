"""Every form and every filter of the funding pages, sent what a careless clerk or an attacker would send, as the
roles that reach them: superscripts, 30- and 5,000-digit numbers, NUL, 10,000 characters, nothing but zero-width
spaces, 1e30. No answer is a 500; each is refused with a Chinese reason, at its field or as a message, and nothing
is written."""

import re

import funding_steps as steps
import pytest
from django.contrib import messages
from django.contrib.messages import get_messages

from vbp.catalog.models import Batch, Hospital
from vbp.funding import services
from vbp.funding.models import AmountSheet, PayRatio, PoolVisits, VisitProof, VisitReport

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]
user = steps.user

HOSTILE = {
    "superscript": "²",
    "30 digits": "9" * 30,
    "5,000 digits": "9" * 5000,
    "NUL": "7\x00",
    "10,000 characters": "长" * 10000,
    "zero-width only": "\u200b\u200b\u200b",
    "1e30": "1e30",
}
TEXT_REFUSED = ["NUL", "10,000 characters", "zero-width only"]  # the others are a text someone may mean
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def error_messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level == messages.ERROR]


def refused(response) -> str:
    """A POST refused as it should be: redirected, with a Chinese reason (the newest message: the redirects are not
    followed, so earlier ones wait too) and no trace of the value."""
    assert response.status_code == 302, response.status_code
    errors = error_messages(response)
    assert errors and CHINESE.search(errors[-1]), errors
    assert "\x00" not in errors[-1] and len(errors[-1]) < 300
    return errors[-1]


@pytest.fixture
def world(hospital, batch):
    """demo_hospital ready and its sheet computed; a province-direct hospital with its total submitted."""
    steps.ready(hospital)
    direct = Hospital.objects.filter(province_direct=True).order_by("code").first()
    steps.total_visits(direct, 100000)
    return hospital, batch, direct


def snapshot():
    """What the forms could change, to hold it unchanged."""
    return (
        list(PayRatio.objects.values_list("pk", "percent", "status", "version")),
        list(VisitReport.objects.values_list("pk", "total_visits", "status", "version")),
        list(PoolVisits.objects.values_list("pk", "visits", "status")),
        list(AmountSheet.objects.values_list("pk", "status", "version")),
        VisitProof.objects.count(),
    )


# --- filters ----------------------------------------------------------------------------------------------


def filtered_pages(world):
    hospital, batch, direct = world
    hospital_filters = ["year", "city", "district", "name", "page", "size"]
    amount_filters = [*hospital_filters, "batch", "status"]
    product_filters = ["generic_name", "spec", "batch", "page", "size"]
    return [
        ("demo_province", "/funding/ratios/", ["year", "page", "size"]),
        ("demo_province", "/funding/visits/", hospital_filters),
        ("demo_city", "/funding/visits/", hospital_filters),
        ("demo_platform", "/funding/visits/", hospital_filters),
        ("demo_hospital", "/funding/visits/", hospital_filters),
        ("demo_city", "/funding/visits/capital/", hospital_filters),
        ("demo_city", f"/funding/visits/{hospital.pk}/2024/", ["page", "size"]),
        ("demo_district", "/funding/shares/", hospital_filters),
        ("demo_province", f"/funding/shares/{direct.pk}/2024/", ["page", "size"]),
        ("demo_city", "/funding/amounts/", amount_filters),
        ("demo_hospital", "/funding/amounts/", amount_filters),
        ("demo_city", f"/funding/amounts/{hospital.pk}/{batch.pk}/2024/", product_filters),
        ("demo_province", "/funding/overview/", amount_filters),
        ("demo_province", "/funding/overview/hospitals/", amount_filters),
        ("demo_city", "/funding/surplus/", ["year", "page", "size"]),
        ("demo_city", "/funding/surplus/products/", ["year", "batch", "name", *product_filters]),
        ("demo_city", f"/funding/surplus/{batch.pk}/2024/", ["name", "page", "size"]),
    ]


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
def test_no_filter_of_any_list_answers_a_hostile_value_with_a_500(client, world, value):
    for username, url, names in filtered_pages(world):
        client.force_login(user(username))
        for name in names:
            if name in ("page", "size"):  # the list machinery's own: sent with all the others below
                continue
            response = client.get(url, {name: value})
            assert response.status_code == 200, (username, url, name, response.status_code)
        every = dict.fromkeys(names, value)  # all of them at once, for the page, the table alone and 导出
        assert client.get(url, every).status_code == 200, (username, url)
        assert client.get(url, every, HTTP_HX_REQUEST="true").status_code == 200, (username, url)
        assert client.get(url, {**every, "export": "xlsx"}).status_code == 200, (username, url)


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("year", "²", "请输入整数"),
        ("year", "9" * 30, "不能大于 2100"),
        ("year", "9" * 5000, "不能大于 2100"),
        ("year", "1e30", "请输入整数"),
        ("name", "小店\x00", "不能含有控制字符"),
        ("name", "长" * 10000, "最多 100 个字"),
        ("batch", "²", "没有这一选项"),
        ("status", "\x00", "没有这一选项"),
    ],
)
def test_a_bad_filter_is_shown_at_its_field_and_filters_nothing(client, world, name, value, said):
    hospital = world[0]
    client.force_login(user("demo_city"))
    page = client.get("/funding/amounts/", {name: value}).content.decode()
    assert f"{said}" in page and "（未按此条件筛选）" in page
    assert hospital.name in page  # the other filters (none) still apply: the row is there


def test_an_id_or_a_year_the_database_cannot_hold_is_not_found(client, world):
    hospital, batch, _ = world
    client.force_login(user("demo_city"))
    for url in (
        "/funding/visits/1/99999999999999999999/",
        f"/funding/visits/{'9' * 30}/2024/",
        f"/funding/amounts/{hospital.pk}/{'9' * 19}/2024/",
        "/funding/proof/99999999999999999999/",
        "/funding/visits/1/²/",
        f"/funding/surplus/{batch.pk}/20245/",
    ):
        assert client.get(url).status_code == 404, url


# --- forms ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_hostile_payment_ratio_reason_action_or_version_is_refused(client, world, value):
    third = Batch.objects.get(name="国家第三批集中带量采购")
    first = Batch.objects.get(name=steps.BATCH)  # submitted: 退回 is what its form does
    client.force_login(user("demo_province"))
    before = snapshot()
    good = {"percent": "70", "action": "save", "version": services.find_pay_ratio(third, 2024).version}
    for field in ("percent", "version", "action"):
        said = refused(client.post(f"/funding/ratios/{third.pk}/2024/save/", {**good, field: value}))
        assert {"percent": "1–100 的整数", "version": "页面已过期", "action": "没有这一选项"}[field] in said
    reopen = {"action": "reopen", "reason": "录入错误", "version": value}
    assert "页面已过期" in refused(client.post(f"/funding/ratios/{first.pk}/2024/save/", reopen))
    assert snapshot() == before


@pytest.mark.parametrize("name", TEXT_REFUSED)
def test_a_hostile_reason_to_reopen_anything_is_refused(client, world, name):
    hospital, batch, _ = world
    value = HOSTILE[name]
    client.force_login(user("demo_province"))
    before = snapshot()
    first = Batch.objects.get(name=steps.BATCH)
    reopen = {"action": "reopen", "reason": value, "version": services.find_pay_ratio(first, 2024).version}
    assert refused(client.post(f"/funding/ratios/{first.pk}/2024/save/", reopen)).startswith("退回原因：")
    report = services.find_visit_report(hospital, 2024)
    reopen = f"/funding/visits/{hospital.pk}/2024/reopen/"
    assert refused(client.post(reopen, {"reason": value, "version": report.version})).startswith("退回原因：")
    sheet = steps.confirm(user("demo_city"), hospital)
    before = snapshot()
    amount_reopen = f"/funding/amounts/{hospital.pk}/{batch.pk}/2024/reopen/"
    assert refused(client.post(amount_reopen, {"reason": value, "version": sheet.version})).startswith("退回原因：")
    assert snapshot() == before


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_hostile_total_of_visits_is_refused(client, world, value):
    hospital2 = user("demo_hospital2").hospital
    client.force_login(user("demo_hospital2"))
    before = snapshot()
    url = f"/funding/visits/{hospital2.pk}/2024/total/"
    version = services.find_visit_report(hospital2, 2024).version
    said = refused(client.post(url, {"total_visits": value, "action": "save", "version": version}))
    assert said.startswith("上一年度住院总人次：")
    assert "页面已过期" in refused(client.post(url, {"total_visits": "1000", "version": value}))
    assert "没有这一选项" in refused(client.post(url, {"total_visits": "1000", "action": value, "version": version}))
    assert snapshot() == before


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_hostile_count_of_visits_in_a_cell_or_on_the_page_is_refused(client, world, value):
    _, _, direct = world
    capital = services.required_pools(direct)[1]
    client.force_login(user("demo_city"))
    before = snapshot()
    url = f"/funding/visits/{direct.pk}/2024/pools/"
    good = {f"pool_{capital.pk}": "100", "version": services.find_visit_report(direct, 2024).version}
    said = refused(client.post(url, {**good, f"pool_{capital.pk}": value, "back": "capital_visits"}))
    assert said.startswith("太原市住院人次：") or said == "请填写住院人次"
    assert "页面已过期" in refused(client.post(url, {**good, "version": value}))
    assert "没有这一选项" in refused(client.post(url, {**good, "back": value}))
    assert "没有这一选项" in refused(client.post(url, {**good, "action": value}))
    assert snapshot() == before


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_selected_rows_are_refused(client, world, value):
    direct = world[2]
    client.force_login(user("demo_city"))
    before = snapshot()
    for rows in (value, f"{direct.pk}-2024-{value}", f"{value}-2024-1", f"{direct.pk}-{value}-1", [value, value]):
        assert CHINESE.search(refused(client.post("/funding/visits/submit/", {"rows": rows})))
    assert "没有这一选项" in refused(
        client.post("/funding/visits/submit/", {"rows": f"{direct.pk}-2024-1", "back": value})
    )
    assert snapshot() == before


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_hostile_version_to_reopen_or_confirm_is_refused_as_stale(client, world, value):
    hospital, batch, _ = world
    client.force_login(user("demo_province"))
    before = snapshot()
    reopen = f"/funding/visits/{hospital.pk}/2024/reopen/"
    assert "页面已过期" in refused(client.post(reopen, {"reason": "人次有误", "version": value}))
    client.force_login(user("demo_city"))
    confirm = f"/funding/amounts/{hospital.pk}/{batch.pk}/2024/confirm/"
    assert "页面已过期" in refused(client.post(confirm, {"version": value}))
    assert snapshot() == before
    steps.confirm(user("demo_city"), hospital)
    before = snapshot()
    client.force_login(user("demo_province"))
    amount_reopen = f"/funding/amounts/{hospital.pk}/{batch.pk}/2024/reopen/"
    assert "页面已过期" in refused(client.post(amount_reopen, {"reason": "复核", "version": value}))
    assert snapshot() == before


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_proof_that_is_not_a_file_is_refused(client, value):
    hospital2 = user("demo_hospital2").hospital
    client.force_login(user("demo_hospital2"))
    said = refused(client.post(f"/funding/visits/{hospital2.pk}/2024/proof/", {"file": value}))
    assert "请选择要上传的文件" in said and not VisitProof.objects.filter(report__hospital=hospital2).exists()
