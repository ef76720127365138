"""`load_demo --reviewed` (what `make run` loads): the demo province in the middle of its cycle.

Every stage has rows (self-assessments 待填报 / 待审核 / reviewed, visits in and missing, ratios submitted,
amounts 待确认 and 已确认, appeals 待处理 / 已回复 / 已办结, notices), each demo bureau has work on its lists,
the Wuhan-scored batch splits its amounts into 职保 and 居保, and the two walk-through hospitals are exactly
where README's "A walk through the demo" starts: the walk's first four steps run on this demo as written.
"""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from vbp import files, permissions
from vbp.accounts.models import Role, User
from vbp.appeals.models import Appeal
from vbp.assessment.models import Answer, Assessment, Attachment, ProductScore
from vbp.audit.models import AuditEvent
from vbp.catalog.models import Batch, Hospital
from vbp.demo.midcycle import ASSESSED_BATCHES, PAY_RATIOS, WUHAN_BATCH, stage_of
from vbp.demo.province import DEMO_ACCOUNTS
from vbp.funding import proofs
from vbp.funding import services as funding
from vbp.funding.models import AmountSheet, Entry, PayRatio, PoolVisits, Recalculation, VisitProof, VisitReport
from vbp.notices.models import Notice
from vbp.notices.selectors import notices_for
from vbp.pdf_check import active_content
from vbp.regions.models import Pool

pytestmark = pytest.mark.django_db

