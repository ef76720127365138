"""Hostile values in every form and filter of 数据导入/平台数据, 申诉管理, 操作日志/登录日志, the account pages and the
API, sent as the roles that reach them: never a 500, and a value a field cannot take is refused at that field in
Chinese (a filter then filters nothing; a form writes nothing).

The values: superscript digits, 30- and 5,000-digit numbers, a NUL, 10,000 characters, zero-width-only text, 1e30.
"""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from vbp.accounts import services as accounts
from vbp.accounts.models import ApiToken, SecurityPolicy, User
from vbp.accounts.policy import BOUNDS
from vbp.appeals import services as appeals
from vbp.appeals.models import Appeal, AppealMessage
from vbp.catalog.models import Batch
from vbp.platformdata.models import ImportJob

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

SUPERSCRIPT, DIGITS_30, DIGITS_5000, NUL = "²", "9" * 30, "9" * 5000, "\x00"
LONG, INVISIBLE, HUGE = "长" * 10000, "\u200b\u200b\u200b", "1e30"
HOSTILE = [SUPERSCRIPT, DIGITS_30, DIGITS_5000, NUL, LONG, INVISIBLE, HUGE]
IDS = ["superscript", "30-digits", "5000-digits", "nul", "10000-chars", "zero-width", "1e30"]
REFUSED_FILTER = "未按此条件筛选"  # said beside a filter that did not parse
CJK = re.compile(r"[\u4e00-\u9fff]")
BATCH = "国家第一批集中带量采购"


def signed_in(client, username: str):
    client.force_login(User.objects.get(username=username))
    return client


def refuses_text(value: str, max_length: int) -> bool:
    """Whether a text field of ``max_length`` refuses ``value`` (control characters, or too long)."""
    return "\x00" in value or len(value) > max_length


# --- filters (GET) -----------------------------------------------------------------------------------------------

# (url name, username, parameter, refused(value) -> bool): a choice refuses every hostile value; a text its NUL and
# whatever is longer than it takes; a box takes anything as ticked.
FILTERS = [
    ("platformdata:records", "demo_city", "year", lambda value: True),
    ("platformdata:records", "demo_city", "batch", lambda value: True),
    ("platformdata:records", "demo_province", "city", lambda value: True),
    ("platformdata:records", "demo_province", "district", lambda value: True),
    ("platformdata:records", "demo_hospital", "name", lambda value: refuses_text(value, 100)),
    ("platformdata:imports", "demo_province", "kind", lambda value: True),
    ("platformdata:imports", "demo_province", "status", lambda value: True),
    ("appeals:list", "demo_hospital", "batch", lambda value: True),
    ("appeals:list", "demo_hospital", "status", lambda value: True),
    ("appeals:list", "demo_city", "name", lambda value: refuses_text(value, 100)),
    ("appeals:list", "demo_city", "to_answer", lambda value: False),
    ("audit:operations", "demo_auditor", "start", lambda value: True),
    ("audit:logins", "demo_auditor", "end", lambda value: True),
    ("audit:operations", "demo_auditor", "username", lambda value: refuses_text(value, 150)),
    ("audit:operations", "demo_auditor", "kind", lambda value: True),
    ("audit:operations", "demo_auditor", "object_type", lambda value: True),
    ("audit:logins", "demo_auditor", "ip", lambda value: refuses_text(value, 45)),
    ("audit:logins", "demo_auditor", "kind", lambda value: True),
    ("accounts:authorizations", "demo_secadmin", "username", lambda value: refuses_text(value, 150)),
    ("accounts:authorizations", "demo_secadmin", "role", lambda value: True),
    ("accounts:api_tokens", "demo_city", "status", lambda value: True),
    ("accounts:tokens", "demo_secadmin", "status", lambda value: True),
    ("accounts:tokens", "demo_secadmin", "username", lambda value: refuses_text(value, 150)),
]


@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
@pytest.mark.parametrize(
    ("name", "username", "parameter", "refused"),
    FILTERS,
    ids=[f"{name}-{user}-{key}" for name, user, key, _ in FILTERS],
)
def test_a_hostile_filter_is_refused_at_its_field_or_filters_harmlessly(
    client, name, username, parameter, refused, value
):
    url = reverse(name)
    signed_in(client, username)

    response = client.get(url, {parameter: value})

    assert response.status_code == 200, (name, parameter, response.status_code)
    page = response.content.decode()
    if refused(value):
        assert REFUSED_FILTER in page, (name, parameter)
    exported = client.get(url, {parameter: value, "export": "xlsx"})
    assert exported.status_code == 200 and exported["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        *(("page", value) for value in HOSTILE),
        *(("size", value) for value in HOSTILE),
    ],
    ids=[f"page-{name}" for name in IDS] + [f"size-{name}" for name in IDS],
)
def test_hostile_page_numbers_and_sizes_fall_back_to_the_first_page(client, parameter, value):
    for name, username in (("platformdata:records", "demo_city"), ("audit:logins", "demo_auditor")):
        response = signed_in(client, username).get(reverse(name), {parameter: value})
        assert response.status_code == 200 and "共 " in response.content.decode()


