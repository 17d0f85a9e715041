"""BPMN timers fire on time, once, even with several passes at once."""
from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

import time_machine
from sqlalchemy import func, select

from engine import operations
from engine.mailer import MailSettings
from engine.models import AuditEvent, HumanTask
from engine.runtime import Runtime
from engine.scheduling import run_pass
from engine.timers import fire_due
from tests.scheduler.support import china, tick

WAKE = china(date(2025, 11, 3), 8)  # a Monday


def _start(runtime: Runtime, key: str, n: int, wake: datetime = WAKE) -> list[int]:
    with time_machine.travel(wake - timedelta(days=2), tick=False):
        return [runtime.start_instance(key, {"wake_at": wake.isoformat()}) for _ in range(n)]


def _fired(runtime: Runtime) -> dict[int, int]:
    with runtime.sessions() as session:
        rows = session.execute(
            select(AuditEvent.instance_id, func.count()).where(AuditEvent.action == "timer_fired")
            .group_by(AuditEvent.instance_id)).tuples().all()
    return {instance_id: n for instance_id, n in rows if instance_id is not None}


def test_timer_fires_within_one_pass_of_its_time(runtime: Runtime, wake_up: str, settings: MailSettings) -> None:
    ids = _start(runtime, wake_up, 3)
    with runtime.sessions() as session:
        upcoming = operations.upcoming_timers(session, now=WAKE - timedelta(minutes=1))
    assert [t.instance_id for t in upcoming] == ids and not any(t.late for t in upcoming)
    assert upcoming[0].process_key == wake_up and upcoming[0].due_at > WAKE - timedelta(seconds=1)

    assert tick(runtime, settings, WAKE - timedelta(minutes=1)).timers_fired == 0
    report = tick(runtime, settings, WAKE + timedelta(minutes=1))
    assert report.timers_fired == 3 and sorted(report.timer_instances) == ids
    assert tick(runtime, settings, WAKE + timedelta(minutes=2)).timers_fired == 0
    with runtime.sessions() as session:
        tasks = session.scalars(select(HumanTask).where(HumanTask.instance_id.in_(ids))).all()
        assert [t.spec_name for t in tasks] == ["follow_up"] * 3
        assert operations.upcoming_timers(session) == []
    assert _fired(runtime) == dict.fromkeys(ids, 1)


def test_concurrent_passes_fire_each_timer_once(runtime: Runtime, wake_up: str, settings: MailSettings) -> None:
    ids = _start(runtime, wake_up, 24)
    reports: list[list[int]] = []
    barrier = threading.Barrier(4)

    def one_pass() -> None:
        barrier.wait()
        reports.append(fire_due(runtime, WAKE + timedelta(minutes=1)).fired)

    with time_machine.travel(WAKE + timedelta(minutes=1), tick=False):
        threads = [threading.Thread(target=one_pass) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    fired_by_passes = [i for fired in reports for i in fired]
    assert len(fired_by_passes) == len(set(fired_by_passes))  # no instance moved by two passes
    tick(runtime, settings, WAKE + timedelta(minutes=2))  # picks up any a busy SQLite made a pass skip
    assert _fired(runtime) == dict.fromkeys(ids, 1)
    if runtime.sessions.kw["bind"].dialect.name == "postgresql":
        assert sorted(fired_by_passes) == ids  # SKIP LOCKED: the passes shared the work out


def test_pass_report_is_one_json_line(runtime: Runtime, wake_up: str, settings: MailSettings) -> None:
    import json

    _start(runtime, wake_up, 1)
    with time_machine.travel(WAKE + timedelta(minutes=1), tick=False):
        line = run_pass(runtime.sessions, settings).line()
    assert "\n" not in line
    data = json.loads(line)
    assert data["event"] == "scheduler_pass" and data["timers_fired"] == 1
    assert set(data) >= {"reminders_queued", "mails_sent", "failures", "seconds"}


def test_due_instances_are_paged_in_time_order(runtime: Runtime, wake_up: str) -> None:
    ids = _start(runtime, wake_up, 3) + _start(runtime, wake_up, 2, WAKE - timedelta(hours=1))
    now = WAKE + timedelta(minutes=1)
    pages, after = [], None
    while page := runtime.due_page(now, limit=2, after=after):
        pages.append([i for _, i in page])
        after = page[-1]
    assert pages == [ids[3:5], ids[0:2], ids[2:3]]
    assert runtime.due_page(WAKE - timedelta(hours=2)) == []
