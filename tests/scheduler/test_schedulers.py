"""Two `rootball scheduler` processes side by side: nothing fires or is sent twice; one takes over from the other.

Exactly one of them is active (PostgreSQL: the advisory lock; SQLite: a file lock next to the
database file) and the other takes over when the active one is killed.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import time_machine
from sqlalchemy import Engine, func, select

from engine import samples
from engine.mailer import MailSettings
from engine.models import AuditEvent, OutboxEmail, Reminder
from engine.runtime import Runtime
from engine.scenario import Scenario
from tests.scheduler.support import MailSink, china, cli_env, rootball

T0 = china(date(2025, 10, 20), 9)  # a Monday
WAIT = 120.0  # seconds: an upper bound on waiting for the subprocesses, never an expectation


class Running:
    """A scheduler subprocess and the JSON events it logged."""

    def __init__(self, proc: subprocess.Popen[str]):
        self.proc = proc
        self.events: list[dict[str, object]] = []
        self.raw: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.raw.append(line)
            if line.startswith("{"):
                self.events.append(json.loads(line))

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=WAIT)
        self.reader.join(timeout=WAIT)
        assert self.proc.stdout is not None
        self.proc.stdout.close()

    def logged(self, event: str) -> int:
        return sum(1 for e in list(self.events) if e.get("event") == event)


def _wait_for(condition: Callable[[], bool], what: str, procs: list[Running]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            logs = "\n".join("".join(p.raw[-20:]) for p in procs)
            raise AssertionError(f"timed out waiting for {what}; logs:\n{logs}")
        time.sleep(0.2)


def _fired(runtime: Runtime) -> dict[int, int]:
    with runtime.sessions() as session:
        rows = session.execute(
            select(AuditEvent.instance_id, func.count()).where(AuditEvent.action == "timer_fired")
            .group_by(AuditEvent.instance_id)).tuples().all()
    return {instance_id: n for instance_id, n in rows if instance_id is not None}


def _outbox(runtime: Runtime) -> dict[str, str]:
    with runtime.sessions() as session:
        return dict(session.execute(select(OutboxEmail.message_id, OutboxEmail.state)).tuples().all())


def _start_timers(runtime: Runtime, key: str, n: int) -> list[int]:
    with time_machine.travel(T0 - timedelta(minutes=2), tick=False):
        return [runtime.start_instance(key, {"wake_at": (T0 - timedelta(minutes=1)).isoformat()}) for _ in range(n)]


def test_two_schedulers_never_double_and_one_takes_over(
        db_engine: Engine, runtime: Runtime, play: Scenario, calls: dict[str, int], wake_up: str,
        sink: MailSink, settings: MailSettings) -> None:
    first_timers = _start_timers(runtime, wake_up, 12)
    with time_machine.travel(china(date(2025, 9, 24), 10), tick=False):
        for _ in range(3):  # due Sep 30: overdue and escalated on Oct 20
            app_id = play.start(calls["T4"], "founder")
            play.do(app_id, "application_form", "founder", samples.application("T4", city="柳州市"))

    env = cli_env(db_engine, settings, ROOTBALL_MAIL_LEASE="5")
    args = ["scheduler", "--interval", "1", "--lock-retry", "0.3", "--now", T0.isoformat()]
    procs = [Running(rootball(args, env)), Running(rootball(args, env))]
    try:
        _wait_for(lambda: set(_fired(runtime)) >= set(first_timers) and len(_outbox(runtime)) == 6
                  and set(_outbox(runtime).values()) == {"sent"}, "the first round of work", procs)
        leaders = [p for p in procs if p.logged("leader_acquired")]
        assert len(leaders) == 1
        (leader,) = leaders
        survivor = procs[1 - procs.index(leader)]
        _wait_for(lambda: survivor.logged("standby") == 1, "the standby to say so", procs)
        assert survivor.logged("scheduler_pass") == 0

        leader.proc.send_signal(signal.SIGKILL)
        leader.proc.wait(timeout=WAIT)
        passes = survivor.logged("scheduler_pass")
        later_timers = _start_timers(runtime, wake_up, 6)
        # the pass logs its line after its last step, so wait for the line as well as the fired timers
        _wait_for(lambda: set(_fired(runtime)) >= set(later_timers) and survivor.logged("scheduler_pass") > passes,
                  "the survivor to fire new timers", procs)
        assert survivor.logged("leader_acquired") == 1

        survivor.proc.send_signal(signal.SIGTERM)
        assert survivor.proc.wait(timeout=WAIT) == 0
        survivor.reader.join(timeout=WAIT)
        assert survivor.logged("scheduler_stopped") == 1
    finally:
        for p in procs:
            p.close()

    assert _fired(runtime) == dict.fromkeys(first_timers + later_timers, 1)
    ids = sink.message_ids()
    assert len(ids) == len(set(ids)) == 6
    assert set(ids) == set(_outbox(runtime))
    with runtime.sessions() as session:
        kinds = session.execute(select(Reminder.kind, func.count()).group_by(Reminder.kind)).tuples().all()
    assert dict(kinds) == {"overdue": 3, "escalation": 3}


def test_a_second_scheduler_on_one_sqlite_file_stands_by(tmp_path: Path, sqlite_template: Path) -> None:
    database = tmp_path / "rootball.db"
    shutil.copy(sqlite_template, database)
    env = {**os.environ, "ROOTBALL_DATABASE_URL": f"sqlite:///{database}", "PYTHONUNBUFFERED": "1",
           "ROOTBALL_SMTP_URL": ""}
    args = ["scheduler", "--interval", "0.5", "--lock-retry", "0.3"]
    first = Running(rootball(args, env))
    procs = [first]
    try:
        _wait_for(lambda: first.logged("scheduler_pass") >= 1, "the first scheduler's pass", procs)
        lock = tmp_path / "rootball.db.scheduler.lock"
        assert lock.read_text().strip() == str(first.proc.pid)
        second = Running(rootball(args, env))
        procs.append(second)
        _wait_for(lambda: second.logged("standby") == 1, "the second to stand by", procs)
        passes = first.logged("scheduler_pass")
        _wait_for(lambda: first.logged("scheduler_pass") >= passes + 3, "three more passes of the first", procs)
        assert second.logged("leader_acquired") == 0 and second.logged("scheduler_pass") == 0
        first.proc.send_signal(signal.SIGTERM)
        assert first.proc.wait(timeout=WAIT) == 0
        _wait_for(lambda: second.logged("scheduler_pass") >= 1, "the second to take over", procs)
        assert second.logged("leader_acquired") == 1 and lock.read_text().strip() == str(second.proc.pid)
    finally:
        for p in procs:
            p.close()
