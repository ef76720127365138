"""The account lists: 用户授权 (the security administrator's business accounts) and 接口令牌 (a business account's own
tokens, with the form that makes one; every token, for the security administrator to revoke)."""

from __future__ import annotations

from django.contrib import messages
from django.db import models
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone

from vbp import permissions
from vbp.accounts import services
from vbp.accounts.forms import AccountQuery, ApiTokenForm, TokenQuery
from vbp.accounts.models import ApiToken, SecurityPolicy, User
from vbp.ui.lists import Column, ListPage

REVOKE_CELL = "accounts/_revoke_cell.html"


class AccountQuerySet(models.QuerySet):
    """The accounts 用户授权 reaches: business accounts, and new ones waiting for a role; never the three
    administrators, staff or superusers (三员分立). Only the security administrator reaches any."""

    def visible_to(self, user) -> AccountQuerySet:
        if not permissions.sets_security_policy(user):
            return self.none()
        return self.exclude(role__in=services.ADMIN_ROLES).exclude(is_staff=True).exclude(is_superuser=True)


def authorizable_accounts() -> AccountQuerySet:
    return AccountQuerySet(model=User)


def _authorize_url(account: User) -> str:
    return reverse("accounts:authorize", args=[account.pk])


class AccountList(ListPage):
    """用户授权: every business account (or one waiting for a role), with its role and scope."""

    title = "用户授权"
    sheet = "账号"
    allows = staticmethod(permissions.sets_security_policy)
    query_form = AccountQuery
    template_name = "accounts/authorizations.html"
    table_id = "accounts"
    empty = "没有符合条件的账号"
    columns = (
        Column("用户名", "username", sticky=True),
        Column("姓名", "get_full_name"),
        Column("角色", lambda account: account.get_role_display() or "待授权"),
        Column("所属行政区划", "region.name"),
        Column("所属医疗机构", "hospital.name"),
        Column("联系电话", "phone"),
        Column("电子邮箱", "email"),
        Column("状态", lambda account: "启用" if account.is_active else "停用"),
        Column("操作", lambda account: "授权", link=_authorize_url, export=False),
    )

    def rows(self, query):
        return authorizable_accounts().visible_to(self.user).select_related("region", "hospital").order_by("username")


class TokenList(ListPage):
    """接口令牌: the account's own tokens, and above them the form that makes one (the key is shown once, here)."""

    title = "接口令牌"
    allows = staticmethod(permissions.holds_api_tokens)
    query_form = TokenQuery
    template_name = "accounts/api_tokens.html"
    table_id = "tokens"
    empty = "尚未创建令牌"
    revoke_confirm = "确定作废令牌 {prefix}…？作废后不能恢复。"

    def get_columns(self) -> list[Column]:
        csrf = get_token(self.request)  # the 作废 buttons post from inside the table
        return [
            Column("令牌前缀", "prefix", template="accounts/_prefix_cell.html", sticky=True),
            *self.owner_columns(),
            Column("用途", "name"),
            Column("创建时间", "created_at", kind="datetime"),
            Column("到期时间", "expires_at", kind="datetime"),
            Column("最近使用", "last_used_at", kind="datetime"),
            Column("作废时间", "revoked_at", kind="datetime", show=False),
            Column("状态", "status"),
            Column("操作", lambda token: self.revoke_form(token, csrf), template=REVOKE_CELL, export=False),
        ]

    def owner_columns(self) -> list[Column]:
        return []

    def revoke_form(self, token: ApiToken, csrf: str) -> dict | None:
        if token.revoked_at is not None or token.expires_at <= timezone.now():
            return None  # revoked or expired already: nothing to revoke
        confirm = self.revoke_confirm.format(prefix=token.prefix, username=token.user.username)
        return {"csrf": csrf, "url": reverse("accounts:api_token_revoke", args=[token.pk]), "confirm": confirm}

    def rows(self, query):
        return ApiToken.objects.visible_to(self.user).select_related("user").order_by("-created_at", "-pk")

    def respond(self):
        """A GET lists; a POST makes a token (after the password again) and lists, with the new key shown once."""
        self.new_key = None
        self.form = ApiTokenForm(self.request, data=self.request.POST if self.request.method == "POST" else None)
        if self.request.method == "POST" and self.form.is_valid():
            try:
                token, self.new_key = services.create_api_token(self.user, name=self.form.cleaned_data["name"])
            except services.AccountRefused as error:
                self.form.add_error(None, str(error))
            else:
                messages.success(self.request, f"已创建接口令牌 {token.prefix}…，请立即复制保存：离开本页后不再显示。")
                self.form = ApiTokenForm(self.request)
        return super().respond()

    def extra_context(self) -> dict:
        return {"form": self.form, "new_key": self.new_key, "policy": SecurityPolicy.current()}


class AllTokenList(TokenList):
    """接口令牌管理: every account's tokens, for the security administrator to see and revoke (作废); it makes none."""

    title = "接口令牌管理"
    allows = staticmethod(permissions.sets_security_policy)
    template_name = "accounts/all_tokens.html"
    empty = "没有符合条件的令牌"
    revoke_confirm = "确定作废 {username} 的令牌 {prefix}…？作废后不能恢复。"

    def owner_columns(self) -> list[Column]:
        return [Column("账号", "user.username"), Column("姓名", "user.get_full_name")]

    def form_kwargs(self) -> dict:
        return {**super().form_kwargs(), "accounts": True}

    def respond(self):
        return ListPage.respond(self)

    def extra_context(self) -> dict:
        return {}
