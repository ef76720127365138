"""Integration clients sign in with a token (接口令牌): made once, shown once, kept as a hash, expiring."""

import datetime
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from vbp.accounts.models import ApiToken, User
from vbp.catalog.models import Hospital

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def create_token(username: str) -> str:
    out = StringIO()
    call_command("create_api_token", username, "--name", "对接测试", stdout=out)
    match = re.search(r"只显示这一次，请妥善保存）：(\S+)", out.getvalue())
    assert match, out.getvalue()
    return match.group(1)


def get(client, path: str, key: str):
    return client.get(path, headers={"Authorization": f"Token {key}"})


def test_a_token_from_the_command_reads_the_users_scope(client):
    key = create_token("demo_city")
    response = get(client, "/api/hospitals/", key)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == Hospital.objects.filter(city__code="140100").count()
    assert {row["city_name"] for row in body["results"]} == {"太原市"}


def test_the_token_alone_signs_in_without_a_session(client):
    key = create_token("demo_hospital")
    response = get(client, "/api/platform-records/", key)
    assert response.status_code == 200
    assert {row["hospital_name"] for row in response.json()["results"]} == {"太原市小店区人民医院"}
    assert "sessionid" not in response.cookies


def test_each_run_of_the_command_makes_a_new_token_and_keeps_only_its_hash(client):
    first, second = create_token("demo_province"), create_token("demo_province")
    assert first != second
    stored = ApiToken.objects.filter(user__username="demo_province")
    assert stored.count() == 2
    assert not stored.filter(key_hash__in=[first, second]).exists()
    assert set(stored.values_list("key_hash", flat=True)) == {ApiToken.hash_of(first), ApiToken.hash_of(second)}


def test_a_wrong_token_is_401(client):
    create_token("demo_province")
    assert get(client, "/api/hospitals/", "0123456789abcdef").status_code == 401


def test_the_token_of_a_deactivated_user_is_401(client):
    key = create_token("demo_city2")
    User.objects.filter(username="demo_city2").update(is_active=False)
    assert get(client, "/api/hospitals/", key).status_code == 401


def test_an_expired_token_is_401(client):
    key = create_token("demo_city")
    ApiToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = get(client, "/api/hospitals/", key)
    assert response.status_code == 401 and "已过期" in response.json()["detail"]


def test_a_token_stops_while_its_owners_password_change_is_due(client):
    key = create_token("demo_city")
    User.objects.filter(username="demo_city").update(must_change_password=True)
    response = get(client, "/api/hospitals/", key)
    assert response.status_code == 401 and "修改密码" in response.json()["detail"]


def test_the_administrators_hold_no_tokens():
    for username in ("demo_sysadmin", "demo_secadmin", "demo_auditor"):
        with pytest.raises(CommandError, match="只有业务账号可以创建接口令牌"):
            create_token(username)
