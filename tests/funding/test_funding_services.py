"""Funding through its services: payment ratios, visits in the seed's order, sheets computed by the core, confirm."""

from decimal import Decimal

import funding_steps as steps
import pytest

from vbp import permissions
from vbp.assessment import services as assessment_services
from vbp.assessment.models import ProductScore
from vbp.audit.models import AuditEvent
from vbp.catalog.models import Batch, Hospital, Product
from vbp.core.retention import compute_row
from vbp.funding import services
from vbp.funding.models import AmountSheet, PayRatio, Recalculation
from vbp.platformdata.models import PlatformRecord
from vbp.presets import load_preset
from vbp.regions.models import Pool

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]
user = steps.user


# --- payment ratios ---------------------------------------------------------------------------------


def test_only_the_province_keeps_payment_ratios(batch):
    for name in ("demo_city", "demo_hospital", "demo_platform"):
        with pytest.raises(services.FundingRefused):
            services.save_pay_ratio(user(name), batch, 2024, 70, version=1)
    assert not PayRatio.objects.exists()


@pytest.mark.parametrize("value", [0, 101, -70, "70", 70.5, None, True])
def test_a_payment_ratio_is_an_integer_from_1_to_100(batch, value):
    """The service takes the form's int (the form reads what was typed: tests/funding/test_hostile_input.py)."""
    with pytest.raises(services.FundingRefused, match="1–100 的整数"):
        services.save_pay_ratio(user("demo_province"), batch, 2024, value, version=1)
    assert not PayRatio.objects.filter(percent__isnull=False).exists()


def test_a_submitted_payment_ratio_is_locked_and_queues_a_recalculation(batch):
    province = user("demo_province")
    ratio = services.save_pay_ratio(province, batch, 2024, 70, version=1)
    ratio = services.save_pay_ratio(province, batch, 2024, 75, version=ratio.version)
    ratio = services.submit_pay_ratio(province, batch, 2024, version=ratio.version)
    with pytest.raises(services.FundingRefused, match="已提交"):
        services.save_pay_ratio(province, batch, 2024, 80, version=ratio.version)
    assert PayRatio.objects.get(batch=batch).percent == 75
    assert Recalculation.objects.filter(batch=batch, year=2024).count() == 1
    assert AuditEvent.objects.filter(object_type="funding.payratio", message__contains="75%").exists()


def test_submitting_needs_a_ratio(batch):
    with pytest.raises(services.FundingRefused, match="请先填写"):
        services.submit_pay_ratio(user("demo_province"), batch, 2024, version=1)


def test_a_ratio_saved_or_submitted_from_a_page_someone_has_changed_since_is_stale(batch):
    province = user("demo_province")
    shown = services.find_pay_ratio(batch, 2024).version  # what both pages showed
    services.save_pay_ratio(province, batch, 2024, 70, version=shown)
    with pytest.raises(services.StaleRatio, match="已被他人修改"):
        services.save_pay_ratio(province, batch, 2024, 75, version=shown)
    with pytest.raises(services.StaleRatio):
        services.submit_pay_ratio(province, batch, 2024, version=shown)  # it would submit 70, not what was shown
    assert PayRatio.objects.get(batch=batch).percent == 70 and PayRatio.objects.get(batch=batch).status == "draft"


# --- visits, in the seed's order ----------------------------------------------------------------------


def test_the_hospital_submits_its_total_only_with_a_proof(hospital):
    account = user("demo_hospital")
    report = services.visit_report(hospital, 2024)
    report = services.save_total_visits(account, report, 1000, version=report.version)
    with pytest.raises(services.FundingRefused, match="证明材料"):
        services.submit_total_visits(account, report, version=report.version)
    report.refresh_from_db()
    assert (report.total_visits, report.status) == (1000, "draft")


def test_nobody_but_the_hospital_enters_its_total(hospital):
    report = services.visit_report(hospital, 2024)
    for name in ("demo_city", "demo_province", "demo_hospital2"):
        with pytest.raises(services.FundingRefused):
            services.save_total_visits(user(name), report, 1000, version=report.version)


