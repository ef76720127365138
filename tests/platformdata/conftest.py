"""A small world for imports: two cities with pools and 省直, users, and a catalog loaded through the imports."""

import pytest
from import_files import BATCH_HEADERS, HOSPITAL_HEADERS, PRODUCT_HEADERS, run_import, xlsx_bytes

from vbp.accounts.models import Role, User
from vbp.regions.models import Pool, Region


@pytest.fixture
def world(db):
    province = Region.objects.create(code="140000", name="山西省", level=Region.Level.PROVINCE)
    taiyuan = Region.objects.create(code="140100", name="太原市", level=Region.Level.CITY, parent=province)
    datong = Region.objects.create(code="140200", name="大同市", level=Region.Level.CITY, parent=province)
    Region.objects.create(code="140105", name="小店区", level=Region.Level.DISTRICT, parent=taiyuan)
    Pool.objects.create(code="149900", name="省直", region=province, province_level=True)
    Pool.objects.create(code="140100", name="太原市", region=taiyuan)
    Pool.objects.create(code="140200", name="大同市", region=datong)
    ready = {"must_change_password": False}
    users = {
        "province": User.objects.create_user("province", role=Role.PROVINCE, region=province, **ready),
        "city": User.objects.create_user("city", role=Role.CITY, region=taiyuan, **ready),
        "city2": User.objects.create_user("city2", role=Role.CITY, region=datong, **ready),
    }
    return users


@pytest.fixture
def catalog(world):
    """Hospitals, a batch and two products, loaded through the imports themselves."""
    province = world["province"]
    hospitals = [
        HOSPITAL_HEADERS,
        ["H001", "山西省人民医院", "太原市", "小店区", "三级甲等", "省直", "是"],
        ["H002", "太原市中心医院", "140100", "", "三级甲等", "太原市", "否"],
        ["H003", "大同市第三人民医院", "大同市", "", "二级甲等", "大同市", "否"],
    ]
    batches = [BATCH_HEADERS, ["GJ1", "国家第一批集中带量采购", "国家", "药品", "否", "2019-12-01", "2020-11-30", 70]]
    products = [
        PRODUCT_HEADERS,
        ["GJ1", "GC1_1", "盐酸右美托咪定注射液", "注射剂", "2ml:0.2mg", "扬子江药业", "133.000", "129.397"],
        ["GJ1", "GC1_2", "阿托伐他汀钙片", "片剂", "20mg", "齐鲁制药", "0.94", "3.6"],
    ]
    for kind, sheet, rows in (
        ("hospitals", "医疗机构", hospitals),
        ("batches", "带量批次", batches),
        ("products", "品种", products),
    ):
        job = run_import(province, kind, f"{sheet}.xlsx", xlsx_bytes(sheet, rows))
        assert job.status == job.Status.DONE, job.problems
    return world
