"""The web system's calculation workbook (测算底稿): its own results, verified by --check, reproduced by vbp calc."""

import dataclasses
import io
from decimal import Decimal

import pytest

from vbp.calc import writer
from vbp.calc.workbook import write_calculation_workbook
from vbp.core.money import NumberFormatError
from vbp.core.retention import ProductRow, compute_row
from vbp.presets import load_preset

D = Decimal
SEED_VISITS = {
    "省直": 50000,
    "太原市": 20000,
    "运城市": 1000,
    "阳泉市": 2000,
    "忻州市": 1000,
    "朔州市": 111,
    "吕梁市": 2000,
    "临汾市": 1,
    "晋中市": 1,
    "晋城市": 1,
    "大同市": 1,
    "长治市": 1,
}  # fmt: skip  (seed 000 §3.1)
HOSPITALS = [
    {"hospital": "P001", "hospital_name": "山西省人民医院", "total_visits": 100000},  # province-direct: 12 pools
    {"hospital": "T002", "hospital_name": "太原市中心医院", "total_visits": 40000},
]
VISITS = [
    *({"hospital": "P001", "pool": pool, "visits": count} for pool, count in SEED_VISITS.items()),
    {"hospital": "T002", "pool": "太原市", "visits": 30001},
]
SEED_ROW = {
    "hospital": "P001", "hospital_name": "山西省人民医院", "batch": "国家第一批集中带量采购",
    "generic_name": "盐酸右美托咪定注射液", "spec": "2ml:0.2mg", "score": D(100), "agreed_volume": D(1500),
    "actual_volume": None, "base_volume": D(3000), "bid_price": D("133.000"), "weighted_avg_price": D("129.397"),
    "nonselected_amount": D("1494450.000"), "pay_ratio": 70, "renewal": False,
}  # fmt: skip
PRODUCTS = [
    SEED_ROW,  # seed 000 §3.1: a negative surplus, −347835 under shanxi
    {**SEED_ROW, "batch": "国家第一批集中带量采购（接续）", "renewal": True, "nonselected_amount": D(0)},
    {
        "hospital": "T002", "hospital_name": "太原市中心医院", "batch": "国家第三批集中带量采购",
        "generic_name": "阿托伐他汀钙片", "spec": "20mg*14片", "score": D("92.5"), "agreed_volume": D(1000),
        "actual_volume": D("999.5"), "base_volume": D(2000), "bid_price": D("0.620"), "weighted_avg_price": D("3.150"),
        "nonselected_amount": D("812.40"), "pay_ratio": D(75), "renewal": False,
    },  # vetoed: 实际采购量 below 约定采购量
    {
        "hospital": "T002", "hospital_name": None, "batch": "国家第三批集中带量采购", "generic_name": "氨氯地平片",
        "spec": None, "score": D(70), "agreed_volume": 800, "actual_volume": D(1200), "base_volume": 1500,
        "bid_price": D("0.15"), "weighted_avg_price": D("1.07"), "nonselected_amount": D("95.5"), "pay_ratio": 80,
    },  # ratio 40%; no name, no spec, no renewal key
]  # fmt: skip


def row_of(product):
    fields = ("score", "agreed_volume", "base_volume", "bid_price", "weighted_avg_price", "nonselected_amount")
    return ProductRow(
        **{name: D(product[name]) for name in fields},
        pay_ratio=D(product["pay_ratio"]),
        actual_volume=product["actual_volume"],
        renewal=product.get("renewal", False),
    )


def system_results(rule_set, products=PRODUCTS):
    """What the web system computes for each row: the core's compute_row."""
    totals = {hospital["hospital"]: hospital["total_visits"] for hospital in HOSPITALS}
    pools = {}
    for visit in VISITS:
        pools.setdefault(visit["hospital"], {})[visit["pool"]] = visit["visits"]
    return [compute_row(rule_set, row_of(p), pools[p["hospital"]], totals[p["hospital"]]) for p in products]


def written(tmp_path, rules, results=None, name="底稿.xlsx"):
    rule_set = load_preset(rules)
    path = tmp_path / name
    write_calculation_workbook(path, rule_set, PRODUCTS, HOSPITALS, VISITS, results or system_results(rule_set))
    return path


def shown(value) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


@pytest.mark.parametrize("rules", ["shanxi", "default"])
def test_the_workbook_of_the_systems_own_results_checks_clean(tmp_path, vbp, rules):
    result = vbp("calc", "--check", written(tmp_path, rules))

    assert result.code == 0, result.out
    assert "不一致 0 处" in result.out
    assert f"考核方案 {rules} v1" in result.out  # the rule set was taken from the workbook's 规则 sheet


