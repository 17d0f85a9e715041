"""The scheduler: one pass (timers, reminders, mail) and the long-running process with its leader lock.

Every step of a pass is idempotent and guarded row by row (timer rows locked with SKIP LOCKED and
`lock_version`, reminders by their unique key, outbox rows by claims), so two passes at once do
no harm. The leader lock only keeps several `rootball scheduler` processes from doing the same
work: on PostgreSQL exactly one holds a session advisory lock on a dedicated connection, on a
SQLite file a file lock next to it; the others retry every `lock_retry` seconds and take over
when the holder's connection (or process) goes away.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import signal
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session, sessionmaker

from engine import outbox, reminders
from engine.db import make_sessionmaker
from engine.mailer import MailSettings
from engine.models import utcnow
from engine.runtime import Runtime
from engine.timers import fire_due
from engine.versioning import moving

log = logging.getLogger("rootball.scheduler")
MIGRATION_SECONDS = 20  # a large migration moves this long per pass, so timers and mail still run on time
LOCK_KEY = 0x526F6F74  # "Root": the advisory lock key every Rootball scheduler competes for


@dataclass
class PassReport:
    """What one scheduler pass did; `line()` is the structured log line."""

    now: str
    timers_fired: int = 0
    timer_instances: list[int] = field(default_factory=list)
    timer_failures: list[dict[str, Any]] = field(default_factory=list)
    reminders_queued: dict[str, int] = field(default_factory=dict)
    mails_sent: int = 0
    mails_retrying: int = 0
    mails_failed: int = 0
    mails_uncertain: int = 0
    mail_disabled: bool = False
    mail_errors: list[str] = field(default_factory=list)
    instances_migrated: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failures(self) -> int:
        """Timer failures, mails that failed, went uncertain or wait for a retry, and broken steps."""
        return (len(self.timer_failures) + self.mails_failed + self.mails_uncertain + self.mails_retrying
                + len(self.errors))

    def as_dict(self) -> dict[str, Any]:
        """The report as plain data, with the failure total."""
        return {"event": "scheduler_pass", **asdict(self), "failures": self.failures}

    def line(self) -> str:
        """One JSON line."""
        return json.dumps(self.as_dict(), ensure_ascii=False)


@contextmanager
def _step(report: PassReport, name: str) -> Iterator[None]:
    # One broken step (say, the database briefly gone) must not stop the others; the next pass retries.
    try:
        yield
    except Exception as e:
        log.debug("scheduler step %s failed", name, exc_info=True)
        report.errors.append(f"{name}: {type(e).__name__}: {e}")


def run_pass(sessions: sessionmaker[Session], settings: MailSettings | None = None,
             now: datetime | None = None) -> PassReport:
    """Fire due timers, queue due reminders, then send due mail, all as of `now`."""
    now = now or utcnow()
    settings = settings or MailSettings.from_env()
    started = time.perf_counter()
    report = PassReport(now=now.isoformat())
    with _step(report, "timers"):
        timers = fire_due(Runtime(sessions), now)
        report.timers_fired, report.timer_instances = len(timers.fired), timers.fired
        report.timer_failures = timers.failures
    with _step(report, "reminders"):
        report.reminders_queued = reminders.queue(sessions, settings, now)
    with _step(report, "migrations"):
        report.instances_migrated = moving.work(Runtime(sessions), seconds=MIGRATION_SECONDS)
    with _step(report, "mail"):
        mail = outbox.drain(sessions, settings, now)
        report.mails_sent, report.mails_retrying, report.mails_failed = mail.sent, mail.retrying, mail.failed
        report.mails_uncertain, report.mail_disabled, report.mail_errors = mail.uncertain, mail.disabled, mail.errors
    report.seconds = round(time.perf_counter() - started, 3)
    return report


class LeaderLock:
    """Leadership among scheduler processes, held for as long as the process (or its connection) lives.

    On PostgreSQL: a session advisory lock on a dedicated connection. On a SQLite file: an exclusive
    `flock` on a lock file next to the database file, so a second scheduler on the same file waits
    as a standby; the operating system releases it when the holder exits, however it exits. An
    in-memory SQLite database belongs to one process, so its lock is always granted.
    """

    def __init__(self, eng: Engine, key: int = LOCK_KEY):
        self.eng = eng
        self.key = key
        self.held = False
        self._conn: Connection | None = None
        self._file: IO[str] | None = None

    @property
    def shared(self) -> bool:
        """True when the database is shared between hosts and leadership has to be negotiated with the server."""
        return self.eng.dialect.name == "postgresql"

    @property
    def lock_file(self) -> Path | None:
        """The file a SQLite database's schedulers lock (None for PostgreSQL or an in-memory database)."""
        database = self.eng.url.database if self.eng.dialect.name == "sqlite" else None
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        real = Path(os.path.realpath(database))
        return real.with_name(real.name + ".scheduler.lock")

    def acquire(self) -> bool:
        """Try once to become the leader; True when this process is (or already was) the leader."""
        if self.held:
            return self.check()
        if not self.shared:
            return self._acquire_file()
        try:
            if self._conn is None:
                self._conn = self.eng.connect().execution_options(isolation_level="AUTOCOMMIT")
            self.held = bool(self._conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}))
        except Exception:
            self._drop()
            raise
        return self.held

    def _acquire_file(self) -> bool:
        path = self.lock_file
        if path is None:
            self.held = True
            return True
        handle = path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        except BaseException:
            handle.close()
            raise
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n")  # for whoever wonders which process holds it
        handle.flush()
        self._file, self.held = handle, True
        return True

    def check(self) -> bool:
        """Whether leadership still holds (an advisory lock lives with its connection, a file lock with the process)."""
        if not self.held or not self.shared:
            return self.held
        try:
            assert self._conn is not None
            self._conn.execute(text("SELECT 1"))
        except Exception:
            self._drop()
        return self.held

    def release(self) -> None:
        """Give up leadership (closing the connection releases the lock on the server)."""
        if self._conn is not None and self.held:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            except Exception:
                log.debug("advisory unlock failed", exc_info=True)
        if self._file is not None:
            handle, self._file = self._file, None
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            handle.close()
        self._drop()

    def _drop(self) -> None:
        conn, self._conn, self.held = self._conn, None, False
        if conn is not None:
            try:
                conn.invalidate()
                conn.close()
            except Exception:
                log.debug("closing the lock connection failed", exc_info=True)


