"""Appends to the audit trail; every state change goes through `record`."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import AuditEvent, HumanTask, User, utcnow


def record(
    session: Session,
    action: str,
    *,
    actor_id: int | None = None,
    instance_id: int | None = None,
    application_id: int | None = None,
    task_name: str | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit event to the current transaction."""
    event = AuditEvent(
        action=action, actor_id=actor_id, instance_id=instance_id, application_id=application_id,
        task_name=task_name, data_diff=data, at=utcnow(),
    )
    session.add(event)
    return event


REVIEWER = "评审专家"


def history(session: Session, application_id: int, reveal_reviewers: bool = True) -> list[dict[str, Any]]:
    """An application's audit trail, oldest first, with actor names.

    Without `reveal_reviewers`, the people who worked tasks in the expert lane are shown only as
    评审专家: reviewers' identities stay with the Department.
    """
    masked: set[str] = set()
    if not reveal_reviewers:
        masked = set(session.scalars(select(HumanTask.spec_name).where(
            HumanTask.application_id == application_id, HumanTask.lane == "expert").distinct()).all())
    rows = session.execute(
        select(AuditEvent, User.display_name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.application_id == application_id)
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    return [
        {"at": e.at.isoformat(), "actor": REVIEWER if e.task_name in masked else (name or "系统"),
         "action": e.action, "task": e.task_name, "data": e.data_diff}
        for e, name in rows
    ]
