"""结余测算数据上报 (Wuhan's offline scoring) through real requests, and the home page's 待办 per role.

A demo batch is pointed at the wuhan rule set (the demo itself has none); the hospitals' self-scores
are filled and submitted through the services, as a hospital would.
"""

import datetime
import hashlib
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from vbp.accounts.models import Role, User
from vbp.assessment import offline, scoring, services
from vbp.assessment.models import Answer, Assessment, ProductScore
from vbp.audit.models import AuditEvent
from vbp.catalog.models import Batch, Hospital
from vbp.core.scoring import ratio_for
from vbp.platformdata.models import PlatformRecord
from vbp.rulesets.models import RuleSetVersion
from vbp.ui.export import HEADER_ROWS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

BATCH = "国家第一批集中带量采购"
YEAR = 2024
# docs/domain.md, Review workflow: the Wuhan template's columns, in order.
WUHAN_COLUMNS = [
    *("区域", "医疗机构编号", "医疗机构名称", "品种序号", "品种名称", "规格", "约定采购量完成率得分", "30天回款率得分"),
    *("药品费用增长率得分", "非中选产品采购量占比得分", "非中选产品采购金额占比得分"),
    *("疗效近似的其它通用名药品费用情况得分", "线下采购占比得分", "执行集采政策的违规次数得分", "价格违规次数得分"),
    *("集采中选药品规范流转得分", "医疗机构自评总分", "医保考核评分"),
]
SELF_SCORES = {
    "completion": "20",
    "payment_30d": "20",
    "drug_cost_growth": "10",
    "nonselected_volume_share": "5",
    "nonselected_amount_share": "5",
    "similar_efficacy": "5",
    "offline_share": "15",
    "policy_violations": "8",
    "price_violations": "6",
    "circulation_violations": "0",
}
SELF_TOTAL = 94
BUREAU, TOTAL = 17, 16  # 0-based columns of 医保考核评分 and 医疗机构自评总分


def user(name: str) -> User:
    return User.objects.get(username=name)


@pytest.fixture
def batch() -> Batch:
    """A demo batch scored the Wuhan way (the demo's batches all use the Shanxi rule set)."""
    Batch.objects.filter(name=BATCH).update(rule_set=RuleSetVersion.objects.get(code="wuhan"))
    return Batch.objects.get(name=BATCH)


def district_hospitals(batch: Batch) -> list[Hospital]:
    """The hospitals demo_district (太原市小店区) reviews in the batch: its own, not the province-direct ones."""
    return list(
        Hospital.objects.filter(district__code="140105", province_direct=False, platformrecord__product__batch=batch)
        .distinct()
        .order_by("code")
    )


def account_of(hospital: Hospital, make_user) -> User:
    existing = User.objects.filter(role=Role.HOSPITAL, hospital=hospital).first()
    return existing or make_user(f"h{hospital.pk}", role=Role.HOSPITAL, hospital=hospital)


def seen(assessment) -> int:
    """The version a page would show now: what a caller acting on the current state passes."""
    return Assessment.objects.values_list("version", flat=True).get(pk=assessment.pk)


def fill_self_scores(account: User, batch: Batch, *, submit: bool = True) -> Assessment:
    assessment = services.open_assessment(account, account.hospital, batch, YEAR)
    products = services.products_of(account.hospital, batch, YEAR)
    answers = {(code, product.pk): {code: points} for product in products for code, points in SELF_SCORES.items()}
    assessment = services.save_answers(account, assessment, answers, version=seen(assessment))
    return services.submit_assessment(account, assessment, version=seen(assessment)) if submit else assessment


@pytest.fixture
def submitted(batch, make_user) -> list[Assessment]:
    return [fill_self_scores(account_of(hospital, make_user), batch) for hospital in district_hospitals(batch)]


def signed_in(client, name: str):
    client.force_login(user(name))
    return client


