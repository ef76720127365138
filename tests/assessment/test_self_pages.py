"""The hospital's self-assessment pages (自评填报) as it uses them: fill, 保存, 提交, attachments; who reaches what."""

import datetime
import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from vbp.accounts.models import User
from vbp.assessment import attachments, services
from vbp.assessment.models import Answer, Assessment, Attachment
from vbp.audit.models import AuditEvent
from vbp.catalog.models import Batch
from vbp.rulesets.models import RuleSetVersion

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

FIRST_BATCH = "国家第一批集中带量采购"
CLOSED_BATCH = "国家第一批集中带量采购接续"  # the demo's deadline for it has passed
PART1_FORM = {
    "prepayment.0.prepayment": "完成",
    "drug_cost_growth.0.outpatient_drug_cost": "95.5",
    "drug_cost_growth.0.outpatient_drug_cost_last_year": "100",
    "drug_cost_growth.0.inpatient_drug_cost": "1300.25",
    "drug_cost_growth.0.inpatient_drug_cost_last_year": "1200",
    "policy_violations.0.policy_violation_count": "0",
    "price_violations.0.price_violation_count": "0",
    "circulation_violations.0.circulation_violation_count": "1",
}  # 20 + 5 + 5 + 5 + 0 = 35


def user(name: str) -> User:
    return User.objects.get(username=name)


def pdf_bytes() -> bytes:
    stream = io.BytesIO()
    Image.new("RGB", (60, 40), "white").save(stream, "PDF")
    return stream.getvalue()


def png_bytes() -> bytes:
    stream = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(stream, "PNG")
    return stream.getvalue()