def test_the_bureau_enters_its_insured_only_after_the_hospitals_total(hospital):
    report = services.visit_report(hospital, 2024)
    with pytest.raises(services.FundingRefused, match="尚未提交上一年度住院总人次"):
        services.save_pool_visits(user("demo_city"), report, {hospital.home_pool_id: 10}, version=report.version)


def test_a_count_above_the_total_is_refused(hospital):
    report = steps.total_visits(hospital, 1000)
    with pytest.raises(services.FundingRefused, match="超过医疗机构住院总人次 1000"):
        services.save_pool_visits(user("demo_city"), report, {hospital.home_pool_id: 1001}, version=report.version)
    assert not report.pools.exists()


def test_only_the_pools_bureau_enters_it(hospital):
    report = steps.total_visits(hospital, 1000)
    for name in ("demo_city2", "demo_district", "demo_platform", "demo_province", "demo_hospital"):
        with pytest.raises(services.FundingRefused, match="无权"):
            services.save_pool_visits(user(name), report, {hospital.home_pool_id: 10}, version=report.version)


def test_a_submitted_count_is_locked(hospital):
    steps.total_visits(hospital, 1000)
    report = steps.pool_visits(hospital, {hospital.home_pool.name: 800})
    with pytest.raises(services.FundingRefused, match="已提交"):
        services.save_pool_visits(user("demo_city"), report, {hospital.home_pool_id: 700}, version=report.version)


def test_a_count_saved_from_a_page_someone_has_changed_since_is_stale(hospital):
    report = steps.total_visits(hospital, 1000)
    shown = report.version
    services.save_pool_visits(user("demo_city"), report, {hospital.home_pool_id: 800}, version=shown)
    with pytest.raises(services.StaleVisits, match="已被他人修改"):
        services.save_pool_visits(user("demo_city"), report, {hospital.home_pool_id: 700}, version=shown)
    with pytest.raises(services.StaleVisits):
        services.submit_pool_visits(user("demo_city"), report, version=shown)
    assert report.pools.get().visits == 800 and report.pools.get().status == "draft"


@pytest.fixture
def direct():
    return Hospital.objects.filter(province_direct=True).order_by("code").first()


def test_a_province_direct_hospital_has_its_pools_entered_by_three_parties(direct):
    parties = {pool.name: permissions.pool_party(direct, pool) for pool in services.required_pools(direct)}
    assert parties.pop("省直") == "province" and parties.pop("太原市") == "city"
    assert len(parties) == 10 and set(parties.values()) == {"remote_platform"}
    assert [p.name for p in services.pools_entered_by(user("demo_city"), direct)] == ["太原市"]
    assert services.pools_entered_by(user("demo_city2"), direct) == []


def test_the_platform_submits_only_when_all_ten_cities_are_entered(direct):
    report = steps.total_visits(direct, 100000)
    platform = user("demo_platform")
    cities = services.pools_entered_by(platform, direct)
    report = services.save_pool_visits(platform, report, {pool.pk: 1000 for pool in cities[:9]}, version=report.version)
    with pytest.raises(services.FundingRefused, match=f"尚未填报：{cities[9].name}"):
        services.submit_pool_visits(platform, report, version=report.version)
    report = services.save_pool_visits(platform, report, {cities[9].pk: 1}, version=report.version)
    services.submit_pool_visits(platform, report, version=report.version)
    assert report.pools.filter(status="submitted").count() == 10


def test_pools_together_above_the_total_are_refused(direct):
    steps.total_visits(direct, 10000)
    report = steps.pool_visits(direct, {"省直": 6000})
    capital = Pool.objects.get(name="太原市").pk
    with pytest.raises(services.FundingRefused, match="合计 10001 超过"):
        services.save_pool_visits(user("demo_city"), report, {capital: 4001}, version=report.version)


# --- amounts ----------------------------------------------------------------------------------------------


