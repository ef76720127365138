"""The audit log is append-only: the application refuses to change or delete an event, and so does PostgreSQL."""

import pytest
from django.db import DatabaseError, connection, transaction

from vbp.audit.models import AuditEvent, AuditLogIsAppendOnly
from vbp.audit.services import Kind, record_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return record_login(Kind.LOGIN_FAILED, username="intruder", message="登录失败")


def test_saving_an_existing_event_again_is_refused(event):
    event.username = "someone-else"
    with pytest.raises(AuditLogIsAppendOnly, match="只能追加"):
        event.save()
    assert AuditEvent.objects.get().username == "intruder"


def test_deleting_an_event_is_refused(event):
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()
    assert AuditEvent.objects.count() == 1


def test_updating_or_deleting_through_a_queryset_is_refused(event):
    attempts = [
        lambda: AuditEvent.objects.filter(pk=event.pk).update(username="someone-else"),
        lambda: AuditEvent.objects.all().delete(),
        lambda: AuditEvent.objects.bulk_update([event], ["username"]),
        lambda: AuditEvent.objects.update_or_create(pk=event.pk, defaults={"username": "someone-else"}),
    ]
    for attempt in attempts:
        # each in its own savepoint: a refusal inside Django's atomic blocks breaks the transaction around it
        with pytest.raises(AuditLogIsAppendOnly), transaction.atomic():
            attempt()
    assert AuditEvent.objects.get().username == "intruder"


def test_new_events_can_still_be_added_in_bulk(event):
    AuditEvent.objects.bulk_create([AuditEvent(kind=Kind.OTHER, message="一"), AuditEvent(kind=Kind.OTHER)])
    assert AuditEvent.objects.count() == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the refusing trigger exists on PostgreSQL only")
@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_auditevent SET username = 'someone-else'", "DELETE FROM audit_auditevent"],
    ids=["update", "delete"],
)
def test_postgresql_refuses_raw_updates_and_deletes(event, statement):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEvent.objects.get().username == "intruder"
