"""The scheduler's timer job: fire every due BPMN timer, one instance per transaction."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from engine import audit
from engine.errors import Conflict, EngineError
from engine.models import ProcessInstance
from engine.runtime import Runtime


@dataclass
class TimerReport:
    """What one timer job did."""

    fired: list[int] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)


def fire_due(runtime: Runtime, now: datetime) -> TimerReport:
    """Fire the timers due at `now`; an instance another pass holds is skipped, a failing one is marked `error`."""
    report = TimerReport()
    after: tuple[datetime, int] | None = None
    while page := runtime.due_page(now, after=after):
        after = page[-1]
        for _, instance_id in page:
            try:
                if runtime.fire_timers(instance_id, due_by=now):
                    report.fired.append(instance_id)
            except Conflict:
                continue
            except EngineError as e:
                mark_failed(runtime.sessions, instance_id, str(e))
                report.failures.append({"instance_id": instance_id, "error": str(e)})
            except OperationalError as e:
                # A deadlock with a user's command or a dropped connection: the timer stays due and
                # the next pass tries again.
                report.failures.append({"instance_id": instance_id, "error": str(e.orig), "transient": True})
    return report


def mark_failed(sessions: sessionmaker[Session], instance_id: int, message: str) -> None:
    """Take an instance whose timer cannot run out of the timer queue until an administrator retries it."""
    with sessions.begin() as session:
        # Write first: on SQLite a transaction that reads before it writes can lose to a concurrent writer.
        session.execute(
            update(ProcessInstance).where(ProcessInstance.id == instance_id)
            .values(status="error", error=message, lock_version=ProcessInstance.lock_version + 1)
            .execution_options(synchronize_session=False))
        application_id = session.scalar(select(ProcessInstance.application_id).where(ProcessInstance.id == instance_id))
        audit.record(session, "timer_failed", instance_id=instance_id, application_id=application_id,
                     data={"error": message})
