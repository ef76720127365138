"""The appeal pages as their users use them: the list and its 导出, a new appeal, the thread, replies, 办结, files."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from vbp.accounts.models import User
from vbp.appeals import services
from vbp.appeals.models import Appeal, AppealAttachment
from vbp.catalog.models import Batch

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

BATCH = "国家第一批集中带量采购"
LIST = "/appeals/"


def user(name: str) -> User:
    return User.objects.get(username=name)


def current(appeal: Appeal) -> int:
    """The appeal's version now: what a page opened now would carry."""
    return Appeal.objects.values_list("version", flat=True).get(pk=appeal.pk)


def png() -> bytes:
    stream = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(stream, "PNG")
    return stream.getvalue()


def pdf() -> bytes:
    stream = io.BytesIO()
    Image.new("RGB", (30, 20), "white").save(stream, "PDF")
    return stream.getvalue()


def file(username: str = "demo_hospital", title: str = "结余留用金额有误", uploads=()) -> Appeal:
    return services.file_appeal(user(username), Batch.objects.get(name=BATCH), 2024, title, "详见附件。", uploads)


def signed_in(client, username: str):
    client.force_login(user(username))
    return client


def batch_value() -> str:
    return f"{Batch.objects.get(name=BATCH).pk}-2024"


def exported(response) -> list[tuple]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    rows = list(
        openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True)
    )
    return rows[next(index for index, row in enumerate(rows) if row[0] == "申诉编号") :]  # below the header block


# --- the menu and the list -------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "shown"),
    [
        ("demo_province", True),
        ("demo_city", True),
        ("demo_district", True),
        ("demo_hospital", True),
        ("demo_platform", False),
        ("demo_sysadmin", False),
        ("demo_secadmin", False),
        ("demo_auditor", False),
    ],
)
def test_the_menu_shows_appeals_to_hospitals_and_bureaus(client, username, shown):
    page = signed_in(client, username).get("/").content.decode()

    assert (f'<a href="{LIST}"' in page) is shown and ("申诉管理" in page) is shown


def test_a_hospital_files_an_appeal_with_evidence_from_the_page(client, attachment_root):
    hospital = signed_in(client, "demo_hospital")
    form = hospital.get(reverse("appeals:new")).content.decode()
    assert f'<option value="{batch_value()}">{BATCH}（2024年度）</option>' in form

    response = hospital.post(
        reverse("appeals:new"),
        {
            "batch": batch_value(),
            "title": "采购量基数有误",
            "text": "第一批品种的采购量基数与实际不符。",
            "files": [SimpleUploadedFile("采购明细.png", png(), content_type="image/png")],
        },
        follow=True,
    )

    appeal = Appeal.objects.get()
    assert response.redirect_chain[-1][0] == reverse("appeals:detail", args=[appeal.pk])
    page = response.content.decode()
    assert "申诉已提交，医保部门将在系统内回复或电话回访。" in page
    assert '<span class="status status-pending" id="status">待处理</span>' in page
    assert "第一批品种的采购量基数与实际不符。" in page and "采购明细.png" in page
    attachment = appeal.attachments.get()
    assert f'<img src="{reverse("appeals:attachment", args=[attachment.pk])}"' in page


def test_a_refused_appeal_keeps_what_was_typed(client):
    hospital = signed_in(client, "demo_hospital")

    page = hospital.post(
        reverse("appeals:new"),
        {
            "batch": batch_value(),
            "title": "采购量基数有误",
            "text": "内容",
            "files": [SimpleUploadedFile("说明.pdf", b"MZ\x90\x00" + b"\x00" * 60, content_type="application/pdf")],
        },
    ).content.decode()

    assert "只能上传PDF 或图片（PNG、JPEG）文件" in page
    assert 'value="采购量基数有误"' in page and f'<option value="{batch_value()}" selected>' in page
    assert not Appeal.objects.exists()


def test_an_appeal_needs_a_batch(client):
    page = signed_in(client, "demo_hospital").post(reverse("appeals:new"), {"title": "t", "text": "x"})

    assert "请选择结余留用考核批次" in page.content.decode()
    assert not Appeal.objects.exists()


def test_the_list_shows_each_user_only_the_appeals_in_scope(client):
    file("demo_hospital", "小店区医院的申诉")
    file("demo_hospital2", "大同三院的申诉")
    expected = {
        "demo_province": {"小店区医院的申诉", "大同三院的申诉"},
        "demo_city": {"小店区医院的申诉"},
        "demo_district": {"小店区医院的申诉"},
        "demo_city2": {"大同三院的申诉"},
        "demo_hospital": {"小店区医院的申诉"},
        "demo_hospital2": {"大同三院的申诉"},
    }
    for username, titles in expected.items():
        client.force_login(user(username))
        page = client.get(LIST).content.decode()
        assert f"共 {len(titles)} 条" in page, username
        assert {title for title in ("小店区医院的申诉", "大同三院的申诉") if title in page} == titles, username
        assert {row[7] for row in exported(client.get(LIST, {"export": "1"}))[1:]} == titles, username


