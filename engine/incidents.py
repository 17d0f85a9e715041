"""Incidents: process code that failed at run time, kept with where, why and how often until it runs again.

The failed command itself is rolled back; the incident is written in a transaction of its own. An
incident from the scheduler takes its instance out of the timer queue (status `error`) until an
administrator retries it; any later successful save of the instance resolves its incidents.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from engine import audit
from engine.errors import ScriptFailure
from engine.models import Incident, ProcessInstance, utcnow

ORIGINS = {"scheduler": "定时任务", "command": "用户操作", "retry": "管理员重试"}


@dataclass(frozen=True)
class Where:
    """Which instance, application and version a failure happened in, as far as known."""

    instance_id: int | None = None
    application_id: int | None = None
    version_id: int | None = None


def locate(failure: ScriptFailure, where: Where) -> ScriptFailure:
    """Fill in where a failure happened, unless already known."""
    if failure.instance_id is None and failure.version_id is None:
        failure.instance_id, failure.application_id, failure.version_id = (
            where.instance_id, where.application_id, where.version_id)
    return failure


def record(sessions: sessionmaker[Session], failure: ScriptFailure, origin: str) -> int:
    """Write (or count again) the open incident for this instance and element; returns its id."""
    now = utcnow()
    with sessions.begin() as session:
        if failure.instance_id is not None:
            if failure.application_id is None:
                failure.application_id = session.scalar(
                    select(ProcessInstance.application_id).where(ProcessInstance.id == failure.instance_id))
            # Write first: on SQLite a transaction that reads before it writes can lose to a concurrent writer.
            values: dict[str, object] = {"error": str(failure)}
            if origin in ("scheduler", "retry"):  # out of the timer queue until an administrator retries
                values.update(status="error", lock_version=ProcessInstance.lock_version + 1)
            session.execute(update(ProcessInstance).where(ProcessInstance.id == failure.instance_id).values(**values)
                            .execution_options(synchronize_session=False))
        incident = session.scalar(select(Incident).where(
            Incident.instance_id == failure.instance_id, Incident.version_id == failure.version_id,
            Incident.element_id == failure.element_id, Incident.resolved_at.is_(None)))
        if incident is None:
            incident = Incident(instance_id=failure.instance_id, application_id=failure.application_id,
                                version_id=failure.version_id, element_id=failure.element_id[:200],
                                element_name=failure.element_name[:200], origin=origin, error=failure.reason,
                                first_seen=now, last_seen=now, attempts=1)
            session.add(incident)
        else:
            incident.attempts += 1
            incident.last_seen, incident.error, incident.origin = now, failure.reason, origin
        audit.record(session, "incident", instance_id=failure.instance_id, application_id=failure.application_id,
                     task_name=failure.element_id or None,
                     data={"origin": origin, "element": failure.element_name, "error": failure.reason})
        session.flush()
        return incident.id


def resolve_open(session: Session, instance: ProcessInstance, actor_id: int | None) -> None:
    """Close the instance's open incidents: it has just been saved without failing."""
    closed = session.execute(
        update(Incident).where(Incident.instance_id == instance.id, Incident.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolved_by=actor_id).execution_options(synchronize_session=False))
    instance.error = None
    if getattr(closed, "rowcount", 0):
        audit.record(session, "incident_resolved", actor_id=actor_id, instance_id=instance.id,
                     application_id=instance.application_id)


def open_incidents(session: Session, limit: int = 200) -> list[Incident]:
    """Unresolved incidents, most recently seen first."""
    return list(session.scalars(select(Incident).where(Incident.resolved_at.is_(None))
                                .order_by(Incident.last_seen.desc(), Incident.id.desc()).limit(limit)).all())