def template_rows(client, batch: Batch) -> list[list]:
    response = client.get(reverse("assessment:offline_template", args=[batch.pk, YEAR]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def workbook(rows: list[list], header: list[str] = WUHAN_COLUMNS) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "考核评分"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def scored(rows: list[list], *scores) -> list[list]:
    """The template's data rows with 医保考核评分 filled, the scores taken in turn."""
    return [[*row[:BUREAU], scores[index % len(scores)]] for index, row in enumerate(rows)]


def upload(client, batch: Batch, content: bytes, name: str = "考核评分.xlsx"):
    url = reverse("assessment:offline_upload", args=[batch.pk, YEAR])
    return client.post(url, {"file": SimpleUploadedFile(name, content)}, follow=True)


def confirm(client, batch: Batch, content: bytes):
    url = reverse("assessment:offline_confirm", args=[batch.pk, YEAR])
    return client.post(url, {"sha256": hashlib.sha256(content).hexdigest()}, follow=True)


def table(response, table_id: str) -> list[tuple[str, ...]]:
    """The body rows of the table ``table_id`` as text cells."""
    html = response.content.decode()
    found = re.search(rf'<table[^>]*id="{table_id}".*?<tbody>(.*?)</tbody>', html, re.S)
    if found is None:
        return []
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", found.group(1), re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]
    return [tuple(re.sub(r"<[^>]+>", "", cell).strip() for cell in row) for row in cells]


def stored_scores() -> int:
    return ProductScore.objects.filter(bureau_score__isnull=False).count()


# --- 导出模版 ---------------------------------------------------------------------------------------------------


def test_the_template_has_exactly_the_wuhan_columns_and_rows_of_the_bureaus_hospitals_only(client, batch, submitted):
    hospitals = district_hospitals(batch)
    records = PlatformRecord.objects.filter(hospital__in=hospitals, product__batch=batch, year=YEAR)

    rows = template_rows(signed_in(client, "demo_district"), batch)

    assert rows[0] == WUHAN_COLUMNS
    assert len(rows) - 1 == records.count()
    assert {row[1] for row in rows[1:]} == {hospital.code for hospital in hospitals}
    assert {(row[1], row[3]) for row in rows[1:]} == set(records.values_list("hospital__code", "product__variety_code"))
    first = rows[1]
    assert first[0] == "小店区" and first[2] == Hospital.objects.get(code=first[1]).name
    assert [Decimal(str(value)) for value in first[6:16]] == [Decimal(points) for points in SELF_SCORES.values()]
    assert first[TOTAL] == SELF_TOTAL and first[BUREAU] is None


def test_the_template_asks_for_the_bureau_score_in_red_checks_its_range_and_keeps_the_header_in_view(
    client, batch, submitted
):
    response = signed_in(client, "demo_district").get(reverse("assessment:offline_template", args=[batch.pk, YEAR]))

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = list(sheet[1])
    assert [cell.font.color.rgb for cell in header] == ["FF000000"] * BUREAU + ["FFC00000"]
    assert all(cell.font.b and cell.fill.fgColor.rgb == "FFDDEBF7" for cell in header)
    assert sheet.freeze_panes == "A2"
    (rule,) = sheet.data_validations.dataValidation
    assert (rule.type, rule.operator, rule.formula1, rule.formula2) == ("decimal", "between", "0", "100")
    assert str(rule.sqref) == f"R2:R{sheet.max_row}" and sheet.max_row > 1
    assert (rule.error, rule.showErrorMessage) == ("医保考核评分应为 0～100 的数值，最多2位小数", True)


def test_each_bureau_exports_only_the_hospitals_it_reviews(client, batch, submitted):
    province_rows = template_rows(signed_in(client, "demo_province"), batch)[1:]
    other_city_rows = template_rows(signed_in(client, "demo_city2"), batch)[1:]

    def hospitals(rows):
        return Hospital.objects.filter(code__in={row[1] for row in rows})

    assert province_rows and set(hospitals(province_rows).values_list("province_direct", flat=True)) == {True}
    assert other_city_rows and set(hospitals(other_city_rows).values_list("city__name", flat=True)) == {"大同市"}


def test_a_draft_self_assessment_is_not_exported(client, batch, make_user):
    draft, _ = district_hospitals(batch)
    fill_self_scores(account_of(draft, make_user), batch, submit=False)

    rows = [row for row in template_rows(signed_in(client, "demo_district"), batch)[1:] if row[1] == draft.code]

    assert rows and all(value is None for row in rows for value in row[6:])


# --- 考核数据上传: the dry run -------------------------------------------------------------------------------------


def test_the_dry_run_names_every_kind_of_problem_with_its_row_and_column(client, batch, submitted):
    rows = template_rows(signed_in(client, "demo_district"), batch)[1:]
    good = scored(rows, 85)
    other = Hospital.objects.get(name="大同市第三人民医院")
    small = next(row for row in good if row[1] == district_hospitals(batch)[1].code)
    missing = batch.products.exclude(variety_code__in=[row[3] for row in good if row[1] == small[1]]).first()
    content = workbook(
        [
            good[0],  # row 2: fine
            ["小店区", "H99999999", "无此医院", *good[1][3:]],  # row 3: unknown hospital
            [*good[1][:3], "GC1_99", *good[1][4:]],  # row 4: unknown variety
            [*good[1][:BUREAU], 120],  # row 5: out of range
            [*good[2][:BUREAU], "八十"],  # row 6: not a number
            good[0],  # row 7: duplicate of row 2
            ["平城区", other.code, other.name, *good[3][3:]],  # row 8: another bureau's hospital
            [*good[4][:7], "满分", *good[4][8:]],  # row 9: an item that is not a number
            [*small[:3], missing.variety_code, *small[4:]],  # row 10: a product it has no data of
        ]
    )

    response = upload(client, batch, content)

    problems = table(response, "problems")
    places = {(row, column) for _, row, column, _ in problems}
    hospital, variety, score = "B（医疗机构编号）", "D（品种序号）", "R（医保考核评分）"
    assert places == {
        *(("3", hospital), ("4", variety), ("5", score), ("6", score), ("7", f"{hospital}、{variety}")),
        *(("8", hospital), ("9", "H（30天回款率得分）"), ("10", variety)),
    }
    messages = {row: message for _, row, _, message in problems}
    assert "本局审核的医疗机构中没有编号为“H99999999”的机构" in messages["3"]
    assert "本批次没有品种序号“GC1_99”" in messages["4"]
    assert "0～100" in messages["5"] and "实为“120”" in messages["5"]
    assert "实为“八十”" in messages["6"]
    assert "与第2行重复" in messages["7"]
    assert f"本局审核的医疗机构中没有编号为“{other.code}”的机构" in messages["8"]
    assert "实为“满分”" in messages["9"]
    assert messages["10"] == "该医疗机构2024年度没有此品种的平台数据，不考核此品种"
    assert "确认导入" not in response.content.decode()
    assert stored_scores() == 0


def test_rows_of_another_bureaus_hospitals_are_refused(client, batch, submitted):
    content = workbook(scored(template_rows(signed_in(client, "demo_district"), batch)[1:], 90))

    response = upload(signed_in(client, "demo_city2"), batch, content)

    problems = table(response, "problems")
    assert len(problems) == len(template_rows(signed_in(client, "demo_district"), batch)) - 1
    assert all("本局审核的医疗机构中没有编号为" in message for *_, message in problems)
    with pytest.raises(offline.OfflineRefused):
        offline.import_bureau_scores(user("demo_city2"), batch, YEAR, "考核评分.xlsx", content, "0" * 64)
    assert stored_scores() == 0


def test_a_self_total_that_is_not_the_sum_of_its_items_is_flagged_but_not_refused(client, batch, submitted):
    rows = scored(template_rows(signed_in(client, "demo_district"), batch)[1:], 88)
    rows[1][TOTAL] = 90  # the items still add up to 94, as in the Wuhan sample's rows

    content = workbook(rows)
    response = upload(client, batch, content)

    assert table(response, "problems") == []
    differs = "医疗机构自评总分为 90，各项得分合计为 94，二者不一致；系统按医疗机构填报的各项得分计算，不采用此总分"
    assert table(response, "warnings") == [("考核评分", "3", "Q（医疗机构自评总分）", differs)]
    assert "确认导入" in response.content.decode()
    confirm(client, batch, content)
    assert stored_scores() == len(rows)


def test_an_item_or_a_name_that_differs_from_the_system_is_flagged(client, batch, submitted):
    rows = scored(template_rows(signed_in(client, "demo_district"), batch)[1:], 88)
    rows[0][6] = 18
    name, rows[1][2] = rows[1][2], "小店区医院"

    warnings = table(upload(client, batch, workbook(rows)), "warnings")

    item = "与医疗机构填报的自评得分 20 不一致；系统以医疗机构填报的为准"
    total = "医疗机构自评总分为 94，各项得分合计为 92，二者不一致；系统按医疗机构填报的各项得分计算，不采用此总分"
    assert warnings == [
        ("考核评分", "2", "G（约定采购量完成率得分）", item),
        ("考核评分", "2", "Q（医疗机构自评总分）", total),
        ("考核评分", "3", "C（医疗机构名称）", f"医疗机构名称与编号不符，系统中为“{name}”"),
    ]


def test_a_hospital_that_has_not_submitted_cannot_be_scored(client, batch, make_user):
    hospital = district_hospitals(batch)[0]
    fill_self_scores(account_of(hospital, make_user), batch, submit=False)
    rows = [row for row in template_rows(signed_in(client, "demo_district"), batch)[1:] if row[1] == hospital.code]

    problems = table(upload(client, batch, workbook(scored(rows, 80))), "problems")

    assert problems and all(message == "该医疗机构尚未提交自评，不能导入医保考核评分" for *_, message in problems)


def test_a_file_that_is_no_template_is_refused_before_any_row_is_read(client, batch, submitted):
    signed_in(client, "demo_district")

    not_a_workbook = table(upload(client, batch, b"%PDF-1.4", name="评分.pdf"), "problems")
    no_score_column = table(upload(client, batch, workbook([], header=WUHAN_COLUMNS[:-1])), "problems")

    assert not_a_workbook == [("评分.pdf", "", "", "应为 .xlsx 工作簿或 .csv 文件")]
    assert no_score_column == [("考核评分", "", "", "缺少列“医保考核评分”")]


def test_giving_up_an_upload_forgets_it(client, batch, submitted):
    content = workbook(scored(template_rows(signed_in(client, "demo_district"), batch)[1:], 90))
    upload(client, batch, content)

    client.post(reverse("assessment:offline_cancel", args=[batch.pk, YEAR]))
    preview = client.get(reverse("assessment:offline_preview", args=[batch.pk, YEAR]), follow=True)
    refused = confirm(client, batch, content)

    assert "没有待确认的上传文件" in preview.content.decode()
    assert "待确认的文件已更换或已失效" in refused.content.decode()
    assert stored_scores() == 0


# --- 确认: the write --------------------------------------------------------------------------------------------


def test_confirm_stores_the_bureaus_score_and_the_ratio_the_core_gives_it(client, batch, submitted):
    rows = scored(template_rows(signed_in(client, "demo_district"), batch)[1:], 85, 70, 50)
    content = workbook(rows)
    versions = {assessment.pk: assessment.version for assessment in submitted}

    preview = upload(client, batch, content)
    assert len(table(preview, "preview")) == len(rows)
    assert f'data-confirm="{offline.CONFIRM}"' in preview.content.decode()
    assert "（提交后不能修改）" in offline.CONFIRM
    assert stored_scores() == 0  # the dry run writes nothing
    done = confirm(client, batch, content)

    assert f"已导入 2 家医疗机构 {len(rows)} 个品种的医保考核评分" in done.content.decode()
    wuhan = scoring.rule_set_for(submitted[0])
    for score in ProductScore.objects.select_related("assessment__hospital", "product"):
        row = next(r for r in rows if (r[1], r[3]) == (score.assessment.hospital.code, score.product.variety_code))
        assert score.bureau_score == score.score == row[BUREAU]
        assert score.retention_ratio == ratio_for(wuhan, Decimal(row[BUREAU]), vetoed=False)
        assert score.part2 == SELF_TOTAL and score.rule_set_id == submitted[0].rule_set_id
    assert {score.retention_ratio for score in ProductScore.objects.all()} == {Decimal("0.5"), Decimal("0.4"), 0}
    assert stored_scores() == len(rows)
    for assessment in Assessment.objects.filter(pk__in=versions):
        assert assessment.version == versions[assessment.pk] + 1
        event = AuditEvent.objects.get(
            object_type="assessment.assessment", object_id=str(assessment.pk), message__startswith="考核数据上传"
        )
        assert event.username == "demo_district"
    hospitals = table(done, "hospitals")
    counts = {a.hospital.code: services.products_of(a.hospital, batch, YEAR).count() for a in submitted}
    assert {(row[1], row[5]) for row in hospitals} == {(code, f"{n} / {n}") for code, n in counts.items()}


def test_the_imported_score_is_the_review_no_item_is_left_to_pass(client, batch, submitted):
    """Seed 001 §4.1: 医保考核评分 is the district's review; every product scored finishes Part 2 (audited)."""
    rows = scored(template_rows(signed_in(client, "demo_district"), batch)[1:], 85)
    first, second = submitted
    partial = [row for row in rows if row[1] != second.hospital.code or row[3] != rows[-1][3]]  # one product unscored
    content = workbook(partial)
    upload(client, batch, content)

    done = confirm(client, batch, content).content.decode()

    assert "其中 1 家医疗机构全部品种已评分，集采任务完成情况评分审核已提交" in done
    finished = Assessment.objects.get(pk=first.pk)
    assert (finished.part1_review, finished.part2_review) == (Assessment.Review.DONE, Assessment.Review.DONE)
    assert finished.part2_reviewer.username == "demo_district" and finished.part2_reviewed_at is not None
    assert not finished.answers.filter(decision=Answer.Decision.NONE).exists()
    assert set(finished.answers.values_list("decision", "reviewer__username")) == {
        (Answer.Decision.PASS, "demo_district")
    }
    event = AuditEvent.objects.get(object_id=str(first.pk), message__startswith="考核数据上传")
    assert "集采任务完成情况评分审核已提交" in event.message
    waiting = Assessment.objects.get(pk=second.pk)
    assert waiting.part2_review != Assessment.Review.DONE
    unscored = waiting.answers.filter(product__variety_code=rows[-1][3])
    assert unscored.exists() and set(unscored.values_list("decision", flat=True)) == {Answer.Decision.NONE}
    assert not waiting.answers.exclude(product__variety_code=rows[-1][3]).filter(decision=Answer.Decision.NONE).exists()

    rest = [row for row in rows if row[1] == second.hospital.code and row[3] == rows[-1][3]]
    content = workbook(rest)
    upload(client, batch, content)
    confirm(client, batch, content)
    assert Assessment.objects.get(pk=second.pk).part2_review == Assessment.Review.DONE


def test_the_template_rows_sort_by_number(client, batch, submitted):
    rows = template_rows(signed_in(client, "demo_district"), batch)[1:]

    keys = [(row[1], row[3]) for row in rows]

    assert keys == sorted(keys, key=lambda key: (offline.by_number(key[0]), offline.by_number(key[1])))
    assert offline.by_number("GC2_5") < offline.by_number("GC2_10") < offline.by_number("GC2_29")
    assert sorted(["T0013", "T0005", "T0003"], key=offline.by_number) == ["T0003", "T0005", "T0013"]
    assert sorted(["10", "9", "A1"], key=offline.by_number) == ["A1", "9", "10"]


def test_a_bad_last_row_of_many_writes_nothing(client, batch, submitted):
    rows = scored(template_rows(signed_in(client, "demo_district"), batch)[1:], 90)
    rows[-1][BUREAU] = 101
    content = workbook(rows)

    with pytest.raises(offline.OfflineRefused) as refused:
        offline.import_bureau_scores(user("demo_district"), batch, YEAR, "考核评分.xlsx", content, "0" * 64)
    upload(client, batch, content)
    forced = confirm(client, batch, content)  # 确认 posted although the preview offered none

    assert [problem.row for problem in refused.value.problems] == [len(rows) + 1]
    assert "未写入任何数据" in forced.content.decode()
    assert stored_scores() == 0
    assert not AuditEvent.objects.filter(message__startswith="考核数据上传").exists()


def test_after_the_deadline_nothing_is_uploaded(client, batch, submitted):
    content = workbook(scored(template_rows(signed_in(client, "demo_district"), batch)[1:], 90))
    upload(client, batch, content)
    Batch.objects.filter(pk=batch.pk).update(fill_deadline=timezone.now() - datetime.timedelta(minutes=1))

    refused = confirm(client, batch, content)  # the deadline passed between the preview and 确认
    again = upload(client, batch, content)
    page = client.get(reverse("assessment:offline_batch", args=[batch.pk])).content.decode()

    assert "未写入任何数据" in refused.content.decode()
    assert any("已过填报截止时间" in message for *_, message in table(again, "problems"))
    assert "已过填报截止时间，不能再上传考核数据" in page and 'name="file"' not in page
    assert stored_scores() == 0


def test_a_submitted_part_2_review_is_not_overwritten(client, batch, submitted):
    reviewer = user("demo_district")
    assessment = services.submit_review(reviewer, submitted[1], 1, version=seen(submitted[1]))
    for answer in assessment.answers.all():
        services.review_answer(reviewer, answer, Answer.Decision.PASS, version=seen(assessment))
    services.submit_review(reviewer, Assessment.objects.get(pk=assessment.pk), 2, version=seen(assessment))
    rows = [r for r in template_rows(signed_in(client, "demo_district"), batch)[1:] if r[1] == assessment.hospital.code]

    problems = table(upload(client, batch, workbook(scored(rows, 60))), "problems")

    assert problems and all("集采任务完成情况评分审核已提交，得分不能修改" in message for *_, message in problems)


def test_a_batch_of_another_rule_set_is_not_scored_offline(client):
    shanxi = Batch.objects.get(name=BATCH)
    signed_in(client, "demo_district")

    page = client.get(reverse("assessment:offline_batch", args=[shanxi.pk])).content.decode()
    template = client.get(reverse("assessment:offline_template", args=[shanxi.pk, YEAR]), follow=True)

    assert "本批次的考核方案不采用线下评分" in page and 'id="export-template"' not in page
    assert "本批次的考核方案不采用线下评分" in template.content.decode()
    refused = offline.check_upload(user("demo_district"), shanxi, YEAR, "x.xlsx", workbook([]))
    assert [problem.message for problem in refused.problems] == [
        "本批次的考核方案不采用线下评分，请在“审核”菜单中在线审核"
    ]


def test_the_batch_list_shows_deadlines_and_the_way_of_scoring(client, batch):
    rows = table(signed_in(client, "demo_district").get(reverse("assessment:offline_batches")), "batches")

    wuhan = next(row for row in rows if row[0] == BATCH)
    assert wuhan[3].startswith(timezone.localtime(batch.fill_deadline).strftime("%Y-%m-%d %H:%M"))
    assert wuhan[4] == "线下评分"
    assert next(row for row in rows if row[0] == "国家第一批集中带量采购接续")[3].endswith("已截止")


def test_the_batch_page_lists_the_bureaus_hospitals_with_their_status(client, batch, make_user):
    first, second = district_hospitals(batch)
    fill_self_scores(account_of(first, make_user), batch)

    url = reverse("assessment:offline_batch", args=[batch.pk])
    rows = table(signed_in(client, "demo_district").get(url), "hospitals")
    found = table(client.get(url, {"name": second.name}), "hospitals")
    export = openpyxl.load_workbook(io.BytesIO(client.get(url, {"export": "xlsx"}).getvalue())).active

    assert [(row[1], row[4]) for row in rows] == [(first.code, "已提交"), (second.code, "待填报")]
    assert [row[1] for row in found] == [second.code]
    exported = [row[1] for row in export.iter_rows(min_row=HEADER_ROWS + 2, values_only=True)]
    assert exported == [first.code, second.code]


MENU = [("demo_district", True), ("demo_city", True), ("demo_province", True)]


@pytest.mark.parametrize(("name", "shown"), [*MENU, ("demo_hospital", False), ("demo_platform", False)])
def test_the_menu_offers_offline_scoring_to_the_reviewing_bureaus(client, name, shown):
    nav = re.search(r"<nav>(.*?)</nav>", signed_in(client, name).get("/").content.decode(), re.S).group(1)
    assert ("结余测算数据上报" in nav) is shown


# --- 待办 on the home page ----------------------------------------------------------------------------------------


def todo_rows(client) -> list[tuple[str, ...]]:
    return table(client.get("/"), "todos")


def test_a_hospital_sees_the_self_assessments_it_has_to_fill_and_near_deadlines_stand_out(client):
    soon = timezone.now() + datetime.timedelta(days=3)
    Batch.objects.filter(name="国家第三批集中带量采购").update(fill_deadline=soon)
    hospital = user("demo_hospital")
    signed_in(client, "demo_hospital")

    rows = todo_rows(client)
    html = client.get("/").content.decode()

    texts = [row[0] for row in rows]
    assert texts[0] == "国家第三批集中带量采购（2024年度）自评待填报"  # the nearest deadline first
    assert "国家第一批集中带量采购（2024年度）自评待填报" in texts
    assert not any("接续" in text for text in texts)  # its deadline has passed: nothing to do any more
    assert rows[0][2].startswith(timezone.localtime(soon).strftime("%Y-%m-%d %H:%M")) and "后截止" in rows[0][2]
    assert html.count('class="near"') == 1
    first = Batch.objects.get(name=BATCH)
    url = reverse("assessment:self_assessment", args=[first.pk, YEAR])
    assert f'href="{url}"' in html
    Batch.objects.filter(pk=first.pk).update(rule_set=RuleSetVersion.objects.get(code="wuhan"))
    fill_self_scores(hospital, Batch.objects.get(pk=first.pk))
    assert "国家第一批集中带量采购（2024年度）自评待填报" not in [row[0] for row in todo_rows(client)]


def test_a_hospital_sees_its_reopened_reviews(client, batch, make_user):
    hospital = user("demo_hospital")
    assessment = fill_self_scores(hospital, batch)
    assessment = services.submit_review(user("demo_city"), assessment, 1, version=seen(assessment))
    reason = "自评分数与平台数据不符"
    services.reopen_review(user("demo_province"), assessment, 1, reason, version=seen(assessment))

    rows = todo_rows(signed_in(client, "demo_hospital"))

    assert (
        "国家第一批集中带量采购（2024年度）落实集采政策评分已退回重审，待医保部门重新审核"
        "退回原因：自评分数与平台数据不符"
    ) in [row[0] for row in rows]


def test_a_reviewing_bureau_sees_what_awaits_review_with_links(client, batch, submitted):
    services.submit_review(user("demo_city"), submitted[0], 1, version=seen(submitted[0]))

    rows = {row[0]: row[1] for row in todo_rows(signed_in(client, "demo_city"))}
    html = client.get("/").content.decode()

    assert rows["落实集采政策评分待审核"] == "1"
    assert rows["集采任务完成情况评分待审核"] == "1"
    assert rows[f"{BATCH} 医保考核评分待上传（结余测算数据上报）"] == "2"
    assert f'href="{reverse("assessment:review_policy")}?status=pending"' in html
    assert f'href="{reverse("assessment:review_tasks")}?status=pending"' in html
    assert f'href="{reverse("assessment:offline_batch", args=[batch.pk])}"' in html
    other = {row[0]: row[1] for row in todo_rows(signed_in(client, "demo_city2"))}
    assert other == {"落实集采政策评分待审核": "0", "集采任务完成情况评分待审核": "0"}


def test_scored_offline_the_upload_no_longer_waits(client, batch, submitted):
    content = workbook(scored(template_rows(signed_in(client, "demo_district"), batch)[1:], 90))
    upload(client, batch, content)
    confirm(client, batch, content)

    texts = [row[0] for row in todo_rows(client)]

    assert f"{BATCH} 医保考核评分待上传（结余测算数据上报）" not in texts


def test_the_province_sees_reviews_of_province_direct_hospitals_only(client, batch, submitted):
    rows = {row[0]: row[1] for row in todo_rows(signed_in(client, "demo_province"))}

    assert rows["落实集采政策评分待审核"] == "0"  # both submitted hospitals are the district's


@pytest.mark.parametrize("name", ["demo_platform", "demo_sysadmin", "demo_auditor"])
def test_roles_with_nothing_to_review_or_fill_see_no_todos(client, name):
    assert todo_rows(signed_in(client, name)) == []
