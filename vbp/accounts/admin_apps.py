"""The Django admin, as the system administrator's site (vbp.accounts.admin_site) instead of Django's default."""

from django.contrib.admin.apps import AdminConfig


class SystemAdminConfig(AdminConfig):
    default_site = "vbp.accounts.admin_site.SystemAdminSite"
