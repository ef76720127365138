"""From stored rows to the core's inputs and back: every score here is computed by vbp.core.scoring.

Platform items take their inputs from the imported platform data; self-reported and
chosen items from the hospital's answers; a rejected item (驳回) counts 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from vbp.core import scoring
from vbp.core.rules import (
    ChoiceRule,
    ImportedRule,
    Item,
    NoneFoundRule,
    NotAboveRule,
    RateBandsRule,
    RuleSet,
)
from vbp.rulesets.services import rule_set_of

REVIEWED_SOURCES = ("self", "choice", "imported")  # what the hospital reports, so what the bureau reviews

# The platform data each platform input reads (PlatformRecord field), and the batch's agreed ratio.
PLATFORM_INPUTS = {
    "paid_within_30_days": "paid_30d_amount",
    "purchase_in_amount": "purchase_in_amount",
    "winning_volume": "winning_volume",
    "generic_total_volume": "generic_volume",
    "offline_amount": "offline_amount",
    "actual_purchase_amount": "drug_purchase_amount",
    "actual_volume": "winning_volume",
    "agreed_volume": "agreed_volume",
    "base_volume": "base_volume",
    "nonselected_volume": "nonselected_volume",
    "nonselected_amount": "nonselected_amount",
}

# Chinese labels of the inputs people see and type (seed 000 §1, docs/domain.md).
INPUT_LABELS = {
    "prepayment": "货款预付情况",
    "outpatient_drug_cost": "本年门诊次均药品费用（A，元）",
    "outpatient_drug_cost_last_year": "上年门诊次均药品费用（B，元）",
    "inpatient_drug_cost": "本年住院次均药品费用（C，元）",
    "inpatient_drug_cost_last_year": "上年住院次均药品费用（D，元）",
    "policy_violation_count": "执行集采政策违规行为（次）",
    "price_violation_count": "价格违规次数（次）",
    "circulation_violation_count": "集采中选药品不规范流转（次）",
    "paid_within_30_days": "30天内回款金额",
    "purchase_in_amount": "入库金额",
    "winning_volume": "中选产品采购量",
    "generic_total_volume": "同通用名产品采购总量",
    "offline_amount": "线下采购金额",
    "actual_purchase_amount": "实际药品采购金额",
    "actual_volume": "实际采购量",
    "agreed_volume": "约定采购量",
    "agreed_ratio": "约定采购比例",
}


@dataclass(frozen=True)
class Field:
    """One value a hospital enters for an item: a choice among options, or a number."""

    name: str
    label: str
    choices: tuple[str, ...] = ()
    integer: bool = False


def rule_set_for(assessment) -> RuleSet:
    return rule_set_of(assessment.rule_set)


def reviewed_items(rule_set: RuleSet, part: int) -> list[Item]:
    return [item for item in rule_set.items if item.part == part and item.source in REVIEWED_SOURCES]


def fields_of(item: Item) -> list[Field]:
    """What the hospital fills in for ``item``."""
    rule = item.rule
    match rule:
        case ChoiceRule():
            return [Field(rule.input, INPUT_LABELS.get(rule.input, item.name), tuple(rule.choices))]
        case NotAboveRule():
            names = [name for comparison in rule.comparisons for name in (comparison.value, comparison.limit)]
            return [Field(name, INPUT_LABELS.get(name, name)) for name in names]
        case NoneFoundRule():
            return [Field(rule.input, INPUT_LABELS.get(rule.input, item.name), integer=True)]
        case ImportedRule():
            return [Field(rule.input, f"{item.name}（满分 {item.points}）")]
        case RateBandsRule():
            return [Field(name, INPUT_LABELS.get(name, name)) for name in (rule.numerator, rule.denominator)]
    return []


def score_answer(item: Item, inputs: dict) -> Decimal:
    """The points the hospital's own answer earns (ScoringInputError names what is wrong)."""
    return scoring.score_item(item, inputs).points


def platform_inputs(record, batch) -> dict:
    """A product's platform data as core inputs; the agreed ratio as a fraction (70% → 0.7)."""
    values = {name: getattr(record, field) for name, field in PLATFORM_INPUTS.items()} if record else {}
    values["agreed_ratio"] = batch.agreed_ratio / 100
    return values


def assess_product(rule_set: RuleSet, part1_answers, product_answers, record, batch, bureau_score=None):
    """The core's assessment of one product, with rejected items at 0, and the bureau's score if imported.

    Returns (core Assessment, final score, ratio).
    """
    hospital_inputs, product_inputs, overrides = {}, platform_inputs(record, batch), {}
    for answer in part1_answers:
        hospital_inputs.update(answer.inputs)
        if answer.decision == answer.Decision.REJECT:
            overrides[answer.item] = Decimal(0)
    for answer in product_answers:
        product_inputs.update(answer.inputs)
        if answer.decision == answer.Decision.REJECT:
            overrides[answer.item] = Decimal(0)
    result = scoring.assess(rule_set, hospital_inputs, product_inputs, overrides=overrides)
    if bureau_score is None:
        return result, result.score, result.retention_ratio
    return result, bureau_score, scoring.ratio_for(rule_set, bureau_score, vetoed=result.vetoed)
