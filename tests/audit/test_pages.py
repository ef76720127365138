"""操作日志 and 登录日志: the audit administrator sees, filters and exports them; every other role finds nothing."""

import datetime
import io

import openpyxl
import pytest
from audit_helpers import hospitals_csv, post_login
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from vbp.accounts.models import Role, User
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
    """An upload by the province bureau (王省), confirmed: three operations on one import record."""
    province = users[Role.PROVINCE]
    province.first_name = "王省"
    province.save(update_fields=["first_name"])
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
    assert header == ("时间", "用户名", "姓名", "操作类型", "对象类型", "对象", "说明", "变更前", "变更后", "IP地址")
    assert [row[1:5] for row in rows] == [("user_province", "王省", "状态变更", "导入记录")] * 2
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
    assert header == ("时间", "用户名", "姓名", "类型", "IP地址", "浏览器", "说明")
    assert [row[1:4] for row in rows] == [("intruder", None, "登录失败")]
    header_block = [sheet.cell(row, 1).value for row in (1, 2, 5)]
    assert header_block == ["登录日志", "导出人：user_audit_admin（审计管理员）", "筛选条件：类型 登录失败"]
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


def test_the_operations_page_shows_names_labels_and_objects_not_codes_and_ids(auditor_client, users, province):
    from vbp.accounts import services as accounts

    security = users[Role.SECURITY_ADMIN]
    security.first_name = "李安"
    security.save(update_fields=["first_name"])
    clerk = User.objects.create_user("newclerk", first_name="新同事")
    accounts.authorize(security, clerk, role=Role.CITY, region=province["city"])

    page = auditor_client.get(reverse("audit:operations"), {"object_type": "accounts.user"}).content.decode()

    assert "共 1 条" in page
    assert "user_security_admin" in page and "李安" in page  # the username, and beside it the name
    assert "修改" in page and "用户" in page and "newclerk" in page  # the kind's label, the object type's, the object
    assert "角色：无 → 市医保局" in page  # the field's label and the choice's label, not "role" and "city"
    assert "所属行政区划：无 → 太原市" in page  # the region by its name, not its id
    table = page[page.index("<table") : page.index("</table>")]
    assert "accounts.user" not in table and "→ city" not in table and f"→ {province['city'].pk}<" not in table


def test_every_moment_is_local_time_on_the_page_and_in_the_export(auditor_client, users):
    moment = datetime.datetime(2024, 5, 1, 0, 30, tzinfo=datetime.UTC)  # 08:30 in Asia/Shanghai
    event = AuditEvent.objects.create(
        kind=Kind.STATUS,
        at=moment,
        username="user_city",
        object_type="accounts.apitoken",
        object_text="abcd1234…（对接）",
        before={"revoked_at": None},
        after={"revoked_at": moment.isoformat()},
        message="作废接口令牌",
    )
    url = reverse("audit:operations")

    page = auditor_client.get(url).content.decode()
    assert "2024-05-01 08:30:00" in page  # when it happened, and the time the token was revoked, both local
    assert "作废时间：无 → 2024-05-01 08:30:00" in page and "00:30" not in page

    _, *rows = rows_of(sheet_of(auditor_client.get(url, {"export": "1"})))
    [row] = [row for row in rows if row[5] == event.object_text]
    assert row[0] == datetime.datetime(2024, 5, 1, 8, 30)  # an Excel datetime, in local time
    assert (row[7], row[8]) == ("作废时间：无", "作废时间：2024-05-01 08:30:00")
