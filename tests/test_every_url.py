"""Every URL pattern, walked as every role: who reaches it, who gets 404, and lists that hold only in-scope rows.

A URL pattern that is neither in PAGES nor covered elsewhere (COVERED_ELSEWHERE) fails the first test: a new
page cannot be added without saying who may reach it.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import funding_steps
import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from vbp.accounts.models import User
from vbp.appeals import services as appeal_services
from vbp.assessment import services as assessment_services
from vbp.assessment.attachments import store_attachment
from vbp.catalog.models import Batch, Hospital
from vbp.funding import proofs
from vbp.funding import services as funding_services
from vbp.platformdata import services
from vbp.platformdata.models import PlatformRecord
from vbp.rulesets.models import RuleSetVersion
from vbp.ui.export import HEADER_ROWS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

BUSINESS = ["demo_province", "demo_city", "demo_city2", "demo_district", "demo_platform", "demo_hospital",
            "demo_hospital2"]  # fmt: skip
ADMINS = ["demo_sysadmin", "demo_secadmin", "demo_auditor"]
EVERYONE = [*BUSINESS, *ADMINS]
COVERED_ELSEWHERE = {
    "admin": "the Django admin: tests/accounts/test_admin_accounts.py and the admin check below",
    "api": "every endpoint as every role: tests/api/test_scope.py and test_lists.py",
    "captcha": "the captcha's picture and refresh, public by design (the login page needs them)",
}


@dataclass
class Page:
    """Who may reach a URL; everyone else signed in gets 404, and an anonymous visitor the login page."""

    allowed: list[str]
    method: str = "get"
    kwargs: dict = field(default_factory=dict)
    ok: int = 200  # what an allowed user gets
    public: bool = False


def job_kwargs() -> dict:
    return {"pk": services.ImportJob.objects.order_by("pk").first().pk}


def reviewed_assessment():
    """demo_hospital's self-assessment, submitted, its Part 1 reviewed by demo_city: every review page has content."""
    hospital = User.objects.get(username="demo_hospital")
    batch = Batch.objects.get(name="国家第一批集中带量采购")
    assessment = assessment_services.open_assessment(hospital, hospital.hospital, batch, 2024)
    if assessment.status == assessment.Status.SUBMITTED:
        return assessment
    answers = {("prepayment", None): {"prepayment": "完成"},
               ("drug_cost_growth", None): {"outpatient_drug_cost": "1", "outpatient_drug_cost_last_year": "1",
                                            "inpatient_drug_cost": "1", "inpatient_drug_cost_last_year": "1"},
               **{(code, None): {f"{kind}_violation_count": "0"}
                  for code, kind in (("policy_violations", "policy"), ("price_violations", "price"),
                                     ("circulation_violations", "circulation"))}}  # fmt: skip
    assessment = assessment_services.save_answers(hospital, assessment, answers, version=assessment.version)
    assessment.attachments.create(item="drug_cost_growth", file_name="报表.pdf", content_type="application/pdf",
                                  size=1, sha256="0" * 64, stored_as="every-url", uploaded_by=hospital)  # fmt: skip
    assessment = assessment_services.submit_assessment(hospital, assessment, version=assessment.version)
    city = User.objects.get(username="demo_city")
    for answer in assessment.answers.all():
        assessment.refresh_from_db(fields=["version"])  # each review moves the version on
        assessment_services.review_answer(city, answer, answer.Decision.PASS, version=assessment.version)
    assessment.refresh_from_db(fields=["version"])
    return assessment_services.submit_review(city, assessment, 1, version=assessment.version)


def assessment_kwargs(**extra) -> dict:
    return {"pk": reviewed_assessment().pk, **extra}


def product_kwargs() -> dict:
    assessment = reviewed_assessment()
    product = assessment_services.products_of(assessment.hospital, assessment.batch, assessment.year).first()
    return {"pk": assessment.pk, "product_pk": product.pk}


def answer_kwargs() -> dict:
    assessment = reviewed_assessment()
    return {"pk": assessment.pk, "answer_pk": assessment.answers.first().pk}


