"""通知公告: the province writes, publishes and withdraws notices; each business user reads those its range reaches.

Scope: a notice for 大同市 is read in 大同市 (its bureau, its hospitals) and nowhere else; its page and its
attachments are 404 elsewhere, as a draft is for anyone but the province. The editing form answers hostile
input with errors at its fields, never a 500, and writes nothing.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from vbp.accounts.models import User
from vbp.audit.models import AuditEvent
from vbp.notices import services
from vbp.notices.models import Notice, NoticeAttachment
from vbp.notices.selectors import notices_for
from vbp.regions.models import Region

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

PDF = b"%PDF-1.4\n% notice\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
BUSINESS = [
    "demo_province",
    "demo_city",
    "demo_city2",
    "demo_district",
    "demo_platform",
    "demo_hospital",
    "demo_hospital2",
]
DATONG_READERS = {"demo_province", "demo_city2", "demo_hospital2"}


def user(name: str) -> User:
    return User.objects.get(username=name)


def content(title="关于开展2024年度集采结余留用考核工作的通知", body="各市医保局：\n请按时完成考核。", cities=()):
    return services.NoticeContent(title, body, whole_province=not cities, cities=tuple(cities))


def published(title="全省通知", cities=(), pinned=False, uploads=()) -> Notice:
    province = user("demo_province")
    draft = services.create_notice(
        province, services.NoticeContent(title, "正文", not cities, tuple(cities), pinned), uploads
    )
    return services.publish_notice(province, draft, version=draft.version)


def datong() -> Region:
    return Region.objects.get(name="大同市", level=Region.Level.CITY)


# --- publishing -----------------------------------------------------------------------------------------------


def test_a_draft_is_the_provinces_alone_until_it_is_published(client):
    province = user("demo_province")
    draft = services.create_notice(province, content())
    assert draft.status == Notice.Status.DRAFT
    assert list(Notice.objects.visible_to(province)) == [draft]
    for name in BUSINESS[1:]:
        assert not Notice.objects.visible_to(user(name)).exists()
        client.force_login(user(name))
        assert client.get(reverse("notices:detail", args=[draft.pk])).status_code == 404
    assert notices_for(province) == []  # the home page shows published notices only

    notice = services.publish_notice(province, draft, version=draft.version)

    assert (notice.status, notice.published_by, notice.version) == (Notice.Status.PUBLISHED, province, 2)
    assert notice.published_at is not None
    for name in BUSINESS:
        assert notices_for(user(name)) == [notice]
        client.force_login(user(name))
        page = client.get(reverse("notices:detail", args=[notice.pk]))
        assert page.status_code == 200
        assert "请按时完成考核" in page.content.decode()
    for name in ("demo_sysadmin", "demo_secadmin", "demo_auditor"):
        assert notices_for(user(name)) == []
        client.force_login(user(name))
        assert client.get(reverse("notices:detail", args=[notice.pk])).status_code == 404


def test_each_verb_is_audited_with_its_values_before_and_after():
    province = user("demo_province")
    draft = services.create_notice(province, content())
    edited = services.edit_notice(province, draft, content(title="修改后的标题", cities=[datong()]), version=1)
    notice = services.publish_notice(province, edited, version=edited.version)
    notice = services.withdraw_notice(province, notice, version=notice.version)

    events = AuditEvent.objects.filter(object_type="notices.notice", object_id=str(notice.pk)).order_by("pk")
    assert [event.kind for event in events] == ["create", "update", "status", "status"]
    create, update, publish, withdraw = events
    assert create.after["title"] == "关于开展2024年度集采结余留用考核工作的通知" and create.before is None
    assert (update.before["title"], update.after["title"]) == (create.after["title"], "修改后的标题")
    assert (update.before["cities"], update.after["cities"]) == ([], ["140200"])
    assert (publish.before["status"], publish.after["status"]) == ("draft", "published")
    assert (withdraw.before["status"], withdraw.after["status"]) == ("published", "withdrawn")
    assert all(event.username == "demo_province" for event in events)


def test_a_withdrawn_notice_is_hidden_again_and_may_be_corrected_and_published_again():
    province = user("demo_province")
    notice = published()
    notice = services.withdraw_notice(province, notice, version=notice.version)
    assert notices_for(user("demo_hospital")) == []
    assert not Notice.objects.visible_to(user("demo_city")).exists()
    assert list(Notice.objects.visible_to(province)) == [notice]

    notice = services.edit_notice(province, notice, content(title="更正后重新发布"), version=notice.version)
    notice = services.publish_notice(province, notice, version=notice.version)
    assert [item.title for item in notices_for(user("demo_hospital"))] == ["更正后重新发布"]


def test_the_verbs_refuse_the_wrong_actor_state_and_version():
    province = user("demo_province")
    with pytest.raises(services.NoticeRefused, match="只有省医保局"):
        services.create_notice(user("demo_city"), content())
    draft = services.create_notice(province, content())
    with pytest.raises(services.StaleNotice):
        services.publish_notice(province, draft, version=draft.version + 1)
    with pytest.raises(services.NoticeRefused, match="只有已发布的通知公告可以撤回"):
        services.withdraw_notice(province, draft, version=draft.version)
    notice = services.publish_notice(province, draft, version=draft.version)
    with pytest.raises(services.NoticeRefused, match="已发布的通知公告不能修改"):
        services.edit_notice(province, notice, content(), version=notice.version)
    with pytest.raises(services.NoticeRefused, match="已发布"):
        services.publish_notice(province, notice, version=notice.version)
    with pytest.raises(services.NoticeRefused, match="请选择发布地市"):
        services.create_notice(province, services.NoticeContent("标题", "正文", False, ()))


def test_pinned_notices_come_first_then_the_newest_and_the_home_page_shows_five():
    titles = [f"通知{index}" for index in range(7)]
    for title in titles:
        published(title)
    published("置顶通知", pinned=True)
    shown = [notice.title for notice in notices_for(user("demo_hospital"))]
    assert shown == ["置顶通知", "通知6", "通知5", "通知4", "通知3"]


# --- scope ---------------------------------------------------------------------------------------------------


def test_a_citys_notice_is_read_in_that_city_only(client):
    notice = published("大同市专项通知", cities=[datong()])
    for name in BUSINESS:
        sees = name in DATONG_READERS
        assert (notice in notices_for(user(name))) == sees, name
        client.force_login(user(name))
        assert client.get(reverse("notices:detail", args=[notice.pk])).status_code == (200 if sees else 404), name
        listed = client.get(reverse("notices:list")).content.decode()
        assert ("大同市专项通知" in listed) == sees, name


def test_a_district_bureau_reads_its_citys_notices():
    taiyuan = Region.objects.get(name="太原市", level=Region.Level.CITY)
    notice = published("太原市通知", cities=[taiyuan])
    assert notices_for(user("demo_district")) == [notice]  # 小店区 is in 太原市
    assert notices_for(user("demo_hospital")) == [notice]
    assert notices_for(user("demo_platform")) == []  # the platform reads the province-wide notices


def test_an_attachment_is_served_only_where_its_notice_is_read(client):
    notice = published("附件通知", cities=[datong()], uploads=[SimpleUploadedFile("政策原文.pdf", PDF)])
    attachment = notice.attachments.get()
    url = reverse("notices:attachment", args=[attachment.pk])
    client.force_login(user("demo_hospital2"))
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "application/pdf"
    assert b"".join(served.streaming_content) == PDF
    for name in ("demo_hospital", "demo_city", "demo_auditor"):
        client.force_login(user(name))
        assert client.get(url).status_code == 404, name


def test_the_list_offers_new_and_drafts_to_the_province_only(client):
    services.create_notice(user("demo_province"), content(title="未发布的草稿"))
    published("已发布的通知")
    client.force_login(user("demo_province"))
    page = client.get(reverse("notices:list")).content.decode()
    assert "未发布的草稿" in page and "已发布的通知" in page and reverse("notices:new") in page
    assert "草稿" in client.get(reverse("notices:list"), {"status": "draft"}).content.decode()
    client.force_login(user("demo_hospital"))
    page = client.get(reverse("notices:list")).content.decode()
    assert "未发布的草稿" not in page and "已发布的通知" in page and reverse("notices:new") not in page
    assert client.get(reverse("notices:new")).status_code == 404


# --- the editing form ----------------------------------------------------------------------------------------


def form_data(**values) -> dict:
    return {"title": "关于报送住院人次的通知", "body": "请于月底前报送。", "reach": "province", **values}


def test_the_province_writes_a_notice_with_attachments_through_the_form(client):
    client.force_login(user("demo_province"))
    files = [SimpleUploadedFile("通知.pdf", PDF), SimpleUploadedFile("流程图.png", PNG)]
    answer = client.post(
        reverse("notices:new"), {**form_data(reach="cities", cities=["140200", "140300"], pinned="on"), "files": files}
    )
    notice = Notice.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse("notices:detail", args=[notice.pk])
    assert sorted(notice.cities.values_list("code", flat=True)) == ["140200", "140300"]
    assert notice.pinned and notice.status == Notice.Status.DRAFT
    assert sorted(notice.attachments.values_list("content_type", flat=True)) == ["application/pdf", "image/png"]

    edit = reverse("notices:edit", args=[notice.pk])
    png = notice.attachments.get(content_type="image/png")
    answer = client.post(edit, form_data(version=notice.version, remove=[str(png.pk)]))
    assert answer.status_code == 302
    notice.refresh_from_db()
    assert notice.whole_province and not notice.cities.exists()
    assert list(notice.attachments.values_list("file_name", flat=True)) == ["通知.pdf"]

    stale = client.post(edit, form_data(version=1, title="旧页面"))
    assert stale.status_code == 200 and "该通知公告已被他人修改" in stale.content.decode()
    answer = client.post(reverse("notices:publish", args=[notice.pk]), {"version": notice.version})
    assert answer.status_code == 302
    notice.refresh_from_db()
    assert notice.status == Notice.Status.PUBLISHED


def test_a_publish_without_the_pages_version_is_refused(client):
    draft = services.create_notice(user("demo_province"), content())
    client.force_login(user("demo_province"))
    for version in ("", "²", "99999999999999999999999", "0"):
        answer = client.post(reverse("notices:publish", args=[draft.pk]), {"version": version}, follow=True)
        assert "页面已过期" in answer.content.decode()
    draft.refresh_from_db()
    assert draft.status == Notice.Status.DRAFT


def test_files_that_are_no_pdf_or_image_or_more_than_five_are_refused(client):
    client.force_login(user("demo_province"))
    script = SimpleUploadedFile("通知.pdf", b"<script>alert(1)</script>")
    answer = client.post(reverse("notices:new"), {**form_data(), "files": [script]})
    assert answer.status_code == 200 and "只能上传PDF 或图片" in answer.content.decode()
    six = [SimpleUploadedFile(f"附件{index}.pdf", PDF) for index in range(6)]
    answer = client.post(reverse("notices:new"), {**form_data(), "files": six})
    assert answer.status_code == 200 and "最多 5 个附件" in answer.content.decode()
    assert not Notice.objects.exists() and not NoticeAttachment.objects.exists()


HOSTILE = {
    "superscript": "²",
    "nul": "通知\x00标题",
    "long": "长" * 10_001,
    "zero_width": "\u200b\u200c\u200d\ufeff",
    "huge_number": "9" * 5_000,
}


@pytest.mark.parametrize("kind", list(HOSTILE))
@pytest.mark.parametrize("field", ["title", "body", "reach", "cities", "pinned", "remove", "version"])
def test_hostile_values_in_any_field_are_errors_never_a_500(client, kind, field):
    value = HOSTILE[kind]
    draft = services.create_notice(user("demo_province"), content())
    client.force_login(user("demo_province"))
    for url, data in (
        (reverse("notices:new"), form_data(**{field: value})),
        (reverse("notices:edit", args=[draft.pk]), form_data(**{"version": draft.version, field: value})),
    ):
        answer = client.post(url, data)
        assert answer.status_code in (200, 302), (url, field, kind, answer.status_code)
    listed = client.get(reverse("notices:list"), {"title": value, "status": value, "page": value})
    assert listed.status_code == 200


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("title", "长" * 10_001, "最多 200 个字（现有 10001 个）"),
        ("body", "长" * 20_001, "最多 20000 个字（现有 20001 个）"),
        ("title", "\u200b\u200c\u200d", "请填写标题"),
        ("body", "\ufeff\u200b", "请填写正文"),
        ("title", "通知\x00", "不能含有控制字符"),
        ("body", "正文\x00", "不能含有控制字符"),
        ("cities", "²", "² 不在可用的选项中"),
        ("reach", "²", "² 不在可用的选项中"),
    ],
)
def test_the_form_says_what_is_wrong_at_the_field_and_writes_nothing(client, field, value, error):
    client.force_login(user("demo_province"))
    data = form_data(**{field: value})
    if field == "cities":
        data["reach"] = "cities"
    answer = client.post(reverse("notices:new"), data)
    assert answer.status_code == 200
    assert error in answer.content.decode()
    assert not Notice.objects.exists()


def test_ten_thousand_characters_of_body_are_kept_as_typed(client):
    client.force_login(user("demo_province"))
    body = "第一段²。\n" + "正" * 10_000
    assert client.post(reverse("notices:new"), form_data(body=body, title="上标²")).status_code == 302
    notice = Notice.objects.get()
    assert (notice.title, notice.body) == ("上标²", body)


def test_choosing_cities_without_any_city_is_refused(client):
    client.force_login(user("demo_province"))
    answer = client.post(reverse("notices:new"), form_data(reach="cities"))
    assert answer.status_code == 200 and "请选择发布地市" in answer.content.decode()


def test_the_home_page_shows_the_notices_its_user_reads(client):
    published("全省的通知")
    published("大同市的通知", cities=[datong()])
    client.force_login(user("demo_hospital2"))
    home = client.get("/").content.decode()
    assert "通知公告" in home and "全省的通知" in home and "大同市的通知" in home
    client.force_login(user("demo_hospital"))
    home = client.get("/").content.decode()
    assert "全省的通知" in home and "大同市的通知" not in home
    client.force_login(user("demo_auditor"))
    assert "全省的通知" not in client.get("/").content.decode()
