"""Loading rule sets: the shipped presets and RULES.json files."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from vbp.core.rules import RuleSet, RuleSetError, parse_rule_set

PRESETS = ("default", "shanxi", "wuhan", "shenzhen")


def load_preset(name: str) -> RuleSet:
    """A shipped rule set by id: default, shanxi, wuhan or shenzhen."""
    if name not in PRESETS:
        raise RuleSetError([f"没有名为 {name} 的预置考核方案（可选：{'、'.join(PRESETS)}）"])
    text = resources.files("vbp.core.presets").joinpath(f"{name}.json").read_text(encoding="utf-8")
    return parse_rule_set(json.loads(text))


def load_rule_set_file(path: Path) -> RuleSet:
    """A rule set from a JSON file, every problem reported with its path."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"), parse_float=str)
    except FileNotFoundError:
        raise RuleSetError([f"{path}: 文件不存在"]) from None
    except json.JSONDecodeError as error:
        raise RuleSetError(
            [f"{path}: 不是有效的 JSON（第 {error.lineno} 行第 {error.colno} 列：{error.msg}）"]
        ) from None
    return parse_rule_set(data)


def resolve_rule_set(name_or_path: str) -> RuleSet:
    """A preset by name, or a RULES.json file by path."""
    if name_or_path in PRESETS:
        return load_preset(name_or_path)
    return load_rule_set_file(Path(name_or_path))
