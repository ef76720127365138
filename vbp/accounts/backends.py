"""The one password check every way in goes through (the login page, the admin, any future one): lockout first.

A locked account or address is refused before its password is tried; every try is counted
toward the lockout. The login page adds the captcha in front of this.
"""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from vbp.accounts import security, services
from vbp.accounts.models import User
from vbp.audit.services import client_ip


class LockoutBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        username = username if username is not None else kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        ip = client_ip(request) if request is not None else None
        if security.lock_for(username, ip) is not None:
            raise PermissionDenied  # Django stops trying and reports a failed login
        user = super().authenticate(request, username=username, password=password, **kwargs)
        services.record_attempt(username, ip, success=user is not None)
        return user
