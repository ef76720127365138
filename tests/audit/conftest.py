"""A province with its pools, one user of every role, and the audit administrator's client."""

import pytest
from audit_helpers import PASSWORD

from vbp.accounts.models import Role, User
from vbp.regions.models import Pool, Region


@pytest.fixture
def province(db):
    shanxi = Region.objects.create(code="140000", name="山西省", level=Region.Level.PROVINCE)
    taiyuan = Region.objects.create(code="140100", name="太原市", level=Region.Level.CITY, parent=shanxi)
    Pool.objects.create(code="149900", name="省直", region=shanxi, province_level=True)
    Pool.objects.create(code="140100", name="太原市", region=taiyuan)
    return {"province": shanxi, "city": taiyuan}


@pytest.fixture
def users(province):
    """One user of each role, each with a password already chosen (no forced change)."""
    regions = {Role.PROVINCE: province["province"], Role.CITY: province["city"]}
    return {
        role: User.objects.create_user(
            f"user_{role.value}", password=PASSWORD, role=role, region=regions.get(role), must_change_password=False
        )
        for role in Role
    }


@pytest.fixture
def auditor_client(client, users):
    client.force_login(users[Role.AUDIT_ADMIN])
    return client
