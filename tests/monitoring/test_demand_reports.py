"""报量 imported, checked against last year (报量核对) as `vbp monitor` checks it, and its workflow: the hospital
explains a flagged report, its bureau returns it, the hospital reports again, the bureau accepts; every step
versioned and audited, and nobody else may take it."""

from __future__ import annotations

import polars as pl
import pytest
from django.urls import reverse

from tests.monitor.conftest import read_sheets, run_vbp
from tests.monitoring.test_order_import import YEAR, csv_bytes, import_orders, province
from vbp.accounts.models import User
from vbp.audit.models import AuditEvent
from vbp.demo.orders import demo_order_sheets
from vbp.monitoring import aggregate, services
from vbp.monitoring.models import DemandReport
from vbp.platformdata import services as imports
from vbp.platformdata.models import ImportJob

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]
Status = DemandReport.Status


@pytest.fixture
def sheets():
    sheets = demo_order_sheets(lines=4000, seed=5)
    assert import_orders(csv_bytes(sheets["订单明细"])).status == ImportJob.Status.DONE
    return sheets


def import_reports(frame: pl.DataFrame) -> ImportJob:
    job = imports.start_import(province(), "reports", "报量.csv", csv_bytes(frame), background=False)
    if job.status == ImportJob.Status.PREVIEW:
        job = imports.confirm_import(province(), job, background=False)
    return job


def test_imported_reports_are_checked_as_vbp_monitor_checks_them(sheets, tmp_path):
    reports = sheets["报量"].with_columns(pl.lit(YEAR).alias("年度"))
    # half the reports leave last year's volume to the order lines
    reports = reports.with_columns(
        pl.when(pl.int_range(pl.len()) % 2 == 0)
        .then(None)
        .otherwise(pl.col("上一年度实际采购量"))
        .alias("上一年度实际采购量")
    )
    assert import_reports(reports).status == ImportJob.Status.DONE

    folder = tmp_path / "input"
    folder.mkdir()
    sheets["订单明细"].write_csv(folder / "订单明细.csv")
    headers = {"hospital": "医疗机构编码", "batch": "带量批次", "generic": "药品通用名", "agreed": "约定采购量"}
    aggregate.agreements(YEAR).rename({**headers, "starts": "执行开始日期", "ends": "执行结束日期"}).write_csv(
        folder / "约定采购量.csv"
    )
    reports.drop("年度").write_csv(folder / "报量.csv")
    assert run_vbp("monitor", folder, "-o", tmp_path / "out.xlsx", "--as-of", f"{YEAR}-12-31").code == 0
    offline = {
        (row["医疗机构编码"], row["带量批次"], row["药品通用名"]): row
        for row in read_sheets(tmp_path / "out.xlsx")["报量核对"]
    }

    stored = DemandReport.objects.select_related("hospital", "batch")
    assert stored.count() == len(offline) == reports.height
    for report in stored:
        row = offline[(report.hospital.code, report.batch.name, report.generic)]
        assert report.last == row["上一年度实际采购量"]
        assert (float(report.change) if report.change is not None else "") == row["变化率"]
        assert ("是" if report.dropped else "否", "是" if report.unreported_nonwinning else "否") == (
            row["降幅超20%"],
            row["未报量仍采购非中选"],
        )
        assert report.status == (Status.EXPLAIN if report.flagged else Status.CLEAR)
    assert stored.filter(status=Status.EXPLAIN).exists()


def test_a_report_without_its_agreement_is_refused_at_its_row(sheets):
    reports = sheets["报量"].head(3).with_columns(pl.lit(YEAR).alias("年度"))
    reports = reports.with_columns(
        pl.when(pl.int_range(pl.len()) == 1)
        .then(pl.lit("不存在的药"))
        .otherwise(pl.col("药品通用名"))
        .alias("药品通用名")
    )
    job = import_reports(reports)
    assert job.status == ImportJob.Status.REFUSED
    assert [(p["row"], p["message"]) for p in job.problems] == [
        (3, "2024 年平台数据中没有该医疗机构该药品的约定采购量")
    ]
    assert not DemandReport.objects.exists()


