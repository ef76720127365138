"""Weak passwords, and API tokens that outlive their welcome: each refused."""

import datetime

import pytest
from django.utils import timezone

from vbp.accounts import services
from vbp.accounts.models import ApiToken, Role, User

pytestmark = pytest.mark.django_db
GOOD = "Clerk-Pass-2024x"


@pytest.fixture
def clerk(make_user):
    return make_user("clerk", GOOD, role=Role.PROVINCE)


@pytest.mark.parametrize(
    "weak", ["Password1", "Password1!", "Password123!", "P@ssw0rd", "Admin@123", "Qwer1234!", "1qaz@WSX", "Yibao@2024"]
)
def test_a_common_password_or_a_dressed_up_one_is_refused(client, clerk, weak):
    client.force_login(clerk)
    data = {"old_password": GOOD, "new_password1": weak, "new_password2": weak}
    page = client.post("/account/password/", data).content.decode()
    assert "过于常见" in page
    clerk.refresh_from_db()
    assert clerk.check_password(GOOD)


def test_a_strong_password_is_taken(client, clerk):
    client.force_login(clerk)
    data = {"old_password": GOOD, "new_password1": "Tx9#mQ2!vb-Lk", "new_password2": "Tx9#mQ2!vb-Lk"}
    assert client.post("/account/password/", data).status_code == 302


def make_token(client, clerk) -> str:
    client.force_login(clerk)
    page = client.post("/account/tokens/", {"name": "市平台对接", "password": GOOD}).content.decode()
    token = ApiToken.objects.get(user=clerk)
    start = page.index('id="new-token-key">') + len('id="new-token-key">')
    key = page[start : page.index("</code>", start)]
    assert ApiToken.hash_of(key) == token.key_hash
    return key


def api(client, key: str):
    client.logout()
    return client.get("/api/hospitals/", HTTP_AUTHORIZATION=f"Token {key}")


def test_a_token_is_shown_once_and_never_again(client, clerk):
    key = make_token(client, clerk)
    assert key not in client.get("/account/tokens/").content.decode()
    assert key[:8] in client.get("/account/tokens/").content.decode()  # its prefix tells it apart
    assert not ApiToken.objects.filter(key_hash=key).exists()


def test_a_token_expires(client, clerk):
    key = make_token(client, clerk)
    assert api(client, key).status_code == 200
    ApiToken.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert api(client, key).status_code == 401


def test_a_token_stops_while_a_password_change_is_due_and_works_again_after(client, clerk):
    key = make_token(client, clerk)
    User.objects.filter(pk=clerk.pk).update(password_changed_at=timezone.now() - datetime.timedelta(days=91))
    response = api(client, key)
    assert response.status_code == 401 and "密码已到期" in response.json()["detail"]
    User.objects.filter(pk=clerk.pk).update(password_changed_at=timezone.now())
    assert api(client, key).status_code == 200


def test_a_revoked_token_and_a_locked_account_are_refused(client, clerk, sign_in):
    key = make_token(client, clerk)
    client.logout()
    for attempt in range(5):
        sign_in(client, "clerk", "wrong", ip=f"10.5.5.{attempt}")
    assert api(client, key).status_code == 401  # locked
    other = make_token_directly(clerk)
    token = ApiToken.objects.get(key_hash=ApiToken.hash_of(other))
    services.revoke_api_token(clerk, token)
    assert api(client, other).status_code == 401


def make_token_directly(clerk) -> str:
    return services.create_api_token(clerk, name="第二个")[1]


@pytest.mark.parametrize(
    "header",
    ["Token", "Token a b", "Token " + "x" * 10000, "Token \u00e9\u00e9", "token ../../etc/passwd", "Bearer abc"],
)
def test_malformed_tokens_are_refused_cleanly(client, clerk, header):
    response = client.get("/api/hospitals/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_another_user_cannot_revoke_my_token(client, clerk, make_user):
    make_token(client, clerk)
    token = ApiToken.objects.get(user=clerk)
    client.force_login(make_user("other", GOOD, role=Role.PROVINCE))
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
