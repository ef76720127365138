"""A rule-set item's rule in words (考核标准), as the pages show it beside the item: read from the rule set, never
written out by hand, so a page always says what the stored version scores.
"""

from __future__ import annotations

import re
from decimal import Decimal

from vbp.assessment.scoring import INPUT_LABELS
from vbp.core.rules import (
    Band,
    ChoiceRule,
    ImportedRule,
    Item,
    NoneFoundRule,
    NotAboveRule,
    RateBandsRule,
    Veto,
)


def label(name: str) -> str:
    """An input's Chinese name without its unit note: 本年门诊次均药品费用（A，元） → 本年门诊次均药品费用."""
    return re.sub(r"（[^）]*）$", "", INPUT_LABELS.get(name, name))


def points(value: Decimal) -> str:
    """20 → "20分", 2.50 → "2.5分"."""
    return f"{value.normalize():f}分"


def percent(value: Decimal) -> str:
    """A fraction as a percent without trailing zeros: 0.8 → 80%, -0.10 → -10%."""
    return f"{(value * 100).normalize():f}%"


def choices_by_points(rule: ChoiceRule) -> list[str]:
    """The options, most points first (完成, 部分完成, 未进行): PostgreSQL's jsonb keeps no key order."""
    return sorted(rule.choices, key=lambda choice: rule.choices[choice], reverse=True)


def describe_item(item: Item) -> str:
    """The scoring rule of ``item`` in the seeds' words, e.g. "A ≥ 100% 得20分；80% ≤ A < 100% …"."""
    rule = item.rule
    match rule:
        case ChoiceRule():
            return "；".join(f"{choice} {points(rule.choices[choice])}" for choice in choices_by_points(rule))
        case NotAboveRule():
            return "；".join(
                f"{label(comparison.value)} ≤ {label(comparison.limit)} 得{points(comparison.points)}"
                for comparison in rule.comparisons
            )
        case NoneFoundRule():
            return f"未发现（0 次）得{points(item.points)}；有查实的不得分"
        case ImportedRule():
            return f"按评分填报，0–{points(item.points)}"
        case RateBandsRule():
            return _describe_rate_bands(rule)
    return ""


def describe_veto(veto: Veto) -> str:
    return (
        f"{label(veto.numerator)} / {label(veto.denominator)} ≥ {percent(veto.minimum)}；"
        "未完成的一票否决，不予支付结余留用资金"
    )


def _describe_rate_bands(rule: RateBandsRule) -> str:
    parts = [f"A = {label(rule.numerator)} / {label(rule.denominator)}"]
    parts += [f"{_band(band, rule.reference)} 得{points(band.points)}" for band in rule.bands]
    parts.append(f"其余 {points(rule.otherwise)}")
    if rule.cap is not None:
        parts.append(f"A 超过 {percent(rule.cap)} 按 {percent(rule.cap)} 计")
    empty = f"（{rule.empty_note}）" if rule.empty_note else ""
    parts.append(f"{label(rule.denominator)}为 0{empty}得{points(rule.when_empty)}")
    return "；".join(parts)


def _band(band: Band, reference: str | None) -> str:
    if band.minimum is not None and band.maximum is not None:
        return f"{_threshold(band.minimum, reference)} ≤ A ≤ {_threshold(band.maximum, reference)}"
    if band.minimum is not None:
        return f"A ≥ {_threshold(band.minimum, reference)}"
    return f"A ≤ {_threshold(band.maximum, reference)}"


def _threshold(value: Decimal, reference: str | None) -> str:
    """A band bound; relative to the reference when there is one (约定采购比例 − 10%)."""
    if reference is None:
        return percent(value)
    if value == 0:
        return label(reference)
    return f"{label(reference)} {'−' if value < 0 else '+'} {percent(abs(value))}"