REVIEWERS = ["demo_province", "demo_city", "demo_city2", "demo_district"]
THE_HOSPITALS_REVIEWERS = ["demo_city", "demo_district"]  # demo_hospital is in 太原市小店区, not province-direct
VIEWERS = [*REVIEWERS, "demo_hospital", "demo_hospital2"]
THE_HOSPITALS_VIEWERS = ["demo_province", "demo_city", "demo_district", "demo_hospital"]


def self_assessment_kwargs() -> dict:
    return {"batch_id": Batch.objects.get(name="国家第一批集中带量采购").pk, "year": 2024}


def attachment_kwargs() -> dict:
    """A real PDF demo_hospital attached to its draft of another batch, so a file is there to serve."""
    hospital = User.objects.get(username="demo_hospital")
    batch = Batch.objects.get(name="国家第三批集中带量采购")
    assessment = assessment_services.open_assessment(hospital, hospital.hospital, batch, 2024)
    upload = SimpleUploadedFile("报表.pdf", b"%PDF-1.4\n%%EOF\n")
    return {"pk": store_attachment(hospital, assessment, "drug_cost_growth", upload, version=assessment.version).pk}


HOSPITALS = ["demo_hospital", "demo_hospital2"]
ATTACHMENT_READERS = ["demo_province", "demo_city", "demo_district", "demo_hospital"]  # itself, its reviewers, province


def offline_kwargs(**extra) -> dict:
    """A demo batch scored the Wuhan way (the demo has none), and its year: every reviewing bureau has such pages."""
    Batch.objects.filter(code="SX-2021-01").update(rule_set=RuleSetVersion.objects.get(code="wuhan"))
    return {"batch_id": Batch.objects.get(code="SX-2021-01").pk, **extra}


def appeal_kwargs(attachment: bool = False) -> dict:
    """demo_hospital's appeal with a real PDF attached: the thread has content and a file to serve."""
    hospital = User.objects.get(username="demo_hospital")
    batch = Batch.objects.get(name="国家第一批集中带量采购")
    upload = SimpleUploadedFile("证明材料.pdf", b"%PDF-1.4\n%%EOF\n")
    appeal = appeal_services.file_appeal(hospital, batch, 2024, "结余留用金额有误", "详见附件。", [upload])
    return {"pk": appeal.attachments.get().pk if attachment else appeal.pk}


def report_kwargs(status: str = "explain") -> dict:
    """A flagged 报量 of demo_hospital, waiting for its 说明 (or, with ``status``, for its bureau's review)."""
    from vbp.monitoring.models import DemandReport

    hospital = User.objects.get(username="demo_hospital").hospital
    batch = Batch.objects.get(name="国家第一批集中带量采购")
    report = DemandReport.objects.create(
        year=2024, hospital=hospital, batch=batch, generic="阿托伐他汀钙片", reported=10, last=100, dropped=True
    )
    DemandReport.objects.filter(pk=report.pk).update(status=status, explanation="说明")
    return {"pk": report.pk}


def distributor() -> dict:
    from vbp.supervision.models import Distributor

    found = Distributor.objects.filter(name="国药控股山西有限公司").first()
    if found is None:
        found = Distributor.objects.create(
            name="国药控股山西有限公司", updated_by=User.objects.get(username="demo_province")
        )
    return {"pk": found.pk}


def issue_kwargs() -> dict:
    """demo_hospital's 供应问题反馈, open."""
    from vbp.supervision import services as supervision

    user = User.objects.get(username="demo_hospital")
    values = {
        "distributor_id": distributor()["pk"],
        "batch": Batch.objects.get(name="国家第一批集中带量采购"),
        "generic": "阿托伐他汀钙片",
        "happened_on": "2024-03-01",
        "description": "已下单十天未配送。",
    }
    return {"pk": supervision.report_issue(user, values).pk}