def test_the_sheet_says_what_is_missing_until_everything_is_submitted(hospital, batch):
    missing = services.gather_inputs(hospital, batch, 2024).missing
    assert missing == [
        "落实集采政策评分审核未提交",
        "集采任务完成情况评分审核未提交",
        "本批次医保基金平均支付比例未提交",
        "医疗机构上一年度住院总人次未提交",
        "太原市参保患者住院人次未提交",
    ]
    steps.reviewed(hospital)
    assert services.gather_inputs(hospital, batch, 2024).missing[0] == "本批次医保基金平均支付比例未提交"
    with pytest.raises(services.FundingRefused, match="尚不能确认：本批次医保基金平均支付比例未提交"):
        services.confirm_sheet(user("demo_city"), hospital, batch, 2024, version=1)


def test_a_ready_hospitals_sheet_holds_the_cores_figures_for_every_product(hospital, batch):
    steps.ready(hospital, total=1000, own=800)
    sheet = AmountSheet.objects.get(hospital=hospital, batch=batch, year=2024)  # computed when the last visits came
    rule_set = load_preset("shanxi")
    rows = list(sheet.rows.select_related("product"))
    assert (
        len(rows)
        == sheet.product_count
        == ProductScore.objects.filter(assessment__hospital=hospital, assessment__batch=batch).count()
    )
    for row in rows:
        score = ProductScore.objects.get(assessment__hospital=hospital, assessment__batch=batch, product=row.product)
        record = PlatformRecord.objects.get(hospital=hospital, product=row.product, year=2024)
        expected = compute_row(rule_set, services.product_row(score, record, batch, 70), {"太原市": 800}, 1000)
        assert (row.retained_amount, row.payable_amount, row.surplus) == (
            expected.retained_amount,
            expected.payable_amount,
            expected.surplus,
        )
        assert row.vetoed == score.vetoed
    assert sheet.retained_total == sum(row.retained_amount for row in rows)
    assert sum(Decimal(v) for v in sheet.pool_amounts.values()) == sheet.payable_total
    assert sheet.status == "pending"


def test_only_the_hospitals_bureau_confirms_and_confirmed_amounts_never_change(hospital, batch):
    steps.ready(hospital)
    version = AmountSheet.objects.get(hospital=hospital, batch=batch).version
    for name in ("demo_district", "demo_city2", "demo_hospital", "demo_platform"):
        with pytest.raises(services.FundingRefused, match="无权"):
            services.confirm_sheet(user(name), hospital, batch, 2024, version=version)
    sheet = steps.confirm(user("demo_city"), hospital)
    figures = list(sheet.rows.values_list("product", "retained_amount"))
    with pytest.raises(services.FundingRefused, match="留用金额已确认"):
        services.confirm_sheet(user("demo_city"), hospital, batch, 2024, version=sheet.version)
    with pytest.raises(assessment_services.AssessmentRefused, match="须先退回留用金额"):
        assessment = sheet_assessment(sheet)
        assessment_services.reopen_review(user("demo_province"), assessment, 2, "复核", version=assessment.version)
    Product.objects.filter(batch=batch).update(weighted_avg_price=Decimal("1"))  # inputs change later…
    services.refresh_sheet(hospital, batch, 2024)
    assert list(sheet.rows.values_list("product", "retained_amount")) == figures  # …the confirmed sheet does not


def sheet_assessment(sheet):
    return assessment_services.Assessment.objects.get(hospital=sheet.hospital, batch=sheet.batch, year=sheet.year)


def test_the_province_reopens_a_confirmed_sheet_with_a_reason_and_it_is_computed_afresh(hospital, batch):
    steps.ready(hospital)
    sheet = steps.confirm(user("demo_city"), hospital)
    with pytest.raises(services.FundingRefused, match="省医保局"):
        services.reopen_sheet(user("demo_city"), sheet, "复核", version=sheet.version)
    with pytest.raises(services.FundingRefused, match="原因"):
        services.reopen_sheet(user("demo_province"), sheet, " ", version=sheet.version)
    with pytest.raises(services.StaleSheet):
        services.reopen_sheet(user("demo_province"), sheet, "复核", version=sheet.version - 1)
    Product.objects.filter(batch=batch).update(weighted_avg_price=Decimal("1"))
    reopened = services.reopen_sheet(user("demo_province"), sheet, "加权平均价更正", version=sheet.version)
    assert reopened.status == "pending" and reopened.reopens.get().reason == "加权平均价更正"
    assert reopened.budget_total < sheet.budget_total
    assert AuditEvent.objects.filter(object_type="funding.amountsheet", message__contains="加权平均价更正").exists()


