"""配送企业档案, 供应问题反馈 and 约谈督导: kept by the right users, checked, versioned, audited, scoped."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from vbp.accounts.models import User
from vbp.audit.models import AuditEvent
from vbp.catalog.models import Batch, Hospital
from vbp.supervision.models import Distributor, Interview, SupplyIssue

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]
PDF = b"%PDF-1.4\n%%EOF\n"


def user(name: str) -> User:
    return User.objects.get(username=name)


def distributor_form(**changes) -> dict:
    values = {"name": "华润山西医药有限公司", "credit_code": "91140000MA0GRXXX1A", "status": "active", "area": "太原市"}
    return {**values, **changes}


def test_the_register_is_kept_with_checked_codes_unique_names_and_versions(client):
    client.force_login(user("demo_city"))
    page = client.post(reverse("supervision:distributor_new"), distributor_form(credit_code="123"))
    assert "应为 18 位统一社会信用代码" in page.content.decode()
    assert client.post(reverse("supervision:distributor_new"), distributor_form()).status_code == 302
    again = client.post(reverse("supervision:distributor_new"), distributor_form())
    assert "已有名为“华润山西医药有限公司”的配送企业" in again.content.decode()

    saved = Distributor.objects.get()
    url = reverse("supervision:distributor", args=[saved.pk])
    assert client.post(url, distributor_form(status="suspended", version=1)).status_code == 302
    stale = client.post(url, distributor_form(status="left", version=1))
    assert "页面已过期" in stale.content.decode()
    saved.refresh_from_db()
    assert (saved.status, saved.version) == ("suspended", 2)
    assert AuditEvent.objects.filter(object_type__contains="distributor").count() == 2

    client.force_login(user("demo_hospital"))  # a hospital neither reads nor keeps the register
    assert client.get(reverse("supervision:distributors")).status_code == 404


@pytest.fixture
def distributor():
    return Distributor.objects.create(name="国药控股山西有限公司", updated_by=user("demo_province"))


def test_a_supply_issue_is_followed_up_until_it_is_resolved(client, distributor):
    batch = Batch.objects.get(name="国家第一批集中带量采购")
    client.force_login(user("demo_hospital"))
    response = client.post(
        reverse("supervision:issue_new"),
        {
            "distributor": distributor.pk,
            "batch": batch.pk,
            "generic": "阿托伐他汀钙片",
            "happened_on": "2024-05-06",
            "description": "下单十天仍未配送。",
        },
    )
    issue = SupplyIssue.objects.get()
    assert response.status_code == 302 and issue.hospital == user("demo_hospital").hospital

    client.force_login(user("demo_city"))
    follow_up = reverse("supervision:issue_follow_up", args=[issue.pk])
    client.post(follow_up, {"status": "following", "follow_up": "已电话督促配送企业。", "version": 1})
    refused = client.post(follow_up, {"status": "resolved", "follow_up": "已配送。", "version": 2})
    assert "已解决时请填写处理结果" in refused.content.decode()
    client.post(follow_up, {"status": "resolved", "follow_up": "已配送。", "outcome": "5月20日到货。", "version": 2})
    issue.refresh_from_db()
    assert (issue.status, issue.outcome, issue.handled_by) == ("resolved", "5月20日到货。", user("demo_city"))
    final = client.post(follow_up, {"status": "following", "follow_up": "再看看。", "version": 3}, follow=True)
    assert "该供应问题已解决，不能再修改" in final.content.decode()
    issue.refresh_from_db()
    assert issue.status == "resolved"

    client.force_login(user("demo_city2"))  # another city's bureau: not there
    assert client.get(reverse("supervision:issue", args=[issue.pk])).status_code == 404


def test_interview_records_reach_the_bureaus_over_them_and_the_hospital_interviewed(client, distributor):
    hospital = user("demo_hospital").hospital
    client.force_login(user("demo_city"))
    response = client.post(
        reverse("supervision:interview_new"),
        {
            "hospital": hospital.pk,
            "held_on": "2024-10-15",
            "reason": "采购进度低于序时进度。",
            "participants": "市医保局、药剂科",
            "files": [SimpleUploadedFile("约谈记录.pdf", PDF)],
        },
    )
    assert response.status_code == 302
    about_hospital = Interview.objects.get()
    assert about_hospital.attachments.count() == 1
    both = client.post(
        reverse("supervision:interview_new"),
        {
            "hospital": hospital.pk,
            "distributor": distributor.pk,
            "held_on": "2024-10-15",
            "reason": "x",
            "participants": "y",
        },
    )
    assert "二者选一" in both.content.decode()
    client.post(
        reverse("supervision:interview_new"),
        {"distributor": distributor.pk, "held_on": "2024-10-16", "reason": "配送率偏低。", "participants": "市医保局"},
    )
    about_distributor = Interview.objects.get(distributor=distributor)

    reach = {
        name: set(Interview.objects.visible_to(user(name)))
        for name in ("demo_province", "demo_city", "demo_district", "demo_city2", "demo_hospital", "demo_hospital2")
    }
    assert reach["demo_province"] == reach["demo_city"] == {about_hospital, about_distributor}
    assert reach["demo_district"] == {
        about_hospital
    }  # the hospital is in its district; the city's talk with a company is the city's
    assert reach["demo_hospital"] == {about_hospital}
    assert reach["demo_city2"] == reach["demo_hospital2"] == set()

    outside = Hospital.objects.filter(city__name="大同市").first()
    refused = client.post(
        reverse("supervision:interview_new"),
        {"hospital": outside.pk, "held_on": "2024-10-15", "reason": "x", "participants": "y"},
    )
    assert refused.status_code == 200 and Interview.objects.filter(hospital=outside).count() == 0


def test_a_bad_attachment_keeps_no_record_and_no_file(client, settings):
    client.force_login(user("demo_city"))
    response = client.post(
        reverse("supervision:interview_new"),
        {
            "hospital": user("demo_hospital").hospital_id,
            "held_on": "2024-10-15",
            "reason": "x",
            "participants": "y",
            "files": [SimpleUploadedFile("约谈记录.pdf", b"MZ not a pdf")],
        },
    )
    assert response.status_code == 200 and not Interview.objects.exists()
    assert not any(settings.VBP_ATTACHMENT_ROOT.rglob("*.*"))