def interview_kwargs(attachment: bool = False) -> dict:
    """demo_city's 约谈督导 of demo_hospital, with a PDF attached."""
    from vbp.supervision import services as supervision

    city = User.objects.get(username="demo_city")
    values = {
        "hospital": User.objects.get(username="demo_hospital").hospital,
        "held_on": "2024-10-15",
        "reason": "采购进度低于序时进度。",
        "participants": "市医保局、医院药剂科",
    }
    interview = supervision.record_interview(city, values, [SimpleUploadedFile("约谈记录.pdf", b"%PDF-1.4\n%%EOF\n")])
    return {"pk": interview.attachments.get().pk if attachment else interview.pk}


def funding_kwargs(**extra) -> dict:
    """demo_hospital's page of the year: its assessment (reviewed_assessment) exists, so its amount page does."""
    reviewed_assessment()
    return {"hospital_id": User.objects.get(username="demo_hospital").hospital_id, "year": 2024, **extra}


def amount_kwargs() -> dict:
    return funding_kwargs(batch_id=Batch.objects.get(name="国家第一批集中带量采购").pk)


def sheet_kwargs() -> dict:
    """demo_hospital2's amounts, computed (it is ready to confirm): a sheet the province may reopen."""
    hospital = User.objects.get(username="demo_hospital2").hospital
    funding_steps.ready(hospital)
    return {"hospital_id": hospital.pk, "batch_id": Batch.objects.get(name=funding_steps.BATCH).pk, "year": 2024}


def proof_kwargs() -> dict:
    hospital = User.objects.get(username="demo_hospital")
    report = funding_services.visit_report(hospital.hospital, 2024)
    return {"pk": proofs.store_proof(hospital, report, SimpleUploadedFile("住院人次.pdf", b"%PDF-1.4\n%%EOF\n")).pk}


def ratio_kwargs() -> dict:
    return {"batch_id": Batch.objects.get(name="国家第一批集中带量采购").pk, "year": 2024}


def recalculation_kwargs() -> dict:
    batch = Batch.objects.get(name="国家第一批集中带量采购")
    job = funding_services.start_recalculation(User.objects.get(username="demo_province"), batch, 2024)
    return {"pk": job.pk}


def token_kwargs() -> dict:
    from vbp.accounts.services import create_api_token

    token, _ = create_api_token(User.objects.get(username="demo_city"), name="对接")
    return {"pk": token.pk}


BUREAU_USERS = ["demo_province", "demo_city", "demo_city2", "demo_district"]
SUPERVISED = [*BUREAU_USERS, "demo_hospital", "demo_hospital2"]  # bureaus and hospitals; not the remote platform
VISIT_KEEPERS = ["demo_province", "demo_city", "demo_city2", "demo_platform", "demo_hospital", "demo_hospital2"]
THE_HOSPITALS_VISIT_KEEPERS = ["demo_city", "demo_hospital"]  # demo_hospital is in 太原市, not province-direct
AMOUNT_READERS = ["demo_province", "demo_city", "demo_city2", "demo_district", "demo_hospital", "demo_hospital2"]

