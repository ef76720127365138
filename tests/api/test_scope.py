"""Every endpoint as every role: lists hold exactly the rows in scope, anything else is 404, anonymous is 401.

What each role should see is written here from the demo's codes and names, not through ``visible_to``, so
these tests check the scope rule itself as well as that the API applies it.
"""

from __future__ import annotations

import pytest
from django.db.models import Q

from vbp.accounts.models import Role, User
from vbp.api.urls import router
from vbp.catalog.models import Batch, Hospital, Product
from vbp.platformdata.models import PlatformRecord

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

EVERYTHING = Q()
NOTHING = None

# username → the hospitals whose data that user reaches (None: no business data at all)
HOSPITALS_IN_SCOPE = {
    "demo_province": EVERYTHING,
    "demo_city": Q(city__code="140100"),  # 太原市
    "demo_city2": Q(city__code="140200"),  # 大同市
    "demo_district": Q(district__code="140105"),  # 太原市小店区
    "demo_platform": Q(province_direct=True),
    "demo_hospital": Q(name="太原市小店区人民医院"),
    "demo_hospital2": Q(name="大同市第三人民医院"),
    "demo_sysadmin": NOTHING,
    "demo_secadmin": NOTHING,
    "demo_auditor": NOTHING,
    "no_role": NOTHING,
}


def expected_hospitals(scope: Q | None):
    return Hospital.objects.none() if scope is None else Hospital.objects.filter(scope)


def expected_platform_records(scope: Q | None):
    return PlatformRecord.objects.filter(hospital__in=expected_hospitals(scope))


def expected_catalog(model):
    """Batches and products are the province's catalogue: every business role sees all, nobody else any."""
    return lambda scope: model.objects.none() if scope is None else model.objects.all()


ENDPOINTS = {
    "hospitals": expected_hospitals,
    "batches": expected_catalog(Batch),
    "products": expected_catalog(Product),
    "platform-records": expected_platform_records,
}


@pytest.fixture(autouse=True)
def user_without_role(demo):
    User.objects.create_user("no_role", must_change_password=False)


def test_every_registered_endpoint_is_walked_here():
    assert {prefix for prefix, _, _ in router.registry} == set(ENDPOINTS)


def test_every_demo_role_is_walked_here():
    roles = set(User.objects.filter(username__in=HOSPITALS_IN_SCOPE).values_list("role", flat=True))
    assert roles == {*Role.values, ""}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("username", HOSPITALS_IN_SCOPE)
def test_a_list_holds_exactly_the_rows_in_scope(api_rows, username, endpoint):
    expected = ENDPOINTS[endpoint](HOSPITALS_IN_SCOPE[username])
    rows = api_rows(f"/api/{endpoint}/", username)
    assert sorted(row["id"] for row in rows) == sorted(expected.values_list("pk", flat=True))


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("username", HOSPITALS_IN_SCOPE)
def test_a_detail_in_scope_answers_and_one_outside_is_404(api_get, username, endpoint):
    model = ENDPOINTS[endpoint](EVERYTHING).model
    in_scope = ENDPOINTS[endpoint](HOSPITALS_IN_SCOPE[username])
    inside, outside = in_scope.first(), model.objects.exclude(pk__in=in_scope.values("pk")).first()
    if inside is not None:
        response = api_get(f"/api/{endpoint}/{inside.pk}/", username)
        assert response.status_code == 200 and response.json()["id"] == inside.pk
    if outside is not None:
        assert api_get(f"/api/{endpoint}/{outside.pk}/", username).status_code == 404
    assert inside or outside


def test_the_scopes_are_not_trivial():
    """Each bureau and hospital sees some rows and misses others, so the tests above can tell them apart."""
    everything = Hospital.objects.count()
    for username, scope in HOSPITALS_IN_SCOPE.items():
        if scope not in (EVERYTHING, NOTHING):
            assert 0 < expected_hospitals(scope).count() < everything, username
            assert expected_platform_records(scope).exists(), username


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_an_anonymous_request_is_401(api_get, endpoint):
    some = ENDPOINTS[endpoint](EVERYTHING).first()
    for path in (f"/api/{endpoint}/", f"/api/{endpoint}/{some.pk}/"):
        response = api_get(path)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"


def test_an_id_that_does_not_exist_is_404_for_the_province(api_get):
    assert api_get("/api/hospitals/999999999/", "demo_province").status_code == 404


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_the_api_only_reads(client, endpoint):
    client.force_login(User.objects.get(username="demo_province"))
    some = ENDPOINTS[endpoint](EVERYTHING).first()
    assert client.post(f"/api/{endpoint}/", {}).status_code == 405
    assert client.delete(f"/api/{endpoint}/{some.pk}/").status_code == 405


def test_a_city_bureau_without_a_region_sees_nothing(client):
    client.force_login(User.objects.create_user("lost_city", role=Role.CITY, must_change_password=False))
    assert client.get("/api/hospitals/").json()["count"] == 0
    assert client.get("/api/platform-records/").json()["count"] == 0
