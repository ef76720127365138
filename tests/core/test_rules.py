"""Rule sets are data, validated with every problem named (docs/domain.md, Rule sets)."""

import json

import pytest

from vbp.core.rules import RuleSetError, parse_rule_set
from vbp.presets import PRESETS, load_preset, load_rule_set_file


@pytest.mark.parametrize("name", PRESETS)
def test_presets_load_with_id_and_version(name):
    rule_set = load_preset(name)
    assert rule_set.id == name
    assert rule_set.version >= 1
    assert rule_set.ratio_cap <= 1


def test_shanxi_items_total_one_hundred():
    assert sum(item.points for item in load_preset("shanxi").items) == 100
    assert sum(item.points for item in load_preset("wuhan").items) == 100


def test_every_problem_is_reported_at_once_with_its_path():
    data = dict(load_preset("shanxi").source)
    data.update(ratio_cap="0.4", amount_decimals=9, negative_surplus="sometimes")
    data["ratio_bands"] = [{"min_score": "80", "ratio": "0.5"}, {"min_score": "x", "ratio": "0.4"}]
    with pytest.raises(RuleSetError) as caught:
        parse_rule_set(data)
    problems = "\n".join(caught.value.problems)
    assert "$.ratio_bands[0].ratio: 留用比例 0.5 超过上限 0.4" in problems
    assert "$.ratio_bands[1].min_score: 应为数值" in problems
    assert "$.amount_decimals: 应为 0 到 4 的整数" in problems
    assert "$.negative_surplus" in problems


def test_an_item_whose_rule_gives_more_than_its_points_is_refused():
    data = dict(load_preset("shanxi").source)
    item = json.loads(json.dumps(data["items"][0]))
    item["points"] = "10"
    data["items"] = [item]
    with pytest.raises(RuleSetError, match="最高可得 20 分，超过此项分值 10"):
        parse_rule_set(data)


def test_float_numbers_are_refused_in_rule_files(tmp_path):
    data = dict(load_preset("default").source)
    data["ratio_cap"] = 0.5
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    # numbers in a file are read as exact text, so a plain 0.5 there is fine
    assert str(load_rule_set_file(path).ratio_cap) == "0.5"
    with pytest.raises(RuleSetError, match="二进制浮点"):
        parse_rule_set(data)


def test_a_broken_json_file_names_line_and_column(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text('{"id": "x",\n  "version": }', encoding="utf-8")
    with pytest.raises(RuleSetError, match="第 2 行"):
        load_rule_set_file(path)
