"""Hostile input to every form and filter of the assessment area, as the roles that reach them: never a 500.

Each value a clerk would never mean — superscript digits, 30- and 5,000-digit numbers, a NUL, 10,000 characters,
text of nothing but zero-width marks, 1e30 — is sent to each field; the answer is the page (200) or a redirect
(302) to it, and the page says in Chinese, at the field or in a message, what is wrong. Nothing is written.

(Named apart from tests/hostile/test_hostile_input.py: two test modules of one basename cannot both be collected.)
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from vbp.accounts.models import User
from vbp.assessment import offline, services
from vbp.assessment.models import Answer, Assessment, Attachment, PendingScoreUpload
from vbp.catalog.models import Batch
from vbp.rulesets.models import RuleSetVersion
from vbp.ui.forms import STALE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

BATCH = "国家第一批集中带量采购"
SUPERSCRIPT, LONG_NUMBER, HUGE_NUMBER = "²", "9" * 30, "9" * 5000
NUL, ENDLESS, INVISIBLE, EXPONENT = "\x00", "长" * 10000, "\u200b\u200b\u200b", "1e30"
HOSTILE = [SUPERSCRIPT, LONG_NUMBER, HUGE_NUMBER, NUL, ENDLESS, INVISIBLE, EXPONENT, "-1", "NaN", "<script>"]
NOT_FILTERED = "（未按此条件筛选）"
PART1 = {
    ("prepayment", None): {"prepayment": "完成"},
    ("drug_cost_growth", None): {
        "outpatient_drug_cost": "95.5",
        "outpatient_drug_cost_last_year": "100",
        "inpatient_drug_cost": "1100",
        "inpatient_drug_cost_last_year": "1200",
    },
    ("policy_violations", None): {"policy_violation_count": "0"},
    ("price_violations", None): {"price_violation_count": "0"},
    ("circulation_violations", None): {"circulation_violation_count": "0"},
}


def user(name: str) -> User:
    return User.objects.get(username=name)


def seen(assessment) -> int:
    return Assessment.objects.values_list("version", flat=True).get(pk=assessment.pk)


def text(response) -> str:
    return response.content.decode()


def signed_in(client, name: str):
    client.force_login(user(name))
    return client


@pytest.fixture
def submitted() -> Assessment:
    """demo_hospital's self-assessment of 国家第一批, submitted: what the review pages show."""
    account = user("demo_hospital")
    assessment = services.open_assessment(account, account.hospital, Batch.objects.get(name=BATCH), 2024)
    services.save_answers(account, assessment, PART1, version=seen(assessment))
    assessment.attachments.create(
        item="drug_cost_growth",
        file_name="报表.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        stored_as=f"hostile-{assessment.pk}",
        uploaded_by=account,
    )
    return services.submit_assessment(account, assessment, version=seen(assessment))


# --- filters -------------------------------------------------------------------------------------------


LISTS = [
    ("assessment:review_policy", "demo_city"),
    ("assessment:review_tasks", "demo_district"),
    ("assessment:view_policy", "demo_province"),
    ("assessment:view_tasks", "demo_hospital"),
]
LIST_PARAMETERS = ["batch", "city", "district", "name", "status", "page"]


@pytest.mark.parametrize(("name", "username"), LISTS)
@pytest.mark.parametrize("value", HOSTILE)
def test_the_assessment_lists_answer_any_filter_with_the_page_and_export(client, submitted, name, username, value):
    signed_in(client, username)
    url = reverse(name)

    page = client.get(url, {parameter: value for parameter in LIST_PARAMETERS})
    export = client.get(url, {**{parameter: value for parameter in LIST_PARAMETERS}, "export": value})

    assert page.status_code == 200 and "共 " in text(page)
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "请从列表中选择" + NOT_FILTERED in text(page)  # no such 审核状态: said, and filtering nothing


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (NUL, "不能含有控制字符"),
        (ENDLESS, "最多 100 个字（现有 10000 个）"),
        ("\x0c", "不能含有控制字符"),
    ],
)
def test_a_bad_name_filter_says_what_is_wrong_and_filters_nothing(client, submitted, value, error):
    html = text(signed_in(client, "demo_city").get(reverse("assessment:review_policy"), {"name": value}))

    assert f"{error}" in html and NOT_FILTERED in html
    assert re.search(r"共 1 条", html)  # the list, unfiltered


