"""The OpenAPI 3 schema at /api/schema/ and its docs page at /api/docs/, both behind the login."""

import re
from io import StringIO

import pytest
import yaml
from django.core.management import call_command

from vbp.accounts.models import Role, User

pytestmark = pytest.mark.django_db

ENDPOINT_PATHS = [
    f"/api/{endpoint}/{suffix}"
    for endpoint in ("hospitals", "batches", "products", "platform-records")
    for suffix in ("", "{id}/")
] + ["/api/batches/{id}/calc-workbook/"]  # the calculation workbook of a batch (测算底稿)


@pytest.fixture
def signed_in(client):
    client.force_login(User.objects.create_user("integrator", role=Role.PROVINCE, must_change_password=False))
    return client


def test_the_schema_validates_without_warnings(tmp_path):
    path = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path), stderr=StringIO())
    schema = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert schema["openapi"].startswith("3.")
    assert sorted(schema["paths"]) == sorted(ENDPOINT_PATHS)


def test_the_served_schema_lists_every_endpoint_with_its_filters(signed_in):
    response = signed_in.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "集采结余留用管理系统 API"
    assert sorted(schema["paths"]) == sorted(ENDPOINT_PATHS)
    parameters = {p["name"] for p in schema["paths"]["/api/platform-records/"]["get"]["parameters"]}
    assert {"year", "hospital", "batch", "page", "page_size"} <= parameters
    assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])


def test_the_schema_needs_a_signed_in_user(client):
    assert client.get("/api/schema/").status_code == 401


def test_the_docs_page_sends_an_anonymous_visitor_to_the_login_page(client):
    response = client.get("/api/docs/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/api/docs/"


def test_the_docs_page_loads_every_script_from_a_file(signed_in):
    """The Content-Security-Policy refuses inline script and style, so the page has none."""
    page = signed_in.get("/api/docs/").content.decode()
    assert "<title>集采结余留用管理系统 API</title>" in page
    assert "<style" not in page and " style=" not in page
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.DOTALL)
    assert scripts and all('src="' in attributes and not body.strip() for attributes, body in scripts)
    assert '<script src="/api/docs/?script="></script>' in page


def test_the_docs_start_up_script_points_at_the_schema(signed_in):
    response = signed_in.get("/api/docs/", {"script": ""})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert 'url: "/api/schema/"' in response.content.decode()
