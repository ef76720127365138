"""The home page: behind the login, in Chinese, naming the user's role, scope and the presets."""

import pytest

from vbp.accounts.models import Role, User
from vbp.regions.models import Region

pytestmark = pytest.mark.django_db


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    page = client.get(response["Location"]).content.decode()
    assert "用户登录" in page and "集采结余留用管理系统" in page


def test_a_wrong_password_is_refused_in_chinese(client):
    User.objects.create_user("clerk", password="right-password-1")
    page = client.post("/login/", {"username": "clerk", "password": "wrong"}).content.decode()
    assert "用户名或密码不正确" in page


def test_home_names_the_role_and_scope_and_lists_the_rule_set_presets(client):
    region = Region.objects.create(code="140100", name="太原市", level=Region.Level.CITY)
    User.objects.create_user("clerk", password="right-password-1", role=Role.CITY, region=region)
    response = client.post("/login/", {"username": "clerk", "password": "right-password-1"}, follow=True)
    page = response.content.decode()
    assert "市医保局" in page and "数据范围：太原市" in page
    assert "山西省医疗机构医保资金考核方案" in page
