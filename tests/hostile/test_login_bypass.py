"""Attacks on the way in: every door has the captcha and the lockout, and a locked account stays out everywhere."""

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory

from vbp.accounts.models import LoginAttempt, Role

pytestmark = pytest.mark.django_db
GOOD = "Sys-Admin-Pass-2024"


@pytest.fixture
def sysadmin(make_user):
    return make_user("sys", GOOD, role=Role.SYSTEM_ADMIN, is_staff=True, is_superuser=True)


def admin_login(client, password: str, ip: str = "10.9.9.9"):
    return client.post(
        "/admin/login/?next=/admin/", {"username": "sys", "password": password, "next": "/admin/"}, REMOTE_ADDR=ip
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_admins_own_login_form_is_gone_twelve_guesses_then_the_right_one_sign_nobody_in(client, sysadmin):
    for _ in range(12):
        response = admin_login(client, "wrong-guess")
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    response = admin_login(client, GOOD)
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
    assert not signed_in(client)
    assert client.get("/admin/").status_code == 302  # still a visitor: sent to the one login page
    assert not LoginAttempt.objects.exists()  # the admin's page tried no password at all


def test_the_system_administrator_signs_in_only_through_the_login_page_with_its_captcha(client, sysadmin, sign_in):
    page = sign_in(client, "sys", GOOD, captcha_1="WRONG", next="/admin/").content.decode()
    assert "验证码不正确" in page and not signed_in(client)
    response = sign_in(client, "sys", GOOD, next="/admin/")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_an_account_locked_on_the_login_page_gets_in_through_no_other_door(client, sysadmin, sign_in):
    for attempt in range(5):
        sign_in(client, "sys", "wrong", ip=f"10.0.0.{attempt}")
    assert "已被锁定" in sign_in(client, "sys", GOOD, ip="10.0.0.99").content.decode()

    admin_login(client, GOOD, ip="10.0.0.100")
    assert not signed_in(client)
    assert client.login(username="sys", password=GOOD) is False  # Django's own login() goes through the lockout
    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.101")
    assert authenticate(request, username="sys", password=GOOD) is None  # and so does any other caller


def test_guessing_through_authenticate_counts_toward_the_lockout(sysadmin):
    request = RequestFactory().post("/", REMOTE_ADDR="10.2.2.2")
    for _ in range(5):
        assert authenticate(request, username="sys", password="wrong") is None
    assert authenticate(RequestFactory().post("/", REMOTE_ADDR="10.3.3.3"), username="sys", password=GOOD) is None
    assert LoginAttempt.objects.filter(username="sys", success=False).count() == 5


def test_the_api_takes_no_passwords(client, make_user):
    make_user("clerk", "Clerk-Pass-2024", role=Role.PROVINCE)
    import base64

    basic = base64.b64encode(b"clerk:Clerk-Pass-2024").decode()
    assert client.get("/api/hospitals/", HTTP_AUTHORIZATION=f"Basic {basic}").status_code == 401
    assert client.post("/api/api-token-auth/", {"username": "clerk", "password": "Clerk-Pass-2024"}).status_code == 404


def test_making_an_api_token_asks_for_the_password_and_counts_wrong_ones(client, make_user):
    clerk = make_user("clerk", "Clerk-Pass-2024", role=Role.PROVINCE)
    client.force_login(clerk)
    for _ in range(5):
        page = client.post("/account/tokens/", {"name": "对接", "password": "wrong"}, REMOTE_ADDR="10.4.4.4")
        assert clerk.api_tokens.count() == 0
    assert "已被锁定" in page.content.decode()
    page = client.post("/account/tokens/", {"name": "对接", "password": "Clerk-Pass-2024"}, REMOTE_ADDR="10.4.4.5")
    assert "已被锁定" in page.content.decode() and clerk.api_tokens.count() == 0
