"""The worked example of seed 000 §3.1 (docs/domain.md, docs/calculator.md)."""

from decimal import Decimal

from vbp.core.retention import ProductRow, compute_row
from vbp.presets import load_preset

SEED_ROW = ProductRow(
    score=Decimal(100),
    agreed_volume=Decimal(1500),
    base_volume=Decimal(3000),
    bid_price=Decimal("133.000"),
    weighted_avg_price=Decimal("129.397"),
    nonselected_amount=Decimal("1494450.000"),
    pay_ratio=Decimal(70),
)
SEED_VISITS = {
    "省直": 50000, "太原市": 20000, "运城市": 1000, "阳泉市": 2000, "忻州市": 1000, "朔州市": 111,
    "吕梁市": 2000, "临汾市": 1, "晋中市": 1, "晋城市": 1, "大同市": 1, "长治市": 1,
}  # fmt: skip


def test_shanxi_rules_give_the_seeds_minus_347835():
    result = compute_row(load_preset("shanxi"), SEED_ROW, SEED_VISITS, 100000)
    assert result.budget == Decimal("271733.7")
    assert result.actual_cost == Decimal("1185765")
    assert result.surplus == Decimal("-914031.3")
    assert result.retention_ratio == Decimal("0.50")
    assert result.total_share == Decimal("0.7611")
    assert result.retained_amount == Decimal("-347835")
    assert result.payable_amount == Decimal("-347835")


def test_default_rules_keep_full_share_precision_and_clip_negative_payable():
    result = compute_row(load_preset("default"), SEED_ROW, SEED_VISITS, 100000)
    assert result.total_share == Decimal("0.76116")
    assert str(result.retained_amount) == "-347862.03"
    assert result.payable_amount == 0


def test_shanxi_pools_split_the_rounded_amount_exactly():
    result = compute_row(load_preset("shanxi"), SEED_ROW, SEED_VISITS, 100000)
    assert sum(result.pool_amounts.values()) == result.retained_amount
    assert result.pool_amounts["省直"] == Decimal("-228508")
    # the five cities with a single visit are cut to a 0 share and get nothing
    assert all(result.pool_amounts[city] == 0 for city in ("临汾市", "晋中市", "晋城市", "大同市", "长治市"))


def test_truncating_the_share_is_what_yields_the_seed_figure():
    """76116/100000 cut to 0.7611 gives −347835; rounded half-up to 0.7612 it would be −347880."""
    visits = {"太原市": 76116}
    shanxi = load_preset("shanxi")
    assert compute_row(shanxi, SEED_ROW, visits, 100000).retained_amount == Decimal("-347835")
    rounded = shanxi.__class__(**{**shanxi.__dict__, "share_rounding": "half_up"})
    assert compute_row(rounded, SEED_ROW, visits, 100000).retained_amount == Decimal("-347880")
