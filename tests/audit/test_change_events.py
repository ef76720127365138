"""The services record what they change: imports (新增, 状态变更 with counts) and rule-set versions (新增)."""

import copy
import datetime
from decimal import Decimal

import pytest
from audit_helpers import hospitals_csv

from vbp.accounts.models import Role
from vbp.audit.models import AuditEvent
from vbp.audit.services import json_safe, record_change, snapshot
from vbp.platformdata import services
from vbp.platformdata.models import ImportJob
from vbp.presets import load_preset
from vbp.rulesets.services import save_rule_set

Kind = AuditEvent.Kind
HOSPITALS = hospitals_csv(["H001", "山西省人民医院", "太原市", "", "三级甲等", "省直", "是"])


def events_of(obj) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("id"))


def test_an_upload_is_recorded_as_new_with_its_file_name_and_hash(users):
    province = users[Role.PROVINCE]

    job = services.start_import(province, "hospitals", "医疗机构.csv", HOSPITALS, background=False)

    [created] = events_of(job)
    assert (created.kind, created.actor, created.username) == (Kind.CREATE, province, province.username)
    assert created.before is None
    assert created.after["file_name"] == "医疗机构.csv"
    assert created.after["sha256"] == job.sha256
    assert created.message == "上传医疗机构导入文件 医疗机构.csv"
    assert "content" not in created.after  # the file itself stays with the import record
    assert (created.object_text, created.object_type_label) == ("医疗机构.csv（校验中）", "导入记录")


def test_confirming_records_each_status_change_with_the_counts(users):
    province = users[Role.PROVINCE]
    job = services.start_import(province, "hospitals", "医疗机构.csv", HOSPITALS, background=False)

    job = services.confirm_import(province, job, background=False)

    assert job.status == ImportJob.Status.DONE
    _, confirmed, written = events_of(job)
    assert (confirmed.kind, confirmed.actor, confirmed.message) == (Kind.STATUS, province, "确认导入")
    assert (confirmed.before, confirmed.after) == ({"status": "preview"}, {"status": "importing"})
    assert (written.kind, written.actor) == (Kind.STATUS, province)
    assert written.before == {"status": "importing"}
    assert written.after == {
        "status": "done",
        "total_rows": 1,
        "rows_added": 1,
        "rows_changed": 0,
        "rows_unchanged": 0,
        "problems": 0,
    }
    assert written.message == "导入完成：新增 1 行，修改 0 行，未变 0 行"
    assert ("状态", "导入中", "已导入", True) in written.changes
    assert ("新增行数", "", 1, False) in written.changes


def test_a_write_by_the_background_worker_is_recorded_as_the_systems(users):
    province = users[Role.PROVINCE]
    job = services.start_import(province, "hospitals", "医疗机构.csv", HOSPITALS, background=False)
    job = services.confirm_import(province, job, background=True)  # the worker is not running in this test

    services.write(job)

    written = events_of(job)[-1]
    assert (written.actor, written.username, written.after["status"]) == (None, "", "done")


def test_cancelling_is_recorded_and_a_refused_cancel_records_nothing(users):
    province = users[Role.PROVINCE]
    job = services.start_import(province, "hospitals", "医疗机构.csv", HOSPITALS, background=False)

    services.cancel_import(province, job)
    with pytest.raises(services.ImportRefused):
        services.cancel_import(province, job)

    _, cancelled = events_of(job)
    assert (cancelled.kind, cancelled.message) == (Kind.STATUS, "取消导入")
    assert (cancelled.before, cancelled.after) == ({"status": "preview"}, {"status": "cancelled"})


def test_a_refused_import_records_nothing(users):
    with pytest.raises(services.ImportRefused):
        services.start_import(users[Role.CITY], "hospitals", "医疗机构.csv", HOSPITALS, background=False)
    assert not AuditEvent.objects.operations().exists()


def test_a_new_rule_set_version_is_recorded_with_the_previous_one_as_before(users):
    province = users[Role.PROVINCE]
    definition = copy.deepcopy(load_preset("shanxi").source)
    first = save_rule_set(definition, actor=province)
    changed = {**definition, "amount_decimals": 2}

    second = save_rule_set(changed, actor=province)
    save_rule_set(changed, actor=province)  # the same rules again: no new version, nothing to record

    [created_first] = events_of(first)
    assert created_first.before is None and created_first.after["version"] == 1
    [created_second] = events_of(second)
    assert (created_second.kind, created_second.actor) == (Kind.CREATE, province)
    assert created_second.before["version"] == 1 and created_second.before["definition"]["amount_decimals"] == 0
    assert created_second.after["version"] == 2 and created_second.after["definition"]["amount_decimals"] == 2
    assert created_second.message == "保存考核方案 shanxi 第 2 版"
    assert AuditEvent.objects.operations().count() == 2


def test_snapshots_keep_decimals_dates_and_times_exactly_as_text(users):
    user = users[Role.CITY]
    values = snapshot(user)
    assert values["username"] == user.username and values["region"] == user.region_id
    assert "password" not in values
    assert json_safe({"amount": Decimal("1494450.10"), "day": datetime.date(2024, 1, 31), "raw": b"abc"}) == {
        "amount": "1494450.10",
        "day": "2024-01-31",
        "raw": "3 bytes",
    }
    moment = datetime.datetime(2024, 5, 1, 8, 30, tzinfo=datetime.UTC)
    event = record_change(user, Kind.UPDATE, user, before={"at": moment}, after={"amount": Decimal("0.10")})
    event.refresh_from_db()
    assert (event.before, event.after) == ({"at": "2024-05-01T08:30:00+00:00"}, {"amount": "0.10"})