@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
def test_a_hostile_next_on_the_login_page_goes_nowhere(client, value):
    response = client.get(reverse("login"), {"next": value})

    assert response.status_code == 200
    assert 'name="next" value=""' in response.content.decode()  # no path of this system: after login, home


@pytest.mark.parametrize("value", [SUPERSCRIPT, DIGITS_30, DIGITS_5000, NUL, HUGE], ids=IDS[:4] + IDS[6:])
@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/api/platform-records/", "year"),
        ("/api/platform-records/", "hospital"),
        ("/api/hospitals/", "name"),
        ("/api/products/", "batch"),
    ],
)
def test_a_hostile_api_filter_is_a_400_in_chinese_or_finds_nothing(client, path, parameter, value):
    response = signed_in(client, "demo_city").get(path, {parameter: value})

    assert response.status_code in (200, 400), response.status_code
    if response.status_code == 400:
        assert CJK.search(str(response.json()[parameter]))
    else:
        assert response.json()["count"] == 0


# --- forms (POST) ------------------------------------------------------------------------------------------------


def appeal_of(username: str = "demo_hospital") -> Appeal:
    user = User.objects.get(username=username)
    return appeals.file_appeal(user, Batch.objects.get(name=BATCH), 2024, "结余留用金额有误", "详见附件。")


def new_appeal_data() -> dict:
    return {"batch": f"{Batch.objects.get(name=BATCH).pk}-2024", "title": "标题", "text": "内容", "submission_key": ""}


def text_refusal(value: str, label: str, max_length: int) -> str | None:
    """What a text field of ``max_length`` says to ``value``; None if it takes it."""
    if value == NUL:
        return "控制字符"
    if value == INVISIBLE:
        return f"请填写{label}"
    if len(value) > max_length:
        return f"最多 {max_length} 个字"
    return None


def new_appeal_refusal(field: str, value: str) -> str | None:
    match field:
        case "batch":
            return "请选择结余留用考核批次"
        case "title":
            return text_refusal(value, "申诉标题", 200)
        case "text":
            return text_refusal(value, "申诉内容", 5000)
    return None  # a submission key that is none: a new form's key


@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
@pytest.mark.parametrize("field", ["batch", "title", "text", "submission_key"])
def test_a_new_appeal_with_a_hostile_field_is_refused_at_the_field(client, field, value):
    data = {**new_appeal_data(), field: value}

    response = signed_in(client, "demo_hospital").post(reverse("appeals:new"), data)

    refusal = new_appeal_refusal(field, value)
    if refusal is None:
        assert response.status_code == 302 and Appeal.objects.count() == 1
    else:
        assert response.status_code == 200 and refusal in response.content.decode(), (field, refusal)
        assert not Appeal.objects.exists()


@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
@pytest.mark.parametrize(
    ("url_name", "username", "label"),
    [
        ("follow_up", "demo_hospital", "补充说明"),
        ("reply", "demo_city", "回复内容"),
        ("close", "demo_district", "办结说明"),
    ],
)
def test_a_thread_entry_with_hostile_text_or_version_is_refused(client, url_name, username, label, value):
    appeal = appeal_of()
    url = reverse(f"appeals:{url_name}", args=[appeal.pk])
    signed_in(client, username)

    response = client.post(url, {"text": value, "version": appeal.version})
    refusal = text_refusal(value, label, 5000)
    assert response.status_code == (302 if refusal is None else 200)
    assert refusal is None or refusal in response.content.decode()
    assert AppealMessage.objects.count() == (1 if refusal is None else 0)
    written = AppealMessage.objects.count()

    response = client.post(url, {"text": "收到。", "version": value})
    assert response.status_code == 200 and "页面已过期" in response.content.decode()
    assert AppealMessage.objects.count() == written  # a version that is none is a stale page: nothing written


@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
def test_an_upload_of_a_hostile_kind_is_refused(client, value):
    upload = SimpleUploadedFile("平台数据.csv", "考核年度\n".encode())
    response = signed_in(client, "demo_province").post(
        reverse("platformdata:import_upload"), {"kind": value, "file": upload}, follow=True
    )
    assert response.status_code == 200 and "导入类型：选择一个有效的选项" in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
