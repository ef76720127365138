"""三员分立 under attack: every admin URL as every role, and what each administrator tries beyond their duty."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver

from vbp.accounts import services
from vbp.accounts.models import ApiToken, Role, User
from vbp.audit.models import AuditEvent
from vbp.regions.models import Pool, Region

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

EVERYONE = [
    "demo_province",
    "demo_city",
    "demo_city2",
    "demo_district",
    "demo_platform",
    "demo_hospital",
    "demo_hospital2",
    "demo_sysadmin",
    "demo_secadmin",
    "demo_auditor",
]


def admin_routes(patterns=None, prefix: str = "admin/") -> list[str]:
    """Every route of the admin site, with its converters as they appear (``<path:object_id>``)."""
    found = []
    for pattern in patterns if patterns is not None else admin.site.get_urls():
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += admin_routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            found.append(route)
    return found


def sample_url(route: str) -> str:
    """A route with its parameters filled: a real object of its model where it takes one."""
    route = route.replace("^", "").replace("$", "")
    objects = {
        "accounts/user/": User.objects.get(username="demo_city").pk,
        "regions/region/": Region.objects.get(code="140100").pk,
        "regions/pool/": Pool.objects.first().pk,
    }
    object_id = next((pk for part, pk in objects.items() if part in route), 1)
    route = re.sub(r"<path:object_id>|<id>|\(\?P<object_id>[^)]*\)", str(object_id), route)
    route = re.sub(r"<int:content_type_id>|<path:content_type_id>", "1", route)
    route = re.sub(r"<[^>]+>|\(\?P<[^)]*\)[^/]*", "x", route)
    return "/" + route


ROUTES = sorted(set(admin_routes()))


def test_the_admin_holds_accounts_regions_and_pools_only():
    assert {model._meta.label_lower for model in admin.site._registry} == {
        "accounts.user",
        "regions.region",
        "regions.pool",
    }


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("username", [*EVERYONE, None])
def test_every_admin_url_answers_each_role_as_its_duty_says(client, route, username):
    url = sample_url(route)
    if username:
        client.force_login(User.objects.get(username=username))
    response = client.get(url)
    if url == "/admin/login/":  # for everyone: the one login page
        assert response.status_code == 302 and response["Location"].startswith("/login/"), response
    elif username is None:  # a visitor is sent to the one login page (through the admin's login redirect)
        assert response.status_code == 302, url
        assert response["Location"].startswith(("/admin/login/", "/login/", "/admin/")), (url, response["Location"])
    elif username != "demo_sysadmin":
        assert response.status_code == 404, (url, response.status_code)
    else:
        # the system administrator: a page, a redirect (logout, the password page, a view-on-site link), or
        # 403/404 where the admin refuses (deleting an account, an object that does not exist, jsi18n's 200)
        assert response.status_code in (200, 302, 403, 404, 405), (url, response.status_code)  # 405: logout by GET


@pytest.mark.parametrize(
    "path",
    [
        "/admin/catalog/hospital/",
        "/admin/catalog/batch/",
        "/admin/catalog/product/",
        "/admin/rulesets/rulesetversion/",
        "/admin/platformdata/importjob/",
        "/admin/authtoken/token/",
        "/admin/accounts/apitoken/",
        "/admin/django_tasks_db/dbtaskresult/",
        "/admin/auth/group/",
        "/admin/captcha/captchastore/",
        "/admin/funding/amountsheet/",
        "/admin/appeals/appeal/",
        "/admin/audit/auditevent/",
    ],
)
def test_no_business_record_token_or_log_is_readable_in_the_admin(client, path):
    client.force_login(User.objects.get(username="demo_sysadmin"))
    assert client.get(path).status_code == 404


def test_a_token_is_never_shown_again_anywhere_the_system_administrator_looks(client):
    token, key = services.create_api_token(User.objects.get(username="demo_province"), name="对接")
    client.force_login(User.objects.get(username="demo_sysadmin"))
    for url in ("/admin/", "/admin/accounts/user/", f"/admin/accounts/user/{token.user_id}/change/"):
        assert key not in client.get(url).content.decode()
    assert not ApiToken.objects.filter(key_hash=key).exists()  # the database holds its hash only


def test_the_system_administrator_makes_accounts_that_see_nothing_until_authorised(client):
    sysadmin = User.objects.get(username="demo_sysadmin")
    client.force_login(sysadmin)
    password = "First-Pass-9x!"
    data = {
        "username": "newclerk",
        "first_name": "新同事",
        "password1": password,
        "password2": password,
        "usable_password": "true",
        "role": Role.PROVINCE,
        "region": Region.objects.get(code="140000").pk,
        "is_superuser": "on",
        "is_staff": "on",
    }
    assert client.post("/admin/accounts/user/add/", data).status_code == 302
    clerk = User.objects.get(username="newclerk")
    assert (clerk.role, clerk.region, clerk.is_staff, clerk.is_superuser) == ("", None, False, False)
    assert clerk.must_change_password
    User.objects.filter(pk=clerk.pk).update(must_change_password=False)  # as after the first login's change
    client.force_login(clerk)
    assert client.get("/platform/").status_code == 404
    assert client.get("/hospitals/").status_code == 404


def test_the_system_administrator_cannot_take_over_another_administrator(client):
    client.force_login(User.objects.get(username="demo_sysadmin"))
    secadmin = User.objects.get(username="demo_secadmin")
    data = {"password1": "Taken-Over-9x!", "password2": "Taken-Over-9x!", "usable_password": "true"}
    response = client.post(f"/admin/accounts/user/{secadmin.pk}/password/", data)
    assert response.status_code == 403
    change = client.post(f"/admin/accounts/user/{secadmin.pk}/change/", {"username": "x", "is_active": ""})
    assert change.status_code == 403
    secadmin.refresh_from_db()
    assert not secadmin.check_password("Taken-Over-9x!") and secadmin.is_active and secadmin.username == "demo_secadmin"
    with pytest.raises(services.AccountRefused, match="三员账号"):
        services.reset_password(User.objects.get(username="demo_sysadmin"), secadmin, "Taken-Over-9x!")


def test_nobody_deletes_an_account(client):
    client.force_login(User.objects.get(username="demo_sysadmin"))
    clerk = User.objects.get(username="demo_city2")
    assert client.post(f"/admin/accounts/user/{clerk.pk}/delete/", {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=clerk.pk).exists()


def test_each_admin_change_is_audited_with_the_values_before_and_after_and_the_address(client):
    client.force_login(User.objects.get(username="demo_sysadmin"))
    region = Region.objects.get(code="140100")
    data = {"code": region.code, "name": "太原市（更名）", "level": region.level, "parent": region.parent_id or ""}
    assert client.post(f"/admin/regions/region/{region.pk}/change/", data, REMOTE_ADDR="10.7.7.7").status_code == 302
    event = AuditEvent.objects.filter(object_type="regions.region", object_id=str(region.pk)).latest("pk")
    assert (event.before["name"], event.after["name"]) == ("太原市", "太原市（更名）")
    assert (event.username, event.ip) == ("demo_sysadmin", "10.7.7.7")


def test_the_security_administrator_authorises_a_business_account_and_is_audited(client, make_user):
    clerk = make_user("newclerk")
    client.force_login(User.objects.get(username="demo_secadmin"))
    data = {"role": Role.CITY, "region": Region.objects.get(code="140200").pk, "hospital_code": ""}
    assert client.post(f"/account/security/authorizations/{clerk.pk}/", data).status_code == 302
    clerk.refresh_from_db()
    assert (clerk.role, clerk.region.name) == (Role.CITY, "大同市")
    event = AuditEvent.objects.filter(object_type="accounts.user", object_id=str(clerk.pk)).latest("pk")
    assert event.before == {"role": "", "region": None, "hospital": None}
    assert event.after["role"] == "city" and event.username == "demo_secadmin"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"role": Role.SYSTEM_ADMIN}, "选择一个有效的选项"),
        ({"role": Role.CITY, "region": "140000"}, "应为地市级"),
        ({"role": Role.HOSPITAL}, "须指定所属医疗机构"),
        ({"role": Role.PROVINCE}, "须指定所属行政区划"),
        ({"role": Role.HOSPITAL, "hospital_code": "X" * 31}, "最多 30 个字"),
        ({"role": Role.HOSPITAL, "hospital_code": "NOPE\x00"}, "空字符"),
        ({"role": Role.HOSPITAL, "hospital_code": "NOPE"}, "没有编码为“NOPE”的医疗机构"),
    ],
)
def test_the_security_administrator_cannot_grant_what_the_roles_do_not_allow(client, make_user, data, message):
    clerk = make_user("newclerk")
    client.force_login(User.objects.get(username="demo_secadmin"))
    if data.get("region"):
        data["region"] = Region.objects.get(code=data["region"]).pk
    page = client.post(f"/account/security/authorizations/{clerk.pk}/", data).content.decode()
    assert message in page
    clerk.refresh_from_db()
    assert clerk.role == ""


def test_the_security_administrator_cannot_touch_an_administrators_account(client):
    client.force_login(User.objects.get(username="demo_secadmin"))
    for username in ("demo_sysadmin", "demo_auditor", "demo_secadmin"):
        pk = User.objects.get(username=username).pk
        assert client.post(f"/account/security/authorizations/{pk}/", {"role": Role.PROVINCE}).status_code == 404


def test_the_administrators_read_no_business_data_and_hold_no_tokens(client):
    for username in ("demo_sysadmin", "demo_secadmin", "demo_auditor"):
        client.force_login(User.objects.get(username=username))
        assert client.get("/api/hospitals/").json()["count"] == 0
        assert client.get("/platform/").status_code == 404
        assert client.get("/account/tokens/").status_code == 404
