"""Rule sets (考核方案) as data: items, vetoes, ratio bands and rounding settings.

A rule set is plain JSON-like data validated here into frozen dataclasses
(docs/domain.md, "Rule sets"). Every problem is reported at once, each with the
path of the offending value, so an administrator can fix a file in one pass.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from vbp.core.money import NumberFormatError, parse_decimal

PARTS = (1, 2)
SOURCES = {
    "platform": "平台提供",
    "self": "医疗机构自评",
    "choice": "医疗机构选择",
    "imported": "医保考核评分导入",
}
NEGATIVE_SURPLUS = {
    "keep": "测算结余为负时照常留用（可为负数）",
    "clip_product": "按品种取 max(0, 留用金额)",
    "net_hospital": "按医疗机构合计后取 max(0, 合计)",
}
SHARE_ROUNDING = ("down", "half_up")


class RuleSetError(ValueError):
    """A rule set that cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("考核方案有误：\n" + "\n".join(problems))


@dataclass(frozen=True)
class Band:
    """Points given when a measure is at least ``minimum`` or at most ``maximum``."""

    points: Decimal
    minimum: Decimal | None = None
    maximum: Decimal | None = None

    def holds(self, value: Fraction) -> bool:
        """Whether an exact measure falls in this band (bounds inclusive)."""
        if self.minimum is not None and value < Fraction(self.minimum):
            return False
        return not (self.maximum is not None and value > Fraction(self.maximum))


@dataclass(frozen=True)
class ChoiceRule:
    """The hospital picks one option; each option has its points (货款预付)."""

    choices: Mapping[str, Decimal]
    input: str


@dataclass(frozen=True)
class RateBandsRule:
    """numerator ÷ denominator scored by bands, the first band that holds wins.

    ``cap`` clips the rate (a 30-day rate above 100% counts as 100%);
    ``when_empty`` scores a zero denominator with a zero numerator (无入库).
    ``reference`` makes the bands relative: they compare ``rate − reference``
    (the winning-product share against the agreed ratio k, in fractions).
    """

    numerator: str
    denominator: str
    bands: tuple[Band, ...]
    otherwise: Decimal
    cap: Decimal | None = None
    when_empty: Decimal = Decimal(0)
    empty_note: str = ""
    reference: str | None = None


@dataclass(frozen=True)
class Comparison:
    value: str
    limit: str
    points: Decimal


@dataclass(frozen=True)
class NotAboveRule:
    """Points for each value not above its limit (药品费用增长率: A ≤ B, C ≤ D)."""

    comparisons: tuple[Comparison, ...]


@dataclass(frozen=True)
class NoneFoundRule:
    """Full points when the count of findings is zero, else none (违规行为)."""

    input: str


@dataclass(frozen=True)
class ImportedRule:
    """The score is given directly (self-score or the bureau's imported score)."""

    input: str


Rule = ChoiceRule | RateBandsRule | NotAboveRule | NoneFoundRule | ImportedRule


@dataclass(frozen=True)
class Item:
    code: str
    name: str
    part: int
    points: Decimal
    source: str
    rule: Rule
    attachment: str = ""  # the proof a self-report needs (卫生健康财务报表), if any


@dataclass(frozen=True)
class Veto:
    """No retention when numerator ÷ denominator is below ``minimum`` (一票否决)."""

    code: str
    name: str
    numerator: str
    denominator: str
    minimum: Decimal


@dataclass(frozen=True)
class RatioBand:
    min_score: Decimal
    ratio: Decimal


@dataclass(frozen=True)
class RuleSet:
    id: str
    version: int
    name: str
    ratio_bands: tuple[RatioBand, ...]
    ratio_cap: Decimal
    share_decimals: int | None
    share_rounding: str
    amount_decimals: int
    negative_surplus: str
    renewal_retains: bool
    items: tuple[Item, ...] = ()
    vetoes: tuple[Veto, ...] = ()
    fund_split: bool = False
    description: str = ""
    source: Mapping = field(default_factory=dict, compare=False, repr=False)

    @property
    def label(self) -> str:
        return f"{self.id} v{self.version}"

    def items_of_part(self, part: int) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.part == part)


class _Reader:
    """Reads values out of nested data, collecting every problem with its path."""

    def __init__(self):
        self.problems: list[str] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def get(self, data: Mapping, key: str, path: str, kind, default=..., required=True):
        if not isinstance(data, Mapping):
            self.problem(path, "应为对象")
            return None if default is ... else default
        if key not in data or (data[key] is None and default is not ...):
            if default is not ...:
                return default
            if required:
                self.problem(f"{path}.{key}", "缺少此项")
            return None
        value = data[key]
        here = f"{path}.{key}"
        if kind is Decimal:
            return self.decimal(value, here)
        if kind is int:
            if isinstance(value, bool) or not isinstance(value, int):
                self.problem(here, "应为整数")
                return None
            return value
        if kind is bool:
            if not isinstance(value, bool):
                self.problem(here, "应为 true 或 false")
                return None
            return value
        if kind is str:
            if not isinstance(value, str) or not value.strip():
                self.problem(here, "应为非空文本")
                return None
            return value
        if kind is list:
            if not isinstance(value, list):
                self.problem(here, "应为列表")
                return []
            return value
        if kind is dict:
            if not isinstance(value, Mapping):
                self.problem(here, "应为对象")
                return {}
            return value
        raise TypeError(kind)

    def decimal(self, value, path: str) -> Decimal | None:
        if isinstance(value, float):
            self.problem(path, '数值请写成文本（如 "0.5"），以免二进制浮点误差')
            return None
        try:
            return parse_decimal(value)
        except NumberFormatError as error:
            self.problem(path, f"应为数值（{error}）")
            return None


