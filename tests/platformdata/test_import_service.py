"""Imports: a dry run names every problem and writes nothing; a clean file writes all of it, or nothing."""

import hashlib
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from import_files import PLATFORM_HEADERS, csv_bytes, platform_row, run_import, xlsx_bytes

from vbp.catalog.models import Batch, Hospital, Product
from vbp.platformdata import services
from vbp.platformdata.models import ImportJob, PlatformRecord

pytestmark = pytest.mark.django_db


def lines(job) -> list[str]:
    return [str(services.problem_parts(problem)) for problem in job.problems]


def digest() -> str:
    rows = PlatformRecord.objects.order_by("pk").values_list(*[f.attname for f in PlatformRecord._meta.concrete_fields])
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


def test_master_data_imports_resolve_names_and_codes(catalog):
    hospital = Hospital.objects.get(code="H001")
    assert (hospital.city.name, hospital.district.name, hospital.home_pool.name) == ("太原市", "小店区", "省直")
    assert hospital.province_direct and hospital.get_level_display() == "三级甲等"
    assert Hospital.objects.get(code="H002").city.name == "太原市"  # a city given by its code
    batch = Batch.objects.get(code="GJ1")
    assert batch.agreed_ratio == Decimal(70) and batch.get_kind_display() == "国家" and not batch.renewal
    product = Product.objects.get(variety_code="GC1_1")
    assert product.bid_price == Decimal("133.000") and product.weighted_avg_price == Decimal("129.397")


def test_a_clean_platform_file_previews_then_writes_every_row_exactly(catalog):
    province = catalog["province"]
    rows = [PLATFORM_HEADERS, platform_row("H001"), platform_row("H002"), platform_row("H003", "GC1_2")]
    content = xlsx_bytes("平台数据", rows)
    job = services.start_import(province, "platform", "平台数据.xlsx", content, background=False)

    assert job.status == ImportJob.Status.PREVIEW
    assert (job.total_rows, job.rows_added, job.rows_changed) == (3, 3, 0)
    assert [change["action"] for change in job.preview] == ["新增"] * 3
    assert PlatformRecord.objects.count() == 0  # a dry run writes nothing

    job = services.confirm_import(province, job, background=False)

    assert job.status == ImportJob.Status.DONE
    assert (job.file_name, job.sha256, job.user) == ("平台数据.xlsx", hashlib.sha256(content).hexdigest(), province)
    record = PlatformRecord.objects.get(hospital__code="H001")
    assert record.nonselected_amount == Decimal("1494450.00")
    assert record.agreed_volume == 1500 and record.year == 2024


def test_importing_the_same_keys_again_updates_them_and_previews_old_and_new(catalog):
    province = catalog["province"]
    run_import(province, "platform", "a.xlsx", xlsx_bytes("平台数据", [PLATFORM_HEADERS, platform_row("H001")]))
    changed = platform_row("H001", **{"30天内回款金额": "240000.00"})
    same = platform_row("H002")
    job = services.start_import(
        province, "platform", "b.xlsx", xlsx_bytes("平台数据", [PLATFORM_HEADERS, changed, same]), background=False
    )

    job.refresh_from_db()  # the preview as the page reads it back
    assert (job.rows_added, job.rows_changed, job.rows_unchanged) == (1, 1, 0)
    [modified] = [change for change in job.preview if change["action"] == "修改"]
    assert modified["changes"] == [["30天内回款金额", "300000.00", "240000.00"]]

    services.confirm_import(province, job, background=False)
    assert PlatformRecord.objects.get(hospital__code="H001").paid_30d_amount == Decimal("240000.00")
    assert PlatformRecord.objects.count() == 2


def test_every_bad_cell_is_named_by_sheet_row_and_column_and_nothing_is_written(catalog):
    province = catalog["province"]
    rows = [
        PLATFORM_HEADERS,
        platform_row("H001", **{"约定采购量": "一千五"}),
        platform_row("H999"),
        platform_row("H002", "GC9_9"),
        platform_row("H003", **{"非中选产品使用金额": "12.345", "考核年度": ""}),
        platform_row("H001"),
    ]
    job = run_import(province, "platform", "bad.xlsx", xlsx_bytes("平台数据", rows, above=[["2024年平台数据"], []]))

    assert job.status == ImportJob.Status.REFUSED
    assert lines(job) == [
        "平台数据 第4行 E（约定采购量）列：应为整数，不小于0，实为“一千五”",
        "平台数据 第5行 B（医疗机构编码）列：没有医疗机构“H999”",
        "平台数据 第6行 D（品种序号）列：批次“GJ1”中没有品种“GC9_9”",
        "平台数据 第7行 A（考核年度）列：不能为空",
        "平台数据 第7行 J（非中选产品使用金额）列：应为数值，最多2位小数，不小于0，实为“12.345”",
    ]
    assert PlatformRecord.objects.count() == 0
    with pytest.raises(services.ImportRefused):
        services.confirm_import(province, job, background=False)


