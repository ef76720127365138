"""Scoring the Shanxi items from raw inputs, at every band edge (docs/domain.md, Assessment)."""

from decimal import Decimal

import pytest

from vbp.core.scoring import ScoringInputError, assess, retention_ratio, score_item
from vbp.presets import load_preset

SHANXI = load_preset("shanxi")
ITEMS = {item.code: item for item in SHANXI.items}

FULL_HOSPITAL = {
    "prepayment": "完成",
    "outpatient_drug_cost": "100",
    "outpatient_drug_cost_last_year": "100",
    "inpatient_drug_cost": "2000",
    "inpatient_drug_cost_last_year": "2100",
    "policy_violation_count": 0,
    "price_violation_count": 0,
    "circulation_violation_count": 0,
}
FULL_PRODUCT = {
    "paid_within_30_days": "1000",
    "purchase_in_amount": "1000",
    "winning_volume": "700",
    "generic_total_volume": "1000",
    "agreed_ratio": "0.70",
    "offline_amount": "0",
    "actual_purchase_amount": "5000",
    "actual_volume": "1500",
    "agreed_volume": "1500",
}


def points(code, **inputs):
    return score_item(ITEMS[code], inputs).points


@pytest.mark.parametrize(
    ("paid", "expected"),
    [("1000", 20), ("1200", 20), ("800", 15), ("999.9", 15), ("799.9", 10), ("600", 10), ("400", 5), ("399.9", 0)],
)
def test_thirty_day_payment_rate_bands(paid, expected):
    assert points("payment_30d", paid_within_30_days=paid, purchase_in_amount="1000") == expected


def test_thirty_day_rate_just_below_eighty_percent_is_below():
    assert points("payment_30d", paid_within_30_days="79999999999", purchase_in_amount="100000000000") == 10


def test_no_purchase_in_amount_scores_full_and_says_no_stock_in():
    score = score_item(ITEMS["payment_30d"], {"paid_within_30_days": "0", "purchase_in_amount": "0"})
    assert score.points == 20
    assert score.note == "无入库"


@pytest.mark.parametrize(
    ("winning", "expected"),
    [("700", 30), ("800", 30), ("699.9", 20), ("600", 20), ("599.9", 10), ("500", 10), ("499.9", 0)],
)
def test_winning_share_bands_are_percentage_points_below_the_agreed_ratio(winning, expected):
    inputs = {"winning_volume": winning, "generic_total_volume": "1000", "agreed_ratio": "0.70"}
    assert points("winning_share", **inputs) == expected


def test_offline_share_scores_only_when_zero():
    assert points("offline_share", offline_amount="0", actual_purchase_amount="100") == 5
    assert points("offline_share", offline_amount="0.01", actual_purchase_amount="100") == 0


def test_prepayment_choices():
    assert [points("prepayment", prepayment=choice) for choice in ("完成", "部分完成", "未进行")] == [20, 10, 0]
    with pytest.raises(ScoringInputError, match="应为 完成、部分完成、未进行 之一"):
        points("prepayment", prepayment="全部")


def test_drug_cost_growth_gives_five_for_each_cost_not_above_last_year():
    base = {"outpatient_drug_cost_last_year": "100", "inpatient_drug_cost_last_year": "100"}
    assert points("drug_cost_growth", outpatient_drug_cost="100", inpatient_drug_cost="100", **base) == 10
    assert points("drug_cost_growth", outpatient_drug_cost="100.01", inpatient_drug_cost="99", **base) == 5
    assert points("drug_cost_growth", outpatient_drug_cost="101", inpatient_drug_cost="101", **base) == 0


def test_any_violation_loses_the_item():
    assert points("price_violations", price_violation_count=0) == 5
    assert points("price_violations", price_violation_count=1) == 0


def test_full_marks_are_one_hundred_and_give_half():
    result = assess(SHANXI, FULL_HOSPITAL, FULL_PRODUCT)
    assert (result.part1, result.part2, result.score) == (45, 55, 100)
    assert result.retention_ratio == Decimal("0.50")


def test_the_seed_example_zero_thirty_day_points_is_eighty_and_half():
    product = {**FULL_PRODUCT, "paid_within_30_days": "0"}
    result = assess(SHANXI, FULL_HOSPITAL, product)
    assert result.score == 80
    assert result.retention_ratio == Decimal("0.50")


def test_unfinished_agreed_volume_vetoes_whatever_the_score():
    result = assess(SHANXI, FULL_HOSPITAL, {**FULL_PRODUCT, "actual_volume": "1499.99"})
    assert result.score == 100
    assert result.vetoed
    assert result.retention_ratio == 0


def test_a_rejected_item_counts_zero():
    result = assess(SHANXI, FULL_HOSPITAL, FULL_PRODUCT, overrides={"prepayment": Decimal(0)})
    assert result.score == 80


@pytest.mark.parametrize(
    ("score", "ratio"),
    [("100", "0.50"), ("80", "0.50"), ("79.99", "0.40"), ("60", "0.40"), ("59.99", "0"), ("0", "0")],
)
def test_score_to_ratio_bands(score, ratio):
    assert retention_ratio(SHANXI, Decimal(score)) == Decimal(ratio)


@pytest.mark.parametrize(("score", "ratio"), [("80", "0.50"), ("75", "0.40"), ("65", "0.30"), ("59", "0")])
def test_four_band_example(score, ratio):
    assert retention_ratio(load_preset("shenzhen"), Decimal(score)) == Decimal(ratio)


def test_missing_input_names_item_and_field():
    with pytest.raises(ScoringInputError, match="30天回款率：purchase_in_amount 缺少数据"):
        points("payment_30d", paid_within_30_days="1")


def test_wuhan_scores_are_imported_and_capped_at_item_points():
    wuhan = load_preset("wuhan")
    inputs = {item.code: str(item.points) for item in wuhan.items}
    assert assess(wuhan, {}, inputs).score == 100
    with pytest.raises(ScoringInputError, match="超过此项满分"):
        assess(wuhan, {}, {**inputs, "offline_share": "16"})