@pytest.fixture
def flagged(sheets):
    reports = sheets["报量"].with_columns(pl.lit(YEAR).alias("年度"))
    assert import_reports(reports).status == ImportJob.Status.DONE
    hospital = User.objects.get(username="demo_hospital").hospital
    report = DemandReport.objects.filter(hospital=hospital).first()
    DemandReport.objects.filter(pk=report.pk).update(status=Status.EXPLAIN, dropped=True)
    report.refresh_from_db()
    return report


def test_explain_return_report_again_accept(flagged, client):
    hospital, city = User.objects.get(username="demo_hospital"), User.objects.get(username="demo_city")
    url = reverse("monitoring:report", args=[flagged.pk])

    client.force_login(hospital)
    page = client.get(url).content.decode()
    assert 'id="explain-form"' in page and 'id="review-form"' not in page
    v = flagged.version  # as the page shows it
    response = client.post(
        reverse("monitoring:report_explain", args=[flagged.pk]), {"explanation": "去年集中备货。", "version": v}
    )
    assert response.status_code == 302
    flagged.refresh_from_db()
    assert (flagged.status, flagged.explanation, flagged.version) == (Status.REVIEW, "去年集中备货。", v + 1)

    client.force_login(city)
    response = client.post(
        reverse("monitoring:report_review", args=[flagged.pk]), {"decision": "return", "version": v + 1}
    )
    assert response.status_code == 200 and "退回时请填写审核意见" in response.content.decode()
    client.post(
        reverse("monitoring:report_review", args=[flagged.pk]),
        {"decision": "return", "note": "请按实际需求重新报量。", "version": v + 1},
    )
    flagged.refresh_from_db()
    assert (flagged.status, flagged.reviewer, flagged.review_note) == (Status.RETURNED, city, "请按实际需求重新报量。")

    client.force_login(hospital)
    response = client.post(
        reverse("monitoring:report_explain", args=[flagged.pk]), {"explanation": "已重报。", "version": v + 2}
    )
    assert "报量已被退回，请填写新的报量" in response.content.decode()
    client.post(
        reverse("monitoring:report_explain", args=[flagged.pk]),
        {"explanation": "已重报。", "reported": 950, "version": v + 2},
    )
    flagged.refresh_from_db()
    assert (flagged.status, flagged.reported) == (Status.REVIEW, 950)

    client.force_login(city)
    client.post(reverse("monitoring:report_review", args=[flagged.pk]), {"decision": "accept", "version": v + 3})
    flagged.refresh_from_db()
    assert flagged.status == Status.ACCEPTED
    steps = AuditEvent.objects.filter(object_type__contains="demandreport").order_by("pk")
    assert [event.message for event in steps] == ["提交报量说明", "退回报量说明", "提交报量说明", "接受报量说明"]


def test_a_stale_page_and_other_users_are_refused(flagged, client):
    v = flagged.version
    with pytest.raises(services.StaleReport):
        services.explain(User.objects.get(username="demo_hospital"), flagged, "说明", None, version=v + 6)
    with pytest.raises(services.ReportRefused):
        services.explain(User.objects.get(username="demo_city"), flagged, "说明", None, version=v)
    for username in ("demo_hospital2", "demo_city2"):
        client.force_login(User.objects.get(username=username))
        assert client.get(reverse("monitoring:report", args=[flagged.pk])).status_code == 404
    client.force_login(User.objects.get(username="demo_hospital"))
    response = client.post(reverse("monitoring:report_review", args=[flagged.pk]), {"decision": "accept", "version": v})
    assert response.status_code == 404
    flagged.refresh_from_db()
    assert flagged.status == Status.EXPLAIN and flagged.version == v