@pytest.mark.parametrize("value", [SUPERSCRIPT, HUGE_NUMBER, EXPONENT, NUL, "done'--"])
def test_a_status_or_batch_that_is_no_choice_is_refused_in_words(client, submitted, value):
    html = text(
        signed_in(client, "demo_city").get(reverse("assessment:review_policy"), {"status": value, "batch": value})
    )

    assert html.count("请从列表中选择" + NOT_FILTERED) == 2


@pytest.mark.parametrize("value", HOSTILE)
def test_the_product_list_answers_any_filter(client, submitted, value):
    city = user("demo_city")
    for answer in submitted.answers.all():
        services.review_answer(city, answer, Answer.Decision.PASS, version=seen(submitted))
    services.submit_review(city, submitted, 1, version=seen(submitted))
    signed_in(client, "demo_city")
    url = reverse("assessment:review_task_products", args=[submitted.pk])

    page = client.get(url, {"company": value, "generic": value, "kind": value, "page": value})
    export = client.get(url, {"company": value, "kind": value, "export": value})

    assert page.status_code == 200 and export.status_code == 200
    assert "带量品种类型" in text(page) and "请从列表中选择" + NOT_FILTERED in text(page)


@pytest.mark.parametrize("value", [SUPERSCRIPT, LONG_NUMBER, NUL, ENDLESS, INVISIBLE, EXPONENT, "-1", "0", "x"])
@pytest.mark.parametrize("name", ["assessment:review_policy", "assessment:offline_batches", "assessment:self_batches"])
def test_odd_page_numbers_and_sizes_show_the_first_page(client, name, value):
    signed_in(client, "demo_hospital" if name == "assessment:self_batches" else "demo_city")

    response = client.get(reverse(name), {"page": value, "size": value})

    assert response.status_code == 200 and "第 1 / " in text(response)


def test_a_page_size_of_5000_digits_shows_the_first_page(client):
    client.raise_request_exception = False
    response = signed_in(client, "demo_city").get(reverse("assessment:review_policy"), {"size": HUGE_NUMBER})

    assert response.status_code == 200


@pytest.mark.parametrize("value", HOSTILE)
def test_the_self_batch_list_answers_any_filter(client, value):
    response = signed_in(client, "demo_hospital").get(
        reverse("assessment:self_batches"), {"year": value, "batch": value}
    )

    assert response.status_code == 200
    assert re.search(f"(请输入整数|不能大于 2100|不能小于 2000){NOT_FILTERED}", text(response))


@pytest.mark.parametrize(
    ("value", "error"), [(SUPERSCRIPT, "请输入整数"), (HUGE_NUMBER, "不能大于 2100"), (EXPONENT, "请输入整数")]
)
def test_a_bad_year_says_so_in_chinese(client, value, error):
    html = text(signed_in(client, "demo_hospital").get(reverse("assessment:self_batches"), {"year": value}))

    assert f"{error}{NOT_FILTERED}" in html and BATCH in html


@pytest.fixture
def wuhan() -> Batch:
    Batch.objects.filter(name=BATCH).update(rule_set=RuleSetVersion.objects.get(code="wuhan"))
    return Batch.objects.get(name=BATCH)


@pytest.mark.parametrize("value", HOSTILE)
def test_the_offline_lists_answer_any_filter(client, wuhan, value):
    signed_in(client, "demo_district")
    query = {"year": value, "city": value, "district": value, "name": value, "page": value}

    batches = client.get(reverse("assessment:offline_batches"), {"name": value})
    hospitals = client.get(reverse("assessment:offline_batch", args=[wuhan.pk]), query)
    export = client.get(reverse("assessment:offline_batch", args=[wuhan.pk]), {**query, "export": "xlsx"})

    assert batches.status_code == hospitals.status_code == export.status_code == 200
    assert 'id="export-template"' in text(hospitals)  # the latest year, since the asked one is none
    assert "请从列表中选择" + NOT_FILTERED in text(hospitals)