@dataclass(frozen=True)
class SchedulerSettings:
    """How often passes run and how often a standby scheduler asks for the leader lock (seconds)."""

    interval: float = 60.0
    lock_retry: float = 15.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SchedulerSettings:
        """`ROOTBALL_SCHEDULER_INTERVAL` and `ROOTBALL_SCHEDULER_LOCK_RETRY`, when set."""
        env = os.environ if env is None else env
        return cls(float(env.get("ROOTBALL_SCHEDULER_INTERVAL") or cls.interval),
                   float(env.get("ROOTBALL_SCHEDULER_LOCK_RETRY") or cls.lock_retry))


def _event(name: str, **fields: Any) -> None:
    log.info(json.dumps({"event": name, "pid": os.getpid(), **fields}, ensure_ascii=False))


class Scheduler:
    """`rootball scheduler`: APScheduler jobs for leadership and for the pass, until stopped."""

    def __init__(self, eng: Engine, settings: SchedulerSettings | None = None, mail: MailSettings | None = None):
        self.settings = settings or SchedulerSettings.from_env()
        self.mail = mail or MailSettings.from_env()
        self.sessions = make_sessionmaker(eng)
        self.lock = LeaderLock(eng)
        self._standby_logged = False
        self.aps = BlockingScheduler(timezone=UTC, executors={"default": ThreadPoolExecutor(2)},
                                     job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})

    def leadership(self) -> None:
        """Take the lock when free; notice when it is lost."""
        was = self.lock.held
        try:
            now_held = self.lock.acquire()
        except Exception as e:
            _event("leader_lock_error", error=f"{type(e).__name__}: {e}")
            now_held = False
        if now_held and not was:
            _event("leader_acquired", backend=self.lock.eng.dialect.name)
            self._standby_logged = False
            self.aps.modify_job("pass", next_run_time=datetime.now(UTC))
        elif was and not now_held:
            _event("leader_lost")
        elif not now_held and not self._standby_logged:
            _event("standby", retry_seconds=self.settings.lock_retry)
            self._standby_logged = True

    def run_pass(self) -> None:
        """One pass when leading; logs its report."""
        if not self.lock.held:
            return
        log.info(run_pass(self.sessions, self.mail).line())

    def run(self) -> None:
        """Block until SIGTERM or SIGINT."""
        self.aps.add_job(self.run_pass, IntervalTrigger(seconds=self.settings.interval), id="pass")
        self.aps.add_job(self.leadership, IntervalTrigger(seconds=self.settings.lock_retry), id="leadership",
                         next_run_time=datetime.now(UTC))
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: self.stop())
        _event("scheduler_started", interval=self.settings.interval, lock_retry=self.settings.lock_retry)
        try:
            self.aps.start()
        finally:
            self.lock.release()
            _event("scheduler_stopped")

    def stop(self) -> None:
        """Stop after the running jobs finish."""
        if self.aps.running:
            self.aps.shutdown(wait=False)