PAGES = {
    "home": Page(EVERYONE),
    "login": Page([], public=True),
    "logout": Page(EVERYONE, method="post", ok=302, public=True),
    "accounts:profile": Page(EVERYONE),
    "accounts:password": Page(EVERYONE),
    "accounts:security": Page(["demo_secadmin"]),
    "accounts:unlock": Page(["demo_secadmin"], method="post", ok=302),
    "accounts:authorizations": Page(["demo_secadmin"]),
    "accounts:authorize": Page(["demo_secadmin"], kwargs=lambda: {"pk": User.objects.get(username="demo_city").pk}),
    "accounts:api_tokens": Page(BUSINESS),
    "accounts:api_token_revoke": Page(["demo_city", "demo_secadmin"], method="post", ok=302, kwargs=token_kwargs),
    "accounts:tokens": Page(["demo_secadmin"]),
    "catalog:hospitals": Page(BUSINESS),
    "platformdata:records": Page(BUSINESS),
    "platformdata:imports": Page(["demo_province"]),
    "platformdata:import_template": Page(["demo_province"], kwargs={"kind": "platform"}),
    "platformdata:import_upload": Page(["demo_province"], method="post", ok=302),
    "platformdata:import": Page(["demo_province"], kwargs=job_kwargs),
    "platformdata:import_confirm": Page(["demo_province"], method="post", ok=302, kwargs=job_kwargs),
    "platformdata:import_cancel": Page(["demo_province"], method="post", ok=302, kwargs=job_kwargs),
    "platformdata:import_rerun": Page(["demo_province"], method="post", ok=302, kwargs=job_kwargs),
    "monitoring:progress": Page(BUSINESS),
    "monitoring:late_payments": Page(BUSINESS),
    "monitoring:payments": Page(BUSINESS),
    "monitoring:delivery": Page(BUSINESS),
    "monitoring:offline": Page(BUSINESS),
    "monitoring:bulletin": Page(BUSINESS),
    "monitoring:refresh": Page(["demo_province"]),
    "monitoring:reports": Page(BUSINESS),
    "supervision:distributors": Page(BUREAU_USERS),
    "supervision:distributor_new": Page(BUREAU_USERS),
    "supervision:distributor": Page(BUREAU_USERS, kwargs=distributor),
    "supervision:issues": Page(SUPERVISED),
    "supervision:issue_new": Page(["demo_hospital", "demo_hospital2"]),
    "supervision:issue": Page(["demo_province", "demo_city", "demo_district", "demo_hospital"], kwargs=issue_kwargs),
    # posted empty, the form comes back with its errors; the hospital's bureaus (and the province) follow it up
    "supervision:issue_follow_up": Page(
        ["demo_province", "demo_city", "demo_district"], method="post", kwargs=issue_kwargs
    ),
    "supervision:interviews": Page(SUPERVISED),
    "supervision:interview_new": Page(BUREAU_USERS),
    "supervision:interview": Page(
        ["demo_province", "demo_city", "demo_district", "demo_hospital"], kwargs=interview_kwargs
    ),
    "supervision:attachment": Page(
        ["demo_province", "demo_city", "demo_district", "demo_hospital"], kwargs=lambda: interview_kwargs(True)
    ),
    "monitoring:report": Page(
        ["demo_province", "demo_city", "demo_district", "demo_hospital"], kwargs=report_kwargs
    ),  # the hospital's, and the bureaus over it
    # posted empty, each form comes back with its errors (200); only the hospital explains, its bureaus review
    "monitoring:report_explain": Page(["demo_hospital"], method="post", kwargs=report_kwargs),
    "monitoring:report_review": Page(
        ["demo_city", "demo_district"], method="post", kwargs=lambda: report_kwargs("review")
    ),
    "audit:operations": Page(["demo_auditor"]),
    "audit:logins": Page(["demo_auditor"]),
    "assessment:review_policy": Page(REVIEWERS),
    "assessment:review_policy_detail": Page(THE_HOSPITALS_REVIEWERS, kwargs=assessment_kwargs),
    "assessment:review_tasks": Page(REVIEWERS),
    "assessment:review_task_products": Page(THE_HOSPITALS_REVIEWERS, kwargs=assessment_kwargs),
    "assessment:review_task_product": Page(THE_HOSPITALS_REVIEWERS, kwargs=product_kwargs),
    "assessment:review_answer": Page(THE_HOSPITALS_REVIEWERS, method="post", ok=302, kwargs=answer_kwargs),
    "assessment:review_submit": Page(
        THE_HOSPITALS_REVIEWERS, method="post", ok=302, kwargs=lambda: assessment_kwargs(part=2)
    ),
    "assessment:review_reopen": Page(
        ["demo_province"], method="post", ok=302, kwargs=lambda: assessment_kwargs(part=1)
    ),
    "assessment:view_policy": Page(VIEWERS),
    "assessment:view_policy_detail": Page(THE_HOSPITALS_VIEWERS, kwargs=assessment_kwargs),
    "assessment:view_tasks": Page(VIEWERS),
    "assessment:view_task_products": Page(THE_HOSPITALS_VIEWERS, kwargs=assessment_kwargs),
    "assessment:view_task_product": Page(THE_HOSPITALS_VIEWERS, kwargs=product_kwargs),
    "assessment:self_batches": Page(HOSPITALS),
    "assessment:self_assessment": Page(HOSPITALS, kwargs=self_assessment_kwargs),
    "assessment:self_submit": Page(HOSPITALS, method="post", ok=302, kwargs=self_assessment_kwargs),
    "assessment:self_attachment_upload": Page(HOSPITALS, method="post", ok=302, kwargs=self_assessment_kwargs),
    "assessment:self_attachment": Page(ATTACHMENT_READERS, kwargs=attachment_kwargs),
    "assessment:self_attachment_delete": Page(["demo_hospital"], method="post", ok=302, kwargs=attachment_kwargs),
    "assessment:offline_batches": Page(REVIEWERS),
    "assessment:offline_batch": Page(REVIEWERS, kwargs=offline_kwargs),
    "assessment:offline_template": Page(REVIEWERS, kwargs=lambda: offline_kwargs(year=2024)),
    "assessment:offline_upload": Page(REVIEWERS, method="post", ok=302, kwargs=lambda: offline_kwargs(year=2024)),
    "assessment:offline_preview": Page(REVIEWERS, ok=302, kwargs=lambda: offline_kwargs(year=2024)),  # none pending
    "assessment:offline_confirm": Page(REVIEWERS, method="post", ok=302, kwargs=lambda: offline_kwargs(year=2024)),
    "assessment:offline_cancel": Page(REVIEWERS, method="post", ok=302, kwargs=lambda: offline_kwargs(year=2024)),
    "appeals:list": Page([*REVIEWERS, "demo_hospital", "demo_hospital2"]),  # the bureaus and the hospitals
    "appeals:new": Page(["demo_hospital", "demo_hospital2"]),
    "appeals:detail": Page(["demo_province", "demo_city", "demo_district", "demo_hospital"], kwargs=appeal_kwargs),
    # the forms posted empty are refused (no text) and the thread comes back with the reason: 200
    "appeals:follow_up": Page(["demo_hospital"], method="post", kwargs=appeal_kwargs),
    "appeals:reply": Page(["demo_province", "demo_city", "demo_district"], method="post", kwargs=appeal_kwargs),
    "appeals:close": Page(["demo_province", "demo_city", "demo_district"], method="post", kwargs=appeal_kwargs),
    "appeals:attachment": Page(
        ["demo_province", "demo_city", "demo_district", "demo_hospital"], kwargs=lambda: appeal_kwargs(attachment=True)
    ),
    "funding:pay_ratios": Page(["demo_province"]),
    "funding:pay_ratio_save": Page(["demo_province"], method="post", ok=302, kwargs=ratio_kwargs),
    "funding:visits": Page(VISIT_KEEPERS),
    "funding:capital_visits": Page(["demo_city"]),  # 太原市's bureau: the province-direct hospitals are in its city
    "funding:visit_submit": Page(VISIT_KEEPERS, method="post", ok=302),  # nothing selected: refused, back to the list
    "funding:overview_hospitals": Page(["demo_province"]),
    "funding:surplus_products": Page(REVIEWERS),
    "funding:visit_detail": Page(THE_HOSPITALS_VISIT_KEEPERS, kwargs=funding_kwargs),
    "funding:visit_total": Page(THE_HOSPITALS_VISIT_KEEPERS, method="post", ok=302, kwargs=funding_kwargs),
    "funding:visit_pools": Page(THE_HOSPITALS_VISIT_KEEPERS, method="post", ok=302, kwargs=funding_kwargs),
    "funding:proof_upload": Page(THE_HOSPITALS_VISIT_KEEPERS, method="post", ok=302, kwargs=funding_kwargs),
    "funding:proof": Page(THE_HOSPITALS_VIEWERS, kwargs=proof_kwargs),
    "funding:proof_delete": Page(["demo_hospital"], method="post", ok=302, kwargs=proof_kwargs),
    "funding:visit_reopen": Page(["demo_province"], method="post", ok=302, kwargs=funding_kwargs),
    "funding:shares": Page(BUSINESS),
    "funding:share_detail": Page(THE_HOSPITALS_VIEWERS, kwargs=funding_kwargs),
    "funding:amounts": Page(AMOUNT_READERS),
    "funding:amount_detail": Page(THE_HOSPITALS_VIEWERS, kwargs=amount_kwargs),
    "funding:amount_confirm": Page(THE_HOSPITALS_VIEWERS, method="post", ok=302, kwargs=amount_kwargs),
    "funding:amount_reopen": Page(["demo_province"], method="post", ok=302, kwargs=sheet_kwargs),
    "funding:overview": Page(["demo_province"]),
    "funding:surplus": Page(REVIEWERS),
    "funding:surplus_hospitals": Page(REVIEWERS, kwargs=ratio_kwargs),
    "funding:recalculate": Page(
        ["demo_province", "demo_city", "demo_city2"], method="post", ok=302, kwargs=ratio_kwargs
    ),
    # the province's recalculation covers both cities: they joined it, and see it
    "funding:recalculation": Page(["demo_province", "demo_city", "demo_city2"], kwargs=recalculation_kwargs),
    "funding:recalculation_rerun": Page(
        ["demo_province", "demo_city", "demo_city2"], method="post", ok=302, kwargs=recalculation_kwargs
    ),
    "funding:recalculation_cancel": Page(
        ["demo_province", "demo_city", "demo_city2"], method="post", ok=302, kwargs=recalculation_kwargs
    ),
    "funding:workbook": Page(REVIEWERS, kwargs=ratio_kwargs),
    "notices:list": Page(BUSINESS),
    "notices:new": Page(["demo_province"]),
    "notices:detail": Page(BUSINESS, kwargs=lambda: notice_kwargs()),  # published to the whole province
    "notices:edit": Page(["demo_province"], kwargs=lambda: notice_kwargs(publish=False)),
    "notices:publish": Page(["demo_province"], method="post", ok=302, kwargs=lambda: notice_kwargs(publish=False)),
    "notices:withdraw": Page(["demo_province"], method="post", ok=302, kwargs=lambda: notice_kwargs()),
    "notices:attachment": Page(BUSINESS, kwargs=lambda: notice_kwargs(attachment=True)),
}


