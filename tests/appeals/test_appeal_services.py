"""The appeal verbs: who may file, follow up, reply and close; the status each leaves; what each refuses; the audit."""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from vbp import permissions
from vbp.accounts.models import User
from vbp.appeals import selectors, services
from vbp.appeals.models import Appeal, AppealAttachment, AppealMessage
from vbp.audit.models import AuditEvent
from vbp.catalog.models import Batch, Hospital

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

Status = Appeal.Status
BATCH = "国家第一批集中带量采购"
EVERY_OTHER_ROLE = [
    "demo_province",
    "demo_city",
    "demo_city2",
    "demo_district",
    "demo_platform",
    "demo_sysadmin",
    "demo_secadmin",
    "demo_auditor",
]


def user(name: str) -> User:
    return User.objects.get(username=name)


def current(appeal: Appeal) -> int:
    """The appeal's version now: what a page opened now would carry."""
    return Appeal.objects.values_list("version", flat=True).get(pk=appeal.pk)


def pdf(name: str = "证明材料.pdf") -> SimpleUploadedFile:
    stream = io.BytesIO()
    Image.new("RGB", (30, 20), "white").save(stream, "PDF")
    return SimpleUploadedFile(name, stream.getvalue(), content_type="application/pdf")


@pytest.fixture
def batch():
    return Batch.objects.get(name=BATCH)


def file(
    username: str = "demo_hospital", title: str = "结余留用金额有误", text: str = "采购量基数与实际不符。", uploads=()
) -> Appeal:
    return services.file_appeal(user(username), Batch.objects.get(name=BATCH), 2024, title, text, uploads)


@pytest.fixture
def appeal():
    return file()


def test_a_hospital_files_an_appeal_on_a_batch_it_is_assessed_on(appeal):
    assert appeal.status == Status.PENDING
    assert appeal.get_status_display() == "待处理"
    assert appeal.hospital == user("demo_hospital").hospital
    assert (appeal.batch.name, appeal.year, appeal.created_by.username) == (BATCH, 2024, "demo_hospital")


@pytest.mark.parametrize("username", EVERY_OTHER_ROLE)
def test_only_a_hospital_files_an_appeal(username):
    with pytest.raises(services.AppealRefused, match="只有医疗机构可以提交申诉"):
        file(username)
    assert not Appeal.objects.exists()


def test_an_appeal_needs_a_batch_year_the_hospital_is_assessed_on(batch):
    with pytest.raises(services.AppealRefused, match="没有考核数据"):
        services.file_appeal(user("demo_hospital"), batch, 2019, "标题", "内容")


@pytest.mark.parametrize(
    ("title", "text", "message"),
    [
        ("", "内容", "请填写申诉标题"),
        ("  ", "内容", "请填写申诉标题"),
        ("标题", "\n", "请填写申诉内容"),
        ("标" * 201, "内容", "申诉标题不能超过 200 字"),
    ],
)
def test_an_appeal_needs_a_title_and_a_text(title, text, message):
    with pytest.raises(services.AppealRefused, match=message):
        file(title=title, text=text)
    assert not Appeal.objects.exists()


def test_the_bureau_of_the_hospital_replies_and_the_appeal_is_then_answered(appeal):
    message = services.reply_to_appeal(
        user("demo_city"), appeal, "已核实，将在下一轮测算中更正。", version=current(appeal)
    )

    appeal.refresh_from_db()
    assert (message.kind, message.author.username) == (AppealMessage.Kind.REPLY, "demo_city")
    assert appeal.status == Status.REPLIED and appeal.get_status_display() == "已回复"
    assert appeal.bureau_wrote_at == message.at


@pytest.mark.parametrize("username", ["demo_province", "demo_city", "demo_district"])
def test_the_province_the_city_and_the_district_bureau_of_the_hospital_may_reply(appeal, username):
    services.reply_to_appeal(user(username), appeal, "收到。", version=current(appeal))

    assert Appeal.objects.get().status == Status.REPLIED


@pytest.mark.parametrize(
    "username", ["demo_city2", "demo_platform", "demo_hospital", "demo_hospital2", "demo_sysadmin", "demo_auditor"]
)
def test_no_one_else_replies(appeal, username):
    with pytest.raises(services.AppealRefused, match="无权回复或办结"):
        services.reply_to_appeal(user(username), appeal, "收到。", version=current(appeal))
    with pytest.raises(services.AppealRefused, match="无权回复或办结"):
        services.close_appeal(user(username), appeal, "已办结。", version=current(appeal))
    assert Appeal.objects.get().status == Status.PENDING
    assert not AppealMessage.objects.exists()


