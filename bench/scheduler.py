"""Scheduler benchmark: one pass over 100,000 open tasks and 10,000 waiting timers.

Rows are inserted in bulk: timer instances are copies of real stored states (1 % of them due, the
rest weeks ahead); open tasks have due dates spread over the coming two months, with a realistic
share falling into today's reminder windows and a block of long-overdue tasks already reminded.
The pass runs the same three steps as `engine.scheduling.run_pass` — timers, reminders, mail to a
real SMTP server on loopback — timing each and counting the SQL statements sent to the database.
A second pass right after shows the steady state, where nothing is due.

    python -m bench.scheduler [--backends sqlite,postgresql] [--tasks 100000] [--timers 10000]

Small sizes work too (`--tasks 1 --timers 2`: the two timer templates are real instances, so
there are always at least two timers); a test runs it that way so that it keeps working.
"""
from __future__ import annotations

import argparse
import random
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import Engine, event, insert, select
from sqlalchemy.orm import Session, sessionmaker

from bench.engine import database
from bench.timer_process import timer_bpmn
from engine import calendar, outbox, reminders, repository
from engine.db import make_sessionmaker
from engine.mailer import MailSettings
from engine.models import HumanTask, ProcessInstance, Reminder
from engine.runtime import Runtime
from engine.scheduling import run_pass
from engine.timers import fire_due

