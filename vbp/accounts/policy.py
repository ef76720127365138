"""The bounds of the security settings (等保 2.0 level 3, as assessors read GB/T 22239-2019 §8.1.4.1).

The security administrator may make the system stricter than the defaults, never laxer than
these bounds: the form, the service and the model's validators all read this one table.
"""

from __future__ import annotations

from typing import NamedTuple

from django.core.validators import MaxValueValidator, MinValueValidator


class Bound(NamedTuple):
    low: int
    high: int
    default: int
    why: str


BOUNDS: dict[str, Bound] = {
    "lockout_failures": Bound(3, 5, 5, "连续登录失败 3～5 次即锁定（登录失败处理）"),
    "lockout_minutes": Bound(10, 1440, 15, "锁定不少于 10 分钟"),
    "password_min_length": Bound(8, 64, 8, "口令长度不少于 8 位"),
    "password_history": Bound(3, 24, 5, "新口令不得与最近至少 3 次的口令相同"),
    "password_max_age_days": Bound(30, 90, 90, "口令至多 90 天更换一次"),
    "idle_minutes": Bound(5, 30, 30, "无操作至多 30 分钟自动退出（会话超时）"),
    "api_token_days": Bound(1, 90, 90, "接口令牌至多 90 天有效，与口令有效期一致"),
}


def validators(name: str) -> list:
    bound = BOUNDS[name]
    return [
        MinValueValidator(bound.low, f"不得小于 {bound.low}（{bound.why}）"),
        MaxValueValidator(bound.high, f"不得大于 {bound.high}（{bound.why}）"),
    ]


def out_of_bounds(values: dict) -> dict[str, str]:
    """Field name → the Chinese reason, for every value outside its bound."""
    problems = {}
    for name, value in values.items():
        bound = BOUNDS.get(name)
        if bound is None or value is None:
            continue
        if not bound.low <= value <= bound.high:
            problems[name] = f"应在 {bound.low}～{bound.high} 之间（{bound.why}）"
    return problems