WALK = "GJ-2019-01"  # 国家第一批集中带量采购, the walk's batch
WALK_ACCOUNTS = ("demo_hospital", "demo_hospital2")


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The mid-cycle demo, loaded once for the module through the command, rolled back afterwards."""
    root = tmp_path_factory.mktemp("mid-cycle-files")
    with override_settings(VBP_ATTACHMENT_ROOT=root), django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("load_demo", "--reviewed", "--orders", "20000", stdout=out)
        yield {"out": out.getvalue(), "root": root}
        transaction.set_rollback(True)


@pytest.fixture
def root(loaded, settings):
    """The files the load wrote are where the pages look for them."""
    settings.VBP_ATTACHMENT_ROOT = loaded["root"]
    return loaded["root"]


def user(name: str) -> User:
    return User.objects.get(username=name)


def walk_hospitals() -> list[Hospital]:
    return [user(name).hospital for name in WALK_ACCOUNTS]


def others():
    return Hospital.objects.exclude(pk__in=[hospital.pk for hospital in walk_hospitals()])


def test_the_command_says_what_it_loaded(loaded):
    out = loaded["out"]
    assert "已提交并审核 2 家演示医疗机构" in out
    assert "考核周期中途的演示数据：" in out
    for words in ("待填报", "待审核", "已审核", "已确认", "待确认", "已回复", "已办结", "已发布"):
        assert words in out, words
    assert "医疗机构 120 家（其中省直属 10 家）" in out


# --- self-assessments ------------------------------------------------------------------------------------------


def test_most_self_assessments_are_reviewed_and_every_stage_has_some(loaded):
    stages = Counter(stage_of(row) for row in Assessment.objects.filter(hospital__in=others()))
    assert set(stages) == {"draft", "submitted", "part1", "reviewed"}
    assert stages["reviewed"] >= 0.75 * sum(stages.values())
    for stage in ("draft", "submitted", "part1"):
        assert stages[stage] >= 5, stages
    assessed = set(Assessment.objects.values_list("batch__code", flat=True))
    assert assessed == set(ASSESSED_BATCHES)  # not the renewal batch: its fill deadline has passed


def test_each_demo_bureau_has_reviews_waiting_on_the_walks_batch(loaded):
    waiting = Assessment.objects.filter(batch__code=WALK, part1_review=Assessment.Review.PENDING)
    assert waiting.filter(hospital__city__name="太原市", hospital__province_direct=False).exists()  # demo_city
    assert waiting.filter(hospital__district__code="140105", hospital__province_direct=False).exists()  # district
    assert waiting.filter(hospital__city__name="大同市").exists()  # demo_city2
    assert waiting.filter(hospital__province_direct=True).exists()  # demo_province


def test_reviewed_assessments_hold_what_the_verbs_write(loaded):
    for row in Assessment.objects.filter(hospital__in=others(), batch__rule_set__code="shanxi"):
        stage = stage_of(row)
        answers = list(row.answers.all())
        if stage == "draft":
            assert row.submitted_at is None and not row.attachments.exists()
            continue
        assert len(answers) == 5 and row.attachments.count() == 1  # Shanxi's Part 1, and its financial report
        decided = [answer for answer in answers if answer.decision]
        if stage == "submitted":
            assert not decided and row.part1_reviewer is None
            continue
        assert len(decided) == 5 and {answer.reviewer_id for answer in decided} == {row.part1_reviewer_id}
        assert all(answer.reason for answer in decided if answer.decision == Answer.Decision.REJECT)
        assert row.version == 1 + 1 + 1 + 5 + 1 + (1 if stage == "reviewed" else 0)  # each verb bumps it once
        scores = ProductScore.objects.filter(assessment=row)
        assert scores.exists() == (stage == "reviewed")
    rejected = Answer.objects.filter(decision=Answer.Decision.REJECT, assessment__hospital__in=others())
    assert rejected.exists()


def test_the_audit_log_records_each_step_of_each_assessment(loaded):
    reviewed = Assessment.objects.filter(hospital__in=others(), batch__code="SX-2021-01", part2_review="done").first()
    events = AuditEvent.objects.filter(object_type="assessment.assessment", object_id=str(reviewed.pk)).order_by("pk")
    messages = [event.message for event in events]
    assert messages == ["", "保存自评", "提交自评", "提交落实集采政策评分审核", "提交集采任务完成情况评分审核"]
    assert events[0].kind == "create" and events[0].after["version"] == 1
    assert events[4].after["part2_review"] == "done" and events[4].after["version"] == reviewed.version
    assert {event.username for event in events} == {
        User.objects.get(role=Role.HOSPITAL, hospital=reviewed.hospital).username,
        reviewed.part1_reviewer.username,
    }
    answer_events = AuditEvent.objects.filter(
        object_type="assessment.answer", object_id__in=[str(pk) for pk in reviewed.answers.values_list("pk", flat=True)]
    )
    assert answer_events.count() == 5
    assert all(event.before["decision"] == "" and event.after["decision"] for event in answer_events)


def test_every_stored_attachment_is_a_pdf_the_file_store_serves(root):
    stored = list(Attachment.objects.all()) + list(VisitProof.objects.all())
    assert len(stored) > 300
    for row in stored[:: max(1, len(stored) // 40)]:
        content = files.path(row.stored_as).read_bytes()
        assert content.startswith(b"%PDF-1.4") and content.rstrip().endswith(b"%%EOF")
        assert active_content(content) is None and row.content_type == "application/pdf" and row.size == len(content)


# --- visits, ratios, amounts ----------------------------------------------------------------------------------


def test_most_visits_are_in_and_some_are_missing(loaded):
    pools = list(Pool.objects.order_by("-province_level", "code"))
    complete = missing = 0
    for hospital in others():
        report = VisitReport.objects.filter(hospital=hospital, year=2024).first()
        if report is None or report.status != Entry.SUBMITTED:
            missing += 1
            continue
        assert report.proofs.count() == 1
        submitted = set(report.pools.filter(status=Entry.SUBMITTED).values_list("pool_id", flat=True))
        complete += submitted == {pool.pk for pool in funding.required_pools(hospital, pools)}
        together = sum(report.pools.values_list("visits", flat=True))
        assert together <= report.total_visits
    assert complete >= 0.75 * others().count() and missing >= 3
    waiting_for_platform = PoolVisits.objects.filter(report__hospital__province_direct=True, status=Entry.SUBMITTED)
    direct = VisitReport.objects.filter(hospital__province_direct=True, status=Entry.SUBMITTED)
    assert any(waiting_for_platform.filter(report=report).count() == 2 for report in direct)  # 省直 and 太原市 only


def test_every_batch_but_the_walks_has_its_ratio_submitted_and_recalculated(loaded):
    submitted = dict(PayRatio.objects.filter(year=2024, status=Entry.SUBMITTED).values_list("batch__code", "percent"))
    assert submitted == PAY_RATIOS
    assert not PayRatio.objects.filter(batch__code=WALK).exists()
    jobs = Recalculation.objects.filter(year=2024)
    assert set(jobs.values_list("batch__code", flat=True)) == set(PAY_RATIOS)
    assert set(jobs.values_list("status", flat=True)) == {Recalculation.Status.DONE}


def test_complete_hospitals_have_their_amounts_and_many_are_confirmed_by_their_bureau(loaded):
    statuses = Counter(AmountSheet.objects.values_list("status", flat=True))
    assert statuses["confirmed"] >= 50 and statuses["pending"] >= 20
    for code in PAY_RATIOS:
        batch = Batch.objects.get(code=code)
        hospitals = list(funding.hospitals_of_batch(batch, 2024).select_related("home_pool"))
        for hospital, inputs in funding.gather_many(hospitals, batch, 2024).items():
            has_sheet = AmountSheet.objects.filter(hospital_id=hospital, batch=batch, year=2024).exists()
            assert has_sheet == (not inputs.missing), (code, hospital, inputs.missing)
    for sheet in AmountSheet.objects.filter(status="confirmed").select_related("hospital", "confirmed_by")[:60]:
        assert permissions.confirms_amounts(sheet.confirmed_by, sheet.hospital)
    taiyuan = AmountSheet.objects.filter(hospital__city__name="太原市", hospital__province_direct=False)
    assert taiyuan.filter(status="pending").exists() and taiyuan.filter(status="confirmed").exists()


def test_the_wuhan_batch_splits_its_amounts_into_employee_and_resident_funds(loaded):
    batch = Batch.objects.select_related("rule_set").get(code=WUHAN_BATCH)
    assert batch.rule_set.code == "wuhan"
    sheets = AmountSheet.objects.filter(batch=batch)
    assert sheets.count() >= 10 and sheets.filter(hospital__city__name="太原市").exists()  # demo_city's page
    for sheet in sheets:
        assert sheet.employee_amount is not None and sheet.resident_amount is not None
        assert sheet.employee_amount + sheet.resident_amount == sheet.payable_total
    scored = ProductScore.objects.filter(assessment__batch=batch, assessment__part2_review="done")
    assert scored.exists() and not scored.filter(bureau_score__isnull=True).exists()  # uploaded by the bureaus
    assert not AmountSheet.objects.exclude(batch=batch).filter(employee_amount__isnull=False).exists()


# --- appeals, notices, accounts -------------------------------------------------------------------------------


def test_appeals_in_every_state_each_with_its_thread(loaded):
    appeals = Appeal.objects.all()
    assert set(appeals.values_list("status", flat=True)) == {"pending", "replied", "closed"}
    assert not appeals.filter(hospital__in=walk_hospitals()).exists()
    for appeal in appeals:
        kinds = list(appeal.messages.values_list("kind", flat=True))
        assert appeal.attachments.exists()
        match appeal.status:
            case "replied":
                assert kinds == ["reply"]
            case "closed":
                assert kinds == ["reply", "closing"] and appeal.closed_at
            case "pending":
                assert kinds in ([], ["reply", "follow_up"])
    assert appeals.filter(status="pending", messages__kind="follow_up").exists()  # answered, then followed up
    assert appeals.filter(hospital__city__name="太原市", status="pending").exists()  # demo_city has one to answer


def test_the_province_published_notices_one_pinned_one_to_a_city_and_keeps_a_draft(loaded):
    notices = Notice.objects.all()
    assert Counter(notices.values_list("status", flat=True)) == {"published": 4, "draft": 1}
    assert notices.filter(pinned=True, status="published").count() == 1
    assert {notice.published_by.username for notice in notices.filter(status="published")} == {"demo_province"}
    assert notices_for(user("demo_hospital"))[0] == notices.get(pinned=True)
    assert len(notices_for(user("demo_hospital"))) == 3  # not 大同市's
    assert len(notices_for(user("demo_hospital2"))) == 4


def test_the_working_accounts_cannot_sign_in_and_the_demo_accounts_are_as_before(loaded):
    demo = {account.username for account in DEMO_ACCOUNTS}
    staff = User.objects.exclude(username__in=demo)
    assert staff.filter(role=Role.HOSPITAL).count() == Hospital.objects.count() - 2
    assert staff.filter(role=Role.CITY).count() == 9
    assert not any(account.has_usable_password() for account in staff)
    assert all(user(name).check_password("demo2024!") for name in ("demo_province", "demo_hospital"))


# --- the walk --------------------------------------------------------------------------------------------------


def test_the_walk_through_hospitals_are_where_the_walk_starts(loaded):
    batch = Batch.objects.get(code=WALK)
    for hospital in walk_hospitals():
        assessments = Assessment.objects.filter(hospital=hospital)
        assert [(a.batch.code, a.part1_review, a.part2_review) for a in assessments] == [(WALK, "done", "done")]
        assert assessments.get().attachments.get().file_name == "卫生健康财务报表.pdf"
        assert ProductScore.objects.filter(assessment__hospital=hospital).exists()
        assert not VisitReport.objects.filter(hospital=hospital).exists()
        assert not AmountSheet.objects.filter(hospital=hospital).exists()
        assert not Appeal.objects.filter(hospital=hospital).exists()
        missing = funding.gather_inputs(hospital, batch, 2024).missing
        assert missing[0] == "本批次医保基金平均支付比例未提交"


def test_the_walks_first_four_steps_run_on_the_mid_cycle_demo(root):
    """Step 1 the province submits 国家第一批's ratio (its recalculation runs, as the worker would run it), step 2
    the hospital its total with a proof, step 3 the city 太原市's visits; step 4 the sheet is 待确认 and the city
    confirms it."""
    province, hospital_user, city = user("demo_province"), user("demo_hospital"), user("demo_city")
    hospital, batch = hospital_user.hospital, Batch.objects.get(code=WALK)

    ratio = funding.find_pay_ratio(batch, 2024)
    ratio = funding.save_pay_ratio(province, batch, 2024, 70, version=ratio.version)
    funding.submit_pay_ratio(province, batch, 2024, version=ratio.version)
    job = Recalculation.objects.get(batch=batch, year=2024)
    assert funding.recalculate(job).status == Recalculation.Status.DONE
    assert AmountSheet.objects.filter(batch=batch).count() > 20  # every complete hospital's 国家第一批 amounts

    report = funding.visit_report(hospital, 2024)
    report = funding.save_total_visits(hospital_user, report, 12000, version=report.version)
    proofs.store_proof(hospital_user, report, SimpleUploadedFile("住院人次.pdf", b"%PDF-1.4\n%%EOF\n"))
    report = funding.submit_total_visits(hospital_user, report, version=report.version)
    report = funding.save_pool_visits(city, report, {hospital.home_pool_id: 9000}, version=report.version)
    funding.submit_pool_visits(city, report, version=report.version)

    sheet = AmountSheet.objects.get(hospital=hospital, batch=batch, year=2024)
    assert sheet.status == AmountSheet.Status.PENDING and not funding.gather_inputs(hospital, batch, 2024).missing
    confirmed = funding.confirm_sheet(city, hospital, batch, 2024, version=sheet.version)
    assert confirmed.status == AmountSheet.Status.CONFIRMED
