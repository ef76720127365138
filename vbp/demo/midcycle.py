"""The demo province in the middle of its cycle: what `load_demo --reviewed` (and so `make run`) adds.

Most hospitals have filled and submitted their self-assessments and their bureaus have reviewed both
parts; a few are still 待填报 or 待审核, so the review lists have work. One batch (国家组织冠脉支架) is
scored the Wuhan way: its rule set is the wuhan preset, its bureaus upload 医保考核评分, its hospitals'
职保/居保 split basis is imported, so 医疗机构结余金额 shows 职保 and 居保. Most hospitals' visits are
in (the total with a proof PDF, every pool's visits submitted), some are missing. Every batch's payment
ratio but 国家第一批's is submitted, the recalculations it starts have run, and many of the amounts are
confirmed by their bureaus while some wait. There are appeals in every state, with their threads, and
the province's notices (通知公告), one of them pinned.

Visits, imports, the Wuhan upload, payment ratios and their recalculation, confirmations, appeals and
notices go through the verbs the pages call, as the user whose page it is: each hospital's own account,
its reviewing and confirming bureau, the province, the remote-settlement platform. Hospitals and cities
without a demo account get a working account that cannot sign in (no usable password), as an administrator
would make them. Two steps write rows themselves, in exactly the shapes their pages make: the four hundred
self-assessments and their reviews (vbp.demo.assessments: through the verbs they alone would take most
of a minute), and the Wuhan batch's rule set, set as the batch import (带量批次, 考核方案 wuhan) sets it.

The two walk-through hospitals (demo_hospital, demo_hospital2) are left exactly as
``walkthrough.review_demo_assessments`` makes them: 国家第一批 reviewed, no visits, and 国家第一批's
payment ratio not submitted, so README's "A walk through the demo" starts where it says.

Deterministic: every choice comes from one ``random.Random`` drawn in a fixed order over rows in code
order; only times, random file names and password salts differ between two loads.
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from vbp import permissions
from vbp.accounts.models import Role, User
from vbp.appeals import services as appeals
from vbp.appeals.models import Appeal
from vbp.assessment import offline
from vbp.assessment import services as assessment_services
from vbp.assessment.models import Assessment
from vbp.catalog.models import Batch, Hospital
from vbp.demo import assessments
from vbp.demo.assessments import Plan, Stage
from vbp.demo.pdf import demo_pdf
from vbp.demo.province import DATA_YEAR, DEMO_ACCOUNTS
from vbp.funding import proofs
from vbp.funding import services as funding
from vbp.funding.models import AmountSheet, Entry, PayRatio, Recalculation
from vbp.notices import services as notices
from vbp.notices.models import Notice
from vbp.platformdata import services as imports
from vbp.platformdata.models import ImportJob
from vbp.regions.models import Pool, Region
from vbp.rulesets.models import RuleSetVersion

YEAR = DATA_YEAR
WALK_HOSPITALS = frozenset(account.hospital for account in DEMO_ACCOUNTS if account.hospital)
WUHAN_BATCH = "GH-2021-01"  # 国家组织冠脉支架: scored offline, the Wuhan way, its amounts split 职保/居保
# The batches assessed in the demo year; not the renewal batch, whose fill deadline has passed.
ASSESSED_BATCHES = ("GJ-2019-01", "GJ-2020-03", "SX-2021-01", WUHAN_BATCH)
# Every batch's payment ratio but 国家第一批's, which the walk's first step sets and submits.
PAY_RATIOS = {"GJ-2020-03": 68, "SX-2021-01": 65, "GH-2021-01": 72, "GJ-2024-01JX": 70}


STAGE_WEIGHTS = ((Stage.DRAFT, 5), (Stage.SUBMITTED, 6), (Stage.PART1, 4), (Stage.REVIEWED, 85))
# Whatever the draw, each demo bureau finds 国家第一批 (the walk's batch) work on its review list.
STAGE_SHOWCASE = {
    ("太原市第九人民医院", "GJ-2019-01"): Stage.SUBMITTED,  # demo_city
    ("太原市迎泽区中心医院", "GJ-2019-01"): Stage.DRAFT,
    ("太原市小店区坞城街道社区卫生服务中心", "GJ-2019-01"): Stage.SUBMITTED,  # demo_district
    ("大同市中医医院", "GJ-2019-01"): Stage.SUBMITTED,  # demo_city2
    ("山西省眼科医院", "GJ-2019-01"): Stage.SUBMITTED,  # demo_province
}


class Visits:
    """How far a hospital's inpatient visits have gone."""

    NONE = "none"  # nothing entered yet
    TOTAL_DRAFT = "total_draft"  # the total typed, not submitted (no proof yet)
    TOTAL = "total"  # the total submitted with its proof; the bureaus' pools not yet
    NO_PLATFORM = "no_platform"  # province-direct: 省直 and 太原市 submitted, the platform's ten cities not yet
    COMPLETE = "complete"  # the total and every pool submitted


