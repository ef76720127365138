"""The 职保/居保 split: its basis imported per hospital (dry run first, every bad row named), the parts adding up."""

import funding_steps as steps
import pytest

from vbp.catalog.models import Batch
from vbp.funding.models import AmountSheet, VisitReport
from vbp.platformdata import services as imports
from vbp.rulesets.models import RuleSetVersion
from vbp.rulesets.services import save_rule_set

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]
user = steps.user
HEADER = "考核年度,医疗机构编码,职工医保住院人次,城乡居民医保住院人次\n"


def run(content: str):
    job = imports.start_import(user("demo_province"), "fund_basis", "拆分依据.csv", content.encode(), background=False)
    if job.status == job.Status.PREVIEW:
        job = imports.confirm_import(user("demo_province"), job, background=False)
    return job


def splitting_batch() -> Batch:
    """The demo batch under a new version of its rule set that splits funds (as Wuhan's does)."""
    batch = Batch.objects.get(name=steps.BATCH)
    definition = {**batch.rule_set.definition, "fund_split": True}
    Batch.objects.filter(pk=batch.pk).update(rule_set=save_rule_set(definition))
    return Batch.objects.get(pk=batch.pk)


def test_bad_rows_are_named_and_nothing_is_written():
    hospital = user("demo_hospital").hospital
    job = run(HEADER + f"2024,{hospital.code},600,400\n2024,NOPE,1,1\n2024,{hospital.code},x,1\n")
    assert job.status == "refused"
    places = {(problem["row"], problem["message"].split("“")[0]) for problem in job.problems}
    assert (3, "没有医疗机构") in places and any(row == 4 for row, _ in places)
    assert not VisitReport.objects.filter(employee_basis__isnull=False).exists()


def test_the_split_adds_up_exactly_and_the_remainder_goes_to_the_larger_fund():
    batch = splitting_batch()
    hospital = user("demo_hospital").hospital
    assert run(HEADER + f"2024,{hospital.code},1,2\n").status == "done"
    steps.ready(hospital)
    sheet = AmountSheet.objects.get(hospital=hospital, batch=batch)
    assert RuleSetVersion.objects.get(pk=sheet.rule_set_id).definition["fund_split"] is True
    assert sheet.employee_amount + sheet.resident_amount == sheet.payable_total
    assert abs(sheet.employee_amount * 2 - sheet.resident_amount) <= 2  # 1 : 2, to the unit


def test_without_a_basis_the_amounts_wait_for_it():
    batch = splitting_batch()
    hospital = user("demo_hospital").hospital
    steps.ready(hospital)
    assert not AmountSheet.objects.filter(hospital=hospital, batch=batch).exists()
    with pytest.raises(steps.services.FundingRefused, match="职保、居保拆分依据未导入"):
        steps.services.confirm_sheet(user("demo_city"), hospital, batch, 2024, version=1)  # no sheet yet
