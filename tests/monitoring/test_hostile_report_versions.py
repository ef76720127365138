"""报量核对: a re-import changes a report under an open page without changing its version, so the stale page's
submission is taken and silently overwrites the imported 报量."""

from __future__ import annotations

import polars as pl
import pytest
from django.urls import reverse

from tests.monitoring.test_demand_reports import import_reports
from tests.monitoring.test_order_import import YEAR, csv_bytes, import_orders
from vbp.accounts.models import User
from vbp.demo.orders import demo_order_sheets
from vbp.monitoring.models import DemandReport
from vbp.platformdata.models import ImportJob

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]
Status = DemandReport.Status


def test_a_reimported_report_refuses_the_page_shown_before_the_import(client):
    sheets = demo_order_sheets(lines=2000, seed=5)
    assert import_orders(csv_bytes(sheets["订单明细"])).status == ImportJob.Status.DONE
    hospital_user = User.objects.get(username="demo_hospital")
    code = hospital_user.hospital.code
    reports = sheets["报量"].with_columns(pl.lit(YEAR).alias("年度")).filter(pl.col("医疗机构编码") == code).head(1)
    # 报量 0 against 1,000 last year: 降幅超20%, so it waits for a 说明
    reports = reports.with_columns(pl.lit(0).alias("报量"), pl.lit(1000).alias("上一年度实际采购量"))
    assert import_reports(reports).status == ImportJob.Status.DONE
    report = DemandReport.objects.get(hospital=hospital_user.hospital)
    assert report.status == Status.EXPLAIN

    client.force_login(hospital_user)
    explain = reverse("monitoring:report_explain", args=[report.pk])
    v = report.version
    assert client.post(explain, {"explanation": "备货", "version": v}).status_code == 302
    client.force_login(User.objects.get(username="demo_city"))
    review = reverse("monitoring:report_review", args=[report.pk])
    assert client.post(review, {"decision": "return", "note": "请重报", "version": v + 1}).status_code == 302
    report.refresh_from_db()
    assert (report.status, report.version) == (Status.RETURNED, v + 2)
    shown_version = report.version  # the hospital opens the page now: its form carries version 3

    # meanwhile the province imports the platform's corrected 报量 (100): the report is checked afresh
    assert import_reports(reports.with_columns(pl.lit(100).alias("报量"))).status == ImportJob.Status.DONE
    report.refresh_from_db()
    assert (report.reported, report.status) == (100, Status.EXPLAIN)

    client.force_login(hospital_user)
    client.post(explain, {"explanation": "按退回意见重报", "reported": 0, "version": shown_version})
    report.refresh_from_db()
    assert report.reported == 100, "the stale page overwrote the imported 报量"