def test_the_filters_are_kept_in_the_url_and_the_export_holds_what_they_show(client):
    first = file(title="第一件")
    file(title="第二件")
    services.reply_to_appeal(user("demo_city"), first, "收到。", version=current(first))
    province = signed_in(client, "demo_province")

    page = province.get(LIST, {"status": "replied", "name": "小店区"}).content.decode()

    assert "共 1 条" in page and "第一件" in page and "第二件" not in page
    assert '<option value="replied" selected>已回复</option>' in page and 'value="小店区"' in page
    rows = exported(province.get(LIST, {"status": "replied", "name": "小店区", "export": "1"}))
    assert rows[0][:3] == ("申诉编号", "医疗机构编码", "医疗机构名称")
    assert [(row[2], row[7], row[9]) for row in rows[1:]] == [("太原市小店区人民医院", "第一件", "已回复")]
    assert exported(province.get(LIST, {"name": "没有这家医院", "export": "1"}))[1:] == []


def test_a_bureau_can_list_only_what_waits_for_its_own_reply(client):
    file(title="待回复")
    file("demo_hospital2", title="大同的")
    answered = file(title="已答复")
    services.reply_to_appeal(user("demo_city"), answered, "收到。", version=current(answered))

    page = signed_in(client, "demo_province").get(LIST, {"to_answer": "1"}).content.decode()
    assert "共 2 条" in page and "待回复" in page and "大同的" in page and "已答复" not in page
    page = signed_in(client, "demo_city").get(LIST, {"to_answer": "1"}).content.decode()
    assert "共 1 条" in page and "待回复" in page


def test_a_text_that_looks_like_a_formula_is_exported_as_text(client):
    file(title='=HYPERLINK("http://example.com","点击")')

    response = signed_in(client, "demo_city").get(LIST, {"export": "1"})

    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.column == 8 and "HYPERLINK" in str(cell.value)]
    assert [(cell.data_type, cell.value) for cell in cells] == [("s", '=HYPERLINK("http://example.com","点击")')]


# --- the thread ---------------------------------------------------------------------------


def test_the_bureau_replies_and_the_hospital_sees_the_reply_and_the_new_status(client):
    appeal = file()
    city = signed_in(client, "demo_city")
    page = city.get(reverse("appeals:detail", args=[appeal.pk])).content.decode()
    assert f'action="/appeals/{appeal.pk}/reply/"' in page and "提交补充说明" not in page

    response = city.post(
        reverse("appeals:reply", args=[appeal.pk]),
        {
            "version": appeal.version,
            "text": "已核实，将更正。",
            "files": [SimpleUploadedFile("核实结果.pdf", pdf(), content_type="application/pdf")],
        },
        follow=True,
    )
    assert "已回复。" in response.content.decode()

    hospital = signed_in(client, "demo_hospital")
    assert '<span class="status status-new">新回复</span>' in hospital.get(LIST).content.decode()
    page = hospital.get(reverse("appeals:detail", args=[appeal.pk])).content.decode()
    assert '<span class="status status-replied" id="status">已回复</span>' in page
    assert "已核实，将更正。" in page and "太原市医保局" in page and "核实结果.pdf" in page
    assert "提交补充说明" in page and "/reply/" not in page
    assert "新回复" not in hospital.get(LIST).content.decode()  # read now


def test_a_refused_reply_shows_the_thread_again_with_the_text_kept(client, settings):
    settings.VBP_ATTACHMENT_MAX_BYTES = 1024
    appeal = file()

    response = signed_in(client, "demo_city").post(
        reverse("appeals:reply", args=[appeal.pk]),
        {
            "version": appeal.version,
            "text": "请看附件",
            "files": [SimpleUploadedFile("大.pdf", b"%PDF-" + b"0" * 2048, content_type="application/pdf")],
        },
    )

    page = response.content.decode()
    assert response.status_code == 200 and "文件过大" in page
    assert 'id="reply_text">\n请看附件</textarea>' in page
    assert Appeal.objects.get().status == Appeal.Status.PENDING


def test_a_reply_on_a_stale_page_is_refused_and_says_why(client):
    appeal = file()
    seen = appeal.version
    services.follow_up_appeal(user("demo_hospital"), appeal, "再补充一点。", version=current(appeal))

    response = signed_in(client, "demo_city").post(
        reverse("appeals:reply", args=[appeal.pk]), {"version": seen, "text": "收到。"}, follow=True
    )

    assert "该申诉已有新的回复或状态变化，请刷新页面查看后再提交。" in response.content.decode()
    assert not Appeal.objects.get().messages.filter(kind="reply").exists()


