"""Per request: the idle timeout from the security settings, and a forced password change when one is due."""

from django.shortcuts import redirect
from django.urls import reverse

from vbp.accounts import security
from vbp.accounts.models import SecurityPolicy

OPEN_WHILE_CHANGE_DUE = ("/account/password/", "/logout/", "/static/", "/captcha/")


class AccountPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and hasattr(request, "session"):
            policy = SecurityPolicy.current()
            request.session.set_expiry(policy.idle_minutes * 60)
            due = user.must_change_password or security.password_expired(user, policy)
            if due and not request.path.startswith(OPEN_WHILE_CHANGE_DUE):
                return redirect(reverse("accounts:password") + "?due=1")
        return self.get_response(request)