VISIT_WEIGHTS = ((Visits.NONE, 5), (Visits.TOTAL_DRAFT, 3), (Visits.TOTAL, 4), (Visits.COMPLETE, 88))
# Whatever the draw, the bureaus and the remote platform find visits to enter.
VISIT_SHOWCASE = {
    "太原市第二人民医院": Visits.TOTAL,  # demo_city enters 太原市's visits
    "大同市第五人民医院": Visits.TOTAL,  # demo_city2
    "山西省中医院": Visits.NO_PLATFORM,  # demo_platform enters the other ten cities
}
CONFIRMED_PERCENT = 70  # of the computed amounts, confirmed by their bureau

# Inpatient visits of the year before, by hospital level (Hospital.Level value): the range of the total.
LEVEL_VISITS = {
    "3A": (30_000, 65_000),
    "3B": (18_000, 32_000),
    "3": (15_000, 28_000),
    "2A": (6_000, 14_000),
    "2B": (3_500, 8_000),
    "2": (2_500, 6_000),
    "1": (300, 1_500),
    "0": (200, 900),
}

# Shanxi's Part 1, as hospitals answer it: each a choice or counts (docs/domain.md); drawn per hospital and batch.
PREPAYMENT = (("完成", 80), ("部分完成", 15), ("未进行", 5))
REJECT_PERCENT = 4  # of the Part 1 items a bureau reviews: 驳回, with one of these reasons
REJECT_REASONS = ("未见货款预付凭证", "财务报表与填报数据不一致", "违规情况与稽核记录不符")
# The Wuhan template's ten items and what a hospital claims of each (points out of the item's full marks).
WUHAN_ITEMS = (
    ("completion", 20),
    ("payment_30d", 20),
    ("drug_cost_growth", 10),
    ("nonselected_volume_share", 5),
    ("nonselected_amount_share", 5),
    ("similar_efficacy", 5),
    ("offline_share", 15),
    ("policy_violations", 8),
    ("price_violations", 6),
    ("circulation_violations", 6),
)


@dataclass
class MidCycleSummary:
    """What the mid-cycle step wrote, counted from the database afterwards (the command prints it)."""

    assessments: Counter = field(default_factory=Counter)  # by Stage
    visits: Counter = field(default_factory=Counter)  # by Visits
    pay_ratios: int = 0
    amounts: Counter = field(default_factory=Counter)  # by AmountSheet.Status label
    appeals: Counter = field(default_factory=Counter)  # by Appeal.Status label
    notices: Counter = field(default_factory=Counter)  # by Notice.Status label
    staff_accounts: int = 0


def advance_to_mid_cycle(seed: int) -> MidCycleSummary:
    """Move the freshly loaded demo province (with the walk's reviews done) to mid-cycle, all or nothing."""
    rng = random.Random(seed * 1_000_003 + 7)  # noqa: S311 -- reproducible demo data, nothing secret
    with transaction.atomic():
        cast = Cast.gather()
        hospitals = [hospital for hospital in cast.hospitals if hospital.name not in WALK_HOSPITALS]
        batches = {batch.code: batch for batch in Batch.objects.select_related("rule_set")}
        _score_the_wuhan_way(batches[WUHAN_BATCH])
        plans = _plan_assessments(rng, cast, hospitals, batches)
        visits = _enter_visits(rng, cast, hospitals)  # before the assessments: nothing to recompute yet
        visits[Visits.NONE] += len(cast.hospitals) - len(hospitals)  # the walk's two, whose step 2 enters theirs
        assessments.write(plans)
        _upload_bureau_scores(rng, batches[WUHAN_BATCH], plans)
        _import_fund_basis(rng, cast, [plan.hospital for plan in plans if plan.batch.code == WUHAN_BATCH])
        _submit_pay_ratios(cast, batches)
        _confirm_amounts(rng, cast, hospitals)
        _write_appeals(cast, hospitals, batches)
        _publish_notices(cast)
    return _summary(visits, cast)