def test_only_the_province_answers_a_province_direct_hospital(batch):
    hospital = Hospital.objects.get(name="山西白求恩医院")  # province-direct, in 太原市小店区
    clerk = User.objects.create_user("bqe", role="hospital", hospital=hospital)
    batch_id, year = selectors.appealable(clerk)[0]
    appeal = services.file_appeal(clerk, Batch.objects.get(pk=batch_id), year, "标题", "内容")

    for username in ("demo_city", "demo_district"):  # they see it, but it is not theirs to answer
        assert Appeal.objects.visible_to(user(username)).filter(pk=appeal.pk).exists()
        with pytest.raises(services.AppealRefused, match="无权回复或办结"):
            services.reply_to_appeal(user(username), appeal, "收到。", version=current(appeal))
    services.reply_to_appeal(user("demo_province"), appeal, "收到。", version=current(appeal))
    assert Appeal.objects.get(pk=appeal.pk).status == Status.REPLIED


@pytest.mark.parametrize(
    "username",
    ["demo_province", "demo_city", "demo_city2", "demo_district", "demo_platform", "demo_hospital", "demo_hospital2"],
)
def test_the_answerer_filter_says_what_the_service_says(username, batch):
    file()
    file("demo_hospital2")
    clerk = user(username)

    by_filter = set(selectors.appeals_to_answer(clerk))
    by_service = {
        appeal for appeal in selectors.appeals_for(clerk) if permissions.answers_appeals(clerk, appeal.hospital)
    }

    assert by_filter == by_service


def test_a_follow_up_by_the_hospital_reopens_an_answered_appeal(appeal):
    services.reply_to_appeal(user("demo_city"), appeal, "请补充材料。", version=current(appeal))

    services.follow_up_appeal(user("demo_hospital"), appeal, "补充如下。", [pdf()], version=current(appeal))

    appeal.refresh_from_db()
    assert appeal.status == Status.PENDING
    assert [m.kind for m in appeal.messages.all()] == [AppealMessage.Kind.REPLY, AppealMessage.Kind.FOLLOW_UP]
    assert appeal.attachments.get().message == appeal.messages.last()


@pytest.mark.parametrize("username", ["demo_hospital2", "demo_city", "demo_province"])
def test_only_the_hospital_itself_follows_up(appeal, username):
    with pytest.raises(services.AppealRefused, match="只有提出申诉的医疗机构可以补充说明"):
        services.follow_up_appeal(user(username), appeal, "补充。", version=current(appeal))


@pytest.mark.parametrize(
    ("verb", "username", "message"),
    [
        (services.reply_to_appeal, "demo_city", "请填写回复"),
        (services.follow_up_appeal, "demo_hospital", "请填写补充说明"),
        (services.close_appeal, "demo_city", "请填写办结说明"),
    ],
)
def test_every_entry_of_the_thread_needs_its_text(appeal, verb, username, message):
    with pytest.raises(services.AppealRefused, match=message):
        verb(user(username), appeal, "   ", version=current(appeal))
    assert Appeal.objects.get().status == Status.PENDING
    assert Appeal.objects.get().version == appeal.version


def test_closing_is_final(appeal):
    services.reply_to_appeal(user("demo_city"), appeal, "已更正。", version=current(appeal))
    services.close_appeal(user("demo_district"), appeal, "已电话回访，医疗机构无异议。", version=current(appeal))
    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED and appeal.get_status_display() == "已办结"
    assert appeal.closed_at is not None

    for verb, username in (
        (services.reply_to_appeal, "demo_city"),
        (services.follow_up_appeal, "demo_hospital"),
        (services.close_appeal, "demo_province"),
    ):
        with pytest.raises(services.AppealRefused, match="该申诉已办结，不能再回复或补充"):
            verb(user(username), appeal, "再说一句。", [pdf()], version=current(appeal))
    assert appeal.messages.count() == 2
    assert not AppealAttachment.objects.exists()


@pytest.mark.parametrize("version", [None, "1", 0])
def test_a_write_without_the_version_the_page_showed_is_refused_as_stale(appeal, version):
    with pytest.raises(services.StaleAppeal):
        services.reply_to_appeal(user("demo_city"), appeal, "收到。", version=version)
    assert Appeal.objects.get().status == Status.PENDING and not AppealMessage.objects.exists()


def test_a_stale_page_is_refused(appeal):
    seen = appeal.version
    services.follow_up_appeal(user("demo_hospital"), appeal, "补充。", version=seen)

    with pytest.raises(services.StaleAppeal):
        services.reply_to_appeal(user("demo_city"), appeal, "收到。", version=seen)
    assert Appeal.objects.get().status == Status.PENDING


