"""What the lists show: English fields, decimals as exact strings, and filters that narrow the scope, never widen it."""

from decimal import Decimal

import pytest

from vbp.catalog.models import Batch, Hospital, Product
from vbp.platformdata.models import PlatformRecord

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def test_a_hospital_names_its_city_district_and_pool(api_get):
    hospital = Hospital.objects.select_related("city", "district", "home_pool").get(name="太原市小店区人民医院")
    body = api_get(f"/api/hospitals/{hospital.pk}/", "demo_district").json()
    assert body == {
        "id": hospital.pk,
        "code": hospital.code,
        "name": "太原市小店区人民医院",
        "city": "140100",
        "city_name": "太原市",
        "district": "140105",
        "district_name": "小店区",
        "level": hospital.level,
        "level_label": hospital.get_level_display(),
        "pool": hospital.home_pool.code,
        "pool_name": hospital.home_pool.name,
        "province_direct": hospital.province_direct,
    }


def test_money_prices_and_volumes_are_exact_decimal_strings(api_get):
    product = Product.objects.select_related("batch").first()
    body = api_get(f"/api/products/{product.pk}/", "demo_hospital").json()
    assert body["batch"] == product.batch.code
    assert body["bid_price"] == str(product.bid_price) and Decimal(body["bid_price"]) == product.bid_price
    assert body["weighted_avg_price"] == str(product.weighted_avg_price)

    record = PlatformRecord.objects.filter(hospital__name="太原市小店区人民医院").first()
    body = api_get(f"/api/platform-records/{record.pk}/", "demo_hospital").json()
    for field in ("agreed_volume", "base_volume", "nonselected_amount", "paid_30d_amount", "drug_purchase_amount"):
        assert body[field] == str(getattr(record, field)), field


def test_a_batch_shows_its_agreed_ratio_and_rule_set(api_get):
    batch = Batch.objects.select_related("rule_set").exclude(rule_set=None).first()
    body = api_get(f"/api/batches/{batch.pk}/", "demo_city").json()
    assert body["agreed_ratio"] == str(batch.agreed_ratio)
    assert (body["rule_set"], body["rule_set_version"]) == (batch.rule_set.code, batch.rule_set.version)


def test_hospitals_filter_by_city_and_name(api_rows):
    rows = api_rows("/api/hospitals/", "demo_province", city="140200")
    assert len(rows) == Hospital.objects.filter(city__code="140200").count() > 0
    rows = api_rows("/api/hospitals/", "demo_province", city="140100", name="人民医院")
    expected = Hospital.objects.filter(city__code="140100", name__contains="人民医院")
    assert sorted(row["code"] for row in rows) == sorted(expected.values_list("code", flat=True))


def test_a_filter_cannot_reach_outside_the_scope(api_get):
    """太原市's bureau asking for 大同市's hospitals gets none, as if they did not exist."""
    assert api_get("/api/hospitals/", "demo_city", city="140200").json()["count"] == 0
    other = Hospital.objects.get(name="大同市第三人民医院")
    assert api_get("/api/platform-records/", "demo_hospital", hospital=other.code).json()["count"] == 0


def test_products_filter_by_batch(api_rows):
    batch = Batch.objects.order_by("code").last()
    rows = api_rows("/api/products/", "demo_platform", batch=batch.code)
    assert sorted(row["id"] for row in rows) == sorted(batch.products.values_list("pk", flat=True))


def test_platform_records_filter_by_year_hospital_and_batch(api_rows):
    in_taiyuan = PlatformRecord.objects.filter(hospital__city__code="140100")
    record = in_taiyuan.select_related("hospital", "product__batch").first()
    params = {"year": record.year, "hospital": record.hospital.code, "batch": record.product.batch.code}
    rows = api_rows("/api/platform-records/", "demo_city", **params)
    expected = PlatformRecord.objects.filter(
        year=record.year, hospital=record.hospital, product__batch=record.product.batch
    )
    assert sorted(row["id"] for row in rows) == sorted(expected.values_list("pk", flat=True))
    assert api_rows("/api/platform-records/", "demo_city", year=record.year + 1) == []


def test_a_year_that_is_not_a_number_is_refused(api_get):
    response = api_get("/api/platform-records/", "demo_province", year="二〇二四")
    assert response.status_code == 400
    assert list(response.json()) == ["year"]


def test_a_page_holds_at_most_a_thousand_rows(api_get):
    body = api_get("/api/platform-records/", "demo_province", page_size=5000).json()
    assert len(body["results"]) == 1000 and body["count"] == PlatformRecord.objects.count()
