"""The security administrator cannot make the system laxer than 等保 level 3 allows, and the pages say the truth."""

import pytest

from vbp.accounts import services
from vbp.accounts.models import Role, SecurityPolicy
from vbp.accounts.policy import BOUNDS

pytestmark = pytest.mark.django_db

DEFAULTS = {name: bound.default for name, bound in BOUNDS.items()}


@pytest.fixture
def secadmin(make_user):
    return make_user("sec", role=Role.SECURITY_ADMIN)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("lockout_minutes", "0", "不得小于 10"),
        ("lockout_failures", "0", "不得小于 3"),
        ("lockout_failures", "50", "不得大于 5"),
        ("idle_minutes", "5256000", ""),  # ten years: more than the field can hold, refused all the same
        ("idle_minutes", "31", "不得大于 30"),
        ("password_history", "0", "不得小于 3"),
        ("password_max_age_days", "0", "不得小于 30"),
        ("password_max_age_days", "3650", "不得大于 90"),
        ("password_min_length", "4", "不得小于 8"),
        ("api_token_days", "36500", ""),
        ("idle_minutes", "²", "请输入整数"),
        ("idle_minutes", "1e30", "请输入整数"),
        ("idle_minutes", "9" * 5000, ""),
        ("lockout_minutes", "\x00", ""),
    ],
)
def test_a_setting_beyond_its_floor_is_refused_at_its_field(client, secadmin, field, value, message):
    client.force_login(secadmin)
    response = client.post("/account/security/", {**DEFAULTS, field: value})
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and "error-text" in page
    assert getattr(SecurityPolicy.current(), field) == DEFAULTS[field]


def test_the_service_refuses_too_whatever_calls_it(secadmin):
    with pytest.raises(services.AccountRefused, match="锁定时长（分钟）应在 10～1440 之间"):
        services.update_security_policy(secadmin, lockout_minutes=0)
    assert SecurityPolicy.current().lockout_minutes == 15


def test_the_login_page_shows_the_policys_real_numbers(client, secadmin):
    client.force_login(secadmin)
    assert (
        client.post("/account/security/", {**DEFAULTS, "lockout_failures": 3, "lockout_minutes": 30}).status_code == 302
    )
    client.logout()
    page = client.get("/login/").content.decode()
    assert "连续 3 次登录失败，账号或地址将被锁定 30 分钟" in page
    assert "连续 5 次" not in page
