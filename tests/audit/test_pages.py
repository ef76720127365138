"""操作日志 and 登录日志: the audit administrator sees, filters and exports them; every other role finds nothing."""

import datetime
import io

import openpyxl
import pytest
from audit_helpers import hospitals_csv, post_login
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from vbp.accounts.models import Role
from vbp.audit.models import AuditEvent
from vbp.audit.services import record_login
from vbp.platformdata import services
from vbp.ui.export import HEADER_ROWS

Kind = AuditEvent.Kind
PAGES = ["audit:operations", "audit:logins"]


def rows_of(sheet) -> list[tuple]:
    """The column headers and the rows below them, under the export's header block."""
    return list(sheet.iter_rows(min_row=HEADER_ROWS + 1, values_only=True))


def sheet_of(response):
    return openpyxl.load_workbook(io.BytesIO(response.getvalue())).active


@pytest.fixture
def an_import(users):
    """An upload by the province bureau, confirmed: three operations on one import record."""
    province = users[Role.PROVINCE]
    content = hospitals_csv(["H001", "山西省人民医院", "太原市", "", "三级甲等", "省直", "是"])
    job = services.start_import(province, "hospitals", "医疗机构.csv", content, background=False)
    return services.confirm_import(province, job, background=False)


def test_the_audit_administrator_has_both_pages_in_the_menu(auditor_client):
    page = auditor_client.get(reverse("home")).content.decode()
    assert reverse("audit:operations") in page and "操作日志" in page
    assert reverse("audit:logins") in page and "登录日志" in page


def test_the_operations_page_lists_what_was_done_by_whom(auditor_client, an_import):
    page = auditor_client.get(reverse("audit:operations")).content.decode()

    assert "共 3 条" in page
    assert "user_province" in page and "导入记录" in page and "医疗机构.csv" in page
    assert "确认导入" in page and "导入完成：新增 1 行，修改 0 行，未变 0 行" in page
    assert "导入中 → 已导入" in page  # the status change, in the users' words
    assert "登录成功" not in page  # logins have their own page
    assert "style=" not in page and "<script>" not in page  # the Content-Security-Policy allows neither


def test_the_operations_page_filters_by_kind_object_type_username_and_day(auditor_client, an_import, users):
    url = reverse("audit:operations")
    today = timezone.localdate().isoformat()
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()

    assert "共 1 条" in auditor_client.get(url, {"kind": Kind.CREATE}).content.decode()
    assert "共 2 条" in auditor_client.get(url, {"kind": Kind.STATUS}).content.decode()
    assert "共 3 条" in auditor_client.get(url, {"object_type": "platformdata.importjob"}).content.decode()
    assert "共 3 条" in auditor_client.get(url, {"username": "PROVINCE"}).content.decode()
    assert "共 0 条" in auditor_client.get(url, {"username": "user_city"}).content.decode()
    assert "共 3 条" in auditor_client.get(url, {"start": today, "end": today}).content.decode()
    assert "共 0 条" in auditor_client.get(url, {"start": tomorrow}).content.decode()
    page = auditor_client.get(url, {"start": "not-a-day", "kind": Kind.CREATE}).content.decode()
    assert "共 1 条" in page and "开始日期" in page and "未按此条件筛选" in page


def test_the_operations_export_holds_what_the_filters_show_and_is_itself_recorded(auditor_client, an_import):
    response = auditor_client.get(reverse("audit:operations"), {"kind": Kind.STATUS, "export": "1"})

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    header, *rows = rows_of(sheet_of(response))
    assert header[:3] == ("时间", "用户名", "操作类型")
    assert [row[1:4] for row in rows] == [("user_province", "状态变更", "导入记录")] * 2
    assert {row[6] for row in rows} == {"确认导入", "导入完成：新增 1 行，修改 0 行，未变 0 行"}
    export = AuditEvent.objects.get(kind=Kind.EXPORT)
    assert export.username == "user_audit_admin"
    assert export.message == "导出 操作日志.xlsx；2 行；筛选条件：类型 状态变更"


def test_the_logins_page_lists_and_filters_logins_logouts_and_failures(auditor_client, users):
    record_login(Kind.LOGIN_FAILED, username="intruder", message="登录失败：用户名或密码不正确")
    url = reverse("audit:logins")

    page = auditor_client.get(url).content.decode()
    assert "intruder" in page and "登录失败" in page
    assert "user_audit_admin" in page  # the administrator's own login (force_login goes through login())
    assert "共 1 条" in auditor_client.get(url, {"kind": Kind.LOGIN_FAILED}).content.decode()
    assert "共 1 条" in auditor_client.get(url, {"username": "intrud"}).content.decode()
    assert "共 0 条" in auditor_client.get(url, {"ip": "10."}).content.decode()


def test_the_logins_page_filters_by_address(auditor_client):
    visitor = Client()
    post_login(visitor, "intruder", "guess-1", ip="10.8.0.21")
    post_login(visitor, "intruder", "guess-2", ip="172.16.0.5")

    page = auditor_client.get(reverse("audit:logins"), {"ip": "10.8."}).content.decode()
    assert "共 1 条" in page and "10.8.0.21" in page and "172.16.0.5" not in page


def test_the_logins_export_holds_what_the_filters_show(auditor_client, users):
    record_login(Kind.LOGIN_FAILED, username="intruder", message="登录失败：用户名或密码不正确")

    response = auditor_client.get(reverse("audit:logins"), {"kind": Kind.LOGIN_FAILED, "export": "1"})

    sheet = sheet_of(response)
    header, *rows = rows_of(sheet)
    assert header == ("时间", "用户名", "类型", "IP地址", "浏览器", "说明")
    assert [row[1:3] for row in rows] == [("intruder", "登录失败")]
    assert [sheet.cell(row, 1).value for row in (1, 2, 5)] == ["登录日志", "导出人：user_audit_admin（审计管理员）",
                                                                "筛选条件：类型 登录失败"]  # fmt: skip
    assert AuditEvent.objects.get(kind=Kind.EXPORT).message == "导出 登录日志.xlsx；1 行；筛选条件：类型 登录失败"


@pytest.mark.parametrize("role", [role for role in Role if role != Role.AUDIT_ADMIN], ids=lambda role: role.value)
def test_every_other_role_finds_neither_page_nor_export(client, users, an_import, role):
    user = users[role]
    if role == Role.SYSTEM_ADMIN:
        user.is_staff = user.is_superuser = True  # even with every Django permission
        user.save()
    client.force_login(user)

    for name in PAGES:
        assert client.get(reverse(name)).status_code == 404, name
        assert client.get(reverse(name), {"export": "1"}).status_code == 404, name
    assert "操作日志" not in client.get(reverse("home")).content.decode()
    assert not AuditEvent.objects.filter(kind=Kind.OTHER).exists()


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, db):
    for name in PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith("/login/")