# --- the self-assessment's forms ----------------------------------------------------------------------


@pytest.fixture
def draft(client) -> tuple[Assessment, str]:
    signed_in(client, "demo_hospital")
    batch = Batch.objects.get(name=BATCH)
    url = reverse("assessment:self_assessment", args=[batch.pk, 2024])
    client.get(url)
    return Assessment.objects.get(batch=batch, hospital=user("demo_hospital").hospital), url


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (SUPERSCRIPT, "不是数字"),
        (LONG_NUMBER, "数值过大"),
        (HUGE_NUMBER, "最多 50 个字（现有 5000 个）"),
        (NUL, "不能含有控制字符"),
        (ENDLESS, "最多 50 个字（现有 10000 个）"),
        (EXPONENT, "不是数字"),
        ("NaN", "不是数字"),
        ("１２", "不是数字"),
    ],
)
def test_an_answer_however_odd_is_named_beside_its_input_and_nothing_is_saved(client, draft, value, error):
    assessment, url = draft

    response = client.post(url, {"version": seen(assessment), "drug_cost_growth.0.outpatient_drug_cost": value})

    assert response.status_code == 200
    assert f"药品费用增长率：本年门诊次均药品费用（A，元）{error}" in text(response)
    assert not Answer.objects.exists()


@pytest.mark.parametrize("value", [SUPERSCRIPT, LONG_NUMBER, NUL, EXPONENT, "1.5", "-1"])
def test_a_count_however_odd_is_refused(client, draft, value):
    assessment, url = draft

    response = client.post(url, {"version": seen(assessment), "price_violations.0.price_violation_count": value})

    assert response.status_code == 200
    assert re.search("价格违规次数：价格违规次数（次）(应为非负整数|数值过大|不能含有控制字符)", text(response))
    assert not Answer.objects.exists()


@pytest.mark.parametrize("value", [SUPERSCRIPT, HUGE_NUMBER, NUL, ENDLESS, INVISIBLE, EXPONENT, "0", "", "-1"])
def test_a_missing_or_malformed_version_is_stale_everywhere(client, draft, value):
    assessment, url = draft
    batch = assessment.batch
    submit = reverse("assessment:self_submit", args=[batch.pk, 2024])
    upload = reverse("assessment:self_attachment_upload", args=[batch.pk, 2024])
    pdf = SimpleUploadedFile("报表.pdf", b"%PDF-1.4\n%%EOF\n")

    saved = client.post(url, {"version": value, "prepayment.0.prepayment": "完成"}, follow=True)
    submitted = client.post(submit, {"version": value}, follow=True)
    uploaded = client.post(upload, {"version": value, "item": "drug_cost_growth", "file": pdf}, follow=True)

    for response in (saved, submitted, uploaded):
        assert response.status_code == 200 and STALE in text(response)
    assert not Answer.objects.exists() and not Attachment.objects.exists()
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.DRAFT


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (NUL, "考核指标：不能含有控制字符"),
        (ENDLESS, "考核指标：最多 50 个字（现有 10000 个）"),
        (INVISIBLE, "考核指标：缺少考核指标"),
        ("", "考核指标：缺少考核指标"),
        ("prepayment", "该考核指标不需要上传附件"),
    ],
)
def test_an_attachment_for_an_odd_item_is_refused_in_words(client, draft, value, error):
    assessment, _ = draft
    upload = reverse("assessment:self_attachment_upload", args=[assessment.batch_id, 2024])
    image = io.BytesIO()
    Image.new("RGB", (4, 4)).save(image, "PNG")
    file = SimpleUploadedFile("a.png", image.getvalue())

    response = client.post(upload, {"version": seen(assessment), "item": value, "file": file}, follow=True)

    assert response.status_code == 200 and error in text(response)
    assert not Attachment.objects.exists()


def test_an_upload_without_a_file_says_so(client, draft):
    assessment, _ = draft
    upload = reverse("assessment:self_attachment_upload", args=[assessment.batch_id, 2024])

    response = client.post(upload, {"version": seen(assessment), "item": "drug_cost_growth"}, follow=True)

    assert "请选择要上传的文件" in text(response)