def upload_file(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def batch():
    return Batch.objects.get(name=FIRST_BATCH)


@pytest.fixture
def page_url(batch):
    return reverse("assessment:self_assessment", args=[batch.pk, 2024])


@pytest.fixture
def hospital(client):
    client.force_login(user("demo_hospital"))
    return client


def current(batch) -> Assessment:
    return Assessment.objects.get(hospital=user("demo_hospital").hospital, batch=batch, year=2024)


def save(client, url, batch, form=PART1_FORM, **extra):
    data = {"version": current(batch).version, **form, **extra}
    return client.post(url, data, follow=True)


def upload(client, batch, content: bytes, name: str = "财务报表.pdf", content_type="application/pdf", **headers):
    url = reverse("assessment:self_attachment_upload", args=[batch.pk, 2024])
    file = upload_file(name, content, content_type)
    data = {"version": current(batch).version, "item": "drug_cost_growth", "file": file}
    return client.post(url, data, follow=not headers, **headers)


def submit(client, batch):
    url = reverse("assessment:self_submit", args=[batch.pk, 2024])
    return client.post(url, {"version": current(batch).version}, follow=True)


# --- the batch list ---------------------------------------------------------------------------


def test_the_batch_list_shows_each_batch_year_with_its_deadline_status_and_link(hospital, batch):
    page = hospital.get(reverse("assessment:self_batches")).content.decode()

    assert FIRST_BATCH in page and "2027-03-31 17:30" in page and "待填报" in page
    assert reverse("assessment:self_assessment", args=[batch.pk, 2024]) in page
    closed = Batch.objects.get(name=CLOSED_BATCH)
    assert CLOSED_BATCH in page and "已截止" in page
    assert f'{reverse("assessment:self_assessment", args=[closed.pk, 2024])}">查看' in page
    assert "国家组织冠脉支架集中带量采购" not in page  # demo_hospital has no platform data for it


def test_the_batch_list_says_submitted_once_submitted(hospital, batch, page_url):
    hospital.get(page_url)
    save(hospital, page_url, batch)
    upload(hospital, batch, pdf_bytes())
    submit(hospital, batch)

    page = hospital.get(reverse("assessment:self_batches")).content.decode()

    assert "已提交" in page


def test_the_menu_offers_self_assessment_to_hospitals_only(client):
    client.force_login(user("demo_hospital"))
    assert f'href="{reverse("assessment:self_batches")}"' in client.get("/").content.decode()
    client.force_login(user("demo_city"))
    assert "自评填报" not in client.get("/").content.decode()


@pytest.mark.parametrize("username", ["demo_province", "demo_city", "demo_district", "demo_platform", "demo_auditor"])
def test_no_one_but_a_hospital_finds_the_self_assessment_pages(client, batch, page_url, username):
    client.force_login(user(username))

    assert client.get(reverse("assessment:self_batches")).status_code == 404
    assert client.get(page_url).status_code == 404
    assert not Assessment.objects.exists()


def test_a_batch_without_the_hospitals_platform_data_is_not_found(hospital):
    stents = Batch.objects.get(name="国家组织冠脉支架集中带量采购")

    assert hospital.get(reverse("assessment:self_assessment", args=[stents.pk, 2024])).status_code == 404
    assert hospital.get(reverse("assessment:self_assessment", args=[stents.pk, 2023])).status_code == 404


# --- the assessment page ------------------------------------------------------------------------


def test_the_page_shows_part_1_items_their_rules_and_inputs_and_each_products_platform_items(hospital, batch, page_url):
    page = hospital.get(page_url).content.decode()

    assessment = current(batch)
    assert f'name="version" value="{assessment.version}"' in page
    assert "货款预付" in page and "完成 20分；部分完成 10分；未进行 0分" in page
    assert '<select name="prepayment.0.prepayment">' in page
    assert '<option value="完成">完成</option><option value="部分完成">部分完成</option><option value="未进行">' in page
    assert 'name="drug_cost_growth.0.outpatient_drug_cost" value="" inputmode="decimal"' in page
    assert "本年门诊次均药品费用 ≤ 上年门诊次均药品费用 得5分" in page
    assert "附件：卫生健康财务报表" in page
    result = services.product_results(assessment)[0]
    record = result["record"]
    assert result["product"].generic_name in page
    assert f"实际采购量：{record.winning_volume:,.0f}" in page and f"约定采购量：{record.agreed_volume:,.0f}" in page
    assert (
        f"30天内回款金额：{record.paid_30d_amount:,.2f}" in page
        and f"入库金额：{record.purchase_in_amount:,.2f}" in page
    )
    assert "线下采购占比" in page and "约定采购比例：70.00%" in page
    assert "自评填报完整后计算" in page


def test_saving_scores_the_answers_and_previews_each_products_score_and_ratio(hospital, batch, page_url):
    hospital.get(page_url)

    page = save(hospital, page_url, batch).content.decode()

    assert "已保存" in page
    points = dict(Answer.objects.values_list("item", "self_points"))
    assert points["prepayment"] == 20 and points["drug_cost_growth"] == 5 and points["circulation_violations"] == 0
    assert Answer.objects.get(item="drug_cost_growth").inputs["inpatient_drug_cost"] == "1300.25"  # exact text
    assert 'value="1300.25"' in page
    result = services.product_results(current(batch))[0]
    assert result["core"].part1 == 35
    assert f"综合得分（预计）：<strong>{result['score']:.0f}</strong>" in page
    assert "留用比例（预计）" in page


def test_a_bad_value_is_named_beside_its_input_the_typed_values_stay_and_nothing_is_saved(hospital, batch, page_url):
    hospital.get(page_url)
    form = {
        **PART1_FORM,
        "drug_cost_growth.0.outpatient_drug_cost": "九十五",
        "price_violations.0.price_violation_count": "1.5",
    }

    response = save(hospital, page_url, batch, form)

    page = response.content.decode()
    assert response.status_code == 200
    assert "未保存" in page
    assert "药品费用增长率：本年门诊次均药品费用（A，元）不是数字" in page
    assert "价格违规次数：价格违规次数（次）应为非负整数" in page
    assert 'value="九十五"' in page and 'value="1300.25"' in page
    assert not Answer.objects.exists()


def test_a_draft_may_be_saved_in_parts_but_a_started_item_must_be_complete(hospital, batch, page_url):
    hospital.get(page_url)

    save(hospital, page_url, batch, {"prepayment.0.prepayment": "部分完成"})
    assert dict(Answer.objects.values_list("item", "self_points")) == {"prepayment": 10}

    page = save(hospital, page_url, batch, {"drug_cost_growth.0.outpatient_drug_cost": "90"}).content.decode()
    assert "上年门诊次均药品费用（B，元）未填写" in page
    assert list(Answer.objects.values_list("item", flat=True)) == ["prepayment"]


def test_submitting_needs_the_attachment_then_the_page_is_read_only_and_says_why(hospital, batch, page_url):
    hospital.get(page_url)
    save(hospital, page_url, batch)

    page = submit(hospital, batch).content.decode()
    assert "尚未填报：药品费用增长率的附件（卫生健康财务报表）" in page
    assert current(batch).status == Assessment.Status.DRAFT

    upload(hospital, batch, pdf_bytes())
    page = submit(hospital, batch).content.decode()

    assert "自评已提交，等待医保部门审核" in page
    assert current(batch).status == Assessment.Status.SUBMITTED
    assert "自评已于" in page and "提交，不能再修改" in page
    assert "<select" not in page and 'name="prepayment.0.prepayment"' not in page
    assert ">保存</button>" not in page and ">提交</button>" not in page and ">上传</button>" not in page
    page = save(hospital, page_url, batch).content.decode()
    assert "自评已提交，不能再修改" in page


def test_the_submit_form_asks_for_confirmation(hospital, page_url):
    page = hospital.get(page_url).content.decode()

    assert 'data-confirm="提交后不能修改，确定提交？"' in page


def test_after_the_deadline_the_page_is_read_only_and_says_why(hospital):
    closed = Batch.objects.get(name=CLOSED_BATCH)
    url = reverse("assessment:self_assessment", args=[closed.pk, 2024])

    page = hospital.get(url).content.decode()

    assert "已过填报截止时间（2025-04-30 17:30），不能再填报或修改。" in page
    assert "<select" not in page and ">保存</button>" not in page
    assessment = Assessment.objects.get(batch=closed)
    response = hospital.post(url, {"version": assessment.version, **PART1_FORM}, follow=True)
    assert "已过填报截止时间" in response.content.decode()
    assert not Answer.objects.exists()


def test_the_deadline_passing_while_the_page_is_open_refuses_the_save(hospital, batch, page_url):
    hospital.get(page_url)
    Batch.objects.filter(pk=batch.pk).update(fill_deadline=timezone.now() - datetime.timedelta(minutes=1))

    page = save(hospital, page_url, batch).content.decode()

    assert "已过填报截止时间" in page
    assert not Answer.objects.exists()


def test_a_stale_page_is_told_plainly_and_shown_the_latest_state(hospital, batch, page_url):
    hospital.get(page_url)
    seen = current(batch).version
    save(hospital, page_url, batch)  # e.g. in another tab

    response = hospital.post(
        page_url, {**PART1_FORM, "version": seen, "prepayment.0.prepayment": "未进行"}, follow=True
    )

    assert "该考核已被他人修改（或已提交），请刷新页面后查看最新状态。" in response.content.decode()
    assert Answer.objects.get(item="prepayment").inputs == {"prepayment": "完成"}


def test_a_page_shown_again_with_errors_keeps_the_version_the_user_saw(hospital, batch, page_url):
    hospital.get(page_url)
    seen = current(batch).version
    save(hospital, page_url, batch)  # someone saves meanwhile
    bad = {**PART1_FORM, "prepayment.0.prepayment": "", "drug_cost_growth.0.outpatient_drug_cost": "x"}

    page = hospital.post(page_url, {**bad, "version": seen}).content.decode()

    assert f'name="version" value="{seen}"' in page
    page = hospital.post(page_url, {**PART1_FORM, "version": seen}, follow=True).content.decode()
    assert "请刷新页面" in page


def test_a_stale_submit_is_refused(hospital, batch, page_url):
    hospital.get(page_url)
    seen = current(batch).version
    save(hospital, page_url, batch)
    upload(hospital, batch, pdf_bytes())

    url = reverse("assessment:self_submit", args=[batch.pk, 2024])
    page = hospital.post(url, {"version": seen}, follow=True).content.decode()

    assert "请刷新页面" in page
    assert current(batch).status == Assessment.Status.DRAFT


def test_the_review_outcome_and_a_reopen_reason_are_shown_to_the_hospital(hospital, batch, page_url):
    hospital.get(page_url)
    save(hospital, page_url, batch)
    upload(hospital, batch, pdf_bytes())
    submit(hospital, batch)
    city = user("demo_city")
    for answer in current(batch).answers.all():
        if answer.item == "prepayment":
            services.review_answer(city, answer, Answer.Decision.REJECT, "未见预付凭证", version=current(batch).version)
        else:
            services.review_answer(city, answer, Answer.Decision.PASS, version=current(batch).version)
    services.submit_review(city, current(batch), 1, version=current(batch).version)
    reason = "附件与填报不符，请重审"
    services.reopen_review(user("demo_province"), current(batch), 1, reason, version=current(batch).version)

    page = hospital.get(page_url).content.decode()

    assert "驳回" in page and "未见预付凭证" in page and "通过" in page
    assert "退回重审（落实集采政策评分" in page and "附件与填报不符，请重审" in page


def test_a_rule_set_with_per_product_items_asks_them_per_product(hospital, batch, page_url):
    wuhan = RuleSetVersion.objects.get(code="wuhan")
    Batch.objects.filter(pk=batch.pk).update(rule_set=wuhan)
    products = list(services.products_of(user("demo_hospital").hospital, batch, 2024))

    page = hospital.get(page_url).content.decode()

    assert "本考核方案没有需医疗机构填报的落实集采政策评分项" in page
    for product in products:
        assert f'name="completion.{product.pk}.completion"' in page
    assert "约定采购量完成率得分（满分 20）" in page
    first = products[0]
    save(
        hospital,
        page_url,
        batch,
        {f"completion.{first.pk}.completion": "18", f"offline_share.{first.pk}.offline_share": "15"},
    )
    assert set(Answer.objects.values_list("item", "product", "self_points")) == {
        ("completion", first.pk, 18),
        ("offline_share", first.pk, 15),
    }
    page = save(hospital, page_url, batch, {f"completion.{first.pk}.completion": "21"}).content.decode()
    assert "得分 21 超过此项满分 20" in page


# --- attachments ----------------------------------------------------------------------------------


def test_a_pdf_is_stored_outside_the_web_root_under_a_random_name_with_its_hash(
    hospital, batch, page_url, attachment_root
):
    hospital.get(page_url)
    content = pdf_bytes()

    page = upload(hospital, batch, content, name="2024年卫生健康财务报表.pdf").content.decode()

    attachment = Attachment.objects.get()
    assert "已上传 2024年卫生健康财务报表.pdf" in page
    kept = (attachment.item, attachment.content_type, attachment.size)
    assert kept == ("drug_cost_growth", "application/pdf", len(content))
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert "报表" not in attachment.stored_as and not attachment.stored_as.endswith(".pdf")
    assert (attachment_root / attachment.stored_as).read_bytes() == content
    assert AuditEvent.objects.filter(
        object_type="assessment.attachment", kind="create", username="demo_hospital"
    ).exists()


def test_the_attachment_is_served_inline_as_its_content_proved_for_the_preview(hospital, batch, page_url):
    hospital.get(page_url)
    # the name and the browser's type say PDF; the bytes say PNG, and the bytes win
    upload(hospital, batch, png_bytes(), name="报表.pdf", content_type="application/pdf")
    attachment = Attachment.objects.get()

    response = hospital.get(reverse("assessment:self_attachment", args=[attachment.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert b"".join(response.streaming_content) == png_bytes()
    page = hospital.get(page_url).content.decode()
    assert f'<img src="{reverse("assessment:self_attachment", args=[attachment.pk])}"' in page


def test_a_pdf_previews_in_a_frame_of_the_page(hospital, batch, page_url):
    hospital.get(page_url)
    upload(hospital, batch, pdf_bytes())
    attachment = Attachment.objects.get()

    page = hospital.get(page_url).content.decode()

    assert f'<iframe src="{reverse("assessment:self_attachment", args=[attachment.pk])}"' in page


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("财务报表.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64, "application/pdf"),
        ("报表.png", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "image/png"),
        ("报表.pdf", b"", "application/pdf"),
    ],
    ids=["exe-renamed-pdf", "svg-renamed-png", "empty"],
)
def test_a_file_that_is_not_a_pdf_or_image_by_content_is_refused(
    hospital, batch, page_url, attachment_root, name, content, content_type
):
    hospital.get(page_url)

    page = upload(hospital, batch, content, name=name, content_type=content_type).content.decode()

    assert "只能上传PDF 或图片（PNG、JPEG）文件" in page or "文件为空" in page
    assert not Attachment.objects.exists()
    assert not any(attachment_root.iterdir())


def test_a_file_above_the_size_limit_is_refused(hospital, batch, page_url, attachment_root, settings):
    settings.VBP_ATTACHMENT_MAX_BYTES = 1024
    hospital.get(page_url)
    too_large = b"%PDF-1.4\n" + b"0" * 1024

    page = upload(hospital, batch, too_large).content.decode()

    assert "文件过大：附件不能超过 1 KB" in page
    assert not Attachment.objects.exists()
    assert not any(attachment_root.iterdir())


def test_an_upload_from_the_page_script_answers_with_the_attachment_block_and_what_is_still_missing(
    hospital, batch, page_url
):
    hospital.get(page_url)
    save(hospital, page_url, batch)

    response = upload(hospital, batch, pdf_bytes(), HTTP_HX_REQUEST="true")

    block = response.content.decode()
    assert response.status_code == 200
    assert 'id="attachments-drug_cost_growth"' in block and "财务报表.pdf" in block and "<html" not in block
    assert 'id="missing" class="muted" hx-swap-oob="true">各项均已填报，可以提交。' in block


def test_an_attachment_may_be_deleted_before_submission_but_not_after(
    hospital, batch, page_url, attachment_root, django_capture_on_commit_callbacks
):
    hospital.get(page_url)
    save(hospital, page_url, batch)
    upload(hospital, batch, pdf_bytes())
    upload(hospital, batch, png_bytes(), name="补充.png", content_type="image/png")
    first, second = Attachment.objects.order_by("pk")
    delete = reverse("assessment:self_attachment_delete", args=[first.pk])

    with django_capture_on_commit_callbacks(execute=True):
        page = hospital.post(delete, {"version": current(batch).version}, follow=True).content.decode()

    assert "已删除 财务报表.pdf" in page
    assert list(Attachment.objects.all()) == [second]
    assert not (attachment_root / first.stored_as).exists()
    submit(hospital, batch)
    page = hospital.post(
        reverse("assessment:self_attachment_delete", args=[second.pk]), {"version": current(batch).version}, follow=True
    ).content.decode()
    assert "自评已提交，不能再修改" in page
    assert Attachment.objects.filter(pk=second.pk).exists()


def test_an_item_without_an_attachment_takes_none(hospital, batch, page_url):
    hospital.get(page_url)
    url = reverse("assessment:self_attachment_upload", args=[batch.pk, 2024])

    file = upload_file("a.pdf", pdf_bytes())
    page = hospital.post(url, {"item": "prepayment", "file": file, "version": current(batch).version}, follow=True)

    assert "该考核指标不需要上传附件" in page.content.decode()
    assert not Attachment.objects.exists()


@pytest.fixture
def stored_attachment(batch):
    hospital_user = user("demo_hospital")
    assessment = services.open_assessment(hospital_user, hospital_user.hospital, batch, 2024)
    upload = upload_file("报表.pdf", pdf_bytes())
    return attachments.store_attachment(
        hospital_user, assessment, "drug_cost_growth", upload, version=assessment.version
    )


READERS = {"demo_hospital", "demo_city", "demo_district", "demo_province"}
OTHERS = {"demo_hospital2", "demo_city2", "demo_platform", "demo_auditor", "demo_sysadmin"}


@pytest.mark.parametrize(
    ("username", "status"), [*((name, 200) for name in sorted(READERS)), *((name, 404) for name in sorted(OTHERS))]
)
def test_only_the_hospital_its_reviewing_bureau_and_the_province_read_an_attachment(
    client, stored_attachment, username, status
):
    client.force_login(user(username))

    response = client.get(reverse("assessment:self_attachment", args=[stored_attachment.pk]))

    assert response.status_code == status


def test_no_other_hospital_deletes_an_attachment(client, stored_attachment):
    client.force_login(user("demo_hospital2"))

    response = client.post(reverse("assessment:self_attachment_delete", args=[stored_attachment.pk]))

    assert response.status_code == 404
    assert Attachment.objects.filter(pk=stored_attachment.pk).exists()
