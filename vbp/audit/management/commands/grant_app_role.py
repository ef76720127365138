"""manage.py grant_app_role ROLE: on PostgreSQL, let the role the system runs as use the tables it does not own.

Production runs with two database roles: the owner, which runs `migrate` and owns every table, and
the application's role, which the web servers and workers sign in as. Run this as the owner after
each `migrate`. The application's role may then read and write the business tables, but on the
audit log only read and append: it cannot update, delete or truncate events, nor (not owning the
table) disable or drop the trigger that guards it. See the README, "The audit log on PostgreSQL".
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from vbp.audit.models import AuditEvent


def grant_statements(role: str) -> list[str]:
    quoted = connection.ops.quote_name(role)
    audit = connection.ops.quote_name(AuditEvent._meta.db_table)
    return [
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
        f"REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON {audit} FROM {quoted}",
    ]


class Command(BaseCommand):
    help = "Grant the application's database role what it needs, and on the audit log only SELECT and INSERT."

    def add_arguments(self, parser):
        parser.add_argument("role", help="the database role the web servers and workers sign in as")
        parser.add_argument("--print", action="store_true", help="print the statements instead of running them")

    def handle(self, *args, role, **options):
        print_only = options["print"]
        if connection.vendor != "postgresql":
            raise CommandError("只适用于 PostgreSQL 数据库")
        with connection.cursor() as cursor:
            owner_query = "SELECT current_user, pg_get_userbyid(relowner) FROM pg_class WHERE relname = %s"
            cursor.execute(owner_query, [AuditEvent._meta.db_table])
            current, owner = cursor.fetchone()
            if role in (current, owner):
                raise CommandError(f"“{role}”拥有审计日志表，应用程序须以另一个不拥有任何表的数据库角色运行")
            for statement in grant_statements(role):
                if print_only:
                    self.stdout.write(statement + ";")
                else:
                    cursor.execute(statement)
        if not print_only:
            self.stdout.write(f"已为数据库角色 {role} 授权；审计日志表只能查询和追加")
