"""The demo province: loaded by `manage.py load_demo`, the same every time, and landing in every band of every rule."""

import hashlib
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from vbp.accounts.models import Role, User
from vbp.catalog.models import Batch, Hospital, Product
from vbp.core.retention import actual_cost, budget
from vbp.core.scoring import evaluate_veto, score_item
from vbp.demo.generate import DemoDataError, load_demo
from vbp.demo.province import DEMO_ACCOUNTS, DEMO_PASSWORD
from vbp.platformdata.models import PlatformRecord
from vbp.presets import PRESETS, load_preset
from vbp.regions.models import Pool, Region
from vbp.rulesets.models import RuleSetVersion

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The demo loaded once for the module through the command (what `--if-empty` prints), removed afterwards."""
    with django_db_blocker.unblock():
        rule_sets_before = set(RuleSetVersion.objects.values_list("pk", flat=True))
        out = StringIO()
        call_command("load_demo", "--if-empty", stdout=out)
        yield out.getvalue()
        delete_demo(keep_rule_sets=rule_sets_before)


def delete_demo(keep_rule_sets=frozenset()):
    PlatformRecord.objects.all().delete()
    User.objects.filter(username__in=[account.username for account in DEMO_ACCOUNTS]).delete()
    Product.objects.all().delete()
    Batch.objects.all().delete()
    RuleSetVersion.objects.exclude(pk__in=keep_rule_sets).delete()
    Hospital.objects.all().delete()
    Pool.objects.all().delete()
    for level in (Region.Level.DISTRICT, Region.Level.CITY, Region.Level.PROVINCE):
        Region.objects.filter(level=level).delete()


def digest() -> str:
    """A fingerprint of everything the demo writes, by codes and values (never database ids)."""
    parts = [
        Region.objects.order_by("code").values_list("code", "name", "level", "parent__code"),
        Pool.objects.order_by("code").values_list("code", "name", "region__code", "province_level"),
        Hospital.objects.order_by("code").values_list(
            "code", "name", "city__code", "district__code", "level", "home_pool__code", "province_direct"
        ),
        Batch.objects.order_by("code").values_list(
            "code", "name", "kind", "category", "renewal", "cycle_start", "cycle_end", "agreed_ratio", "fill_deadline"
        ),
        Product.objects.order_by("batch__code", "variety_code").values_list(
            "batch__code", "variety_code", "generic_name", "dosage_form", "spec", "company", "bid_price"
        ),
        PlatformRecord.objects.order_by("hospital__code", "product__batch__code", "product__variety_code").values_list(
            "hospital__code",
            "product__batch__code",
            "product__variety_code",
            "year",
            "agreed_volume",
            "base_volume",
            "winning_volume",
            "generic_volume",
            "nonselected_volume",
            "nonselected_amount",
            "offline_amount",
            "drug_purchase_amount",
            "purchase_in_amount",
            "paid_30d_amount",
        ),
        User.objects.order_by("username").values_list("username", "role", "region__code", "hospital__code"),
    ]
    fingerprint = hashlib.sha256()
    for rows in parts:
        for row in rows:
            fingerprint.update(repr(row).encode())
    return fingerprint.hexdigest()


def test_the_same_seed_gives_the_same_province_and_another_seed_other_data(loaded):
    first = digest()
    delete_demo()
    load_demo()
    assert digest() == first
    delete_demo()
    load_demo(seed=7)
    assert digest() != first


def test_the_province_has_its_eleven_cities_and_twelve_pools(loaded):
    province = Region.objects.get(level=Region.Level.PROVINCE)
    assert (province.code, province.name) == ("140000", "山西省")
    cities = Region.objects.filter(level=Region.Level.CITY)
    assert cities.count() == 11
    assert {city.parent_id for city in cities} == {province.pk}
    assert cities.get(code="140100").name == "太原市"
    assert cities.get(code="141100").name == "吕梁市"
    assert Region.objects.get(code="140105").name == "小店区"
    assert Region.objects.get(code="140105").parent.name == "太原市"
    assert Pool.objects.count() == 12
    provincial = Pool.objects.get(province_level=True)
    assert (provincial.name, provincial.region) == ("省直", province)
    assert sorted(Pool.objects.filter(province_level=False).values_list("code", flat=True)) == sorted(
        cities.values_list("code", flat=True)
    )


def test_about_120_hospitals_and_the_province_direct_ones_in_the_capital(loaded):
    hospitals = Hospital.objects.select_related("city", "district", "home_pool")
    assert 110 <= hospitals.count() <= 130
    direct = [hospital for hospital in hospitals if hospital.province_direct]
    assert 8 <= len(direct) <= 12
    assert {hospital.city.name for hospital in direct} == {"太原市"}
    assert {hospital.home_pool.name for hospital in direct} == {"省直"}
    assert "山西省人民医院" in {hospital.name for hospital in direct}
    for hospital in hospitals:
        assert hospital.district.parent_id == hospital.city_id
        if not hospital.province_direct:
            assert hospital.home_pool.code == hospital.city.code
    assert Hospital.objects.get(code="H14010001").name == "太原市中心医院"
    assert {hospital.city.name for hospital in hospitals} == set(
        Region.objects.filter(level=Region.Level.CITY).values_list("name", flat=True)
    )


def test_five_batches_on_the_shanxi_rule_set_one_renewal_one_consumable(loaded):
    assert set(RuleSetVersion.objects.values_list("code", "version")) >= {(name, 1) for name in PRESETS}
    shanxi = RuleSetVersion.objects.get(code="shanxi", version=1)
    assert shanxi.definition == load_preset("shanxi").source
    batches = Batch.objects.all()
    assert batches.count() == 5
    assert {batch.rule_set_id for batch in batches} == {shanxi.pk}
    assert [batch.name for batch in batches.filter(renewal=True)] == ["国家第一批集中带量采购接续"]
    assert batches.filter(category=Batch.Category.CONSUMABLE).count() == 1
    assert set(batches.values_list("kind", flat=True)) == {Batch.Kind.NATIONAL, Batch.Kind.PROVINCIAL}
    for batch in batches:
        assert batch.cycle_start < batch.cycle_end
        assert batch.fill_deadline is not None
        assert batch.products.exists()
    for product in Product.objects.all():
        assert product.bid_price < product.weighted_avg_price


def test_every_demo_account_has_its_role_and_scope(loaded):
    users = {user.username: user for user in User.objects.select_related("region", "hospital__district")}
    expected = {
        "demo_province": (Role.PROVINCE, "山西省"),
        "demo_city": (Role.CITY, "太原市"),
        "demo_city2": (Role.CITY, "大同市"),
        "demo_district": (Role.DISTRICT, "小店区"),
        "demo_platform": (Role.REMOTE_PLATFORM, "山西省"),
        "demo_sysadmin": (Role.SYSTEM_ADMIN, None),
        "demo_secadmin": (Role.SECURITY_ADMIN, None),
        "demo_auditor": (Role.AUDIT_ADMIN, None),
    }
    for username, (role, region) in expected.items():
        assert users[username].role == role
        assert (users[username].region.name if users[username].region else None) == region
    hospital = users["demo_hospital"].hospital
    assert users["demo_hospital"].role == Role.HOSPITAL
    assert (hospital.city.name, hospital.district.name, hospital.province_direct) == ("太原市", "小店区", False)
    assert users["demo_hospital2"].role == Role.HOSPITAL
    assert users["demo_hospital2"].hospital.city.name == "大同市"
    assert users["demo_sysadmin"].is_staff and users["demo_sysadmin"].is_superuser
    assert not any(user.is_staff for name, user in users.items() if name != "demo_sysadmin")
    assert all(user.first_name and not user.must_change_password for user in users.values())
    assert users["demo_district"].check_password(DEMO_PASSWORD)


def test_the_demo_accounts_see_what_their_scope_allows(loaded):
    district = User.objects.get(username="demo_district")
    visible = Hospital.objects.visible_to(district)
    assert visible.exists()
    assert set(visible.values_list("district__name", flat=True)) == {"小店区"}
    hospital_user = User.objects.get(username="demo_hospital")
    assert list(Hospital.objects.visible_to(hospital_user)) == [hospital_user.hospital]
    assert (
        PlatformRecord.objects.visible_to(hospital_user).count()
        == PlatformRecord.objects.filter(hospital=hospital_user.hospital).count()
    )


def product_inputs(record: PlatformRecord) -> dict:
    """A platform record as the inputs of the Shanxi Part 2 items and veto."""
    return {
        "paid_within_30_days": record.paid_30d_amount,
        "purchase_in_amount": record.purchase_in_amount,
        "winning_volume": record.winning_volume,
        "generic_total_volume": record.generic_volume,
        "agreed_ratio": record.product.batch.agreed_ratio / 100,
        "offline_amount": record.offline_amount,
        "actual_purchase_amount": record.drug_purchase_amount,
        "actual_volume": record.winning_volume,
        "agreed_volume": record.agreed_volume,
    }


def test_the_platform_data_lands_in_every_band_of_every_shanxi_rule(loaded):
    rule_set = load_preset("shanxi")
    points, vetoes, surplus_signs = Counter(), Counter(), Counter()
    records = PlatformRecord.objects.select_related("product__batch")
    assert 4000 <= len(records) <= 5000
    for record in records:
        inputs = product_inputs(record)
        for item in rule_set.items_of_part(2):
            scored = score_item(item, inputs)
            points[item.code, scored.points, scored.note] += 1
        vetoes[any(evaluate_veto(veto, inputs).vetoed for veto in rule_set.vetoes)] += 1
        product, pay_ratio = record.product, Decimal(70)
        surplus = budget(record.base_volume, product.weighted_avg_price, pay_ratio) - actual_cost(
            record.agreed_volume, product.bid_price, record.nonselected_amount, pay_ratio
        )
        surplus_signs[surplus < 0] += 1
    bands = {(code, value, note) for (code, value, note) in points}
    for value in ("20", "15", "10", "5", "0"):
        assert ("payment_30d", Decimal(value), "") in bands
    assert ("payment_30d", Decimal(20), "无入库") in bands
    for value in ("30", "20", "10", "0"):
        assert ("winning_share", Decimal(value), "") in bands
    assert ("offline_share", Decimal(5), "") in bands
    assert ("offline_share", Decimal(0), "") in bands
    assert vetoes[True] and vetoes[False] > vetoes[True]
    assert surplus_signs[True] and surplus_signs[False] > surplus_signs[True]
    assert any(record.paid_30d_amount > record.purchase_in_amount for record in records)  # counts as 100%


def test_money_has_two_decimals_and_volumes_are_whole(loaded):
    for record in PlatformRecord.objects.all()[:500]:
        for name in ("nonselected_amount", "offline_amount", "drug_purchase_amount", "purchase_in_amount"):
            assert getattr(record, name).as_tuple().exponent == -2
        for name in ("agreed_volume", "base_volume", "winning_volume", "generic_volume", "nonselected_volume"):
            value = getattr(record, name)
            assert value == value.to_integral_value() and value >= 0
        assert record.drug_purchase_amount == record.purchase_in_amount + record.nonselected_amount + (
            record.offline_amount
        )
        assert record.generic_volume == record.winning_volume + record.nonselected_volume


def test_the_command_prints_the_counts_and_the_demo_accounts(loaded):
    assert "演示数据已载入" in loaded
    assert "医疗机构 120 家（其中省直属 10 家）" in loaded
    assert "演示账号，仅供演示" in loaded
    assert DEMO_PASSWORD in loaded
    for account in DEMO_ACCOUNTS:
        assert account.username in loaded


def test_if_empty_does_nothing_the_second_time(loaded):
    before = digest()
    out = StringIO()
    call_command("load_demo", "--if-empty", stdout=out)
    assert "未载入演示数据" in out.getvalue()
    assert digest() == before


def test_loading_into_a_database_with_data_is_refused_and_writes_nothing(loaded):
    before = digest()
    with pytest.raises(CommandError, match="演示数据只能载入空数据库"):
        call_command("load_demo", stdout=StringIO())
    assert digest() == before


def test_an_unknown_scale_is_refused():
    with pytest.raises(DemoDataError, match="没有名为 huge 的演示数据规模"):
        load_demo("huge")
