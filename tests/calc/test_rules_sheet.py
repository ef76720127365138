"""A workbook that names its rule set (规则, as every output and 测算底稿 does) is computed under it."""

from pathlib import Path

import openpyxl

from vbp.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "seed-example.xlsx"


def total(path: Path):
    sheet = openpyxl.load_workbook(path, read_only=True)["汇总"]
    rows = list(sheet.iter_rows(values_only=True))
    return rows[1][rows[0].index("留用金额合计")]


def test_calc_of_an_output_workbook_keeps_its_rule_set_unless_told_otherwise(tmp_path, capsys):
    first, again, other = tmp_path / "first.xlsx", tmp_path / "again.xlsx", tmp_path / "other.xlsx"
    assert main(["calc", str(EXAMPLE), "-o", str(first), "--rules", "shanxi"]) == 0
    assert main(["calc", str(first), "-o", str(again)]) == 0
    assert "考核方案 shanxi" in capsys.readouterr().out
    assert total(again) == total(first) == -347835
    assert main(["calc", str(first), "-o", str(other), "--rules", "default"]) == 0
    assert total(other) == -347862.03


def test_an_input_without_a_rules_sheet_is_computed_under_default(tmp_path, capsys):
    assert main(["calc", str(EXAMPLE), "-o", str(tmp_path / "out.xlsx")]) == 0
    assert "考核方案 default" in capsys.readouterr().out
