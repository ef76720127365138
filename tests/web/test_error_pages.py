"""The error pages speak Chinese, with DEBUG off (the test settings' default, and `make run`'s): 404 and 403 in the
shell with the user's menu, 500 and 400 as plain pages that need neither the request nor the database."""

import pytest
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.test import Client
from django.urls import include, path

from vbp.web.context import menu_for

SITE = "集采结余留用管理系统"


def broken(request):
    raise RuntimeError("a bug")


def refused(request):
    raise PermissionDenied


urlpatterns = [path("broken/", broken), path("refused/", refused), path("", include("config.urls"))]


def test_debug_is_off_in_the_tests(settings):
    assert settings.DEBUG is False


@pytest.mark.django_db
def test_a_missing_page_is_the_chinese_404_in_the_shell_with_the_users_menu(client, make_user):
    from vbp.accounts.models import Role

    user = make_user("clerk", password="Right-password-1", role=Role.PROVINCE)
    client.force_login(user)

    response = client.get("/no-such-page/")

    page = response.content.decode()
    assert response.status_code == 404
    assert f"<title>页面不存在 - {SITE}</title>" in page
    assert "您要访问的页面不存在" in page and "返回首页" in page
    assert all(f'href="{link.url}"' in page for link in menu_for(user, "/no-such-page/").all_links)
    assert "Not Found" not in page and "Traceback" not in page


@pytest.mark.django_db
def test_a_visitor_who_is_not_signed_in_gets_the_same_page_without_a_menu(client):
    response = client.get("/no-such-page/")

    page = response.content.decode()
    assert response.status_code == 404 and "页面不存在" in page
    assert "<nav>" not in page and "退出" not in page


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_refusal_is_the_chinese_403():
    response = Client().get("/refused/")

    assert response.status_code == 403
    assert f"<title>无权访问 - {SITE}</title>" in response.content.decode()


@pytest.mark.urls(__name__)
def test_a_server_error_is_the_chinese_500_without_the_database():
    response = Client(raise_request_exception=False).get(
        "/broken/"
    )  # no database access: pytest-django would refuse it

    page = response.content.decode()
    assert response.status_code == 500
    assert f"<title>系统错误 - {SITE}</title>" in page and "系统出错了" in page
    assert 'href="/"' in page and "a bug" not in page and "Traceback" not in page


def test_500_and_400_render_alone_with_no_context_at_all():
    for name, heading in (("500.html", "系统出错了"), ("400.html", "请求有误")):
        page = render_to_string(name)
        assert SITE in page and heading in page and 'href="/"' in page
        assert "/static/web/site.css" in page


@pytest.mark.django_db
def test_a_stale_form_is_the_chinese_csrf_page():
    response = Client(enforce_csrf_checks=True).post("/login/", {"username": "x", "password": "y"})

    page = response.content.decode()
    assert response.status_code == 403
    assert "页面已过期" in page and "CSRF" not in page


@pytest.mark.django_db
def test_the_favicon_is_served_at_the_root_by_the_system_itself(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an .ico file's header


@pytest.mark.django_db
def test_static_files_are_served_by_the_system_with_debug_off_before_collectstatic(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "not-collected-yet"

    response = Client().get("/static/web/site.css")  # a new client: a new handler, whose WhiteNoise reads the settings

    assert response.status_code == 200 and response["Content-Type"].startswith("text/css")
    assert b".table-scroll" in b"".join(response.streaming_content)
