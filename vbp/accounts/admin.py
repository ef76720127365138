"""Accounts in the Django admin, the system administrator's tool: new accounts and resets force a change."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm

from vbp.accounts import services
from vbp.accounts.models import Role, User
from vbp.audit.admin import AuditedAdmin

ADMIN_ROLES = {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}


class AccountForm(forms.ModelForm):
    """One role per account (三员分立): an administrator's account holds no region, hospital or other role."""

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        if role in ADMIN_ROLES and (cleaned.get("region") or cleaned.get("hospital")):
            raise forms.ValidationError("系统管理员、安全管理员、审计管理员账号不关联行政区划或医疗机构。")
        if role == Role.HOSPITAL and not cleaned.get("hospital"):
            raise forms.ValidationError("医疗机构账号须指定所属医疗机构。")
        if role in {Role.PROVINCE, Role.CITY, Role.DISTRICT} and not cleaned.get("region"):
            raise forms.ValidationError("医保局账号须指定所属行政区划。")
        if cleaned.get("is_superuser") and role != Role.SYSTEM_ADMIN:
            raise forms.ValidationError("只有系统管理员账号可以是超级用户。")
        return cleaned


class ResetPasswordForm(AdminPasswordChangeForm):
    """A reset by the system administrator: the user must choose a new password at the next login."""

    def save(self, commit=True):
        return services.admin_set_password(self.user, self.cleaned_data["password1"], must_change=True)


class NewAccountForm(AdminUserCreationForm):
    def save(self, commit=True):
        user = super().save(commit=False)
        user.must_change_password = True
        if commit:
            user.save()
        return user


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    form = type("UserChangeForm", (AccountForm, BaseUserAdmin.form), {})
    add_form = NewAccountForm
    change_password_form = ResetPasswordForm
    list_display = ["username", "first_name", "role", "region", "hospital", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "first_name"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        ("数据权限", {"fields": ["role", "region", "hospital", "must_change_password", "password_changed_at"]}),
    ]
    readonly_fields = ["password_changed_at", "last_login", "date_joined"]
