"""What the scheduler admin page shows and does: upcoming timers, the outbox, failures, retries.

Read functions take the request's session; commands take the session factory and run in their
own transaction, are allowed to administrators only, and are audited.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engine import audit, outbox
from engine.errors import Conflict, NotAllowed, NotFound
from engine.models import Application, Incident, OutboxEmail, ProcessInstance, ProcessVersion, User, utcnow
from engine.runtime import TIMED_STATUSES, Runtime


@dataclass(frozen=True)
class UpcomingTimer:
    """An instance waiting for a BPMN timer (publicity end, contract deadline, midterm …)."""

    instance_id: int
    process_key: str
    application_id: int | None
    application_title: str | None
    due_at: datetime
    late: bool
    """True when the time has passed and the next scheduler pass will fire it."""


def upcoming_timers(session: Session, limit: int = 50, now: datetime | None = None) -> list[UpcomingTimer]:
    """The next timers to fire across all running instances, soonest first."""
    now = now or utcnow()
    rows = session.execute(
        select(ProcessInstance.id, ProcessVersion.process_key, ProcessInstance.application_id, Application.title,
               ProcessInstance.next_timer_at)
        .join(ProcessVersion, ProcessVersion.id == ProcessInstance.version_id)
        .outerjoin(Application, Application.id == ProcessInstance.application_id)
        .where(ProcessInstance.next_timer_at.is_not(None), ProcessInstance.status.in_(TIMED_STATUSES))
        .order_by(ProcessInstance.next_timer_at, ProcessInstance.id).limit(limit)).all()
    return [UpcomingTimer(i, key, app_id, title, due, due <= now) for i, key, app_id, title, due in rows]


def outbox_counts(session: Session) -> dict[str, int]:
    """Number of outbox rows in each state (`pending`, `sending`, `sent`, `failed`, `uncertain`)."""
    counts = dict.fromkeys(outbox.STATES, 0)
    for state, n in session.execute(select(OutboxEmail.state, func.count()).group_by(OutboxEmail.state)).all():
        counts[state] = n
    return counts


def outbox_rows(session: Session, state: str | None = None, limit: int = 100, offset: int = 0) -> list[OutboxEmail]:
    """Outbox rows, newest first, optionally of one state."""
    stmt = select(OutboxEmail).order_by(OutboxEmail.created_at.desc(), OutboxEmail.id.desc())
    if state is not None:
        stmt = stmt.where(OutboxEmail.state == state)
    return list(session.scalars(stmt.limit(limit).offset(offset)).all())


def mail_failures(session: Session, limit: int = 100) -> list[OutboxEmail]:
    """Mail that needs an administrator: `failed` (gave up) and `uncertain` (may or may not have arrived)."""
    return list(session.scalars(
        select(OutboxEmail).where(OutboxEmail.state.in_(("failed", "uncertain")))
        .order_by(OutboxEmail.created_at.desc(), OutboxEmail.id.desc()).limit(limit)).all())


def _admin(session: Session, actor_id: int) -> User:
    actor = session.get(User, actor_id)
    if actor is None or not actor.active or not actor.has_role("admin"):
        raise NotAllowed("只有系统管理员可以执行此操作")
    return actor


def retry_mail(sessions: sessionmaker[Session], outbox_id: int, actor_id: int) -> OutboxEmail:
    """Queue a `failed` or `uncertain` mail again, with a fresh round of attempts.

    Resending an `uncertain` mail may deliver it twice; it keeps its Message-ID so mail clients
    can recognise the copy.
    """
    with sessions.begin() as session:
        actor = _admin(session, actor_id)
        row = session.get(OutboxEmail, outbox_id, with_for_update=True)
        if row is None:
            raise NotFound(f"邮件 {outbox_id} 不存在")
        if row.state not in ("failed", "uncertain"):
            raise Conflict("只有发送失败或状态不确定的邮件可以重发")
        audit.record(session, "mail_retry", actor_id=actor.id,
                     data={"outbox_id": row.id, "state": row.state, "to": row.to_addr, "attempts": row.attempts})
        row.state, row.attempts, row.next_try_at = "pending", 0, utcnow()
        return row


def mark_mail_sent(sessions: sessionmaker[Session], outbox_id: int, actor_id: int) -> OutboxEmail:
    """Record that an `uncertain` mail did arrive (the administrator checked), so it is never resent."""
    with sessions.begin() as session:
        actor = _admin(session, actor_id)
        row = session.get(OutboxEmail, outbox_id, with_for_update=True)
        if row is None:
            raise NotFound(f"邮件 {outbox_id} 不存在")
        if row.state != "uncertain":
            raise Conflict("只有状态不确定的邮件可以确认已送达")
        audit.record(session, "mail_confirmed", actor_id=actor.id, data={"outbox_id": row.id, "to": row.to_addr})
        row.state, row.sent_at = "sent", utcnow()
        return row


def retry_incident(runtime: Runtime, incident_id: int, actor_id: int) -> bool:
    """Run the instance's pending work again (due timers, engine steps); True when a timer fired.

    Success resolves the instance's incidents; another failure counts as an attempt and is raised.
    """
    with runtime.sessions.begin() as session:
        actor = _admin(session, actor_id)
        incident = _open_incident(session, incident_id)
        if incident.instance_id is None:
            raise Conflict("申报发起时出现的异常无法重试：请修正流程并部署新版本，再标记为已处理")
        instance_id = incident.instance_id
        audit.record(session, "incident_retry", actor_id=actor.id, instance_id=instance_id,
                     application_id=incident.application_id, data={"incident_id": incident.id})
    return runtime.fire_timers(instance_id, origin="retry")


def resolve_incident(sessions: sessionmaker[Session], incident_id: int, actor_id: int) -> Incident:
    """Close an incident by hand (the administrator dealt with it another way)."""
    with sessions.begin() as session:
        actor = _admin(session, actor_id)
        incident = _open_incident(session, incident_id)
        incident.resolved_at, incident.resolved_by = utcnow(), actor.id
        audit.record(session, "incident_resolved", actor_id=actor.id, instance_id=incident.instance_id,
                     application_id=incident.application_id, data={"incident_id": incident.id})
        return incident


def _open_incident(session: Session, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"运行异常 {incident_id} 不存在")
    if incident.resolved_at is not None:
        raise Conflict("该运行异常已处理")
    return incident