def notice_kwargs(publish: bool = True, attachment: bool = False) -> dict:
    """A notice to the whole province with a real PDF attached: published, or still the province's draft."""
    from vbp.notices import services as notices

    province = User.objects.get(username="demo_province")
    content = notices.NoticeContent("关于开展年度考核的通知", "请按时完成。", whole_province=True)
    notice = notices.create_notice(province, content, [SimpleUploadedFile("通知.pdf", b"%PDF-1.4\n%%EOF\n")])
    if publish:
        notice = notices.publish_notice(province, notice, version=notice.version)
    return {"pk": notice.attachments.get().pk if attachment else notice.pk}


def url_names(patterns=None, namespace: str = "", prefix: str = "") -> list[tuple[str, str]]:
    """(name, route) of every URL pattern of the project."""
    found = []
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace
            found += url_names(pattern.url_patterns, inner or namespace, route)
        elif isinstance(pattern, URLPattern):
            found.append((f"{namespace}:{pattern.name}" if namespace else str(pattern.name), route))
    return found


def covered_elsewhere(name: str, route: str) -> bool:
    return route.split("/")[0] in COVERED_ELSEWHERE or name.startswith("captcha")


@pytest.fixture
def an_import_job(db):
    province = User.objects.get(username="demo_province")
    return services.start_import(province, "platform", "p.csv", "考核年度\n".encode(), background=False)


