"""Matches a command's events against the notice table and writes notification and outbox rows.

Each matched rule inserts one `notice_event` whose key is (kind, instance, element, occurrence): the
spiff task id for an element that ran, the inbox row for a task that opened. The key is unique, so
the same event can never be told twice, and the rows are part of the command's transaction, so a
command that rolls back tells nothing. A kind the administrator switched off is still recorded (the
banner of a returned application reads it) but nobody is told.
"""
from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from SpiffWorkflow.task import Task
from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine import outbox
from engine.access import can_work
from engine.models import (
    Application,
    HumanTask,
    NoticeEvent,
    NoticePreference,
    NoticeSetting,
    Notification,
    OutboxEmail,
    RoleGrant,
    User,
)
from engine.notices import facts
from engine.notices.table import RULES, Rule
from engine.sandbox import HELPER_NAMES, RestrictedEnvironment

if TYPE_CHECKING:
    from engine.happened import Happened

_ENVIRONMENT = RestrictedEnvironment()
SIGNATURE = "本邮件由广西“带土移植”引育计划业务系统自动发送，请勿直接回复。"


@dataclass(frozen=True)
class Event:
    """`ran:X` or `ready:X` of one task, with its inbox row when it has one."""

    on: str
    element: str
    occurrence: str
    data: dict[str, Any]
    row: HumanTask | None


def events(happened: Happened) -> list[Event]:
    """The command's events in the order they happened: tasks that ran, then inbox rows that opened."""
    found: list[Event] = []
    rows = _rows_of(happened.session, happened.instance.id, [t for t in happened.ran if t.task_spec.manual])
    for task in sorted(happened.ran, key=lambda t: t.last_state_change):
        element = str(task.task_spec.bpmn_id or task.task_spec.name)
        found.append(Event(f"ran:{element}", element, str(task.id), dict(task.data), rows.get(str(task.id))))
    for row in happened.opened:
        task = happened.workflow.get_task_from_id(UUID(row.task_guid))
        data = dict(task.data) if task is not None else {}
        found.append(Event(f"ready:{row.spec_name}", row.spec_name, f"task-{row.id}", data, row))
    return found


def _rows_of(session: Session, instance_id: int, tasks: list[Task]) -> dict[str, HumanTask]:
    if not tasks:
        return {}
    return {r.task_guid: r for r in session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.task_guid.in_([str(t.id) for t in tasks])))}


def applies(rule: Rule, data: dict[str, Any]) -> bool:
    """The rule's `when`, evaluated in the sandbox over the task data; a name missing from the data is None."""
    if not rule.when:
        return True
    names = {node.id for node in ast.walk(ast.parse(rule.when, mode="eval"))
             if isinstance(node, ast.Name) and node.id not in HELPER_NAMES and not hasattr(builtins, node.id)}
    try:
        return bool(_ENVIRONMENT.evaluate(rule.when, {**dict.fromkeys(names), **data}))
    except Exception:  # a rule that cannot be evaluated tells nobody rather than failing the command
        return False


def record(happened: Happened) -> list[int]:
    """Write what the table says about the command's events; returns the new notice events' ids."""
    app = happened.application
    if app is None:
        return []
    by_event: dict[str, list[Rule]] = {}
    for rule in RULES:
        by_event.setdefault(rule.on, []).append(rule)
    written = []
    for event in events(happened):
        for rule in by_event.get(event.on, []):
            if applies(rule, event.data):
                notice_id = _tell(happened, app, rule, event)
                if notice_id is not None:
                    written.append(notice_id)
    return written