def _bands(reader: _Reader, raw_bands: list, path: str) -> tuple[Band, ...]:
    bands = []
    for index, raw in enumerate(raw_bands):
        here = f"{path}[{index}]"
        points = reader.get(raw, "points", here, Decimal)
        minimum = reader.get(raw, "min", here, Decimal, default=None)
        maximum = reader.get(raw, "max", here, Decimal, default=None)
        if minimum is None and maximum is None and isinstance(raw, Mapping):
            reader.problem(here, "应至少给出 min 或 max")
        if points is not None:
            bands.append(Band(points=points, minimum=minimum, maximum=maximum))
    return tuple(bands)


def _rule(reader: _Reader, raw: Mapping, path: str) -> Rule | None:
    kind = reader.get(raw, "kind", path, str)
    if kind == "choice":
        choices = reader.get(raw, "choices", path, dict)
        parsed = {name: reader.decimal(points, f"{path}.choices.{name}") for name, points in choices.items()}
        if not parsed:
            reader.problem(f"{path}.choices", "至少需要一个选项")
        return ChoiceRule(choices=parsed, input=reader.get(raw, "input", path, str))
    if kind == "rate_bands":
        return RateBandsRule(
            numerator=reader.get(raw, "numerator", path, str),
            denominator=reader.get(raw, "denominator", path, str),
            bands=_bands(reader, reader.get(raw, "bands", path, list), f"{path}.bands"),
            otherwise=reader.get(raw, "otherwise", path, Decimal, default=Decimal(0)),
            cap=reader.get(raw, "cap", path, Decimal, default=None),
            when_empty=reader.get(raw, "when_empty", path, Decimal, default=Decimal(0)),
            empty_note=reader.get(raw, "empty_note", path, str, default=""),
            reference=reader.get(raw, "reference", path, str, default=None),
        )
    if kind == "not_above":
        comparisons = []
        for index, entry in enumerate(reader.get(raw, "comparisons", path, list)):
            here = f"{path}.comparisons[{index}]"
            comparisons.append(
                Comparison(
                    value=reader.get(entry, "value", here, str),
                    limit=reader.get(entry, "limit", here, str),
                    points=reader.get(entry, "points", here, Decimal),
                )
            )
        return NotAboveRule(comparisons=tuple(comparisons))
    if kind == "none_found":
        return NoneFoundRule(input=reader.get(raw, "input", path, str))
    if kind == "imported":
        return ImportedRule(input=reader.get(raw, "input", path, str))
    if kind is not None:
        reader.problem(f"{path}.kind", "应为 choice、rate_bands、not_above、none_found 或 imported 之一")
    return None


def _max_points(rule: Rule, declared: Decimal) -> Decimal:
    """The most points a rule can give, to check against the item's declared points."""
    if isinstance(rule, ChoiceRule):
        return max((points for points in rule.choices.values() if points is not None), default=Decimal(0))
    if isinstance(rule, RateBandsRule):
        candidates = [band.points for band in rule.bands] + [rule.otherwise, rule.when_empty]
        return max(point for point in candidates if point is not None)
    if isinstance(rule, NotAboveRule):
        return sum((comparison.points or Decimal(0) for comparison in rule.comparisons), Decimal(0))
    return declared


def _item(reader: _Reader, raw: Mapping, path: str, seen: set[str]) -> Item | None:
    code = reader.get(raw, "code", path, str)
    if code in seen:
        reader.problem(f"{path}.code", f"编码 {code} 重复")
    seen.add(code)
    part = reader.get(raw, "part", path, int)
    if part is not None and part not in PARTS:
        reader.problem(f"{path}.part", "应为 1（落实集采政策）或 2（集采任务完成情况）")
    points = reader.get(raw, "points", path, Decimal)
    source = reader.get(raw, "source", path, str)
    if source is not None and source not in SOURCES:
        reader.problem(f"{path}.source", "应为 " + "、".join(SOURCES) + " 之一")
    rule = _rule(reader, reader.get(raw, "rule", path, dict), f"{path}.rule")
    if rule is not None and points is not None and _max_points(rule, points) > points:
        reader.problem(f"{path}.rule", f"规则最高可得 {_max_points(rule, points)} 分，超过此项分值 {points}")
    name = reader.get(raw, "name", path, str)
    attachment = reader.get(raw, "attachment", path, str, default="")
    if None in (code, name, part, points, source, rule):
        return None
    return Item(code=code, name=name, part=part, points=points, source=source, rule=rule, attachment=attachment)