# --- who does what ---------------------------------------------------------------------------------------------


@dataclass
class Cast:
    """The accounts that act: each hospital's own, each city's bureau, the province and the remote platform."""

    hospitals: list[Hospital]
    own: dict[int, User]  # hospital id → its account
    bureaus: dict[int, User]  # city region id → its city bureau
    province: User
    platform: User
    pools: list[Pool]
    made: int = 0

    @classmethod
    def gather(cls) -> Cast:
        hospitals = list(Hospital.objects.select_related("city", "district", "home_pool").order_by("code"))
        cities = list(Region.objects.filter(level=Region.Level.CITY).order_by("code"))
        users = User.objects.filter(is_active=True).order_by("username")
        own = {user.hospital_id: user for user in users.filter(role=Role.HOSPITAL)}
        bureaus = {user.region_id: user for user in users.filter(role=Role.CITY)}
        unusable = make_password(None)  # an account that cannot sign in: it only answers for its rows here
        made = [
            User(
                username=f"demo_{hospital.code.lower()}",
                first_name=f"{hospital.name}经办人",
                role=Role.HOSPITAL,
                hospital=hospital,
                password=unusable,
            )
            for hospital in hospitals
            if hospital.pk not in own
        ]
        made += [
            User(
                username=f"demo_city_{city.code}",
                first_name=f"{city.name}医保局经办人",
                role=Role.CITY,
                region=city,
                password=unusable,
            )
            for city in cities
            if city.pk not in bureaus
        ]
        for user in User.objects.bulk_create(made):
            if user.role == Role.HOSPITAL:
                own[user.hospital_id] = user
            else:
                bureaus[user.region_id] = user
        return cls(
            hospitals=hospitals,
            own=own,
            bureaus=bureaus,
            province=users.get(username="demo_province"),
            platform=users.get(username="demo_platform"),
            pools=list(Pool.objects.order_by("-province_level", "code")),
            made=len(made),
        )

    def hospital(self, hospital: Hospital) -> User:
        return self.own[hospital.pk]

    def bureau(self, hospital: Hospital) -> User:
        """The bureau that reviews and confirms: the province for a province-direct hospital, else its city's."""
        return self.province if hospital.province_direct else self.bureaus[hospital.city_id]

    def pool_party(self, hospital: Hospital, pool: Pool) -> User:
        """Who enters ``pool``'s visits at ``hospital`` (seed 000 §2)."""
        party = permissions.pool_party(hospital, pool)
        if party == Role.PROVINCE:
            return self.province
        if party == Role.REMOTE_PLATFORM:
            return self.platform
        return self.bureaus[pool.region_id]


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    draw = rng.randrange(sum(weight for _, weight in weighted))
    for value, weight in weighted:
        if draw < weight:
            return value
        draw -= weight
    raise AssertionError("unreachable")


# --- assessments -----------------------------------------------------------------------------------------------


def _score_the_wuhan_way(batch: Batch) -> None:
    """The batch's rule set becomes the wuhan preset's latest version, as the batch import (考核方案 wuhan) sets it."""
    wuhan = RuleSetVersion.objects.filter(code="wuhan").order_by("-version").first()
    Batch.objects.filter(pk=batch.pk).update(rule_set=wuhan)
    batch.rule_set = wuhan


