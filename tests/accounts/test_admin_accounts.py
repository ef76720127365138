"""The system administrator's accounts in the Django admin: 三员分立, forced change after creation and reset."""

import pytest

from vbp.accounts.models import Role, User
from vbp.regions.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def sysadmin(make_user):
    return make_user("sys", role=Role.SYSTEM_ADMIN, is_staff=True, is_superuser=True)


def test_a_reset_by_the_system_administrator_forces_a_change_and_keeps_the_old_hash(client, sysadmin, make_user):
    clerk = make_user("clerk", "Old-Pass-2024", role=Role.PROVINCE)
    client.force_login(sysadmin)

    response = client.post(
        f"/admin/accounts/user/{clerk.pk}/password/",
        {"password1": "Reset-Pass-01", "password2": "Reset-Pass-01", "usable_password": "true"},
    )

    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.check_password("Reset-Pass-01") and clerk.must_change_password
    assert clerk.password_history.count() == 1


def test_a_new_account_must_change_its_password_at_first_login(client, sysadmin):
    client.force_login(sysadmin)
    client.post(
        "/admin/accounts/user/add/",
        {"username": "newclerk", "password1": "First-Pass-01", "password2": "First-Pass-01", "usable_password": "true"},
    )
    assert User.objects.get(username="newclerk").must_change_password


def test_the_system_administrator_cannot_give_an_account_a_role_or_a_scope(client, sysadmin, make_user):
    region = Region.objects.create(code="140000", name="山西省", level=Region.Level.PROVINCE)
    clerk = make_user("clerk")
    client.force_login(sysadmin)
    data = {
        "username": "clerk",
        "first_name": "新名字",
        "role": Role.PROVINCE,
        "region": region.pk,
        "is_active": "on",
        "is_superuser": "on",
    }
    response = client.post(f"/admin/accounts/user/{clerk.pk}/change/", data)
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.first_name == "新名字"  # the name is the system administrator's to keep
    assert (clerk.role, clerk.region, clerk.is_superuser) == ("", None, False)  # the rest is not


@pytest.mark.parametrize("role", [Role.PROVINCE, Role.CITY, Role.HOSPITAL, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_no_other_role_reaches_the_django_admin(client, make_user, role):
    client.force_login(make_user("u", role=role, is_staff=True))
    assert client.get("/admin/").status_code == 404
    assert client.get("/admin/accounts/user/").status_code == 404


def test_a_visitor_is_sent_to_the_one_login_page(client):
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    response = client.get(response["Location"])
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def test_admin_changes_and_resets_are_in_the_audit_log(client, sysadmin, make_user):
    from vbp.audit.models import AuditEvent

    clerk = make_user("clerk", "Old-Pass-2024", role=Role.PROVINCE)
    client.force_login(sysadmin)
    client.post(
        f"/admin/accounts/user/{clerk.pk}/password/",
        {"password1": "Reset-Pass-01", "password2": "Reset-Pass-01", "usable_password": "true"},
    )
    event = AuditEvent.objects.filter(object_type="accounts.user", object_id=str(clerk.pk)).latest("at")
    assert (event.username, event.kind) == ("sys", AuditEvent.Kind.UPDATE)
    assert event.message == "重置密码（下次登录须修改）" and event.ip == "127.0.0.1"
    assert "Reset-Pass-01" not in str(event.before) + str(event.after) + event.message