def test_a_stale_confirm_is_told_to_refresh(hospital, batch):
    steps.ready(hospital)
    sheet = AmountSheet.objects.get(hospital=hospital, batch=batch)
    with pytest.raises(services.StaleSheet):
        services.confirm_sheet(user("demo_city"), hospital, batch, 2024, version=sheet.version - 1)


def test_recalculating_twice_gives_the_same_sheets(hospital, batch):
    steps.ready(hospital)
    first = list(AmountSheet.objects.get(hospital=hospital).rows.values_list("product", "retained_amount"))
    jobs = [services.start_recalculation(user("demo_province"), batch, 2024, background=False) for _ in range(2)]
    assert [(job.status, job.computed, job.total) for job in jobs] == [("done", 1, 1)] * 2
    assert list(AmountSheet.objects.get(hospital=hospital).rows.values_list("product", "retained_amount")) == first


def test_the_seeds_worked_example_through_the_web_path(direct):
    """Seed 000 §3.1: 山西省人民医院, 盐酸右美托咪定注射液, score ≥ 80, 70%, shares cut to 0.01% → −347835."""
    batch = Batch.objects.get(name=steps.BATCH)
    product = Product.objects.create(
        batch=batch,
        variety_code="SEED-1",
        generic_name="盐酸右美托咪定注射液",
        spec="2ml:0.2mg",
        bid_price=Decimal("133.000"),
        weighted_avg_price=Decimal("129.397"),
    )
    PlatformRecord.objects.filter(hospital=direct, product__batch=batch).delete()
    PlatformRecord.objects.create(
        hospital=direct,
        product=product,
        year=2024,
        agreed_volume=1500,
        base_volume=3000,
        winning_volume=1500,
        generic_volume=1500,
        nonselected_volume=0,
        nonselected_amount=Decimal("1494450.000"),
        offline_amount=0,
        drug_purchase_amount=Decimal("199500"),
        purchase_in_amount=Decimal("199500"),
        paid_30d_amount=0,
    )
    steps.reviewed(direct)
    steps.pay_ratio(percent=70)
    steps.total_visits(direct, 100000)
    counts = {
        "省直": 50000,
        "太原市": 20000,
        "运城市": 1000,
        "阳泉市": 2000,
        "忻州市": 1000,
        "朔州市": 111,
        "吕梁市": 2000,
        "临汾市": 1,
        "晋中市": 1,
        "晋城市": 1,
        "大同市": 1,
        "长治市": 1,
    }
    assert {p.name for p in services.required_pools(direct)} == set(counts)
    steps.pool_visits(direct, counts)
    sheet = steps.confirm(user("demo_province"), direct)
    row = sheet.rows.get()
    assert row.score == 80 and row.retention_ratio == Decimal("0.5")  # the 30-day rate is 0: 20 points short
    assert (row.surplus, row.retained_amount, row.payable_amount) == (Decimal("-914031.3"), -347835, -347835)
    assert row.total_share == Decimal("0.7611")
    split = {pool: Decimal(amount) for pool, amount in sheet.pool_amounts.items()}
    assert sum(split.values()) == -347835
    assert abs(split["省直"] - Decimal(-347835) * Decimal("0.5") / Decimal("0.7611")) < 1


def test_the_fast_insert_stores_exactly_what_bulk_create_stores(hospital, batch):
    from vbp.funding.models import ProductAmount

    steps.ready(hospital)
    sheet = AmountSheet.objects.get(hospital=hospital, batch=batch)
    fields = [f.attname for f in ProductAmount._meta.concrete_fields if not f.primary_key]
    inserted = list(sheet.rows.order_by("product_id").values_list(*fields))  # written by insert_product_amounts
    copies = [ProductAmount(**dict(zip(fields, row, strict=True))) for row in inserted]
    sheet.rows.all().delete()
    ProductAmount.objects.bulk_create(copies)
    assert list(sheet.rows.order_by("product_id").values_list(*fields)) == inserted
    assert all(isinstance(row.pool_amounts, dict) and row.pool_amounts for row in sheet.rows.all())