def test_closing_asks_for_confirmation_saying_it_is_final_and_then_takes_no_more(client):
    appeal = file()
    city = signed_in(client, "demo_city")
    page = city.get(reverse("appeals:detail", args=[appeal.pk])).content.decode()
    confirm = "办结后该申诉不能再回复或补充说明，此操作不可撤销。确定办结？"
    assert f'action="/appeals/{appeal.pk}/close/" data-confirm="{confirm}"' in page

    page = city.post(
        reverse("appeals:close", args=[appeal.pk]), {"version": appeal.version, "text": "已电话回访。"}, follow=True
    ).content.decode()

    assert "申诉已办结。" in page and '<span class="status status-closed" id="status">已办结</span>' in page
    assert "该申诉已于" in page and "<textarea" not in page and "/close/" not in page
    hospital_page = signed_in(client, "demo_hospital").get(reverse("appeals:detail", args=[appeal.pk]))
    assert "提交补充说明" not in hospital_page.content.decode()


def test_a_province_direct_hospitals_appeal_is_read_only_for_the_city(client):
    from vbp.catalog.models import Hospital

    clerk = User.objects.create_user("bqe", role="hospital", hospital=Hospital.objects.get(name="山西白求恩医院"))
    appeal = services.file_appeal(clerk, Batch.objects.get(name=BATCH), 2024, "省直医院申诉", "内容")
    city = signed_in(client, "demo_city")

    page = city.get(reverse("appeals:detail", args=[appeal.pk])).content.decode()

    assert "省直医院申诉" in page and "/reply/" not in page and "/close/" not in page
    assert city.post(reverse("appeals:reply", args=[appeal.pk]), {"text": "x"}).status_code == 404


# --- scope: out of scope is 404 ------------------------------------------------------------


@pytest.fixture
def with_file():
    upload = SimpleUploadedFile("证明.png", png(), content_type="image/png")
    return file(uploads=[upload])


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("demo_hospital", 200),
        ("demo_city", 200),
        ("demo_district", 200),
        ("demo_province", 200),
        ("demo_hospital2", 404),
        ("demo_city2", 404),
        ("demo_platform", 404),
        ("demo_auditor", 404),
        ("demo_sysadmin", 404),
    ],
)
def test_only_users_with_the_appeal_in_scope_read_it_and_its_attachments(client, with_file, username, status):
    client.force_login(user(username))
    attachment = AppealAttachment.objects.get()

    assert client.get(reverse("appeals:detail", args=[with_file.pk])).status_code == status
    assert client.get(reverse("appeals:attachment", args=[attachment.pk])).status_code == status


def test_an_attachment_is_served_inline_as_its_content_proved(client):
    upload = SimpleUploadedFile("证明.pdf", png(), content_type="application/pdf")  # the bytes say PNG
    file(uploads=[upload])
    attachment = AppealAttachment.objects.get()

    response = signed_in(client, "demo_city").get(reverse("appeals:attachment", args=[attachment.pk]))

    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == png()


@pytest.mark.parametrize(
    ("username", "url_name"),
    [
        ("demo_hospital2", "follow_up"),
        ("demo_city", "follow_up"),
        ("demo_city2", "reply"),
        ("demo_hospital", "reply"),
        ("demo_city2", "close"),
        ("demo_hospital", "close"),
    ],
)
def test_no_one_else_writes_on_an_appeal(client, username, url_name):
    appeal = file()
    client.force_login(user(username))

    response = client.post(reverse(f"appeals:{url_name}", args=[appeal.pk]), {"text": "我来写一句。"})

    assert response.status_code == 404
    assert not appeal.messages.exists()


def test_a_bureau_has_no_new_appeal_page(client):
    assert signed_in(client, "demo_city").get(reverse("appeals:new")).status_code == 404


def test_a_hospitals_query_form_offers_its_batches_and_no_other_hospitals_filters(client):
    file(title="第一件")
    hospital = signed_in(client, "demo_hospital")

    page = hospital.get(LIST).content.decode()
    assert 'name="batch"' in page and 'name="status"' in page
    assert 'name="name"' not in page and 'name="to_answer"' not in page  # its own appeals: none to search or answer
    code = Batch.objects.get(name=BATCH).code
    assert "共 1 条" in hospital.get(LIST, {"batch": code}).content.decode()
    page = hospital.get(LIST, {"batch": "GJ-NOPE", "status": "closed"}).content.decode()
    assert "共 0 条" in page and "未按此条件筛选" in page  # the unknown batch is refused; the status still filters


def test_the_export_names_the_filters_in_words_and_keeps_local_time(client):
    appeal = file(title="第一件")
    province = signed_in(client, "demo_province")

    response = province.get(LIST, {"status": "pending", "to_answer": "1", "export": "xlsx"})

    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.cell(5, 1).value == "筛选条件：状态 待处理；仅看待本部门回复 是"
    rows = exported(province.get(LIST, {"export": "xlsx"}))
    created = next(row[11] for row in rows[1:] if row[0] == appeal.pk)
    local = timezone.localtime(appeal.created_at).replace(tzinfo=None)
    assert abs((created - local).total_seconds()) < 0.01  # Excel keeps milliseconds
