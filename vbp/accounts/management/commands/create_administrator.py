"""manage.py create_administrator USERNAME --role system_admin|security_admin|audit_admin: one of the 三员.

The three administrator roles are set only here, on the server, never through a page: no
administrator can make another, nor give a business account an administrator's role.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from vbp.accounts.models import Role, User
from vbp.accounts.services import ADMIN_ROLES, set_initial_password
from vbp.audit.services import Kind, record_change, snapshot


class Command(BaseCommand):
    help = "Create an administrator account (系统管理员, 安全管理员 or 审计管理员) with a one-time password."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=sorted(role.value for role in ADMIN_ROLES))
        parser.add_argument("--name", default="", help="the person's name (姓名)")
        parser.add_argument(
            "--reset-password", action="store_true", help="give an existing administrator a new one-time password"
        )

    @transaction.atomic
    def handle(self, *args, username, role, name, reset_password, **options):
        existing = User.objects.filter(username=username).first()
        if reset_password:
            if existing is None or existing.role != role:
                raise CommandError(f"没有用户名为“{username}”的{Role(role).label}账号")
            password = set_initial_password(existing)
            record_change(None, Kind.UPDATE, existing, message="服务器命令重置三员账号密码（下次登录须修改）")
            self.stdout.write(f"已重置 {username} 的密码；新密码（登录后须修改）：{password}")
            return
        if existing is not None:
            raise CommandError(f"用户名“{username}”已存在")
        user = User.objects.create(
            username=username,
            first_name=name,
            role=role,
            is_staff=role == Role.SYSTEM_ADMIN,
            is_superuser=role == Role.SYSTEM_ADMIN,  # the admin's own permissions; its site allows only 3 models
        )
        password = set_initial_password(user)
        record_change(None, Kind.CREATE, user, after=snapshot(user), message=f"服务器命令创建{Role(role).label}账号")
        self.stdout.write(f"已创建{Role(role).label}账号 {username}；初始密码（首次登录须修改）：{password}")
