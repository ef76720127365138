"""The home page: behind the login, in Chinese, naming the user's role, scope and the presets."""

import pytest

from vbp.accounts.models import Role
from vbp.regions.models import Region

pytestmark = pytest.mark.django_db


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    page = client.get(response["Location"]).content.decode()
    assert "用户登录" in page and "集采结余留用管理系统" in page and "验证码" in page


def test_home_names_the_role_and_scope_and_lists_the_rule_set_presets(client, make_user, sign_in):
    region = Region.objects.create(code="140100", name="太原市", level=Region.Level.CITY)
    make_user("clerk", "Right-password-1", role=Role.CITY, region=region)
    assert sign_in(client, "clerk", "Right-password-1").status_code == 302
    page = client.get("/").content.decode()
    assert "市医保局" in page and "数据范围：太原市" in page
    assert "山西省医疗机构医保资金考核方案" in page
