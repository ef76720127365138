"""Login security: captcha, lockout by account and by address, unlock, password rules, forced change, idle timeout."""

import datetime

import pytest
from django.utils import timezone

from vbp.accounts.models import LoginAttempt, Role, SecurityPolicy, User
from vbp.accounts.security import lock_for

pytestmark = pytest.mark.django_db
GOOD = "Good-Pass-2024"


@pytest.fixture
def clerk(make_user):
    return make_user("clerk", GOOD, role=Role.PROVINCE)


def test_the_right_password_with_the_right_captcha_signs_in(client, clerk, sign_in):
    response = sign_in(client, "clerk", GOOD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert LoginAttempt.objects.get().success


def test_a_wrong_captcha_is_refused_and_tries_no_password(client, clerk, sign_in):
    page = sign_in(client, "clerk", GOOD, captcha_1="WRONG").content.decode()
    assert "验证码不正确" in page
    assert not LoginAttempt.objects.exists()
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_the_account_for_fifteen_minutes_even_with_the_right_password(client, clerk, sign_in):
    for attempt in range(4):
        page = sign_in(client, "clerk", "wrong", ip=f"10.0.0.{attempt}").content.decode()
        assert "用户名或密码不正确" in page
    page = sign_in(client, "clerk", "wrong", ip="10.0.0.4").content.decode()
    assert "该账号连续登录失败次数过多，已被锁定" in page  # the fifth failure says so at once
    page = sign_in(client, "clerk", GOOD, ip="10.0.0.99").content.decode()
    assert "该账号连续登录失败次数过多，已被锁定" in page
    assert "_auth_user_id" not in client.session

    LoginAttempt.objects.update(at=timezone.now() - datetime.timedelta(minutes=16))  # the period has passed
    assert sign_in(client, "clerk", GOOD, ip="10.0.0.99").status_code == 302


def test_five_failures_from_one_address_lock_that_address_for_every_account(client, clerk, make_user, sign_in):
    make_user("other", GOOD)
    for name in ("a", "b", "c", "d", "e"):
        sign_in(client, name, "wrong", ip="10.1.1.1")
    assert "该地址连续登录失败次数过多" in sign_in(client, "other", GOOD, ip="10.1.1.1").content.decode()
    assert sign_in(client, "other", GOOD, ip="10.1.1.2").status_code == 302


def test_the_security_administrator_unlocks_an_account(client, clerk, make_user, sign_in):
    for _ in range(5):
        sign_in(client, "clerk", "wrong")
    admin = make_user("sec", role=Role.SECURITY_ADMIN)
    client.force_login(admin)
    page = client.get("/account/security/").content.decode()
    assert "clerk" in page and "解锁" in page

    client.post("/account/security/unlock/", {"field": "username", "value": "clerk"})
    client.post("/account/security/unlock/", {"field": "ip_address", "value": "127.0.0.1"})

    assert lock_for("clerk", "127.0.0.1") is None
    client.logout()
    assert sign_in(client, "clerk", GOOD).status_code == 302


def test_only_the_security_administrator_reaches_the_security_pages(client, make_user):
    for role in (Role.PROVINCE, Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN, Role.HOSPITAL):
        client.force_login(make_user(f"u-{role}", role=role))
        assert client.get("/account/security/").status_code == 404
        assert client.post("/account/security/unlock/", {"field": "username", "value": "x"}).status_code == 404


def test_the_security_administrator_changes_the_lockout_threshold(client, clerk, make_user, sign_in):
    client.force_login(make_user("sec", role=Role.SECURITY_ADMIN))
    values = {
        "lockout_failures": 3,
        "lockout_minutes": 15,
        "password_min_length": 8,
        "password_history": 5,
        "password_max_age_days": 90,
        "idle_minutes": 30,
        "api_token_days": 90,
    }
    client.post("/account/security/", values)
    assert SecurityPolicy.current().lockout_failures == 3
    client.logout()
    for _ in range(3):
        sign_in(client, "clerk", "wrong")
    assert "已被锁定" in sign_in(client, "clerk", GOOD).content.decode()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1!", "密码至少 8 位"),
        ("abcdefgh12", "至少三类"),
        ("Xclerk-2024", "不能包含用户名"),
    ],
)
def test_a_new_password_must_follow_every_rule(client, clerk, password, message):
    client.force_login(clerk)
    data = {"old_password": GOOD, "new_password1": password, "new_password2": password}
    page = client.post("/account/password/", data).content.decode()
    assert message in page
    clerk.refresh_from_db()
    assert clerk.check_password(GOOD)


