"""登录, 登出 and 登录失败 are recorded with who, when, from which address and browser; never the password."""

import pytest
from audit_helpers import BROWSER, PASSWORD, post_login
from django.contrib.auth import authenticate

from vbp.accounts.models import Role
from vbp.audit.models import AuditEvent

Kind = AuditEvent.Kind


def test_a_login_is_recorded_with_the_user_address_and_browser(client, users):
    user = users[Role.CITY]

    response = post_login(client, user.username, PASSWORD)

    assert response.status_code == 302
    event = AuditEvent.objects.get(kind=Kind.LOGIN)
    assert (event.actor, event.username, event.ip, event.user_agent) == (user, user.username, "10.20.30.40", BROWSER)
    assert event.get_kind_display() == "登录"


def test_a_failed_login_records_the_username_tried_and_never_the_password(client, users):
    post_login(client, users[Role.CITY].username, "Wrong-password-1", ip="192.0.2.7")
    post_login(client, "nobody", "Another-secret-2", ip="192.0.2.7")

    failures = AuditEvent.objects.filter(kind=Kind.LOGIN_FAILED).order_by("id")
    assert [(event.username, event.actor, event.ip) for event in failures] == [
        (users[Role.CITY].username, None, "192.0.2.7"),
        ("nobody", None, "192.0.2.7"),
    ]
    assert not AuditEvent.objects.filter(kind=Kind.LOGIN).exists()
    stored = repr(list(AuditEvent.objects.values()))
    assert "Wrong-password-1" not in stored and "Another-secret-2" not in stored and PASSWORD not in stored


def test_a_logout_is_recorded(client, users):
    user = users[Role.HOSPITAL]
    client.force_login(user)

    client.post("/logout/", REMOTE_ADDR="10.0.0.9", HTTP_USER_AGENT=BROWSER)

    event = AuditEvent.objects.get(kind=Kind.LOGOUT)
    assert (event.actor, event.username, event.ip, event.user_agent) == (user, user.username, "10.0.0.9", BROWSER)


def test_logging_out_without_a_session_records_nothing(client, db):
    client.post("/logout/")
    assert not AuditEvent.objects.exists()


def test_authenticating_outside_a_request_is_recorded_too(users):
    assert authenticate(username=users[Role.PROVINCE].username, password="wrong") is None

    event = AuditEvent.objects.get(kind=Kind.LOGIN_FAILED)
    assert (event.username, event.ip, event.user_agent) == (users[Role.PROVINCE].username, None, "")


def test_a_forwarded_address_is_ignored_unless_the_system_is_behind_a_proxy(client, users, settings):
    settings.SECURE_PROXY_SSL_HEADER = None
    post_login(client, "nobody", "x", ip="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert AuditEvent.objects.get().ip == "10.0.0.1"


@pytest.mark.parametrize("forwarded", ["203.0.113.5", "6.6.6.6, 203.0.113.5"])
def test_behind_the_proxy_the_address_it_saw_is_recorded(client, users, settings, forwarded):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    post_login(client, "nobody", "x", ip="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert AuditEvent.objects.get().ip == "203.0.113.5"  # the last hop, not what the client claimed
