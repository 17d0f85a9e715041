"""Process code that fails on the scheduler's path leaves an incident; the pass carries on; retry resolves it."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from sqlalchemy import select

from bench.timer_process import timer_bpmn
from engine import incidents, operations, repository
from engine.errors import Conflict, NotAllowed, ScriptFailure
from engine.mailer import MailSettings
from engine.models import AuditEvent, HumanTask, Incident, ProcessInstance
from engine.runtime import Runtime
from tests.scheduler.support import china, tick

WAKE = china(date(2025, 11, 3), 8)  # a Monday
FIXED_AT = WAKE + timedelta(hours=2)
# Fails until FIXED_AT, then works: the stand-in for "the administrator fixed the cause".
SCRIPT = 'divisor = 0 if is_before(now_iso(), fixed_at) else 2\nratio = 1 / divisor'


def _deploy(runtime: Runtime, key: str, script: str) -> None:
    key, data = timer_bpmn(key, script=script)
    with runtime.sessions.begin() as session:
        repository.deploy(session, {f"{key}.bpmn": data}, fill_from_library=False)


def _start(runtime: Runtime, key: str, **data: object) -> int:
    with time_machine.travel(WAKE - timedelta(days=1), tick=False):
        return runtime.start_instance(key, {"wake_at": WAKE.isoformat(), **data})


def _open(runtime: Runtime) -> list[Incident]:
    with runtime.sessions() as session:
        return incidents.open_incidents(session)


def test_failing_timer_leaves_an_incident_and_the_pass_carries_on(
        runtime: Runtime, users: dict[str, int], settings: MailSettings) -> None:
    _deploy(runtime, "wake_fragile", SCRIPT)
    broken = _start(runtime, "wake_fragile", fixed_at=FIXED_AT.isoformat())
    healthy = _start(runtime, "wake_fragile", fixed_at=WAKE.isoformat())

    report = tick(runtime, settings, WAKE + timedelta(minutes=1))
    assert report.timer_instances == [healthy]  # the next instance's timer fired in the same pass
    assert [(f["instance_id"], f["element_id"]) for f in report.timer_failures] == [(broken, "after_wake")]
    (incident,) = _open(runtime)
    assert (incident.instance_id, incident.element_id, incident.element_name) == (broken, "after_wake", "到期处理")
    assert incident.origin == "scheduler" and incident.attempts == 1 and "除数为零" in incident.error
    with runtime.sessions() as session:
        instance = session.get(ProcessInstance, broken)
        assert instance is not None and instance.status == "error"
        # rolled back: the instance still waits at its timer, no task was created
        assert session.scalars(select(HumanTask).where(HumanTask.instance_id == broken)).all() == []

    assert tick(runtime, settings, WAKE + timedelta(minutes=2)).timer_failures == []  # set aside, not retried

    with time_machine.travel(WAKE + timedelta(minutes=3), tick=False), pytest.raises(ScriptFailure) as failed:
        operations.retry_incident(runtime, incident.id, users["admin"])
    assert failed.value.element_id == "after_wake"
    (again,) = _open(runtime)
    assert again.id == incident.id and again.attempts == 2 and again.origin == "retry"
    assert again.last_seen > again.first_seen

    with time_machine.travel(FIXED_AT + timedelta(minutes=1), tick=False):
        assert operations.retry_incident(runtime, incident.id, users["admin"]) is True
    assert _open(runtime) == []
    with runtime.sessions() as session:
        instance = session.get(ProcessInstance, broken)
        assert instance is not None and instance.status == "running" and instance.error is None
        assert [t.spec_name for t in session.scalars(select(HumanTask).where(HumanTask.instance_id == broken))] == [
            "follow_up"]
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.instance_id == broken)).all()
    assert actions.count("incident") == 2 and "incident_retry" in actions and "incident_resolved" in actions


def test_a_bomb_on_a_timer_path_ends_within_the_budget(runtime: Runtime, settings: MailSettings) -> None:
    _deploy(runtime, "wake_bomb", 'x = 9\nfor i in range(64):\n    x = x * x')
    bomb = _start(runtime, "wake_bomb")
    report = tick(runtime, settings, WAKE + timedelta(minutes=1))
    assert [f["instance_id"] for f in report.timer_failures] == [bomb]
    (incident,) = _open(runtime)
    assert incident.element_id == "after_wake" and "整数过大" in incident.error


def test_only_an_administrator_retries_and_a_closed_incident_cannot_be_retried(
        runtime: Runtime, users: dict[str, int], settings: MailSettings) -> None:
    _deploy(runtime, "wake_fragile", SCRIPT)
    _start(runtime, "wake_fragile", fixed_at=FIXED_AT.isoformat())
    tick(runtime, settings, WAKE + timedelta(minutes=1))
    (incident,) = _open(runtime)
    with pytest.raises(NotAllowed):
        operations.retry_incident(runtime, incident.id, users["officer"])
    operations.resolve_incident(runtime.sessions, incident.id, users["admin"])
    with pytest.raises(Conflict):
        operations.retry_incident(runtime, incident.id, users["admin"])
