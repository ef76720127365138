"""个人信息修改 (seed 001 §3), 用户授权's list, and the token lists: each user's own tokens, and every token for the
security administrator to revoke."""

import io

import openpyxl
import pytest
from django.urls import reverse

from vbp.accounts import services
from vbp.accounts.models import ApiToken, User
from vbp.audit.models import AuditEvent
from vbp.ui.export import HEADER_ROWS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

BUSINESS = ["demo_province", "demo_city", "demo_district", "demo_platform", "demo_hospital"]
EVERYONE = [*BUSINESS, "demo_sysadmin", "demo_secadmin", "demo_auditor"]


def signed_in(client, username: str):
    client.force_login(User.objects.get(username=username))
    return client


def exported(response) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).active
    return list(sheet.iter_rows(min_row=HEADER_ROWS + 1, values_only=True))


# --- 个人信息修改 ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", EVERYONE)
def test_every_user_edits_their_own_name_phone_and_email_and_it_is_audited(client, username):
    user = User.objects.get(username=username)
    old_name = user.get_full_name()
    data = {"name": "张  三", "phone": "0351-1234567", "email": "zhang.san@example.org"}

    response = signed_in(client, username).post(reverse("accounts:profile"), data, follow=True)

    page = response.content.decode()
    assert "个人信息已保存。" in page and 'value="张  三"' in page and 'value="0351-1234567"' in page
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.phone, user.email) == ("张  三", "", "0351-1234567", data["email"])
    assert user.display_name == "张  三"
    event = AuditEvent.objects.filter(object_type="accounts.user", object_id=str(user.pk)).latest("pk")
    assert (event.kind, event.username, event.message) == ("update", username, "修改个人信息")
    assert event.after["phone"] == "0351-1234567" and event.before["phone"] == ""
    changes = {change.label: (change.before, change.after) for change in event.changes}
    assert changes["姓名"] == (old_name or "无", "张  三") and changes["联系电话"] == ("无", "0351-1234567")


def test_saving_the_profile_unchanged_records_nothing(client):
    signed_in(client, "demo_city").post(reverse("accounts:profile"), {"name": "李四", "phone": "", "email": ""})
    events = AuditEvent.objects.filter(message="修改个人信息").count()

    signed_in(client, "demo_city").post(reverse("accounts:profile"), {"name": "李四", "phone": "", "email": ""})

    assert AuditEvent.objects.filter(message="修改个人信息").count() == events == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("name", "", "请填写姓名"), ("phone", "call me", "请输入有效的电话号码"), ("email", "not-an-address", "电子邮箱")],
)
def test_a_bad_profile_field_is_refused_at_the_field(client, field, value, message):
    data = {"name": "张三", "phone": "13800000000", "email": "", field: value}

    page = signed_in(client, "demo_hospital").post(reverse("accounts:profile"), data).content.decode()

    assert message in page and 'class="error-text"' in page
    assert User.objects.get(username="demo_hospital").phone == ""


def test_the_profile_posts_only_the_users_own_account(client):
    other = User.objects.get(username="demo_city2")
    data = {"name": "冒名", "phone": "", "email": "", "pk": other.pk, "username": "demo_city2"}

    signed_in(client, "demo_city").post(reverse("accounts:profile"), data)

    other.refresh_from_db()
    assert other.first_name != "冒名" and User.objects.get(username="demo_city").first_name == "冒名"


# --- 用户授权 -------------------------------------------------------------------------------------------------


def test_the_authorization_list_filters_and_exports_business_accounts_only(client, make_user):
    make_user("waiting", first_name="待分配")
    secadmin = signed_in(client, "demo_secadmin")

    page = secadmin.get(reverse("accounts:authorizations"), {"role": "none"}).content.decode()
    assert "共 1 条" in page and "waiting" in page and "待授权" in page and "demo_city" not in page
    rows = exported(secadmin.get(reverse("accounts:authorizations"), {"export": "xlsx"}))
    usernames = {row[0] for row in rows[1:]}
    assert rows[0][:3] == ("用户名", "姓名", "角色")
    assert {"waiting", "demo_city", "demo_hospital"} <= usernames
    assert not usernames & {"demo_sysadmin", "demo_secadmin", "demo_auditor"}


@pytest.mark.parametrize("username", ["demo_sysadmin", "demo_secadmin", "demo_auditor"])
def test_an_administrators_account_is_not_there_to_authorize(client, username):
    pk = User.objects.get(username=username).pk
    assert signed_in(client, "demo_secadmin").get(reverse("accounts:authorize", args=[pk])).status_code == 404


# --- 接口令牌 -------------------------------------------------------------------------------------------------


def test_each_user_lists_only_their_own_tokens(client):
    mine, _ = services.create_api_token(User.objects.get(username="demo_city"), name="我的对接")
    services.create_api_token(User.objects.get(username="demo_city2"), name="别人的对接")

    page = signed_in(client, "demo_city").get(reverse("accounts:api_tokens")).content.decode()

    assert "共 1 条" in page and "我的对接" in page and "别人的对接" not in page
    assert f'action="{reverse("accounts:api_token_revoke", args=[mine.pk])}"' in page
    assert 'name="csrfmiddlewaretoken"' in page


def test_the_security_administrator_lists_every_token_and_revokes_one(client):
    token, _ = services.create_api_token(User.objects.get(username="demo_city"), name="市平台对接")
    services.create_api_token(User.objects.get(username="demo_hospital"), name="医院对接")
    secadmin = signed_in(client, "demo_secadmin")

    page = secadmin.get(reverse("accounts:tokens")).content.decode()
    assert "共 2 条" in page and "市平台对接" in page and "医院对接" in page and "demo_city" in page
    assert "新建令牌" not in page and 'name="password"' not in page  # the security administrator makes none
    page = secadmin.get(reverse("accounts:tokens"), {"username": "demo_city"}).content.decode()
    assert "共 1 条" in page

    response = secadmin.post(reverse("accounts:api_token_revoke", args=[token.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("accounts:tokens")
    assert f"已作废接口令牌 {token.prefix}…" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    page = secadmin.get(reverse("accounts:tokens"), {"status": "usable"}).content.decode()
    assert "共 1 条" in page and "市平台对接" not in page


@pytest.mark.parametrize("username", ["demo_province", "demo_city", "demo_sysadmin", "demo_auditor"])
def test_no_one_else_reaches_every_token(client, username):
    services.create_api_token(User.objects.get(username="demo_city2"), name="对接")
    client.force_login(User.objects.get(username=username))
    assert client.get(reverse("accounts:tokens")).status_code == 404
    token = ApiToken.objects.get()
    assert client.post(reverse("accounts:api_token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_path_of_this_system_is_where_the_login_goes_next(client, sign_in):
    page = client.get(reverse("login"), {"next": "/appeals/"}).content.decode()
    assert 'name="next" value="/appeals/"' in page

    response = sign_in(client, "demo_city", "demo2024!", next="/appeals/")

    assert response.status_code == 302 and response["Location"] == "/appeals/"