def test_every_url_pattern_says_who_may_reach_it():
    unknown = [
        f"{name} ({route})" for name, route in url_names() if name not in PAGES and not covered_elsewhere(name, route)
    ]
    assert not unknown, f"URL patterns no role walk covers: {unknown}"


@pytest.mark.parametrize("name", list(PAGES))
@pytest.mark.parametrize("username", [*EVERYONE, None])
def test_each_role_reaches_exactly_its_pages(client, an_import_job, name, username):
    page = PAGES[name]
    kwargs = page.kwargs() if callable(page.kwargs) else page.kwargs
    url = reverse(name, kwargs=kwargs)
    if username:
        client.force_login(User.objects.get(username=username))

    response = getattr(client, page.method)(url)

    if username is None:
        if page.public:
            assert response.status_code in (200, 302), (name, response.status_code)
        else:
            assert response.status_code == 302 and response["Location"].startswith("/login/"), name
    elif username in page.allowed:
        assert response.status_code == page.ok, (name, username, response.status_code)
    elif name == "login":
        assert response.status_code == 302  # signed in already: on to the home page
    else:
        assert response.status_code == 404, (name, username, response.status_code)


def in_scope(username: str) -> set[str]:
    """The hospital codes each demo role should see, from the demo's own facts rather than the scope code."""
    user = User.objects.get(username=username)
    hospitals = Hospital.objects.all()
    match username:
        case "demo_province":
            chosen = hospitals
        case "demo_city" | "demo_city2":
            chosen = hospitals.filter(city__code=user.region.code)
        case "demo_district":
            chosen = hospitals.filter(district__code=user.region.code)
        case "demo_platform":
            chosen = hospitals.filter(province_direct=True)
        case _:
            chosen = hospitals.filter(code=user.hospital.code)
    return set(chosen.values_list("code", flat=True))


