"""Accounts in the system administrator's admin: make accounts, edit their names, deactivate, reset passwords.

三员分立: the system administrator makes an account but cannot give it a role or a scope (the
security administrator's 用户授权 does that), cannot touch the other administrators' accounts,
and deletes nothing (an account with history is deactivated). Every change is audited with the
values before and after (AuditedAdmin).
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm
from django.core.exceptions import ValidationError

from vbp.accounts import services
from vbp.accounts.models import User
from vbp.accounts.services import ADMIN_ROLES
from vbp.audit.admin import AuditedAdmin
from vbp.audit.context import current_request


class ResetPasswordForm(AdminPasswordChangeForm):
    """A reset by the system administrator: the user must choose a new password at the next login."""

    def save(self, commit=True):
        actor = current_request().user  # the admin's views pass no request to the form
        try:
            return services.reset_password(actor, self.user, self.cleaned_data["password1"])
        except services.AccountRefused as error:
            raise ValidationError(str(error)) from error


class NewAccountForm(AdminUserCreationForm):
    """A new account has no role and sees nothing until the security administrator authorises it."""

    class Meta(AdminUserCreationForm.Meta):
        fields = ["username", "first_name", "email"]

    def save(self, commit=True):
        user = super().save(commit=False)
        user.must_change_password = True
        user.role, user.region, user.hospital = "", None, None
        if commit:
            user.save()
        return user


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    add_form = NewAccountForm
    change_password_form = ResetPasswordForm
    list_display = ["username", "first_name", "role", "region", "hospital", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "first_name"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("个人信息", {"fields": ["first_name", "last_name", "email"]}),
        ("状态", {"fields": ["is_active", "must_change_password", "password_changed_at", "last_login", "date_joined"]}),
        ("数据权限（由安全管理员在“用户授权”中设定）", {"fields": ["role", "region", "hospital"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "first_name", "email", "password1", "password2"]})
    ]
    readonly_fields = ["role", "region", "hospital", "password_changed_at", "last_login", "date_joined"]
    filter_horizontal = []

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # an account with history is deactivated, never deleted

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.role in ADMIN_ROLES and obj.pk != request.user.pk:
            return False  # the other administrators' accounts are changed only on the server
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk == request.user.pk:
            fields.append("is_active")  # nobody locks themselves out
        return fields
