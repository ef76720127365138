"""The self-assessment form (自评填报): a row per reported item (per product for Part 2), its inputs, and the
answers read back from a POST, each checked by the core's own scorer so a mistake is named beside its input.
"""

from __future__ import annotations

from dataclasses import dataclass

from vbp.assessment import rule_text, scoring
from vbp.assessment.models import Answer
from vbp.core.money import NumberFormatError, parse_decimal
from vbp.core.rules import ChoiceRule, Item
from vbp.core.scoring import ScoringInputError


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
            cells = [
                Cell(f"{prefix}.{spec.name}", spec, str(answer.inputs.get(spec.name, "")) if answer else "",
                     choices=_ordered(item, spec.choices))
                for spec in scoring.fields_of(item)
            ]  # fmt: skip
            rows.append(AnswerRow(item, product, rule_text.describe_item(item), cells, answer))
    return rows


def read_answers(rows: list[AnswerRow], data) -> dict:
    """Put the posted values into ``rows`` and return the answers to save, ``{(item, product id): inputs}``.

    A row left wholly blank is not saved (a draft may be saved in parts); a row with any
    value must be complete and valid. Problems are put on the cells; the caller checks ``problems(rows)``.
    """
    answers = {}
    for row in rows:
        for cell in row.cells:
            cell.value = str(data.get(cell.name, "")).strip()
        if row.blank:
            continue
        inputs = {cell.field.name: cell.value for cell in row.cells}
        if _check_cells(row) and _check_with_core(row, inputs):
            answers[row.key] = inputs
    return answers


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
            try:
                number = parse_decimal(cell.value)
            except NumberFormatError:
                number = None
            if number is None or number < 0 or number != number.to_integral_value():
                cell.error = "应为非负整数"
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