def _tell(happened: Happened, app: Application, rule: Rule, event: Event) -> int | None:
    session = happened.session
    values = facts.of(rule, event.element, app, event.data, event.row)
    title, body = facts.fill(rule.title, values), facts.fill(rule.body, values)
    key = f"{rule.kind}/{happened.instance.id}/{event.on}/{event.occurrence}"
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    notice_id = session.execute(
        dialect.insert(NoticeEvent).values(
            key=key, kind=rule.kind, application_id=app.id, instance_id=happened.instance.id,
            element_id=event.element, human_task_id=event.row.id if event.row is not None else None,
            facts={**values, "title_text": title}, created_at=happened.now)
        .on_conflict_do_nothing().returning(NoticeEvent.id)).scalar()
    if notice_id is None or not enabled(session, rule.kind):
        return notice_id
    link = _link(rule, app, event.row)
    people = recipients(session, rule, app, event)
    prefer_mail = _mail_wanted(session, [u.id for u in people])
    notes, mails = [], []
    for user in people:
        notes.append({"user_id": user.id, "kind": rule.kind, "title": title[:200], "text": _clip(body, 500),
                      "link": link, "notice_id": notice_id, "created_at": happened.now})
        if user.email and prefer_mail.get(user.id, True):
            mails.append(outbox.new_row(
                to_addr=user.email, subject=f"【带土移植】{title}"[:300],
                body=mail_body(f"{user.display_name}，您好：", body, happened.settings.base_url + link),
                key=f"notice-{notice_id}-{user.id}", settings=happened.settings, now=happened.now))
    objection = event.data.get("objection")
    if "objector" in rule.to and isinstance(objection, dict) and objection.get("email"):
        mails.append(outbox.new_row(
            to_addr=str(objection["email"]), subject=f"【带土移植】{title}"[:300],
            body=mail_body("", body, happened.settings.base_url + link),
            key=f"notice-{notice_id}-objector", settings=happened.settings, now=happened.now))
    if notes:
        session.execute(insert(Notification), notes)
    if mails:
        session.execute(insert(OutboxEmail), mails)
    return notice_id


def recipients(session: Session, rule: Rule, app: Application, event: Event) -> list[User]:
    """The users `rule.to` names for this event (active ones, each once)."""
    ids: list[int] = []
    for who in rule.to:
        if who == "applicant":
            ids.append(app.applicant_user_id)
        elif who == "officers":
            ids += _holders(session, "officer")
        elif who == "recommenders" and app.city:
            ids += _holders(session, "recommender", app.city)
        elif who == "workers" and event.row is not None:
            ids += _workers(session, event.row)
        elif who == "completer" and event.row is not None and event.row.completed_by:
            ids.append(event.row.completed_by)
    unique = list(dict.fromkeys(ids))
    if not unique:
        return []
    users = session.scalars(select(User).where(User.id.in_(unique), User.active.is_(True))).all()
    order = {uid: i for i, uid in enumerate(unique)}
    return sorted(users, key=lambda u: order[u.id])


def _holders(session: Session, role: str, scope: str | None = None) -> list[int]:
    stmt = select(RoleGrant.user_id).where(RoleGrant.role == role)
    if scope is not None:
        stmt = stmt.where(RoleGrant.scope == scope)
    return list(session.scalars(stmt.order_by(RoleGrant.user_id)).all())


def _workers(session: Session, row: HumanTask) -> list[int]:
    if row.assignee_id is not None:
        return [row.assignee_id]
    if row.candidate_role is None:
        return []
    candidates = session.scalars(select(User).join(RoleGrant, RoleGrant.user_id == User.id)
                                 .where(RoleGrant.role == row.candidate_role).order_by(User.id)).unique().all()
    return [u.id for u in candidates if can_work(u, row)]


def _link(rule: Rule, app: Application, row: HumanTask | None) -> str:
    if rule.link == "publicity":
        return "/publicity/"
    if rule.link == "task" and row is not None:
        return f"/review/{row.id}" if row.form_key == "expert_score" else f"/tasks/{row.id}"
    return f"/applications/{app.id}"


def enabled(session: Session, kind: str) -> bool:
    """False when an administrator switched the kind off."""
    return session.scalar(select(NoticeSetting.enabled).where(NoticeSetting.kind == kind)) is not False


def _mail_wanted(session: Session, user_ids: list[int]) -> dict[int, bool]:
    if not user_ids:
        return {}
    return dict(session.execute(select(NoticePreference.user_id, NoticePreference.by_email)
                                .where(NoticePreference.user_id.in_(user_ids))).tuples().all())


def wants_mail(session: Session, user_id: int) -> bool:
    """The user's choice: mail as well as in-app notices (the default), or in-app only."""
    return _mail_wanted(session, [user_id]).get(user_id, True)


def mail_body(greeting: str, text: str, link: str) -> str:
    """A notice as mail text: greeting, the notice, where to act, the signature."""
    lines = [greeting, ""] if greeting else []
    lines += [text, "", f"查看详情：{link}", "", SIGNATURE]
    return "\n".join(lines) + "\n"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