def listed_count(html: str) -> int:
    return int(re.search(r"共 (\d+) 条", html).group(1))


def exported_column(response, column: int) -> list:
    sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).active
    return [row[column] for row in sheet.iter_rows(min_row=HEADER_ROWS + 2, values_only=True)]


@pytest.mark.parametrize("username", BUSINESS)
def test_the_hospital_list_and_its_export_hold_only_hospitals_in_scope(client, username):
    client.force_login(User.objects.get(username=username))
    expected = in_scope(username)
    assert expected

    assert listed_count(client.get("/hospitals/").content.decode()) == len(expected)
    assert set(exported_column(client.get("/hospitals/", {"export": "1"}), 0)) == expected
    outside = Hospital.objects.exclude(code__in=expected).order_by("code").first()
    if outside is not None:  # searching for a hospital out of scope by its exact name finds nothing
        assert "没有符合条件的医疗机构" in client.get("/hospitals/", {"name": outside.name}).content.decode()
        assert exported_column(client.get("/hospitals/", {"name": outside.name, "export": "1"}), 0) == []


@pytest.mark.parametrize("username", BUSINESS)
def test_platform_data_and_its_export_hold_only_records_of_hospitals_in_scope(client, username):
    client.force_login(User.objects.get(username=username))
    expected = in_scope(username)
    records = PlatformRecord.objects.filter(hospital__code__in=expected)

    assert listed_count(client.get("/platform/").content.decode()) == records.count()
    assert set(exported_column(client.get("/platform/", {"export": "1"}), 1)) == set(
        records.values_list("hospital__code", flat=True)
    )
    outside = Hospital.objects.exclude(code__in=expected).order_by("code").first()
    if outside is not None:
        assert "没有符合条件的数据" in client.get("/platform/", {"name": outside.name}).content.decode()


@pytest.mark.parametrize("username", [*EVERYONE])
def test_only_the_system_administrator_reaches_the_django_admin(client, username):
    client.force_login(User.objects.get(username=username))
    expected = 200 if username == "demo_sysadmin" else 404  # nobody else signed in finds an admin here
    assert client.get("/admin/").status_code == expected
    assert client.get("/admin/accounts/user/").status_code == expected
    assert client.get("/admin/catalog/hospital/").status_code == 404  # business records are in no admin
