"""Files as a clerk writes them, and the upload-then-confirm a clerk does."""

from __future__ import annotations

import csv
import io

import openpyxl

from vbp.platformdata import services

HOSPITAL_HEADERS = ["医疗机构编码", "医疗机构名称", "地市", "区县", "医院等级", "所属统筹区", "省直属"]
BATCH_HEADERS = [
    "批次编码",
    "带量批次",
    "批次类型",
    "类别",
    "接续批次",
    "采购周期开始",
    "采购周期结束",
    "约定采购比例（%）",
]
PRODUCT_HEADERS = ["批次编码", "品种序号", "通用名", "剂型", "规格", "中选企业", "中选价格", "同通用名加权平均价"]
PLATFORM_HEADERS = [
    "考核年度",
    "医疗机构编码",
    "批次编码",
    "品种序号",
    "约定采购量",
    "采购量基数",
    "中选产品实际采购量",
    "同通用名产品采购总量",
    "非中选产品采购量",
    "非中选产品使用金额",
    "线下采购金额",
    "实际药品采购金额",
    "入库金额",
    "30天内回款金额",
]


def xlsx_bytes(sheet: str, rows: list[list], above: list[list] | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    for row in [*(above or []), *rows]:
        worksheet.append(row)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def csv_bytes(rows: list[list], encoding: str = "utf-8-sig") -> bytes:
    stream = io.StringIO()
    csv.writer(stream).writerows(rows)
    return stream.getvalue().encode(encoding)


def platform_row(hospital="H001", variety="GC1_1", year=2024, **changes) -> list:
    values = [
        year,
        hospital,
        "GJ1",
        variety,
        1500,
        3000,
        1600,
        2000,
        400,
        "1494450.00",
        0,
        "2000000.00",
        "300000.00",
        "300000.00",
    ]
    row = dict(zip(PLATFORM_HEADERS, values, strict=True))
    row.update(changes)
    return list(row.values())


def run_import(user, kind: str, name: str, content: bytes):
    """Upload and, when the dry run passes, confirm: what a clerk does on the page."""
    job = services.start_import(user, kind, name, content, background=False)
    if job.status == job.Status.PREVIEW:
        job = services.confirm_import(user, job, background=False)
    return job
