"""The API docs page (/api/docs/): Swagger UI served by this system renders the schema under the strict CSP."""

from playwright.sync_api import Page, expect

from vbp.accounts.models import Role

ENDPOINTS = ["/api/hospitals/", "/api/batches/", "/api/products/", "/api/platform-records/"]


def sign_in_through_the_session(page: Page, client, live_server, user) -> None:
    """Sign in by the session cookie the test client made, not through the login form (which may ask a captcha)."""
    client.force_login(user)
    session = client.cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])


def test_the_docs_page_shows_every_endpoint_within_the_csp(page: Page, client, live_server, django_user_model):
    user = django_user_model.objects.create_user("integrator", role=Role.PROVINCE, must_change_password=False)
    sign_in_through_the_session(page, client, live_server, user)
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)

    response = page.goto("/api/docs/")
    assert response is not None and response.status == 200
    expect(page).to_have_title("集采结余留用管理系统 API")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("集采结余留用管理系统 API")
    paths = page.locator(".opblock-summary-path")
    for endpoint in ENDPOINTS:
        expect(paths.filter(has_text=endpoint).first).to_be_visible()
    expect(page.locator(".opblock-tag", has_text="平台数据")).to_be_visible()
    assert failed == []  # the page, its script, styles and the schema all came from this system


def test_try_it_out_calls_the_api_as_the_signed_in_user(page: Page, client, live_server, django_user_model):
    user = django_user_model.objects.create_user("integrator", role=Role.AUDIT_ADMIN, must_change_password=False)
    sign_in_through_the_session(page, client, live_server, user)
    page.goto("/api/docs/")
    operation = page.locator(".opblock", has=page.locator(".opblock-summary-path", has_text="/api/hospitals/")).first
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    expect(operation.locator(".live-responses-table tr.response .response-col_status").first).to_have_text("200")
    expect(operation.locator(".live-responses-table .microlight").first).to_contain_text('"count": 0')


def test_the_docs_page_sends_a_visitor_who_is_not_signed_in_to_the_login_page(page: Page):
    page.goto("/api/docs/")
    assert "/login/" in page.url
