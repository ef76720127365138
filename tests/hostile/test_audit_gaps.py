"""What an assessor looks for in the audit log: refusals, downloads, addresses; a log the application cannot erase."""

import secrets

import funding_steps as steps
import psycopg
import pytest
from django.db import connection

from vbp.accounts.models import User
from vbp.appeals import services as appeal_services
from vbp.audit.models import AuditEvent
from vbp.catalog.models import Batch, Hospital

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


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_the_applications_own_role_cannot_erase_the_audit_log():
    """The set-up the README describes: the owner migrates and grants; the application signs in as a role owning
    nothing, which can append to the audit log but neither change, delete, truncate nor unguard it."""
    from django.core.management import call_command

    AuditEvent.objects.create(kind=Kind.OTHER, message="不可抹去")
    role, password = f"vbp_app_{secrets.token_hex(4)}", secrets.token_urlsafe(16)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} LOGIN PASSWORD %s", [password])
    try:
        call_command("grant_app_role", role)
        settings = connection.settings_dict
        dsn = {
            "host": settings["HOST"],
            "port": settings["PORT"],
            "dbname": settings["NAME"],
            "user": role,
            "password": password,
        }
        with psycopg.connect(**dsn, autocommit=True) as app:
            app.execute(
                "INSERT INTO audit_auditevent (kind, at, username, user_agent, object_type, object_id, "
                "object_text, message) VALUES ('other', now(), '', '', '', '', '', '追加')"
            )
            assert app.execute("SELECT count(*) FROM audit_auditevent").fetchone()[0] == 2
            app.execute("UPDATE catalog_hospital SET name = name")  # the business tables are its to write
            for statement in (
                "UPDATE audit_auditevent SET message = 'x'",
                "DELETE FROM audit_auditevent",
                "TRUNCATE audit_auditevent",
                "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only",
                "DROP TRIGGER audit_event_append_only ON audit_auditevent",
                "DROP TABLE audit_auditevent",
                "ALTER TABLE audit_auditevent OWNER TO CURRENT_USER",
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    app.execute(statement)
        assert AuditEvent.objects.filter(message="不可抹去").exists()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")
