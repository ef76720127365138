"""The system administrator's site (系统管理): accounts, regions and pools, and nothing else (三员分立).

Only these models can be registered here: whatever else an installed package registers (groups,
task results, captchas, …) is left out, so no business record is ever readable in the admin. Signing
in goes through the system's one login page, with its captcha and lockout; anyone else signed in
finds nothing here (404).
"""

from functools import update_wrapper

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.db.models.base import ModelBase
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from vbp.accounts.models import Role

SYSTEM_ADMIN_MODELS = frozenset({"accounts.user", "regions.region", "regions.pool"})


def is_system_admin(user) -> bool:
    return user.is_authenticated and user.is_active and user.is_staff and user.role == Role.SYSTEM_ADMIN


class SystemAdminSite(admin.AdminSite):
    site_header = site_title = "集采结余留用管理系统 系统管理"
    index_title = "系统管理"

    def register(self, model_or_iterable, admin_class=None, **options):
        models = [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else list(model_or_iterable)
        allowed = [model for model in models if model._meta.label_lower in SYSTEM_ADMIN_MODELS]
        if allowed:
            super().register(allowed, admin_class, **options)

    def has_permission(self, request) -> bool:
        return is_system_admin(request.user)

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def guarded(request, *args, **kwargs):
            if request.user.is_authenticated and not self.has_permission(request):
                raise Http404
            return inner(request, *args, **kwargs)

        return update_wrapper(guarded, view)

    def login(self, request, extra_context=None):
        """The system's own login page (captcha, lockout), then back to the admin."""
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"), reverse("login"))

    def password_change(self, request, extra_context=None):
        """The system's own page, which keeps the password history and the expiry clock."""
        return redirect("accounts:password")
