"""Rule sets are stored as versions: a change makes a new version, a stored version never changes."""

import copy

import pytest

from vbp.core.rules import RuleSetError
from vbp.presets import load_preset
from vbp.rulesets.models import RuleSetVersion
from vbp.rulesets.services import rule_set_of, save_rule_set

pytestmark = pytest.mark.django_db


def shanxi() -> dict:
    return copy.deepcopy(load_preset("shanxi").source)


def test_a_changed_rule_set_is_a_new_version_and_the_old_one_is_untouched():
    first = save_rule_set(shanxi())
    changed = shanxi()
    changed["amount_decimals"] = 2  # round amounts to fen, not yuan

    second = save_rule_set(changed)

    assert (first.version, second.version) == (1, 2)
    first.refresh_from_db()
    assert first.definition == shanxi()
    assert (rule_set_of(first).amount_decimals, rule_set_of(second).amount_decimals) == (0, 2)


def test_saving_the_same_rules_again_stores_nothing():
    assert save_rule_set(shanxi()) == save_rule_set(shanxi())
    assert RuleSetVersion.objects.count() == 1


def test_an_invalid_rule_set_is_refused_with_its_problems_and_not_stored():
    broken = shanxi()
    broken["ratio_cap"] = "1.5"
    with pytest.raises(RuleSetError):
        save_rule_set(broken)
    assert RuleSetVersion.objects.count() == 0
