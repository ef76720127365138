"""The self-assessment form (自评填报): a row per reported item (per product for Part 2), its inputs, and the
answers read back from a POST through ``AnswersForm`` (one bounded text field per input, and the version the page
showed), each checked by the core's own scorer so a mistake is named beside its input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vbp.assessment import rule_text, scoring
from vbp.assessment.models import Answer
from vbp.core.rules import ChoiceRule, Item
from vbp.core.scoring import ScoringInputError
from vbp.ui.forms import CONTROL, Form, TextField, VersionField

CELL_LENGTH = 50  # an input is a choice or a number: nothing longer is either
# A number as a clerk writes it: digits (thousands may be grouped with commas), at most one point; nothing Python
# alone would read (1e30, NaN, ², full-width digits).
PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?")
MAX_INTEGER_DIGITS = 15  # 999 trillion: beyond any count or amount per visit


@dataclass
class Cell:
    """One input of an item: its form field name, what the user typed or saved, and what is wrong with it."""

    name: str
    field: scoring.Field
    value: str = ""
    error: str = ""
    choices: tuple[str, ...] = ()


@dataclass
class AnswerRow:
    item: Item
    product: object | None  # a catalog Product for Part 2, None for Part 1
    rule: str
    cells: list[Cell]
    answer: Answer | None = None
    error: str = ""

    @property
    def key(self) -> tuple[str, int | None]:
        return (self.item.code, self.product.pk if self.product is not None else None)

    @property
    def blank(self) -> bool:
        return all(not cell.value.strip() for cell in self.cells)


def answer_rows(rule_set, part: int, answers: list[Answer], products=(None,)) -> list[AnswerRow]:
    """The rows of ``part`` for each of ``products`` (Part 1: the hospital itself), filled with saved answers."""
    saved = {(answer.item, answer.product_id): answer for answer in answers}
    rows = []
    for product in products:
        for item in scoring.reviewed_items(rule_set, part):
            answer = saved.get((item.code, product.pk if product is not None else None))
            prefix = f"{item.code}.{product.pk if product is not None else 0}"
            cells = []
            for spec in scoring.fields_of(item):
                value = str(answer.inputs.get(spec.name, "")) if answer else ""
                cells.append(Cell(f"{prefix}.{spec.name}", spec, value, choices=_ordered(item, spec.choices)))
            rows.append(AnswerRow(item, product, rule_text.describe_item(item), cells, answer))
    return rows


class AnswersForm(Form):
    """保存 of the self-assessment page: a bounded text field per input of ``rows``, and the version it showed."""

    version = VersionField()

    def __init__(self, rows: list[AnswerRow], data=None):
        super().__init__(data)
        self.rows = rows
        for row in rows:
            for cell in row.cells:
                self.fields[cell.name] = TextField(label=cell.field.label, max_length=CELL_LENGTH, required=False)

    @property
    def stale(self) -> str:
        """What is wrong with the version, if anything (then nothing else matters: the page is out of date)."""
        return self.errors["version"][0] if "version" in self.errors else ""

    def answers(self) -> dict:
        """Put the posted values into the rows and return the answers to save, ``{(item, product id): inputs}``.

        A row left wholly blank is not saved (a draft may be saved in parts); a row with any
        value must be complete and valid. Problems are put on the cells; the caller checks ``problems(rows)``.
        """
        self.is_valid()
        answers = {}
        for row in self.rows:
            for cell in row.cells:
                if cell.name in self.errors:
                    cell.value, cell.error = _as_typed(self.data.get(cell.name, "")), self.errors[cell.name][0]
                else:
                    cell.value = self.cleaned_data.get(cell.name, "")
            if any(cell.error for cell in row.cells):
                continue
            if row.blank:
                continue
            inputs = {cell.field.name: cell.value for cell in row.cells}
            if _check_cells(row) and _check_with_core(row, inputs):
                answers[row.key] = inputs
        return answers


def _as_typed(value) -> str:
    """A refused value shown back in its input: what was typed, without control characters, not endlessly long."""
    return CONTROL.sub("", str(value))[: CELL_LENGTH * 4]


def problems(rows: list[AnswerRow]) -> list[str]:
    """Every problem found, as "item（product）：input message"."""
    found = []
    for row in rows:
        where = row.item.name + (f"（{row.product.generic_name}）" if row.product is not None else "")
        found += [f"{where}：{cell.field.label}{cell.error}" for cell in row.cells if cell.error]
        if row.error:
            found.append(f"{where}：{row.error}")
    return found


def _ordered(item: Item, choices: tuple[str, ...]) -> tuple[str, ...]:
    if isinstance(item.rule, ChoiceRule):
        return tuple(rule_text.choices_by_points(item.rule))
    return choices


def _check_cells(row: AnswerRow) -> bool:
    for cell in row.cells:
        if not cell.value:
            cell.error = "未填写"
        elif cell.field.integer:
            if not (cell.value.isascii() and cell.value.isdigit()):
                cell.error = "应为非负整数"
            elif len(cell.value.lstrip("0")) > MAX_INTEGER_DIGITS:
                cell.error = "数值过大"
        elif not cell.choices:
            if not PLAIN_NUMBER.fullmatch(cell.value):
                cell.error = "不是数字"
            elif len(cell.value.split(".")[0].lstrip("+-").replace(",", "").lstrip("0")) > MAX_INTEGER_DIGITS:
                cell.error = "数值过大"
    return not any(cell.error for cell in row.cells)


def _check_with_core(row: AnswerRow, inputs: dict) -> bool:
    try:
        scoring.score_answer(row.item, inputs)
    except ScoringInputError as error:
        message = str(error).removeprefix(f"{error.item}：{error.field} ")
        cell = next((cell for cell in row.cells if cell.field.name == error.field), None)
        if cell is None:
            row.error = message
        else:
            cell.error = message
        return False
    return True
