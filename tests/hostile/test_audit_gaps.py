"""What an assessor looks for in the audit log: refusals, downloads, addresses; a log the application cannot erase."""

import funding_steps as steps
import pytest

from vbp.accounts.models import User
from vbp.appeals import services as appeal_services
from vbp.audit.models import AuditEvent
from vbp.catalog.models import Batch, Hospital
from vbp.platformdata.models import PlatformRecord

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]
Kind = AuditEvent.Kind


def latest(kind: str) -> AuditEvent:
    return AuditEvent.objects.filter(kind=kind).latest("pk")


def test_asking_for_another_regions_hospital_is_refused_and_recorded(client):
    other = Hospital.objects.filter(city__name="大同市").first()
    client.force_login(User.objects.get(username="demo_city"))
    response = client.get(f"/funding/visits/{other.pk}/2024/", REMOTE_ADDR="10.8.8.8")
    assert response.status_code == 404
    event = latest(Kind.DENIED)
    assert (event.username, event.ip) == ("demo_city", "10.8.8.8")
    assert f"/funding/visits/{other.pk}/2024/" in event.message and "404" in event.message


def test_an_administrator_knocking_on_business_pages_is_recorded(client):
    client.force_login(User.objects.get(username="demo_sysadmin"))
    client.get("/platform/")
    assert latest(Kind.DENIED).username == "demo_sysadmin"


def test_an_api_call_without_a_valid_token_is_recorded(client):
    assert client.get("/api/hospitals/", HTTP_AUTHORIZATION="Token nope", REMOTE_ADDR="10.6.6.6").status_code == 401
    event = latest(Kind.DENIED)
    assert event.ip == "10.6.6.6" and "401" in event.message and "/api/hospitals/" in event.message


def test_a_forged_form_without_its_csrf_token_is_refused_and_recorded(client):
    from django.test import Client

    forged = Client(enforce_csrf_checks=True)
    forged.force_login(User.objects.get(username="demo_province"))
    batch = Batch.objects.get(name=steps.BATCH)
    assert forged.post(f"/funding/ratios/{batch.pk}/2024/save/", {"percent": "70"}).status_code == 403
    assert "403" in latest(Kind.DENIED).message


def test_a_business_change_records_the_clients_address(client):
    hospital = User.objects.get(username="demo_hospital")
    batch = Batch.objects.get(name=steps.BATCH)
    client.force_login(hospital)
    data = {"batch": f"{batch.pk}-2024", "title": "金额有误", "text": "请复核。", "submission_key": ""}
    client.post("/appeals/new/", data, REMOTE_ADDR="10.1.2.3")
    event = AuditEvent.objects.filter(object_type="appeals.appeal").latest("pk")
    assert (event.kind, event.username, event.ip) == (Kind.CREATE, "demo_hospital", "10.1.2.3")


def test_a_service_called_outside_any_request_records_no_address():
    hospital = User.objects.get(username="demo_hospital")
    appeal_services.file_appeal(hospital, Batch.objects.get(name=steps.BATCH), 2024, "无地址", "命令行提交")
    assert AuditEvent.objects.filter(object_type="appeals.appeal").latest("pk").ip is None


def test_downloading_the_calculation_workbook_is_recorded(client):
    batch = Batch.objects.get(name=steps.BATCH)
    client.force_login(User.objects.get(username="demo_city"))
    response = client.get(f"/funding/workbook/{batch.pk}/2024/", REMOTE_ADDR="10.3.3.3")
    assert response.status_code == 200
    event = latest(Kind.EXPORT)
    assert event.username == "demo_city" and "测算底稿" in event.message and event.ip == "10.3.3.3"


def test_an_export_is_recorded_with_its_rows_and_filters(client):
    client.force_login(User.objects.get(username="demo_city"))
    response = client.get("/platform/", {"export": "1", "year": "2024"}, REMOTE_ADDR="10.4.4.4")
    assert response.status_code == 200
    event = latest(Kind.EXPORT)
    assert event.username == "demo_city" and event.ip == "10.4.4.4"
    assert "导出 平台数据.xlsx" in event.message and "考核年度 2024" in event.message
    city = User.objects.get(username="demo_city")
    expected = PlatformRecord.objects.visible_to(city).filter(year=2024).count()
    assert expected > 0 and f"；{expected} 行；" in event.message