def test_the_province_reopens_submitted_visits_with_a_reason_until_amounts_are_confirmed(hospital, batch):
    steps.ready(hospital)
    report = steps.services.visit_report(hospital, 2024)
    with pytest.raises(services.FundingRefused, match="省医保局"):
        services.reopen_visits(user("demo_city"), report, "人次有误", version=report.version)
    with pytest.raises(services.FundingRefused, match="原因"):
        services.reopen_visits(user("demo_province"), report, "", version=report.version)
    reopened = services.reopen_visits(user("demo_province"), report, "人次有误", version=report.version)
    assert reopened.status == "draft" and set(reopened.pools.values_list("status", flat=True)) == {"draft"}
    assert not AmountSheet.objects.filter(hospital=hospital).exists()  # its inputs are missing again
    assert services.gather_inputs(hospital, batch, 2024).missing[0] == "医疗机构上一年度住院总人次未提交"
    report = services.submit_total_visits(user("demo_hospital"), reopened, version=reopened.version)
    counts = {hospital.home_pool_id: 700}
    report = services.save_pool_visits(user("demo_city"), report, counts, version=report.version)
    report = services.submit_pool_visits(user("demo_city"), report, version=report.version)
    steps.confirm(user("demo_city"), hospital)
    with pytest.raises(services.FundingRefused, match="须先退回这些留用金额"):
        services.reopen_visits(user("demo_province"), report, "再改", version=report.version)
    assert AuditEvent.objects.filter(message__contains="退回住院人次：人次有误").exists()


def test_the_province_reopens_a_submitted_ratio_until_amounts_are_confirmed(hospital, batch):
    steps.ready(hospital)
    province = user("demo_province")
    version = services.find_pay_ratio(batch, 2024).version
    ratio = services.reopen_pay_ratio(province, batch, 2024, "比例录入错误", version=version)
    assert ratio.status == "draft" and not AmountSheet.objects.filter(batch=batch).exists()
    ratio = services.save_pay_ratio(province, batch, 2024, 75, version=ratio.version)
    ratio = services.submit_pay_ratio(province, batch, 2024, version=ratio.version)
    services.start_recalculation(province, batch, 2024, background=False)
    assert AmountSheet.objects.get(hospital=hospital, batch=batch).pay_ratio == 75
    steps.confirm(user("demo_city"), hospital)
    with pytest.raises(services.FundingRefused, match="已有确认的留用金额"):
        services.reopen_pay_ratio(province, batch, 2024, "再改", version=ratio.version)


def test_who_reaches_a_recalculation_is_exactly_whom_it_covers(hospital, batch):
    """``Recalculation.objects.visible_to`` (the pages' scope) says what ``services.covers`` says, job by job."""
    steps.reviewed(hospital)
    other = Hospital.objects.filter(city__name="大同市", province_direct=False).order_by("code").first()
    steps.reviewed(other)
    done = Recalculation.Status.DONE
    jobs = [
        Recalculation.objects.create(batch=batch, year=2024, requested_by=user(name), status=done)
        for name in ("demo_province", "demo_city", "demo_city2")
    ]
    third = Batch.objects.get(name="国家第三批集中带量采购")  # nobody is assessed in it: every city's job covers all
    jobs.append(Recalculation.objects.create(batch=third, year=2024, requested_by=user("demo_city2"), status=done))
    for name in ("demo_province", "demo_city", "demo_city2", "demo_district", "demo_platform", "demo_hospital"):
        account = user(name)
        expected = {
            job.pk
            for job in jobs
            if permissions.recalculates(account)
            and (job.requested_by == account or account.role == "province" or services.covers(job, account))
        }
        assert set(Recalculation.objects.visible_to(account).values_list("pk", flat=True)) == expected, name
