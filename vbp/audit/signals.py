"""Logins, logouts and failed logins, heard from Django's auth signals: every way in goes through them."""

from django.contrib.auth import get_user_model, user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from vbp.audit.services import Kind, record_login


@receiver(user_logged_in, dispatch_uid="audit_login")
def record_logged_in(sender, request, user, **kwargs):
    record_login(Kind.LOGIN, user=user, request=request, message="登录成功")


@receiver(user_logged_out, dispatch_uid="audit_logout")
def record_logged_out(sender, request, user, **kwargs):
    if user is not None:  # logging out without a session is no event
        record_login(Kind.LOGOUT, user=user, request=request, message="退出登录")


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def record_login_failed(sender, credentials, request=None, **kwargs):
    # credentials holds the password (masked by Django, still never stored): only the username is kept.
    username = str(credentials.get(get_user_model().USERNAME_FIELD, ""))
    record_login(Kind.LOGIN_FAILED, username=username, request=request, message="登录失败：用户名或密码不正确")