@pytest.mark.parametrize("value", [SUPERSCRIPT, HUGE_NUMBER, NUL, "1e30"])
def test_deleting_an_attachment_with_an_odd_version_is_stale(client, draft, value):
    assessment, _ = draft
    kept = Attachment.objects.create(
        assessment=assessment,
        item="drug_cost_growth",
        file_name="报表.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        stored_as="hostile-delete",
        uploaded_by=user("demo_hospital"),
    )

    response = client.post(
        reverse("assessment:self_attachment_delete", args=[kept.pk]), {"version": value}, follow=True
    )

    assert response.status_code == 200 and STALE in text(response)
    assert Attachment.objects.filter(pk=kept.pk).exists()


# --- the review's forms ----------------------------------------------------------------------------------


def review_post(client, assessment, **fields):
    answer = assessment.answers.get(item="prepayment")
    url = reverse("assessment:review_answer", args=[assessment.pk, answer.pk])
    data = {"decision": Answer.Decision.PASS, "reason": "", "remark": "", "version": seen(assessment), **fields}
    return client.post(url, data, follow=True)


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("decision", SUPERSCRIPT, "审核结果：审核结果应为通过或驳回"),
        ("decision", ENDLESS, "审核结果：审核结果应为通过或驳回"),
        ("decision", "", "审核结果：审核结果应为通过或驳回"),
        ("reason", NUL, "驳回原因：不能含有控制字符"),
        ("reason", ENDLESS, "驳回原因：最多 500 个字（现有 10000 个）"),
        ("remark", NUL, "备注：不能含有控制字符"),
        ("remark", ENDLESS, "备注：最多 500 个字（现有 10000 个）"),
        ("version", SUPERSCRIPT, STALE),
        ("version", HUGE_NUMBER, STALE),
        ("version", EXPONENT, STALE),
        ("version", NUL, STALE),
        ("version", "", STALE),
    ],
)
def test_a_review_decision_however_odd_is_refused_in_words(client, submitted, field, value, error):
    signed_in(client, "demo_city")

    response = review_post(client, submitted, **{field: value})

    assert response.status_code == 200 and error in text(response)
    assert submitted.answers.get(item="prepayment").decision == Answer.Decision.NONE


def test_a_rejection_whose_reason_is_only_invisible_marks_has_no_reason(client, submitted):
    signed_in(client, "demo_city")

    response = review_post(client, submitted, decision=Answer.Decision.REJECT, reason=INVISIBLE)

    assert "驳回原因：驳回须填写驳回原因" in text(response)
    assert submitted.answers.get(item="prepayment").decision == Answer.Decision.NONE


@pytest.mark.parametrize("value", [SUPERSCRIPT, HUGE_NUMBER, NUL, EXPONENT, ""])
def test_submitting_a_review_with_an_odd_version_is_stale(client, submitted, value):
    signed_in(client, "demo_city")
    for answer in submitted.answers.all():
        services.review_answer(user("demo_city"), answer, Answer.Decision.PASS, version=seen(submitted))

    response = client.post(reverse("assessment:review_submit", args=[submitted.pk, 1]), {"version": value}, follow=True)

    assert response.status_code == 200 and STALE in text(response)
    assert Assessment.objects.get(pk=submitted.pk).part1_review == Assessment.Review.PENDING


@pytest.mark.parametrize("part", ["3", "0", "9" * 18])
def test_a_part_that_is_none_is_no_page(client, submitted, part):
    signed_in(client, "demo_city")

    response = client.post(f"/assessment/review/{submitted.pk}/submit/{part}/", {"version": seen(submitted)})

    assert response.status_code == 404


