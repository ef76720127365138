"""Scoring assessment items, the veto, and score → retention ratio.

Implements docs/domain.md "Assessment (考核)": Part 1 (one per hospital and
year) plus Part 2 (one per hospital × product) make the 综合得分; a veto
(一票否决) withholds retention whatever the score; bands turn the score into
the retention ratio, never above the cap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from vbp.core.money import NumberFormatError, parse_decimal
from vbp.core.rules import (
    ChoiceRule,
    ImportedRule,
    Item,
    NoneFoundRule,
    NotAboveRule,
    RateBandsRule,
    RuleSet,
    Veto,
)

ZERO = Decimal(0)


class ScoringInputError(ValueError):
    """An input an item needs is missing or not usable; names the item and input."""

    def __init__(self, item: str, field: str, message: str):
        self.item, self.field = item, field
        super().__init__(f"{item}：{field} {message}")


@dataclass(frozen=True)
class ItemScore:
    code: str
    name: str
    part: int
    points: Decimal
    measure: Decimal | None = None
    note: str = ""


@dataclass(frozen=True)
class VetoResult:
    code: str
    name: str
    vetoed: bool
    measure: Decimal | None


@dataclass(frozen=True)
class Assessment:
    items: tuple[ItemScore, ...]
    part1: Decimal
    part2: Decimal
    vetoes: tuple[VetoResult, ...]
    retention_ratio: Decimal

    @property
    def score(self) -> Decimal:
        """综合得分 = Part 1 + Part 2."""
        return self.part1 + self.part2

    @property
    def vetoed(self) -> bool:
        return any(veto.vetoed for veto in self.vetoes)


def _number(inputs: Mapping, field: str, item: str) -> Decimal:
    if inputs.get(field) is None:
        raise ScoringInputError(item, field, "缺少数据")
    try:
        value = parse_decimal(inputs[field])
    except NumberFormatError as error:
        raise ScoringInputError(item, field, str(error)) from None
    if value < 0:
        raise ScoringInputError(item, field, "不能为负数")
    return value


def _score_rate_bands(rule: RateBandsRule, item: Item, inputs: Mapping) -> ItemScore:
    numerator = _number(inputs, rule.numerator, item.name)
    denominator = _number(inputs, rule.denominator, item.name)
    if denominator == 0:
        if numerator != 0:
            raise ScoringInputError(item.name, rule.denominator, "为 0 而分子不为 0，数据不一致")
        return ItemScore(item.code, item.name, item.part, rule.when_empty, None, rule.empty_note)
    measure = Fraction(numerator) / Fraction(denominator)
    if rule.cap is not None:
        measure = min(measure, Fraction(rule.cap))
    compared = measure
    if rule.reference is not None:
        compared = measure - Fraction(_number(inputs, rule.reference, item.name))
    points = next((band.points for band in rule.bands if band.holds(compared)), rule.otherwise)
    return ItemScore(item.code, item.name, item.part, points, _display(measure))


def _display(measure: Fraction) -> Decimal:
    """A measure for display; comparisons use the exact Fraction, never this."""
    return Decimal(measure.numerator) / Decimal(measure.denominator)


def _score_choice(rule: ChoiceRule, item: Item, inputs: Mapping) -> ItemScore:
    choice = inputs.get(rule.input)
    if choice not in rule.choices:
        raise ScoringInputError(item.name, rule.input, "应为 " + "、".join(rule.choices) + " 之一")
    return ItemScore(item.code, item.name, item.part, rule.choices[choice], note=choice)


def _score_not_above(rule: NotAboveRule, item: Item, inputs: Mapping) -> ItemScore:
    points = sum(
        (
            comparison.points
            for comparison in rule.comparisons
            if _number(inputs, comparison.value, item.name) <= _number(inputs, comparison.limit, item.name)
        ),
        ZERO,
    )
    return ItemScore(item.code, item.name, item.part, points)


def _score_none_found(rule: NoneFoundRule, item: Item, inputs: Mapping) -> ItemScore:
    count = _number(inputs, rule.input, item.name)
    return ItemScore(item.code, item.name, item.part, item.points if count == 0 else ZERO, count)


def _score_imported(rule: ImportedRule, item: Item, inputs: Mapping) -> ItemScore:
    points = _number(inputs, rule.input, item.name)
    if points > item.points:
        raise ScoringInputError(item.name, rule.input, f"得分 {points} 超过此项满分 {item.points}")
    return ItemScore(item.code, item.name, item.part, points)


_SCORERS = {
    ChoiceRule: _score_choice,
    RateBandsRule: _score_rate_bands,
    NotAboveRule: _score_not_above,
    NoneFoundRule: _score_none_found,
    ImportedRule: _score_imported,
}


def score_item(item: Item, inputs: Mapping) -> ItemScore:
    """Score one item from its raw inputs (platform data, self-report or choice)."""
    return _SCORERS[type(item.rule)](item.rule, item, inputs)


def evaluate_veto(veto: Veto, inputs: Mapping) -> VetoResult:
    """Veto when numerator ÷ denominator < minimum; no agreed volume means no veto."""
    numerator = _number(inputs, veto.numerator, veto.name)
    denominator = _number(inputs, veto.denominator, veto.name)
    if denominator == 0:
        return VetoResult(veto.code, veto.name, False, None)
    measure = Fraction(numerator) / Fraction(denominator)
    return VetoResult(veto.code, veto.name, measure < Fraction(veto.minimum), _display(measure))


def retention_ratio(rule_set: RuleSet, score: Decimal) -> Decimal:
    """Score → retention ratio by the rule set's bands (≥ min_score), never above the cap."""
    ratio = next((band.ratio for band in rule_set.ratio_bands if score >= band.min_score), ZERO)
    return min(ratio, rule_set.ratio_cap)


def ratio_for(rule_set: RuleSet, score: Decimal, *, vetoed: bool) -> Decimal:
    """The retention ratio of a final score, none when vetoed (a bureau's imported 医保考核评分 goes here)."""
    return ZERO if vetoed else retention_ratio(rule_set, score)


def assess(
    rule_set: RuleSet,
    hospital_inputs: Mapping,
    product_inputs: Mapping,
    *,
    overrides: Mapping[str, Decimal] | None = None,
) -> Assessment:
    """Score every item, apply the vetoes, and give the retention ratio.

    ``hospital_inputs`` feed Part 1 items, ``product_inputs`` Part 2 items and
    vetoes. ``overrides`` replaces an item's points by code: a review that
    rejects an item (驳回) sets it to 0.
    """
    overrides = overrides or {}
    scores = []
    for item in rule_set.items:
        scored = score_item(item, hospital_inputs if item.part == 1 else product_inputs)
        if item.code in overrides:
            scored = ItemScore(item.code, item.name, item.part, overrides[item.code], scored.measure, scored.note)
        scores.append(scored)
    part1 = sum((score.points for score in scores if score.part == 1), ZERO)
    part2 = sum((score.points for score in scores if score.part == 2), ZERO)
    vetoes = tuple(evaluate_veto(veto, product_inputs) for veto in rule_set.vetoes)
    ratio = ratio_for(rule_set, part1 + part2, vetoed=any(veto.vetoed for veto in vetoes))
    return Assessment(tuple(scores), part1, part2, vetoes, ratio)
