"""On PostgreSQL, the set-up the README describes: the owner migrates and runs grant_app_role; the application signs
in as a role owning nothing, which can append to the audit log but neither change, delete, truncate nor unguard it."""

import secrets

import psycopg
import pytest
from django.db import connection

from vbp.audit.models import AuditEvent

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles are PostgreSQL's"),
    pytest.mark.django_db(transaction=True),  # the role and its grants must be committed for its own connection
]
Kind = AuditEvent.Kind


def test_the_applications_own_role_cannot_erase_the_audit_log():
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
            for what in ("ALL TABLES IN SCHEMA public", "ALL SEQUENCES IN SCHEMA public", "SCHEMA public"):
                cursor.execute(f"REVOKE ALL ON {what} FROM {role}")
            cursor.execute(f"DROP ROLE {role}")