@pytest.mark.parametrize("pk", ["9" * 18, "9" * 19, "0"])
def test_an_id_out_of_range_is_no_page(client, pk):
    signed_in(client, "demo_city")

    assert client.get(f"/assessment/review/policy/{pk}/").status_code == 404
    assert client.get(f"/assessment/offline/{pk}/").status_code == 404


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("reason", NUL, "退回原因：不能含有控制字符"),
        ("reason", ENDLESS, "退回原因：最多 500 个字（现有 10000 个）"),
        ("reason", INVISIBLE, "退回原因：退回重审须填写原因"),
        ("version", SUPERSCRIPT, STALE),
        ("version", HUGE_NUMBER, STALE),
        ("next", ENDLESS, "最多 2000 个字"),
        ("next", "https://evil.example/", ""),
        ("next", SUPERSCRIPT, ""),
        ("next", EXPONENT, ""),
        ("next", "//evil.example/", ""),
    ],
)
def test_a_reopen_however_odd_is_refused_in_words(client, submitted, field, value, error):
    city = user("demo_city")
    for answer in submitted.answers.all():
        services.review_answer(city, answer, Answer.Decision.PASS, version=seen(submitted))
    services.submit_review(city, submitted, 1, version=seen(submitted))
    signed_in(client, "demo_province")
    data = {"reason": "复核", "version": seen(submitted), "next": "", field: value}

    response = client.post(reverse("assessment:review_reopen", args=[submitted.pk, 1]), data)

    assert response.status_code == 302 and response["Location"].startswith("/assessment/")
    assert error in text(client.get(response["Location"]))
    if error:
        assert Assessment.objects.get(pk=submitted.pk).part1_review == Assessment.Review.DONE


# --- 考核数据上传 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [SUPERSCRIPT, HUGE_NUMBER, NUL, ENDLESS, INVISIBLE, "0" * 63 + "G", ""])
def test_a_confirmation_with_an_odd_sha256_writes_nothing(client, wuhan, value):
    signed_in(client, "demo_district")
    PendingScoreUpload.objects.create(
        user=user("demo_district"), batch=wuhan, year=2024, file_name="考核评分.xlsx", sha256="0" * 64, content=b"x"
    )

    response = client.post(reverse("assessment:offline_confirm", args=[wuhan.pk, 2024]), {"sha256": value}, follow=True)

    assert response.status_code == 200 and "待确认的文件已更换或已失效，请重新上传。" in text(response)
    assert PendingScoreUpload.objects.exists()


@pytest.mark.parametrize(
    ("files", "error"),
    [({}, "请选择要上传的文件"), ({"file": SimpleUploadedFile("空.xlsx", b"")}, "文件为空")],
)
def test_an_upload_without_a_file_or_with_an_empty_one_says_so(client, wuhan, files, error):
    signed_in(client, "demo_district")

    response = client.post(reverse("assessment:offline_upload", args=[wuhan.pk, 2024]), files, follow=True)

    assert response.status_code == 200 and error in text(response)
    assert not PendingScoreUpload.objects.exists()


def test_an_upload_above_its_limit_is_refused_before_it_is_kept(client, wuhan):
    signed_in(client, "demo_district")
    big = SimpleUploadedFile("大.xlsx", b"0" * (offline_limit() + 1))

    response = client.post(reverse("assessment:offline_upload", args=[wuhan.pk, 2024]), {"file": big}, follow=True)

    assert "文件过大（不能超过 5 MB）" in text(response)
    assert not PendingScoreUpload.objects.exists()


def offline_limit() -> int:
    from vbp.assessment.forms import MAX_SCORE_UPLOAD

    return MAX_SCORE_UPLOAD


def test_odd_cells_of_an_upload_are_problems_of_the_dry_run_never_a_500(client, wuhan):
    """The workbook's own cells: a 医保考核评分 of ², 30 or 5,000 digits, NUL, 1e30, 10,000 characters."""
    import openpyxl

    account = user("demo_hospital")
    assessment = services.open_assessment(account, account.hospital, wuhan, 2024)
    product = services.products_of(account.hospital, wuhan, 2024).first()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = offline.SHEET
    sheet.append(offline.HEADERS)
    scores = [SUPERSCRIPT, LONG_NUMBER, HUGE_NUMBER, EXPONENT, ENDLESS, INVISIBLE, "NaN", "-1"]
    for score in scores:
        sheet.append(["小店区", account.hospital.code, "", product.variety_code, "", "", *[None] * 11, score])
    stream = io.BytesIO()
    book.save(stream)

    result = offline.check_upload(user("demo_district"), wuhan, 2024, "考核评分.xlsx", stream.getvalue())

    assert result.problems and not result.rows
    assert Assessment.objects.get(pk=assessment.pk).version == assessment.version