NOW = datetime(2025, 11, 12, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Wednesday
T = TypeVar("T")


class QueryCounter:
    """Counts statements sent to the database (`before_cursor_execute`)."""

    def __init__(self, eng: Engine):
        self.count = 0
        event.listen(eng, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += 1


@dataclass
class Step:
    """One measured step."""

    name: str
    seconds: float
    queries: int
    result: str

    def line(self, backend: str) -> str:
        return f"{backend:10} {self.name:22} {self.seconds:8.2f} s {self.queries:8,d} queries   {self.result}"


def measure(counter: QueryCounter, name: str, action: Callable[[], T], describe: Callable[[T], str]) -> Step:
    before, started = counter.count, time.perf_counter()
    result = action()
    return Step(name, time.perf_counter() - started, counter.count - before, describe(result))


@contextmanager
def smtp_server() -> Iterator[str]:
    """A real SMTP server (aiosmtpd, discarding mail) in its own process, as a mail relay would be."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                               "-c", "aiosmtpd.handlers.Sink"])
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield f"smtp://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def _template(runtime: Runtime, key: str, wake: datetime) -> dict[str, Any]:
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        instance_id = runtime.start_instance(key, {"wake_at": wake.isoformat()})
    with runtime.sessions() as session:
        row = session.get(ProcessInstance, instance_id)
        assert row is not None
        return {"version_id": row.version_id, "status": "waiting", "state_json": row.state_json,
                "serializer_version": row.serializer_version, "next_timer_at": row.next_timer_at,
                "lock_version": 1, "created_at": NOW - timedelta(days=1), "updated_at": NOW - timedelta(days=1)}


def populate(sessions: sessionmaker[Session], tasks: int, timers: int, rng: random.Random) -> int:
    """Bulk-insert the timers and open tasks; returns how many timers are due at NOW."""
    runtime = Runtime(sessions)
    key, data = timer_bpmn("bench_wake_up")
    with sessions.begin() as session:
        repository.deploy(session, {f"{key}.bpmn": data}, fill_from_library=False)
    due_template = _template(runtime, key, NOW - timedelta(hours=1))
    later_template = _template(runtime, key, NOW + timedelta(days=30))
    due = max(1, timers // 100)
    # the two templates are real instances too: one due, one later
    rows = [dict(due_template) for _ in range(due - 1)]
    rows += [{**later_template, "next_timer_at": NOW + timedelta(minutes=rng.randint(5, 60 * 24 * 60))}
             for _ in range(timers - due - 1)]
    # holders: running instances the bulk tasks belong to (no timers, never touched by the pass)
    holders = [{**later_template, "status": "running", "next_timer_at": None} for _ in range(1000)]
    with sessions.begin() as session:
        _insert(session, ProcessInstance, rows)
        _insert(session, ProcessInstance, holders)
        holder_ids = list(session.scalars(select(ProcessInstance.id).where(ProcessInstance.status == "running")))
    today = calendar.china_date(NOW)
    task_rows = [_task(i, holder_ids[i % len(holder_ids)], _due(i, tasks, today, rng)) for i in range(tasks)]
    with sessions.begin() as session:
        _insert(session, HumanTask, task_rows)
    with sessions.begin() as session:
        # The long-overdue block (the first 1 %) was reminded and escalated on earlier days.
        old = list(session.scalars(select(HumanTask.id).order_by(HumanTask.id).limit(tasks // 100)))
        _insert(session, Reminder, [{"human_task_id": t, "kind": k, "created_at": NOW - timedelta(days=5)}
                                    for t in old for k in ("before_due", "due_today", "overdue", "escalation")])
    return due


def _insert(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """A bulk insert; nothing at all for no rows (an empty list would insert one row of defaults)."""
    if rows:
        session.execute(insert(model), rows)


@cache
def _working_day(today: date, n: int) -> date:
    return calendar.add_working_days(today, n) if n >= 0 else calendar.subtract_working_days(today, -n)


def _due(i: int, tasks: int, today: date, rng: random.Random) -> datetime:
    share = i / tasks
    if share < 0.01:  # overdue for weeks, already reminded
        day = today - timedelta(days=rng.randint(10, 40))
    elif share < 0.02:  # in today's "due soon" window
        day = _working_day(today, rng.randint(1, 3))
    elif share < 0.025:  # due today
        day = today
    elif share < 0.03:  # went overdue yesterday
        day = _working_day(today, -1)
    else:  # later on
        day = _working_day(today, rng.randint(4, 40))
    return calendar.end_of_day_utc(day)


def _task(i: int, instance_id: int, due_at: datetime) -> dict[str, Any]:
    return {"instance_id": instance_id, "application_id": None, "task_guid": f"bench-{i}", "spec_name": "follow_up",
            "title": f"基准任务{i}", "lane": "officer", "form_key": "rectification", "candidate_role": "officer",
            "scope": None, "assignee_id": None, "preassigned": False, "due_at": due_at, "state": "open",
            "created_at": NOW - timedelta(days=30)}


def run(eng: Engine, backend: str, tasks: int, timers: int) -> None:
    sessions = make_sessionmaker(eng)
    started = time.perf_counter()
    due = populate(sessions, tasks, timers, random.Random(4))
    print(f"{backend:10} inserted {tasks:,d} open tasks and {timers:,d} timer instances ({due:,d} due) "
          f"in {time.perf_counter() - started:.1f} s", flush=True)
    counter = QueryCounter(eng)
    with smtp_server() as url:
        settings = replace(MailSettings.from_env({}), smtp_url=url, budget_seconds=3600.0)
        with time_machine.travel(NOW, tick=True):
            now = NOW
            steps = [
                measure(counter, "timers", lambda: fire_due(Runtime(sessions), now),
                        lambda r: f"{len(r.fired):,d} fired, {len(r.failures)} failed"),
                measure(counter, "reminders", lambda: reminders.queue(sessions, settings, now),
                        lambda r: ", ".join(f"{k} {v:,d}" for k, v in r.items())),
                measure(counter, "mail", lambda: outbox.drain(sessions, settings, now),
                        lambda r: f"{r.sent:,d} sent, {r.failed + r.retrying + r.uncertain} not"),
            ]
            total = Step("pass (sum of steps)", sum(s.seconds for s in steps), sum(s.queries for s in steps),
                         f"{tasks:,d} open tasks, {timers:,d} waiting timers")
            for step in [*steps, total]:
                print(step.line(backend), flush=True)
            steady = measure(counter, "next pass (run_pass)", lambda: run_pass(sessions, settings, now + timedelta(
                minutes=1)), lambda r: f"{r.timers_fired} fired, {sum(r.reminders_queued.values())} reminders, "
                                       f"{r.mails_sent} mails")
            print(steady.line(backend), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--timers", type=int, default=10_000)
    args = parser.parse_args()
    for backend in args.backends.split(","):
        with database(backend) as eng:
            run(eng, backend, args.tasks, args.timers)


if __name__ == "__main__":
    main()
