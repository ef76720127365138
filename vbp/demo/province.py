"""The demo province's fixed data: 山西省 with real GB/T 2260 codes, its pools, hospitals, batches and demo accounts.

Everything here is plain data; ``vbp.demo.generate`` turns it into rows. Region
codes and names are the real ones; hospitals are named like real ones; prices,
volumes and winning companies are made up for the demo and prove nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from vbp.accounts.models import Role
from vbp.catalog.models import Batch, Hospital

BEIJING = ZoneInfo("Asia/Shanghai")
DATA_YEAR = 2024  # the assessment year of the platform data
DEMO_PASSWORD = "demo2024!"  # noqa: S105 -- printed for everyone to use: demo accounts only


@dataclass(frozen=True)
class Place:
    code: str
    name: str


@dataclass(frozen=True)
class City:
    code: str
    name: str
    districts: tuple[Place, ...]  # the first is the city's main urban district

    @property
    def main_district(self) -> Place:
        return self.districts[0]


def local_name(city: City, place: Place) -> str:
    """How a hospital names its district or county: 太原市小店区, but 清徐县 and 古交市 stand alone."""
    return city.name + place.name if place.name.endswith("区") else place.name


PROVINCE = Place("140000", "山西省")
PROVINCE_POOL = Place("149900", "省直")  # the province-level pool (省直); not a GB/T 2260 code

CITIES: tuple[City, ...] = (
    City(
        "140100",
        "太原市",
        (
            Place("140106", "迎泽区"),
            Place("140105", "小店区"),
            Place("140107", "杏花岭区"),
            Place("140108", "尖草坪区"),
            Place("140109", "万柏林区"),
            Place("140110", "晋源区"),
            Place("140121", "清徐县"),
            Place("140122", "阳曲县"),
            Place("140123", "娄烦县"),
            Place("140181", "古交市"),
        ),
    ),
    City(
        "140200",
        "大同市",
        (
            Place("140213", "平城区"),
            Place("140214", "云冈区"),
            Place("140212", "新荣区"),
            Place("140215", "云州区"),
            Place("140221", "阳高县"),
            Place("140222", "天镇县"),
            Place("140224", "灵丘县"),
            Place("140225", "浑源县"),
        ),
    ),
    City(
        "140300",
        "阳泉市",
        (
            Place("140302", "城区"),
            Place("140303", "矿区"),
            Place("140311", "郊区"),
            Place("140321", "平定县"),
            Place("140322", "盂县"),
        ),
    ),
    City(
        "140400",
        "长治市",
        (
            Place("140403", "潞州区"),
            Place("140404", "上党区"),
            Place("140405", "屯留区"),
            Place("140406", "潞城区"),
            Place("140423", "襄垣县"),
            Place("140428", "长子县"),
        ),
    ),
    City(
        "140500",
        "晋城市",
        (
            Place("140502", "城区"),
            Place("140522", "阳城县"),
            Place("140525", "泽州县"),
            Place("140581", "高平市"),
            Place("140521", "沁水县"),
        ),
    ),
    City(
        "140600",
        "朔州市",
        (
            Place("140602", "朔城区"),
            Place("140681", "怀仁市"),
            Place("140621", "山阴县"),
            Place("140622", "应县"),
            Place("140603", "平鲁区"),
        ),
    ),
    City(
        "140700",
        "晋中市",
        (
            Place("140702", "榆次区"),
            Place("140781", "介休市"),
            Place("140728", "平遥县"),
            Place("140727", "祁县"),
            Place("140729", "灵石县"),
        ),
    ),
    City(
        "140800",
        "运城市",
        (
            Place("140802", "盐湖区"),
            Place("140881", "永济市"),
            Place("140882", "河津市"),
            Place("140821", "临猗县"),
            Place("140823", "闻喜县"),
        ),
    ),
    City(
        "140900",
        "忻州市",
        (
            Place("140902", "忻府区"),
            Place("140981", "原平市"),
            Place("140922", "五台县"),
            Place("140923", "代县"),
            Place("140921", "定襄县"),
        ),
    ),
    City(
        "141000",
        "临汾市",
        (
            Place("141002", "尧都区"),
            Place("141081", "侯马市"),
            Place("141024", "洪洞县"),
            Place("141023", "襄汾县"),
            Place("141082", "霍州市"),
        ),
    ),
    City(
        "141100",
        "吕梁市",
        (
            Place("141102", "离石区"),
            Place("141181", "孝义市"),
            Place("141182", "汾阳市"),
            Place("141121", "文水县"),
            Place("141122", "交城县"),
        ),
    ),
)
CAPITAL = CITIES[0]
CITY_BY_NAME = {city.name: city for city in CITIES}


@dataclass(frozen=True)
class HospitalSeed:
    name: str
    level: str  # a Hospital.Level value
    city: str  # city code
    district: str  # district code
    province_direct: bool = False


L = Hospital.Level

# 省直属: in 太原市, paid by the province-level pool, patients from every pool.
PROVINCE_DIRECT_HOSPITALS: tuple[HospitalSeed, ...] = tuple(
    HospitalSeed(name, L.GRADE_3A, "140100", district, province_direct=True)
    for name, district in (
        ("山西省人民医院", "140106"),
        ("山西医科大学第一医院", "140106"),
        ("山西医科大学第二医院", "140107"),
        ("山西白求恩医院", "140105"),
        ("山西省第二人民医院", "140106"),
        ("山西省肿瘤医院", "140107"),
        ("山西省儿童医院", "140105"),
        ("山西省心血管病医院", "140109"),
        ("山西省眼科医院", "140106"),
        ("山西省中医院", "140107"),
    )
)

CAPITAL_HOSPITALS: tuple[HospitalSeed, ...] = tuple(
    HospitalSeed(name, level, "140100", district)
    for name, level, district in (
        ("太原市中心医院", L.GRADE_3A, "140107"),
        ("太原市人民医院", L.GRADE_3A, "140109"),
        ("太原市第二人民医院", L.GRADE_3B, "140107"),
        ("太原市第三人民医院", L.GRADE_3A, "140106"),
        ("太原市第四人民医院", L.GRADE_3A, "140108"),
        ("太原市中医医院", L.GRADE_3A, "140106"),
        ("太原市妇幼保健院", L.GRADE_3A, "140107"),
        ("太原钢铁（集团）有限公司总医院", L.GRADE_3, "140108"),
        ("太原市第九人民医院", L.GRADE_2A, "140109"),
        ("太原市小店区人民医院", L.GRADE_2A, "140105"),
        ("太原市迎泽区中心医院", L.GRADE_2B, "140106"),
        ("太原市杏花岭区中心医院", L.GRADE_2A, "140107"),
        ("太原市尖草坪区人民医院", L.GRADE_2A, "140108"),
        ("太原市万柏林区中心医院", L.GRADE_2B, "140109"),
        ("太原市晋源区人民医院", L.GRADE_2A, "140110"),
        ("太原市小店区坞城街道社区卫生服务中心", L.GRADE_1, "140105"),
        ("清徐县人民医院", L.GRADE_2A, "140121"),
        ("阳曲县人民医院", L.GRADE_2B, "140122"),
        ("娄烦县人民医院", L.GRADE_2B, "140123"),
        ("古交市人民医院", L.GRADE_2A, "140181"),
    )
)

DATONG_HOSPITALS: tuple[HospitalSeed, ...] = tuple(
    HospitalSeed(name, level, "140200", district)
    for name, level, district in (
        ("大同市第一人民医院", L.GRADE_3A, "140213"),
        ("大同市第三人民医院", L.GRADE_3A, "140213"),
        ("大同市第五人民医院", L.GRADE_3B, "140213"),
        ("大同市中医医院", L.GRADE_3B, "140213"),
        ("大同市妇幼保健院", L.GRADE_2A, "140213"),
        ("阳高县人民医院", L.GRADE_2A, "140221"),
        ("天镇县人民医院", L.GRADE_2B, "140222"),
        ("灵丘县人民医院", L.GRADE_2A, "140224"),
        ("大同市云冈区新平旺街道社区卫生服务中心", L.GRADE_1, "140214"),
    )
)

# Each other city's leading hospital; the rest of its hospitals follow one pattern.
FLAGSHIPS = {
    "阳泉市": "阳泉市第一人民医院",
    "长治市": "长治市人民医院",
    "晋城市": "晋城市人民医院",
    "朔州市": "朔州市人民医院",
    "晋中市": "晋中市第一人民医院",
    "运城市": "运城市中心医院",
    "忻州市": "忻州市人民医院",
    "临汾市": "临汾市中心医院",
    "吕梁市": "吕梁市人民医院",
}
COUNTY_LEVELS = (L.GRADE_2A, L.GRADE_2B, L.GRADE_2A, L.GRADE_2)


def _city_hospitals(city: City) -> tuple[HospitalSeed, ...]:
    """Nine hospitals of a city: four in town, one per county (or outer district), one community centre."""
    main = city.main_district
    hospitals = [
        HospitalSeed(FLAGSHIPS[city.name], L.GRADE_3A, city.code, main.code),
        HospitalSeed(f"{city.name}第二人民医院", L.GRADE_3B, city.code, main.code),
        HospitalSeed(f"{city.name}中医医院", L.GRADE_3B, city.code, main.code),
        HospitalSeed(f"{city.name}妇幼保健院", L.GRADE_2A, city.code, main.code),
    ]
    for index, (place, level) in enumerate(zip(city.districts[1:5], COUNTY_LEVELS, strict=True)):
        kind = "中医医院" if index == 3 else "人民医院"
        hospitals.append(HospitalSeed(local_name(city, place) + kind, level, city.code, place.code))
    hospitals.append(
        HospitalSeed(f"{local_name(city, main)}社区卫生服务中心", L.GRADE_1, city.code, main.code),
    )
    return tuple(hospitals)


# The demo's 120 hospitals, in the order their codes are given.
DEMO_HOSPITALS: tuple[HospitalSeed, ...] = (
    PROVINCE_DIRECT_HOSPITALS
    + CAPITAL_HOSPITALS
    + DATONG_HOSPITALS
    + tuple(seed for city in CITIES[2:] for seed in _city_hospitals(city))
)


@dataclass(frozen=True)
class ProductSeed:
    variety_code: str
    generic_name: str
    dosage_form: str
    spec: str
    company: str
    bid_price: Decimal
    weighted_avg_price: Decimal
    annual_volume: int  # what a 三级甲等 hospital buys of the generic name in a year, in units of the spec


@dataclass(frozen=True)
class BatchSeed:
    code: str
    name: str
    kind: str
    category: str
    renewal: bool
    cycle_start: date
    cycle_end: date
    agreed_ratio: Decimal  # percent
    fill_deadline: datetime
    products: tuple[ProductSeed, ...]


def _products(prefix: str, rows: tuple[tuple, ...]) -> tuple[ProductSeed, ...]:
    return tuple(
        ProductSeed(f"{prefix}_{number}", name, form, spec, company, Decimal(bid), Decimal(average), volume)
        for number, (name, form, spec, company, bid, average, volume) in enumerate(rows, start=1)
    )


def _deadline(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 17, 30, tzinfo=BEIJING)


BATCHES: tuple[BatchSeed, ...] = (
    BatchSeed(
        "GJ-2019-01",
        "国家第一批集中带量采购",
        Batch.Kind.NATIONAL,
        Batch.Category.DRUG,
        False,
        date(2019, 12, 1),
        date(2024, 5, 31),
        Decimal("70.00"),
        _deadline(2027, 3, 31),
        _products(
            "GC1",
            (
                ("阿托伐他汀钙片", "片剂", "20mg", "北京嘉林药业股份有限公司", "0.9400", "7.5500", 300000),
                ("瑞舒伐他汀钙片", "片剂", "10mg", "浙江京新药业股份有限公司", "0.7800", "4.8600", 200000),
                ("硫酸氢氯吡格雷片", "片剂", "75mg", "深圳信立泰药业股份有限公司", "3.1800", "16.9600", 250000),
                ("苯磺酸氨氯地平片", "片剂", "5mg", "浙江京新药业股份有限公司", "0.1500", "2.1800", 400000),
                ("恩替卡韦分散片", "片剂", "0.5mg", "正大天晴药业集团股份有限公司", "0.6200", "10.5400", 120000),
                ("盐酸右美托咪定注射液", "注射剂", "2ml:0.2mg", "扬子江药业集团有限公司", "133.0000", "265.8800", 3000),
                ("蒙脱石散", "散剂", "3g", "先声药业有限公司", "0.5500", "1.9900", 60000),
                ("厄贝沙坦片", "片剂", "75mg", "浙江华海药业股份有限公司", "0.2000", "2.4000", 150000),
                ("氯沙坦钾片", "片剂", "50mg", "浙江华海药业股份有限公司", "0.7800", "3.6000", 120000),
                ("草酸艾司西酞普兰片", "片剂", "10mg", "四川科伦药业股份有限公司", "1.3600", "7.3000", 40000),
                ("吉非替尼片", "片剂", "250mg", "阿斯利康制药有限公司", "54.7000", "228.0000", 3000),
                ("孟鲁司特钠片", "片剂", "10mg", "杭州民生滨江制药有限公司", "3.0000", "5.4800", 50000),
            ),
        ),
    ),
    BatchSeed(
        "GJ-2020-03",
        "国家第三批集中带量采购",
        Batch.Kind.NATIONAL,
        Batch.Category.DRUG,
        False,
        date(2020, 11, 1),
        date(2024, 10, 31),
        Decimal("60.00"),
        _deadline(2027, 3, 31),
        _products(
            "GC3",
            (
                ("替格瑞洛片", "片剂", "90mg", "深圳信立泰药业股份有限公司", "1.6800", "6.9400", 60000),
                ("非布司他片", "片剂", "40mg", "江苏万邦生化医药集团有限责任公司", "1.2200", "4.6100", 50000),
                ("奥美拉唑肠溶胶囊", "胶囊剂", "20mg", "石药集团欧意药业有限公司", "0.1600", "1.5400", 200000),
                ("盐酸二甲双胍缓释片", "片剂", "0.5g", "石药集团欧意药业有限公司", "0.0900", "0.9600", 300000),
                ("坎地沙坦酯片", "片剂", "8mg", "江苏正大清江制药有限公司", "0.6600", "3.2000", 60000),
                ("苯磺酸左氨氯地平片", "片剂", "2.5mg", "施慧达药业集团（吉林）有限公司", "0.2400", "1.8300", 150000),
                ("盐酸氨溴索注射液", "注射剂", "2ml:15mg", "四川美大康华康药业有限公司", "0.9500", "6.7000", 80000),
                (
                    "注射用紫杉醇（白蛋白结合型）",
                    "注射剂",
                    "100mg",
                    "江苏恒瑞医药股份有限公司",
                    "747.0000",
                    "2680.0000",
                    500,
                ),
                ("曲美他嗪缓释片", "片剂", "35mg", "施维雅（天津）制药有限公司", "0.3000", "1.9500", 80000),
                ("来曲唑片", "片剂", "2.5mg", "浙江海正药业股份有限公司", "1.2200", "11.3500", 20000),
            ),
        ),
    ),
    BatchSeed(
        "SX-2021-01",
        "山西省第一批集中带量采购",
        Batch.Kind.PROVINCIAL,
        Batch.Category.DRUG,
        False,
        date(2021, 7, 1),
        date(2024, 6, 30),
        Decimal("50.00"),
        _deadline(2027, 3, 31),
        _products(
            "SX1",
            (
                ("注射用头孢曲松钠", "注射剂", "1.0g", "华北制药股份有限公司", "0.9800", "6.8500", 100000),
                ("注射用头孢呋辛钠", "注射剂", "0.75g", "山东罗欣药业集团股份有限公司", "1.8500", "8.2000", 80000),
                ("注射用泮托拉唑钠", "注射剂", "40mg", "山西普德药业有限公司", "3.8000", "18.6000", 60000),
                ("阿莫西林胶囊", "胶囊剂", "0.25g", "山西同达药业有限公司", "0.1200", "0.4800", 200000),
                ("盐酸左氧氟沙星注射液", "注射剂", "100ml:0.5g", "扬子江药业集团有限公司", "5.6000", "21.4000", 40000),
                ("复方氨基酸注射液（18AA）", "注射剂", "250ml:12.5g", "华瑞制药有限公司", "7.5000", "18.2000", 30000),
                ("注射用奥美拉唑钠", "注射剂", "40mg", "山西普德药业有限公司", "2.9000", "14.2000", 70000),
                ("葡萄糖酸钙注射液", "注射剂", "10ml:1g", "山西晋新双鹤药业有限责任公司", "0.7800", "1.6500", 50000),
                ("注射用炎琥宁", "注射剂", "80mg", "山西振东泰盛制药有限公司", "3.2000", "9.5000", 20000),
                ("硝苯地平控释片", "片剂", "30mg", "山西太原药业有限公司", "1.1800", "4.3000", 80000),
            ),
        ),
    ),
    BatchSeed(
        "GH-2021-01",
        "国家组织冠脉支架集中带量采购",
        Batch.Kind.NATIONAL,
        Batch.Category.CONSUMABLE,
        False,
        date(2021, 1, 1),
        date(2024, 12, 31),
        Decimal("80.00"),
        _deadline(2027, 3, 31),
        _products(
            "HC1",
            (
                ("冠脉支架", "", "钴铬合金雷帕霉素", "微创医疗器械（上海）有限公司", "590.0000", "13000.0000", 1200),
                ("冠脉支架", "", "钴铬合金雷帕霉素", "乐普（北京）医疗器械股份有限公司", "645.0000", "12900.0000", 900),
                ("冠脉支架", "", "铂铬合金依维莫司", "波士顿科学国际有限公司", "776.0000", "15100.0000", 500),
                ("冠脉支架", "", "钴铬合金依维莫司", "雅培贸易（上海）有限公司", "798.0000", "15800.0000", 400),
            ),
        ),
    ),
    BatchSeed(
        "GJ-2024-01JX",
        "国家第一批集中带量采购接续",
        Batch.Kind.NATIONAL,
        Batch.Category.DRUG,
        True,
        date(2024, 6, 1),
        date(2026, 5, 31),
        Decimal("70.00"),
        _deadline(2025, 4, 30),
        _products(
            "GC1JX",
            (
                ("阿托伐他汀钙片", "片剂", "20mg", "齐鲁制药有限公司", "0.5900", "7.5500", 300000),
                ("瑞舒伐他汀钙片", "片剂", "10mg", "南京正大天晴制药有限公司", "0.4300", "4.8600", 200000),
                ("硫酸氢氯吡格雷片", "片剂", "75mg", "乐普药业股份有限公司", "1.8000", "16.9600", 250000),
                ("苯磺酸氨氯地平片", "片剂", "5mg", "扬子江药业集团有限公司", "0.1200", "2.1800", 400000),
                ("恩替卡韦分散片", "片剂", "0.5mg", "江西青峰药业有限公司", "0.1900", "10.5400", 120000),
                ("蒙脱石散", "散剂", "3g", "博福-益普生（天津）制药有限公司", "0.6600", "1.9900", 60000),
                ("厄贝沙坦片", "片剂", "75mg", "江苏恒瑞医药股份有限公司", "0.1500", "2.4000", 150000),
                (
                    "盐酸右美托咪定注射液",
                    "注射剂",
                    "2ml:0.2mg",
                    "江苏恒瑞医药股份有限公司",
                    "99.0000",
                    "265.8800",
                    3000,
                ),
            ),
        ),
    ),
)

# More winning companies for the bench scale, where a generic name has several winners.
MORE_COMPANIES = (
    "齐鲁制药有限公司",
    "石药集团欧意药业有限公司",
    "华北制药股份有限公司",
    "扬子江药业集团有限公司",
    "江苏豪森药业集团有限公司",
    "四川科伦药业股份有限公司",
    "浙江华海药业股份有限公司",
    "正大天晴药业集团股份有限公司",
    "山西振东泰盛制药有限公司",
    "山西普德药业有限公司",
    "重庆药友制药有限责任公司",
    "鲁南制药集团股份有限公司",
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str  # a Role value
    display_name: str
    scope: str  # 数据范围, as the command prints it
    region: str | None = None  # region code
    hospital: str | None = None  # hospital name (unique among the demo hospitals)


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("demo_province", Role.PROVINCE, "山西省医保局演示员", "山西省（全省）", region="140000"),
    DemoAccount("demo_city", Role.CITY, "太原市医保局演示员", "太原市", region="140100"),
    DemoAccount("demo_city2", Role.CITY, "大同市医保局演示员", "大同市", region="140200"),
    DemoAccount("demo_district", Role.DISTRICT, "小店区医保局演示员", "太原市小店区", region="140105"),
    DemoAccount("demo_platform", Role.REMOTE_PLATFORM, "省内异地平台演示员", "省直属医疗机构", region="140000"),
    DemoAccount(
        "demo_hospital", Role.HOSPITAL, "小店区人民医院演示员", "太原市小店区人民医院", hospital="太原市小店区人民医院"
    ),
    DemoAccount(
        "demo_hospital2", Role.HOSPITAL, "大同市三院演示员", "大同市第三人民医院", hospital="大同市第三人民医院"
    ),
    DemoAccount("demo_sysadmin", Role.SYSTEM_ADMIN, "系统管理员（演示）", "账号与行政区划管理"),
    DemoAccount("demo_secadmin", Role.SECURITY_ADMIN, "安全管理员（演示）", "安全设置"),
    DemoAccount("demo_auditor", Role.AUDIT_ADMIN, "审计管理员（演示）", "操作日志与登录日志"),
)

# (username, role label, scope) of every demo account: what `manage.py load_demo` prints.
DEMO_ACCOUNT_TABLE: tuple[tuple[str, str, str], ...] = tuple(
    (account.username, Role(account.role).label, account.scope) for account in DEMO_ACCOUNTS
)
