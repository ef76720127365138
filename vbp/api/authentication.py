"""API sign-in with a token (接口令牌): ``Authorization: Token <key>``.

The key is looked up by its SHA-256 among tokens neither revoked nor expired. The account must
be active, not locked, and have no password change due: a token works only while its owner
could log in on the page.
"""

import datetime

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from vbp.accounts import security
from vbp.accounts.models import ApiToken

KEYWORD = b"token"
TOUCH_EVERY = datetime.timedelta(minutes=1)  # last_used_at is written at most this often


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("令牌格式不正确，应为“Token <令牌>”")
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed("令牌无效") from None
        token = ApiToken.objects.usable().select_related("user").filter(key_hash=ApiToken.hash_of(key)).first()
        if token is None:
            raise AuthenticationFailed("令牌无效、已作废或已过期")
        user = token.user
        if not user.is_active:
            raise AuthenticationFailed("该账号已停用")
        if security.lock_on("username", user.username) is not None:
            raise AuthenticationFailed("该账号已被锁定")
        if security.must_change_password(user):
            raise AuthenticationFailed("该账号的密码已到期或须修改，请先登录系统修改密码，令牌暂停使用")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return user, token

    def authenticate_header(self, request) -> str:
        return "Token"


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes this sign-in."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "接口令牌：`Token <令牌>`（在“个人信息 → 接口令牌”中创建）",
        }
