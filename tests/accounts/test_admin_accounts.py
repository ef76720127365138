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


@pytest.mark.parametrize(
    ("role", "with_region", "message"),
    [
        (Role.AUDIT_ADMIN, True, "不关联行政区划或医疗机构"),
        (Role.CITY, False, "须指定所属行政区划"),
        (Role.HOSPITAL, False, "须指定所属医疗机构"),
    ],
)
def test_an_account_holds_one_role_and_the_scope_that_role_needs(
    client, sysadmin, make_user, role, with_region, message
):
    region = Region.objects.create(code="140100", name="太原市", level=Region.Level.CITY)
    clerk = make_user("clerk")
    client.force_login(sysadmin)
    data = {"username": "clerk", "role": role, "region": region.pk if with_region else "", "is_active": "on",
            "date_joined_0": "2024-01-01", "date_joined_1": "00:00:00"}  # fmt: skip
    page = client.post(f"/admin/accounts/user/{clerk.pk}/change/", data).content.decode()
    assert message in page
    clerk.refresh_from_db()
    assert clerk.role == ""


@pytest.mark.parametrize("role", [Role.PROVINCE, Role.CITY, Role.HOSPITAL, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_no_other_role_reaches_the_django_admin(client, make_user, role):
    client.force_login(make_user("u", role=role, is_staff=True))
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/accounts/user/").status_code == 302


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
    assert "Reset-Pass-01" not in str(event.before) + str(event.after) + event.message
