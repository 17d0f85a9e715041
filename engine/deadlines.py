"""Administrators move deadlines: a call's closing time and an open task's due date, both audited.

A date picked in a form becomes a deadline with `calendar.end_of_day_utc(day)` (23:59:59 China time).

A due date set by hand is not counted again when the holiday calendar changes. Moving a task's due
date does not reset its reminders: each (task, kind) is still sent at most once, so a task already
reminded as overdue is not reminded again after an extension.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from engine import audit
from engine.errors import Conflict, FormInvalid, NotAllowed, NotFound, TaskConflict, TaskNotFound
from engine.models import Application, Call, HumanTask, User
from forms.inputs import text_problems


def _admin(session: Session, actor_id: int) -> User:
    actor = session.get(User, actor_id)
    if actor is None or not actor.active or not actor.has_role("admin"):
        raise NotAllowed("只有系统管理员可以调整期限")
    return actor


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("期限必须带时区")
    return moment


def change_call_deadline(sessions: sessionmaker[Session], call_id: int, closes_at: datetime, actor_id: int,
                         reason: str = "") -> Call:
    """Set a call's closing time (`Call.closes_at`); audited as `call_deadline_changed`."""
    closes_at = _aware(closes_at)
    with sessions.begin() as session:
        actor = _admin(session, actor_id)
        call = session.get(Call, call_id)
        if call is None:
            raise NotFound(f"申报批次 {call_id} 不存在")
        if closes_at <= call.opens_at:
            raise Conflict("截止时间必须晚于开始时间")
        before = call.closes_at
        call.closes_at = closes_at
        follow_call_deadline(session, call.id, before, closes_at)
        audit.record(session, "call_deadline_changed", actor_id=actor.id,
                     data={"call_id": call.id, "closes_at": [before.isoformat(), closes_at.isoformat()],
                           "reason": reason})
        return call


def follow_call_deadline(session: Session, call_id: int, before: datetime, after: datetime) -> int:
    """Open tasks of the call's applications that were due at the old closing time follow the new one."""
    apps = select(Application.id).where(Application.call_id == call_id)
    result = session.execute(update(HumanTask).where(
        HumanTask.state == "open", HumanTask.application_id.in_(apps), HumanTask.due_at == before,
    ).values(due_at=after).execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]


def move_task_due(sessions: sessionmaker[Session], task_id: int, due_at: datetime, actor_id: int,
                  reason: str = "") -> HumanTask:
    """Set an open task's due date (`HumanTask.due_at`); audited as `task_due_changed`."""
    due_at = _aware(due_at)
    if problems := text_problems(reason, max_length=500, multiline=True):
        raise FormInvalid({"reason": problems})
    with sessions.begin() as session:
        actor = _admin(session, actor_id)
        task = session.get(HumanTask, task_id)
        if task is None:
            raise TaskNotFound(f"任务 {task_id} 不存在")
        if task.state != "open":
            raise TaskConflict("任务已完成或已取消，不能调整期限")
        before = task.due_at
        # A date set by hand is no longer a count: a later change of the holiday calendar leaves it alone.
        task.due_at, task.due_in = due_at, None
        audit.record(session, "task_due_changed", actor_id=actor.id, instance_id=task.instance_id,
                     application_id=task.application_id, task_name=task.spec_name,
                     data={"task_id": task.id, "due_at": [before.isoformat() if before else None, due_at.isoformat()],
                           "reason": reason})
        return task
