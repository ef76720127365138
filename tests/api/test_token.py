"""Integration clients sign in with a token made by `manage.py drf_create_token USERNAME`."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from vbp.accounts.models import User
from vbp.catalog.models import Hospital

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def create_token(username: str) -> str:
    out = StringIO()
    call_command("drf_create_token", username, stdout=out)
    match = re.search(r"Generated token (\w+) for user", out.getvalue())
    assert match, out.getvalue()
    return match.group(1)


def test_a_token_from_the_command_reads_the_users_scope(client):
    key = create_token("demo_city")
    response = client.get("/api/hospitals/", headers={"Authorization": f"Token {key}"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == Hospital.objects.filter(city__code="140100").count()
    assert {row["city_name"] for row in body["results"]} == {"太原市"}


def test_the_token_alone_signs_in_without_a_session(client):
    key = create_token("demo_hospital")
    response = client.get("/api/platform-records/", headers={"Authorization": f"Token {key}"})
    assert response.status_code == 200
    assert {row["hospital_name"] for row in response.json()["results"]} == {"太原市小店区人民医院"}
    assert "sessionid" not in response.cookies


def test_the_command_gives_the_same_token_again(client):
    assert create_token("demo_province") == create_token("demo_province")


def test_a_wrong_token_is_401(client):
    create_token("demo_province")
    response = client.get("/api/hospitals/", headers={"Authorization": "Token 0123456789abcdef"})
    assert response.status_code == 401


def test_the_token_of_a_deactivated_user_is_401(client):
    key = create_token("demo_city2")
    User.objects.filter(username="demo_city2").update(is_active=False)
    assert client.get("/api/hospitals/", headers={"Authorization": f"Token {key}"}).status_code == 401


def test_an_administrators_token_reads_no_business_data(client):
    key = create_token("demo_auditor")
    for endpoint in ("hospitals", "batches", "products", "platform-records"):
        response = client.get(f"/api/{endpoint}/", headers={"Authorization": f"Token {key}"})
        assert response.status_code == 200 and response.json()["count"] == 0, endpoint