@pytest.mark.parametrize("field", ["name", "phone", "email"])
def test_a_hostile_profile_field_is_refused_at_the_field(client, field, value):
    user = User.objects.get(username="demo_city")
    before = (user.get_full_name(), user.phone, user.email)
    data = {"name": "张三", "phone": "0351-1234567", "email": "zhang@example.org", field: value}

    response = signed_in(client, "demo_city").post(reverse("accounts:profile"), data)

    # digits are a name; nothing but invisible marks is an empty phone or e-mail, as they may be
    takes = value in (SUPERSCRIPT, DIGITS_30, HUGE) if field == "name" else value == INVISIBLE
    if takes:
        assert response.status_code == 302
        return
    assert response.status_code == 200
    page = response.content.decode()
    error = page[page.index('<span class="error-text">') :][:200]
    assert CJK.search(error), error
    user.refresh_from_db()
    assert (user.get_full_name(), user.phone, user.email) == before


@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
@pytest.mark.parametrize("field", list(BOUNDS))
def test_a_hostile_security_setting_is_refused_at_its_field(client, field, value):
    data = {name: bound.default for name, bound in BOUNDS.items()}
    response = signed_in(client, "demo_secadmin").post(reverse("accounts:security"), {**data, field: value})

    assert response.status_code == 200 and 'class="error-text"' in response.content.decode()
    assert getattr(SecurityPolicy.current(), field) == BOUNDS[field].default


@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
@pytest.mark.parametrize("field", ["field", "value"])
def test_a_hostile_unlock_is_refused(client, field, value):
    data = {"field": "ip_address", "value": "10.0.0.1", field: value}
    response = signed_in(client, "demo_secadmin").post(reverse("accounts:unlock"), data, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "已解锁" not in page and CJK.search(page[page.index('<ul class="messages">') :][:200])


@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
@pytest.mark.parametrize("field", ["role", "region", "hospital_code"])
def test_a_hostile_authorization_is_refused_at_the_field(client, make_user, field, value):
    clerk = make_user("newclerk")
    data = {"role": "hospital", "region": "", "hospital_code": "NOPE", field: value}
    response = signed_in(client, "demo_secadmin").post(reverse("accounts:authorize", args=[clerk.pk]), data)

    assert response.status_code == 200 and 'class="error-text"' in response.content.decode()
    clerk.refresh_from_db()
    assert clerk.role == ""


@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
@pytest.mark.parametrize("field", ["name", "password"])
def test_a_hostile_token_form_makes_no_token(client, field, value):
    data = {"name": "对接", "password": "demo2024!", field: value}
    response = signed_in(client, "demo_city").post(reverse("accounts:api_tokens"), data)

    assert response.status_code == 200
    if field == "name" and text_refusal(value, "令牌用途", 100) is None:
        assert ApiToken.objects.get().name == value  # a name of digits is a name
    else:
        assert 'class="error-text"' in response.content.decode() and not ApiToken.objects.exists()


@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
@pytest.mark.parametrize("field", ["old_password", "new_password1"])
def test_a_hostile_password_change_is_refused(client, field, value):
    data = {
        "old_password": "demo2024!",
        "new_password1": "Tx9#mQ2!vb-Lk",
        "new_password2": "Tx9#mQ2!vb-Lk",
        field: value,
    }
    user = User.objects.get(username="demo_city")
    response = signed_in(client, "demo_city").post(reverse("accounts:password"), data)

    assert response.status_code == 200 and 'class="error-text"' in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("demo2024!")


@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
@pytest.mark.parametrize("field", ["username", "password"])
def test_a_hostile_login_is_refused_in_chinese(client, sign_in, field, value):
    data = {"username": "demo_city", "password": "demo2024!", field: value}

    response = sign_in(client, data["username"], data["password"])

    assert response.status_code == 200 and "_auth_user_id" not in client.session
    page = response.content.decode()
    error = page[page.index('<p class="error-text">') :][:200]
    assert CJK.search(error), error


@pytest.mark.parametrize(
    "value", [*HOSTILE, "//evil.example.org/", "https://evil.example.org/"], ids=[*IDS, "//", "url"]
)
def test_a_hostile_next_after_login_stays_on_this_system(client, sign_in, value):
    response = sign_in(client, "demo_city", "demo2024!", next=value)

    assert response.status_code == 302 and "_auth_user_id" in client.session
    assert response["Location"] == "/"  # none of them is a path of this system: the home page


def test_the_same_holds_for_a_service_given_a_missing_version():
    appeal = appeal_of()
    with pytest.raises(appeals.StaleAppeal):
        appeals.reply_to_appeal(User.objects.get(username="demo_city"), appeal, "收到。", version=None)
    with pytest.raises(accounts.AccountRefused):
        accounts.update_profile(User(), name="x", phone="", email="")