def _veto(reader: _Reader, raw: Mapping, path: str) -> Veto | None:
    veto = Veto(
        code=reader.get(raw, "code", path, str),
        name=reader.get(raw, "name", path, str),
        numerator=reader.get(raw, "numerator", path, str),
        denominator=reader.get(raw, "denominator", path, str),
        minimum=reader.get(raw, "min", path, Decimal),
    )
    return None if None in vars(veto).values() else veto


def _ratio_bands(reader: _Reader, raw: Mapping, cap: Decimal | None) -> tuple[RatioBand, ...]:
    bands = []
    for index, entry in enumerate(reader.get(raw, "ratio_bands", "$", list)):
        here = f"$.ratio_bands[{index}]"
        min_score = reader.get(entry, "min_score", here, Decimal)
        ratio = reader.get(entry, "ratio", here, Decimal)
        if ratio is not None and not Decimal(0) <= ratio <= Decimal(1):
            reader.problem(f"{here}.ratio", "留用比例应在 0 到 1 之间（如 0.5 表示 50%）")
        elif ratio is not None and cap is not None and ratio > cap:
            reader.problem(f"{here}.ratio", f"留用比例 {ratio} 超过上限 {cap}")
        if min_score is not None and ratio is not None:
            bands.append(RatioBand(min_score=min_score, ratio=ratio))
    bands.sort(key=lambda band: band.min_score, reverse=True)
    for higher, lower in itertools.pairwise(bands):
        if higher.min_score == lower.min_score:
            reader.problem("$.ratio_bands", f"分数线 {higher.min_score} 重复")
        elif higher.ratio < lower.ratio:
            reader.problem("$.ratio_bands", f"得分 ≥ {higher.min_score} 的留用比例低于得分较低的档次")
    if not bands:
        reader.problem("$.ratio_bands", "至少需要一个档次")
    return tuple(bands)


def parse_rule_set(data: Mapping) -> RuleSet:
    """Validate rule-set data (parsed JSON) into a RuleSet, or raise RuleSetError."""
    reader = _Reader()
    if not isinstance(data, Mapping):
        raise RuleSetError(["$: 考核方案应为 JSON 对象"])
    cap = reader.get(data, "ratio_cap", "$", Decimal)
    if cap is not None and not Decimal(0) < cap <= Decimal(1):
        reader.problem("$.ratio_cap", "上限应大于 0 且不超过 1")
    share_decimals = reader.get(data, "share_decimals", "$", int, default=None)
    if share_decimals is not None and not 0 <= share_decimals <= 10:
        reader.problem("$.share_decimals", "应为 0 到 10 的整数，或 null 表示全精度")
    share_rounding = reader.get(data, "share_rounding", "$", str, default="down")
    if share_rounding not in SHARE_ROUNDING:
        reader.problem("$.share_rounding", "应为 down（截断）或 half_up（四舍五入）")
    amount_decimals = reader.get(data, "amount_decimals", "$", int)
    if amount_decimals is not None and not 0 <= amount_decimals <= 4:
        reader.problem("$.amount_decimals", "应为 0 到 4 的整数")
    negative = reader.get(data, "negative_surplus", "$", str)
    if negative is not None and negative not in NEGATIVE_SURPLUS:
        reader.problem("$.negative_surplus", "应为 " + "、".join(NEGATIVE_SURPLUS) + " 之一")
    version = reader.get(data, "version", "$", int)
    if version is not None and version < 1:
        reader.problem("$.version", "版本号应为正整数")
    seen: set[str] = set()
    items = [
        _item(reader, raw, f"$.items[{index}]", seen)
        for index, raw in enumerate(reader.get(data, "items", "$", list, default=[]))
    ]
    vetoes = [
        _veto(reader, raw, f"$.vetoes[{index}]")
        for index, raw in enumerate(reader.get(data, "vetoes", "$", list, default=[]))
    ]
    rule_set = RuleSet(
        id=reader.get(data, "id", "$", str),
        version=version,
        name=reader.get(data, "name", "$", str),
        description=reader.get(data, "description", "$", str, default=""),
        ratio_bands=_ratio_bands(reader, data, cap),
        ratio_cap=cap,
        share_decimals=share_decimals,
        share_rounding=share_rounding,
        amount_decimals=amount_decimals,
        negative_surplus=negative,
        renewal_retains=reader.get(data, "renewal_retains", "$", bool),
        fund_split=reader.get(data, "fund_split", "$", bool, default=False),
        items=tuple(item for item in items if item is not None),
        vetoes=tuple(veto for veto in vetoes if veto is not None),
        source=dict(data),
    )
    if reader.problems:
        raise RuleSetError(reader.problems)
    return rule_set