@pytest.mark.parametrize("rules", ["shanxi", "default"])
def test_vbp_calc_on_the_workbook_gives_every_amount_the_system_gave(tmp_path, vbp_calc, read, rules):
    results = system_results(load_preset(rules))
    path = written(tmp_path, rules, results)

    book = vbp_calc(path, tmp_path / "again.xlsx", rules)

    rows = book.records("品种明细")
    assert [shown(row["留用金额"]) for row in rows] == [r.retained_amount for r in results]
    assert [shown(row["应留用金额"]) for row in rows] == [r.payable_amount for r in results]
    pools = [(pool["药品通用名"], pool["统筹区"], shown(pool["留用金额"])) for pool in book.records("分统筹区留用金额")]
    assert pools == [
        (product["generic_name"], pool, amount)
        for product, result in zip(PRODUCTS, results, strict=True)
        for pool, amount in result.pool_amounts.items()
    ]
    assert book.sheets == read(path).sheets  # the whole workbook, cell for cell, in the same order


def test_the_seed_row_the_renewal_row_and_the_vetoed_row_show_as_the_system_computed(tmp_path, read):
    book = read(written(tmp_path, "shanxi"))

    seed, renewal, vetoed, plain = book.records("品种明细")
    assert (seed["留用金额"], seed["应留用金额"], seed["参保患者使用量占比"]) == (-347835, -347835, 0.7611)
    assert seed["接续批次"] == "否"
    assert (renewal["接续批次"], renewal["结余留用比例"], renewal["留用金额"]) == ("是", 0, 0)
    assert (vetoed["否决"], vetoed["结余留用比例"], vetoed["留用金额"]) == ("是", 0, 0)
    assert vetoed["结余测算基数"] > 0
    assert plain["结余留用比例"] == 0.4
    assert (plain["医疗机构名称"], plain["规格"], plain["接续批次"]) == ("", "", "否")
    pools = book.records("分统筹区留用金额")
    seed_pools = {pool["统筹区"]: pool["留用金额"] for pool in pools if pool["带量批次"] == seed["带量批次"]}
    assert list(seed_pools) == list(SEED_VISITS)
    assert seed_pools["省直"] == -228508
    assert sum(seed_pools.values()) == -347835
    assert book.records("汇总")[0]["留用金额合计"] == -347835
    assert book.records("规则")[0] == {"项目": "考核方案", "值": "shanxi"}


def test_an_altered_amount_fails_the_check_naming_its_cell(tmp_path, vbp, read):
    results = system_results(load_preset("shanxi"))
    results[0] = dataclasses.replace(results[0], retained_amount=D(-347000))
    path = written(tmp_path, "shanxi", results)
    header = read(path).sheets["品种明细"][0]
    letter = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[header.index("留用金额")]

    result = vbp("calc", "--check", path)

    assert result.code == 1
    assert f"品种明细 第2行 {letter}（留用金额）列：表中为 -347000，重新计算为 -347835" in result.out
    assert "汇总 第2行 D（留用金额合计）列：表中为 -347000，重新计算为 -347835" in result.out


def test_a_file_object_gets_the_same_bytes_as_a_path(tmp_path):
    class Response:  # like an HTTP response: it can be written to, not sought
        def __init__(self):
            self.chunks = []

        def write(self, data):
            self.chunks.append(bytes(data))

    rule_set = load_preset("shanxi")
    results = system_results(rule_set)
    response, memory = Response(), io.BytesIO()

    write_calculation_workbook(response, rule_set, PRODUCTS, HOSPITALS, VISITS, results)
    write_calculation_workbook(memory, rule_set, PRODUCTS, HOSPITALS, VISITS, results)

    expected = written(tmp_path, "shanxi", results).read_bytes()
    assert b"".join(response.chunks) == expected
    assert memory.getvalue() == expected


def test_sheets_beyond_excels_rows_continue_and_still_check_and_reproduce(tmp_path, monkeypatch, vbp, vbp_calc, read):
    monkeypatch.setattr(writer, "EXCEL_MAX_ROWS", 4)  # 3 rows a sheet
    path = written(tmp_path, "shanxi")

    book = read(path)
    families = ("品种明细", "分统筹区留用金额", "规则")
    continued = {family: [name for name in book.sheets if name.startswith(family)] for family in families}
    assert continued == {
        "品种明细": ["品种明细", "品种明细2"],  # 4 rows
        "分统筹区留用金额": ["分统筹区留用金额", *(f"分统筹区留用金额{n}" for n in range(2, 10))],  # 2 × 12 + 2 rows
        "规则": ["规则", "规则2"],  # 5 rows
    }
    result = vbp("calc", "--check", path)
    assert result.code == 0, result.out
    assert vbp_calc(path, tmp_path / "again.xlsx", "shanxi").sheets == book.sheets


def test_a_float_is_refused(tmp_path):
    rule_set = load_preset("shanxi")
    products = [{**SEED_ROW, "bid_price": 133.0}]

    with pytest.raises(NumberFormatError):
        write_calculation_workbook(
            tmp_path / "x.xlsx", rule_set, products, HOSPITALS, VISITS, system_results(rule_set)[:1]
        )
    assert not (tmp_path / "x.xlsx").exists()


def test_results_must_match_the_product_rows(tmp_path):
    rule_set = load_preset("shanxi")
    results = system_results(rule_set)[:3]

    with pytest.raises(ValueError, match="4 product rows but 3 results"):
        write_calculation_workbook(tmp_path / "x.xlsx", rule_set, PRODUCTS, HOSPITALS, VISITS, results)