def _plan_assessments(rng, cast: Cast, hospitals: list[Hospital], batches: dict[str, Batch]) -> list[Plan]:
    """Each hospital's self-assessment of each batch it has products in: its answers, how far it has gone, what
    its bureau rejects. The Wuhan batch's reviewed ones are written submitted: their bureaus' upload reviews them."""
    plans = []
    for code in ASSESSED_BATCHES:
        batch = batches[code]
        wuhan = code == WUHAN_BATCH
        for hospital in hospitals:
            products = list(assessment_services.products_of(hospital, batch, YEAR))
            if not products:
                continue
            drawn = _pick(rng, STAGE_WEIGHTS)
            stage = STAGE_SHOWCASE.get((hospital.name, code), drawn)
            answers = _wuhan_answers(rng, products) if wuhan else _part1_answers(rng)
            if stage == Stage.DRAFT:
                answers = dict(list(answers.items())[: max(1, len(answers) // 2)])
            plan = Plan(hospital, batch, YEAR, cast.hospital(hospital), cast.bureau(hospital), stage, answers)
            if not wuhan:
                plan.rejected = _rejections(rng)
                plan.attachment = ("卫生健康财务报表.pdf", _report_pdf(hospital, f"Financial report {YEAR}"))
            elif stage == Stage.REVIEWED:
                plan.stage, plan.scored = Stage.SUBMITTED, True
            plans.append(plan)
    return plans


def _part1_answers(rng) -> dict:
    """Shanxi's Part 1 as a hospital fills it: mostly clean, now and then a cost rise or a violation."""
    outpatient_last = Decimal(rng.randint(15_000, 32_000)) / 100
    inpatient_last = Decimal(rng.randint(150_000, 420_000)) / 100
    outpatient = outpatient_last * rng.randint(92, 104) / 100
    inpatient = inpatient_last * rng.randint(90, 106) / 100
    return {
        ("prepayment", None): {"prepayment": _pick(rng, PREPAYMENT)},
        ("drug_cost_growth", None): {
            "outpatient_drug_cost": f"{outpatient:.2f}",
            "outpatient_drug_cost_last_year": f"{outpatient_last:.2f}",
            "inpatient_drug_cost": f"{inpatient:.2f}",
            "inpatient_drug_cost_last_year": f"{inpatient_last:.2f}",
        },
        ("policy_violations", None): {"policy_violation_count": str(int(rng.randrange(100) < 6))},
        ("price_violations", None): {"price_violation_count": str(int(rng.randrange(100) < 5))},
        ("circulation_violations", None): {"circulation_violation_count": str(int(rng.randrange(100) < 3))},
    }


def _wuhan_answers(rng, products) -> dict:
    """The Wuhan template's self-scores: each item full marks, or now and then less."""
    answers = {}
    for product in products:
        for code, full in WUHAN_ITEMS:
            points = full if rng.randrange(100) < 80 else rng.randint(0, full - 1)
            answers[code, product.pk] = {code: str(points)}
    return answers


def _rejections(rng) -> dict[str, str]:
    """The Part 1 items a bureau rejects (驳回), now and then, with its reason."""
    codes = ("prepayment", "drug_cost_growth", "policy_violations", "price_violations", "circulation_violations")
    rejected = {}
    for code in codes:
        if rng.randrange(100) < REJECT_PERCENT:
            rejected[code] = REJECT_REASONS[rng.randrange(len(REJECT_REASONS))]
    return rejected


def _upload_bureau_scores(rng, batch: Batch, plans: list[Plan]) -> None:
    """考核数据上传: each bureau fills 医保考核评分 in its template (here as CSV) for the hospitals it has scored; the
    upload is the review (seed 001 §4.1), so those hospitals' Part 2 is submitted with it."""
    scored = {plan.hospital.code: plan.reviewer for plan in plans if plan.batch == batch and plan.scored}
    bureaus = {reviewer.pk: reviewer for reviewer in scored.values()}
    for bureau in sorted(bureaus.values(), key=lambda user: user.username):
        lines = []
        for row in offline.template_rows(bureau, batch, YEAR):
            hospital_code, self_total = row[1], row[-2]
            if hospital_code in scored and self_total is not None:
                row[-1] = max(Decimal(0), self_total - rng.choice((0, 0, 0, 2, 5, 8)))
                lines.append(row)
        if not lines:
            continue
        stream = io.StringIO()
        writer = csv.writer(stream)
        writer.writerow(offline.HEADERS)
        writer.writerows(["" if value is None else value for value in row] for row in lines)
        content = stream.getvalue().encode("utf-8")
        name = f"{batch.name}考核评分.csv"
        offline.import_bureau_scores(bureau, batch, YEAR, name, content, hashlib.sha256(content).hexdigest())


# --- 职保/居保 split basis, visits -------------------------------------------------------------------------------


def _import_fund_basis(rng, cast: Cast, hospitals: list[Hospital]) -> None:
    """数据导入 → 职保居保拆分依据: the province imports visits by insurance type for the Wuhan batch's hospitals."""
    if not hospitals:
        return
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(["考核年度", "医疗机构编码", "职工医保住院人次", "城乡居民医保住院人次"])
    for hospital in hospitals:
        low, high = LEVEL_VISITS[hospital.level]
        total = rng.randint(low, high)
        employee = total * rng.randint(35, 60) // 100
        writer.writerow([YEAR, hospital.code, employee, total - employee])
    content = stream.getvalue().encode("utf-8")
    job = imports.start_import(cast.province, "fund_basis", "职保居保拆分依据.csv", content, background=False)
    if job.status == ImportJob.Status.PREVIEW:
        job = imports.confirm_import(cast.province, job, background=False)
    if job.status != ImportJob.Status.DONE:
        raise RuntimeError(f"演示数据的职保居保拆分依据未能导入：{job.problems}")


def _enter_visits(rng, cast: Cast, hospitals: list[Hospital]) -> Counter:
    """Each hospital's total with its proof, then each pool's visits by whoever answers for the pool."""
    done = Counter()
    for hospital in hospitals:
        drawn = _pick(rng, VISIT_WEIGHTS)
        state = VISIT_SHOWCASE.get(hospital.name, drawn)
        done[state] += 1
        if state == Visits.NONE:
            continue
        account = cast.hospital(hospital)
        low, high = LEVEL_VISITS[hospital.level]
        total = rng.randint(low, high)
        report = funding.visit_report(hospital, YEAR)
        report = funding.save_total_visits(account, report, total, version=report.version)
        if state == Visits.TOTAL_DRAFT:
            continue
        proof = _report_pdf(hospital, f"Inpatient visits {YEAR - 1}: {total}")
        proofs.store_proof(account, report, SimpleUploadedFile(f"{YEAR - 1}年度住院人次统计表.pdf", proof))
        report = funding.submit_total_visits(account, report, version=report.version)
        if state == Visits.TOTAL:
            continue
        counts = _pool_counts(rng, hospital, total, cast.pools)
        parties: dict[int, tuple[User, dict[int, int]]] = {}
        for pool in funding.required_pools(hospital, cast.pools):
            party = cast.pool_party(hospital, pool)
            if state == Visits.NO_PLATFORM and party.role == Role.REMOTE_PLATFORM:
                continue
            parties.setdefault(party.pk, (party, {}))[1][pool.pk] = counts[pool.pk]
        for party, entries in parties.values():
            report = funding.save_pool_visits(party, report, entries, version=report.version)
            report = funding.submit_pool_visits(party, report, version=report.version)
    return done


def _pool_counts(rng, hospital: Hospital, total: int, pools: list[Pool]) -> dict[int, int]:
    """The insured visits of each pool the hospital needs: its own pool most of its total; for a province-direct
    hospital 省直 and 太原市 the most, each other city a little."""
    if not hospital.province_direct:
        return {hospital.home_pool_id: total * rng.randint(72, 93) // 100}
    counts = {}
    for pool in pools:
        if pool.province_level:
            share = rng.randint(20, 30)
        elif pool.region_id == hospital.city_id:
            share = rng.randint(30, 40)
        else:
            share = rng.randint(1, 3)
        counts[pool.pk] = total * share // 100
    return counts


def _report_pdf(hospital: Hospital, line: str) -> bytes:
    return demo_pdf([f"{hospital.code}", line, "Demo data only."])


# --- payment ratios, amounts -------------------------------------------------------------------------------------


def _submit_pay_ratios(cast: Cast, batches: dict[str, Batch]) -> None:
    """支付比例维护 → 提交 for each batch but 国家第一批; each starts a recalculation, which runs here as the
    background worker would run it, computing every hospital whose inputs are complete."""
    for code, percent in PAY_RATIOS.items():
        ratio = funding.find_pay_ratio(batches[code], YEAR)
        ratio = funding.save_pay_ratio(cast.province, batches[code], YEAR, percent, version=ratio.version)
        funding.submit_pay_ratio(cast.province, batches[code], YEAR, version=ratio.version)
    for job in Recalculation.objects.filter(status=Recalculation.Status.QUEUED, year=YEAR).order_by("pk"):
        funding.recalculate(job)


def _confirm_amounts(rng, cast: Cast, hospitals: list[Hospital]) -> None:
    """确认 by the hospital's bureau for most computed amounts; the rest wait (待确认)."""
    ids = [hospital.pk for hospital in hospitals]
    by_id = {hospital.pk: hospital for hospital in hospitals}
    pending = AmountSheet.objects.filter(hospital_id__in=ids, year=YEAR, status=AmountSheet.Status.PENDING)
    for sheet in pending.select_related("batch").order_by("batch__code", "hospital__code"):
        if rng.randrange(100) < CONFIRMED_PERCENT:
            hospital = by_id[sheet.hospital_id]
            funding.confirm_sheet(cast.bureau(hospital), hospital, sheet.batch, YEAR, version=sheet.version)


# --- appeals, notices --------------------------------------------------------------------------------------------

# (hospital, batch code, title, text, how far it went); the thread's entries follow in APPEAL_THREADS.
APPEALS = (
    (
        "太原市中心医院",
        "GJ-2020-03",
        "替格瑞洛片采购量基数有误",
        "本院替格瑞洛片2024年度采购量基数与医院信息系统统计不符，差额约1,200片，请核实平台数据。",
        "pending",
    ),
    (
        "太原市人民医院",
        "SX-2021-01",
        "注射用头孢曲松钠线下采购金额认定",
        "本院线下采购金额中包含急救临时采购，已按规定备案，申请不计入线下采购占比。",
        "closed",
    ),
    (
        "太原市第三人民医院",
        "GJ-2020-03",
        "30天回款率计算口径",
        "本院部分货款于第31天支付（遇法定节假日顺延），申请按工作日口径计算30天回款率。",
        "followed_up",
    ),
    (
        "大同市第一人民医院",
        "SX-2021-01",
        "阿莫西林胶囊约定采购量",
        "本院阿莫西林胶囊约定采购量按上年度数据核定偏高，申请按实际需求量调整。",
        "replied",
    ),
    (
        "山西省人民医院",
        "GJ-2020-03",
        "省内异地住院人次统计",
        "本院省内异地参保患者住院人次与平台统计相差较大，附本院统计表，请核对。",
        "replied",
    ),
    (
        "长治市人民医院",
        "GJ-2020-03",
        "非中选产品使用金额",
        "平台统计的非中选产品使用金额包含已退货部分，申请扣除退货金额后重新测算。",
        "closed",
    ),
    (
        "运城市中心医院",
        "SX-2021-01",
        "结余留用金额测算结果",
        "本院对本批次结余留用金额测算结果有异议，请提供测算明细。",
        "pending",
    ),
)
REPLY = "已收到，经核实平台数据无误，详见附件核对表；如仍有异议，请补充相关证明材料。"
FOLLOW_UP = "已补充医院信息系统导出的采购明细及入库单，请再次核实。"
CLOSING = "已电话回访并当面核对，医院认可核对结果，本申诉办结。"


def _write_appeals(cast: Cast, hospitals: list[Hospital], batches: dict[str, Batch]) -> None:
    """申诉管理: appeals in every state, each with its thread, filed by hospitals the walk does not use."""
    by_name = {hospital.name: hospital for hospital in hospitals}
    for name, code, title, text, reached in APPEALS:
        hospital = by_name[name]
        if not Assessment.objects.filter(hospital=hospital, batch=batches[code], year=YEAR).exists():
            continue  # (another seed) not assessed in that batch: nothing to appeal on
        account, bureau = cast.hospital(hospital), cast.bureau(hospital)
        evidence = [SimpleUploadedFile("证明材料.pdf", _report_pdf(hospital, f"Appeal evidence: {code}"))]
        appeal = appeals.file_appeal(account, batches[code], YEAR, title, text, evidence)
        if reached == "pending":
            continue
        check = [SimpleUploadedFile("核对表.pdf", _report_pdf(hospital, "Bureau check sheet"))]
        appeals.reply_to_appeal(bureau, appeal, REPLY, check, version=appeal.version)
        appeal.refresh_from_db()
        if reached == "followed_up":
            appeals.follow_up_appeal(account, appeal, FOLLOW_UP, version=appeal.version)
        elif reached == "closed":
            appeals.close_appeal(bureau, appeal, CLOSING, version=appeal.version)


# (title, body, cities by name (empty: the whole province), pinned, published, attachment file name)
NOTICES = (
    (
        "关于开展2024年度集中带量采购医保资金结余留用考核工作的通知",
        "各市医疗保障局，各省直医疗机构：\n\n"
        "为做好2024年度国家及省级集中带量采购医保资金结余留用工作，现将有关事项通知如下：\n\n"
        "一、各定点医疗机构应于填报截止时间前完成落实集采政策评分及集采任务完成情况评分自评，并上传卫生健康财务报表。\n"
        "二、各市医疗保障局应按时完成辖区医疗机构的逐项审核，并维护本统筹地区参保患者住院人次。\n"
        "三、省医保局将根据各批次医保基金平均支付比例统一测算结余留用金额，各市医保局确认后下达。\n\n"
        "请各单位高度重视，按时完成相关工作。",
        (),
        True,
        True,
        "结余留用考核工作方案.pdf",
    ),
    (
        "山西省集中带量采购医保资金结余留用操作规程（试行）",
        "本规程明确了医疗机构自评、医保部门审核、住院人次维护、留用金额测算与确认、申诉处理等环节的操作要求，"
        "请各单位认真学习并遵照执行。系统操作中遇到问题，请联系省医保局医药服务管理处。",
        (),
        False,
        True,
        "",
    ),
    (
        "关于报送上一年度住院人次及证明材料的通知",
        "请各定点医疗机构在“住院人次填报”中填报上一年度住院总人次并上传证明材料；"
        "各统筹地区医保局、省内异地平台在医疗机构提交后维护参保患者住院人次。",
        (),
        False,
        True,
        "",
    ),
    (
        "关于核对大同市冠脉支架集采使用数据的通知",
        "大同市各三级医疗机构：请于本月底前核对国家组织冠脉支架集中带量采购使用数据，如有异议请通过申诉管理提出。",
        ("大同市",),
        False,
        True,
        "",
    ),
    (
        "关于2025年度结余留用考核安排的通知（征求意见稿）",
        "2025年度考核安排征求意见稿，待定稿后发布。",
        (),
        False,
        False,
        "",
    ),
)


def _publish_notices(cast: Cast) -> None:
    """通知公告: the province writes each notice and publishes all but the last (a draft only it sees)."""
    cities = {city.name: city for city in Region.objects.filter(level=Region.Level.CITY)}
    for title, body, names, pinned, publish, attachment in NOTICES:
        content = notices.NoticeContent(title, body, not names, tuple(cities[name] for name in names), pinned)
        pdf = demo_pdf(["Shanxi VBP surplus retention", "Demo notice"])
        uploads = [SimpleUploadedFile(attachment, pdf)] if attachment else []
        notice = notices.create_notice(cast.province, content, uploads)
        if publish:
            notices.publish_notice(cast.province, notice, version=notice.version)


# --- what was written --------------------------------------------------------------------------------------------


def stage_of(row: Assessment) -> str:
    if row.status == Assessment.Status.DRAFT:
        return Stage.DRAFT
    if row.part1_review != Assessment.Review.DONE:
        return Stage.SUBMITTED
    if row.part2_review != Assessment.Review.DONE:
        return Stage.PART1
    return Stage.REVIEWED


def _summary(visits: Counter, cast: Cast) -> MidCycleSummary:
    summary = MidCycleSummary(visits=visits, staff_accounts=cast.made)
    summary.assessments = Counter(stage_of(row) for row in Assessment.objects.filter(year=YEAR))
    summary.pay_ratios = PayRatio.objects.filter(year=YEAR, status=Entry.SUBMITTED).count()
    summary.amounts = Counter(
        AmountSheet.Status(status).label for status in AmountSheet.objects.values_list("status", flat=True)
    )
    summary.appeals = Counter(Appeal.Status(status).label for status in Appeal.objects.values_list("status", flat=True))
    summary.notices = Counter(Notice.Status(status).label for status in Notice.objects.values_list("status", flat=True))
    return summary