def test_none_of_the_last_five_passwords_may_come_back(client, clerk):
    client.force_login(clerk)
    current = GOOD
    for n in range(1, 6):
        new = f"New-Pass-{n}x"
        client.post("/account/password/", {"old_password": current, "new_password1": new, "new_password2": new})
        current = new
    page = client.post(
        "/account/password/", {"old_password": current, "new_password1": "New-Pass-2x", "new_password2": "New-Pass-2x"}
    ).content.decode()
    assert "最近 5 次" in page
    assert (
        client.post(
            "/account/password/", {"old_password": current, "new_password1": GOOD, "new_password2": GOOD}
        ).status_code
        == 302
    )  # sixth back is allowed


def test_a_new_account_must_change_its_password_before_anything_else(client, sign_in):
    User.objects.create_user("fresh", password=GOOD, role=Role.PROVINCE)
    sign_in(client, "fresh", GOOD)
    response = client.get("/platform/")
    assert response.status_code == 302 and response["Location"].startswith("/account/password/")
    assert "请先修改密码" in client.get(response["Location"]).content.decode()

    new = "New-Secret-77"
    client.post("/account/password/", {"old_password": GOOD, "new_password1": new, "new_password2": new})
    assert client.get("/platform/").status_code == 200


def test_a_password_older_than_ninety_days_must_be_changed(client, clerk):
    clerk.password_changed_at = timezone.now() - datetime.timedelta(days=91)
    clerk.save()
    client.force_login(clerk)
    assert client.get("/").url.startswith("/account/password/")


def test_a_system_administrator_reset_forces_a_change_at_the_next_login(client, clerk, make_user):
    from vbp.accounts.services import reset_password

    reset_password(make_user("sys", role=Role.SYSTEM_ADMIN), clerk, "Reset-Pass-01")
    clerk.refresh_from_db()
    assert clerk.must_change_password and clerk.check_password("Reset-Pass-01")


def test_the_session_ends_after_the_idle_minutes_of_the_policy(client, clerk):
    client.force_login(clerk)
    client.get("/")
    assert client.session.get_expiry_age() == 30 * 60
    policy = SecurityPolicy.current()
    policy.idle_minutes = 10
    policy.save()
    client.get("/")
    assert client.session.get_expiry_age() == 10 * 60


def test_passwords_are_hashed_with_argon2_in_the_real_settings():
    from config import settings

    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_refusals_before_the_password_is_tried_are_in_the_login_log(client, clerk, sign_in):
    from vbp.audit.models import AuditEvent

    sign_in(client, "clerk", GOOD, captcha_1="WRONG")
    for _ in range(5):
        sign_in(client, "clerk", "wrong")
    sign_in(client, "clerk", GOOD)
    messages = list(
        AuditEvent.objects.filter(kind=AuditEvent.Kind.LOGIN_FAILED, username="clerk").values_list("message", flat=True)
    )
    assert "验证码不正确" in messages and "账号已锁定" in messages
    assert len(messages) == 7


def test_unlocks_and_settings_changes_are_audited(make_user):
    from vbp.accounts import services
    from vbp.audit.models import AuditEvent

    admin = make_user("sec", role=Role.SECURITY_ADMIN)
    services.unlock(admin, username="clerk")
    services.update_security_policy(admin, lockout_failures=4)
    change = AuditEvent.objects.get(object_type="accounts.securitypolicy")
    assert (change.before["lockout_failures"], change.after["lockout_failures"]) == (5, 4)
    assert AuditEvent.objects.filter(object_type="accounts.unlock", username="sec").exists()
