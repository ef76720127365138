"""manage.py create_api_token USERNAME --name 用途: a token for an integration client's account, printed once."""

from django.core.management.base import BaseCommand, CommandError

from vbp.accounts import services
from vbp.accounts.models import User


class Command(BaseCommand):
    help = "Make an API token (接口令牌) for a business account; the key is printed once and never stored."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="what the token is for (用途)")

    def handle(self, *args, username, name, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"没有用户名为“{username}”的账号")
        try:
            token, key = services.create_api_token(user, name=name)
        except services.AccountRefused as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"接口令牌（只显示这一次，请妥善保存）：{key}")
        self.stdout.write(f"账号 {user.username}，用途 {token.name}，有效期至 {token.expires_at:%Y-%m-%d %H:%M} UTC")
