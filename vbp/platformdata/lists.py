"""平台数据 (the records in the user's scope) and 导入记录 (the province bureau's imports): two list pages."""

from __future__ import annotations

from django.db import models
from django.urls import reverse

from vbp import permissions
from vbp.platformdata import services
from vbp.platformdata.forms import ImportQuery, RecordQuery, UploadForm, kind_choices
from vbp.platformdata.importers import IMPORTERS, PLATFORM_AMOUNTS, PLATFORM_VOLUMES
from vbp.platformdata.models import ImportJob, PlatformRecord
from vbp.ui.lists import Column, ListPage


class ImportJobQuerySet(models.QuerySet):
    """Import records are the province bureau's (they hold whole files of every hospital): anyone else reaches none."""

    def visible_to(self, user) -> ImportJobQuerySet:
        return self if permissions.imports_data(user) else self.none()


def import_jobs() -> ImportJobQuerySet:
    """Every import record, to be narrowed by ``visible_to`` (the page's Lookup and list both start here)."""
    return ImportJobQuerySet(model=ImportJob)


class RecordList(ListPage):
    """平台数据 (此数据由平台提供): one row per hospital × product × year."""

    title = "平台数据"
    allows = staticmethod(permissions.sees_business_data)
    query_form = RecordQuery
    template_name = "platformdata/record_list.html"
    table_id = "records"
    columns = (
        Column("考核年度", "year", kind="year", sticky=True),
        Column("医疗机构编码", "hospital.code"),
        Column("医疗机构名称", "hospital.name", sticky=True),
        Column("带量批次", "product.batch.name"),
        Column("品种序号", "product.variety_code"),
        Column("通用名", "product.generic_name"),
        Column("规格", "product.spec"),
        *(Column(header, field, kind="volume") for header, field in PLATFORM_VOLUMES),
        *(Column(header, field, kind="money") for header, field in PLATFORM_AMOUNTS),
    )

    def rows(self, query):
        records = PlatformRecord.objects.visible_to(self.user).select_related("hospital", "product__batch")
        return records.order_by("year", "hospital__code", "product__batch__cycle_start", "product__variety_code", "pk")


def _detail_url(job: ImportJob) -> str:
    return reverse("platformdata:import", args=[job.pk])


def _kind_title(job: ImportJob) -> str:
    return IMPORTERS[job.kind].title if job.kind in IMPORTERS else job.kind


class ImportList(ListPage):
    """数据导入: the upload form and the templates above the record of every import."""

    title = "数据导入"
    sheet = "导入记录"
    allows = staticmethod(permissions.imports_data)
    query_form = ImportQuery
    template_name = "platformdata/import_list.html"
    table_id = "imports"
    empty = "还没有导入记录"
    columns = (
        Column("上传时间", "created_at", kind="datetime", link=_detail_url),
        Column("导入类型", _kind_title),
        Column("文件名", "file_name"),
        Column("导入人", "user.display_name"),
        Column("状态", "get_status_display", template="platformdata/_status_cell.html"),
        Column("行数", "total_rows", kind="number"),
        Column("新增", "rows_added", kind="number"),
        Column("修改", "rows_changed", kind="number"),
        Column("SHA-256", "sha256", template="platformdata/_sha_cell.html"),
    )

    def rows(self, query):
        services.reap_interrupted()
        jobs = import_jobs().visible_to(self.user).select_related("user").defer("content", "problems", "preview")
        return jobs.order_by("-created_at", "-pk")

    def extra_context(self) -> dict:
        return {"upload": UploadForm(), "kinds": kind_choices()}
