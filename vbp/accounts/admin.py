from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from vbp.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "first_name", "role", "region", "hospital", "is_active"]
    list_filter = ["role", "is_active"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        ("数据权限", {"fields": ["role", "region", "hospital", "must_change_password"]}),
    ]