def test_the_only_bad_row_last_of_ten_thousand_refuses_the_file_and_leaves_the_database_unchanged(catalog):
    province = catalog["province"]
    run_import(province, "platform", "first.csv", csv_bytes([PLATFORM_HEADERS, platform_row("H001")]))
    before = digest()
    rows = [PLATFORM_HEADERS]
    for year in range(2015, 2100):
        for hospital in ("H001", "H002", "H003"):
            for variety in ("GC1_1", "GC1_2"):
                rows.append(platform_row(hospital, variety, year, **{"入库金额": "310000.00"}))
    rows = rows[:10000]
    rows.append(platform_row("H003", "GC1_1", 2099, **{"30天内回款金额": "-5"}))

    job = run_import(province, "platform", "big.csv", csv_bytes(rows))

    assert job.status == ImportJob.Status.REFUSED
    assert lines(job) == [f"平台数据 第{len(rows)}行 N（30天内回款金额）列：应为数值，最多2位小数，不小于0，实为“-5”"]
    assert digest() == before


def test_a_repeated_key_in_the_file_names_the_row_it_repeats(catalog):
    rows = [PLATFORM_HEADERS, platform_row("H001"), platform_row("H002"), platform_row("H001")]
    job = run_import(catalog["province"], "platform", "dup.xlsx", xlsx_bytes("平台数据", rows))

    assert lines(job) == [
        "平台数据 第4行 A（考核年度）、B（医疗机构编码）、C（批次编码）、D（品种序号）列："
        "考核年度、医疗机构编码、批次编码、品种序号与第2行重复"
    ]


def test_a_missing_key_column_and_an_unreadable_file_are_refused(catalog):
    province = catalog["province"]
    job = run_import(province, "platform", "x.xlsx", xlsx_bytes("平台数据", [PLATFORM_HEADERS[1:], platform_row()[1:]]))
    assert lines(job) == ["平台数据：缺少列“考核年度”"]
    job = run_import(province, "platform", "x.xlsx", b"not a workbook")
    assert job.status == ImportJob.Status.REFUSED and "无法读取工作簿" in lines(job)[0]


def test_data_changed_between_preview_and_confirm_is_checked_again_and_nothing_is_written(catalog):
    province = catalog["province"]
    rows = [PLATFORM_HEADERS, platform_row("H001"), platform_row("H002")]
    job = services.start_import(province, "platform", "p.xlsx", xlsx_bytes("平台数据", rows), background=False)
    Hospital.objects.filter(code="H002").update(code="H002-OLD")  # someone renumbers a hospital meanwhile

    job = services.confirm_import(province, job, background=False)

    assert job.status == ImportJob.Status.FAILED
    assert lines(job) == ["平台数据 第3行 B（医疗机构编码）列：没有医疗机构“H002”"]
    assert PlatformRecord.objects.count() == 0


def test_only_the_province_bureau_may_import(catalog):
    with pytest.raises(services.ImportRefused):
        services.start_import(catalog["city"], "platform", "p.xlsx", b"", background=False)


def test_the_command_line_runs_the_same_import(catalog, tmp_path, capsys):
    path = tmp_path / "平台数据.xlsx"
    path.write_bytes(xlsx_bytes("平台数据", [PLATFORM_HEADERS, platform_row("H001")]))

    call_command("import_data", "platform", str(path), "--user", "province", "--dry-run")
    assert PlatformRecord.objects.count() == 0
    call_command("import_data", "platform", str(path), "--user", "province")
    assert PlatformRecord.objects.count() == 1
    assert "导入完成：新增 1 行，修改 0 行" in capsys.readouterr().out

    path.write_bytes(xlsx_bytes("平台数据", [PLATFORM_HEADERS, platform_row("H404")]))
    with pytest.raises(CommandError, match="共 1 处问题"):
        call_command("import_data", "platform", str(path), "--user", "province")
    assert "第2行 B（医疗机构编码）列：没有医疗机构“H404”" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)  # the worker commits and closes its connections, as in production
def test_a_large_file_is_checked_and_written_by_the_background_worker(
    catalog, settings, django_capture_on_commit_callbacks
):
    settings.VBP_IMPORT_BACKGROUND_BYTES = 0
    province = catalog["province"]
    rows = [PLATFORM_HEADERS, platform_row("H001"), platform_row("H002")]
    with django_capture_on_commit_callbacks(execute=True):
        job = services.start_import(province, "platform", "p.xlsx", xlsx_bytes("平台数据", rows))
    assert job.status == ImportJob.Status.CHECKING

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEW and job.done_rows == 2

    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_import(province, job)
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert PlatformRecord.objects.count() == 2