def test_attachments_are_kept_outside_the_web_root_under_a_random_name_with_their_hash(attachment_root):
    upload = pdf("2024年采购明细.pdf")
    content = upload.read()

    appeal = file(uploads=[upload])

    attachment = appeal.attachments.get()
    assert (attachment.file_name, attachment.content_type, attachment.size) == (
        "2024年采购明细.pdf",
        "application/pdf",
        len(content),
    )
    assert attachment.message is None  # on the appeal itself
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert "采购" not in attachment.stored_as and not attachment.stored_as.endswith(".pdf")
    assert (attachment_root / attachment.stored_as).read_bytes() == content


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("说明.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64, "只能上传PDF 或图片（PNG、JPEG）文件"),
        ("说明.png", b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "只能上传PDF 或图片（PNG、JPEG）文件"),
        ("说明.pdf", b"", "文件为空"),
    ],
    ids=["exe-renamed-pdf", "svg-renamed-png", "empty"],
)
def test_a_file_that_is_not_a_pdf_or_image_by_content_refuses_the_whole_appeal(attachment_root, name, content, message):
    with pytest.raises(services.AppealRefused, match=message):
        file(uploads=[pdf(), SimpleUploadedFile(name, content, content_type="application/pdf")])

    assert not Appeal.objects.exists()
    assert not AppealAttachment.objects.exists()
    assert not any(attachment_root.iterdir())  # the good file written before it is gone too


def test_a_file_above_the_size_limit_is_refused(appeal, attachment_root, settings):
    settings.VBP_ATTACHMENT_MAX_BYTES = 1024

    with pytest.raises(services.AppealRefused, match="文件过大：附件不能超过 1 KB"):
        services.reply_to_appeal(
            user("demo_city"),
            appeal,
            "见附件。",
            [SimpleUploadedFile("a.pdf", b"%PDF-" + b"0" * 1024)],
            version=current(appeal),
        )
    assert not AppealMessage.objects.exists()
    assert not any(attachment_root.iterdir())


def test_at_most_five_files_at_a_time(appeal):
    with pytest.raises(services.AppealRefused, match="每次最多上传 5 个附件"):
        services.reply_to_appeal(
            user("demo_city"), appeal, "见附件。", [pdf(f"{n}.pdf") for n in range(6)], version=current(appeal)
        )


def test_every_step_is_in_the_audit_log(attachment_root):
    appeal = file(uploads=[pdf()])
    services.reply_to_appeal(user("demo_city"), appeal, "收到。", [pdf("回复.pdf")], version=current(appeal))
    services.close_appeal(user("demo_city"), appeal, "已办结。", version=current(appeal))

    events = AuditEvent.objects.filter(object_type__startswith="appeals.").order_by("pk")
    assert [(e.object_type, e.kind, e.username) for e in events] == [
        ("appeals.appeal", "create", "demo_hospital"),
        ("appeals.appealattachment", "create", "demo_hospital"),
        ("appeals.appealmessage", "create", "demo_city"),
        ("appeals.appealattachment", "create", "demo_city"),
        ("appeals.appeal", "status", "demo_city"),
        ("appeals.appealmessage", "create", "demo_city"),
        ("appeals.appeal", "status", "demo_city"),
    ]
    closing = events.last()
    assert (closing.before["status"], closing.after["status"]) == ("replied", "closed")
    assert events[2].after["text"] == "收到。"


def test_a_second_reply_is_an_update_not_a_status_change(appeal):
    services.reply_to_appeal(user("demo_city"), appeal, "收到。", version=current(appeal))
    services.reply_to_appeal(user("demo_city"), appeal, "已转交处理。", version=current(appeal))

    assert AuditEvent.objects.filter(object_type="appeals.appeal").order_by("pk").last().kind == "update"
    assert Appeal.objects.get().version == appeal.version + 2


def test_todos_a_bureau_sees_the_appeals_waiting_for_its_reply_and_a_hospital_its_unread_replies(appeal):
    file("demo_hospital2")

    assert selectors.appeal_todos(user("demo_city")) == [("申诉待处理（1 件）", "/appeals/?to_answer=1")]
    assert selectors.appeal_todos(user("demo_city2")) == [("申诉待处理（1 件）", "/appeals/?to_answer=1")]
    assert selectors.appeal_todos(user("demo_province")) == [("申诉待处理（2 件）", "/appeals/?to_answer=1")]
    assert selectors.appeal_todos(user("demo_hospital")) == []
    for username in ("demo_platform", "demo_sysadmin", "demo_auditor"):
        assert selectors.appeal_todos(user(username)) == []

    services.reply_to_appeal(user("demo_district"), appeal, "收到。", version=current(appeal))

    assert selectors.appeal_todos(user("demo_city")) == []
    assert selectors.appeal_todos(user("demo_hospital")) == [
        ("申诉“结余留用金额有误”已回复，有新的回复待查看", f"/appeals/{appeal.pk}/")
    ]
    services.mark_read(user("demo_city"), Appeal.objects.get(pk=appeal.pk))  # a bureau's visit reads nothing
    assert len(selectors.appeal_todos(user("demo_hospital"))) == 1
    services.mark_read(user("demo_hospital"), Appeal.objects.get(pk=appeal.pk))
    assert selectors.appeal_todos(user("demo_hospital")) == []
    assert Appeal.objects.get(pk=appeal.pk).version == appeal.version + 1  # reading is no change to the appeal
