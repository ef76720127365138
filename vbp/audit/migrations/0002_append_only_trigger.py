"""On PostgreSQL, a trigger refuses every UPDATE and DELETE of an audit event, whoever sends it.

SQLite gets no trigger: the test suite empties tables there with DELETE. On PostgreSQL
tables are emptied with TRUNCATE, which row triggers do not see; in production the
database role the system runs as should not own the table (see docs/architecture.md).
"""

from django.db import migrations

FUNCTION = "audit_event_refuse_change"
TRIGGER = "audit_event_append_only"


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("audit", "AuditEvent")._meta.db_table)
    schema_editor.execute(
        f"""
        CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit log is append-only: % refused on %', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'restrict_violation';
        END
        $$
        """,
        params=None,  # no parameters: the % in RAISE are PL/pgSQL's, not placeholders
    )
    schema_editor.execute(
        f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
    )


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("audit", "AuditEvent")._meta.db_table)
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {table}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
