"""Rows and records as the API shows them (plain dicts, dumped through the response schemas)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flask import url_for
from marshmallow import Schema
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from engine import audit
from engine.access import oversees, visible_summary
from engine.holidays import notes
from engine.holidays.source import CalendarView
from engine.keyset import Page
from engine.models import Application, HumanTask, ProcessInstance, User


def usernames(session: Session, ids: set[int | None]) -> dict[int, str]:
    """Usernames by id."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {i: name for i, name in session.execute(select(User.id, User.username).where(User.id.in_(wanted)))}


def task_row(row: HumanTask, names: dict[int, str], due_note: str | None = None) -> dict[str, Any]:
    """An inbox row; `due_note` warns that its due date was counted through an unpublished year."""
    return {
        "id": row.id, "name": row.spec_name, "title": row.title, "application_id": row.application_id,
        "lane": row.lane, "assignee": names.get(row.assignee_id) if row.assignee_id else None,
        "due_at": row.due_at, "form_key": row.form_key, "due_provisional": due_note is not None, "due_note": due_note,
    }


def task_rows(session: Session, rows: Sequence[HumanTask]) -> list[dict[str, Any]]:
    """Inbox rows, assignees named, due dates counted through an unpublished year marked."""
    names = usernames(session, {r.assignee_id for r in rows})
    view = CalendarView(session)
    return [task_row(r, names, notes.task_note(view, r)) for r in rows]


def instance_id(session: Session, application_id: int) -> int | None:
    """The id of the application's process instance."""
    return session.scalar(select(ProcessInstance.id).where(ProcessInstance.application_id == application_id)
                          .order_by(ProcessInstance.id.desc()).limit(1))


def application_state(session: Session, app: Application) -> dict[str, Any]:
    """Where an application stands."""
    return {"id": app.id, "status": app.status, "stage": app.stage, "instance_id": instance_id(session, app.id)}


def application(session: Session, app: Application, viewer: User) -> dict[str, Any]:
    """An application as `viewer` may see it: its history (who did what, when; no form contents; reviewers
    named only to officers and administrators) and the summary fields the access rules give it."""
    history = [{"at": datetime.fromisoformat(e["at"]), "actor": e["actor"], "action": e["action"], "task": e["task"]}
               for e in audit.history(session, app.id, oversees(viewer))]
    return {**application_state(session, app), "track": app.track, "title": app.title, "city": app.city,
            "call_id": app.call_id, "summary": visible_summary(session, viewer, app), "history": history}


def page_headers(page: Page[Any], endpoint: str, args: MultiDict[str, str], query: type[Schema]) -> dict[str, str]:
    """`X-Total-Count`, and a `Link` to the next page: the same `query`, known fields only, with the next cursor."""
    headers = {"X-Total-Count": str(page.total)}
    if page.next is not None:
        kept = {name: args[name] for name in query().fields if name in args and name != "cursor"}
        headers["Link"] = f'<{url_for(endpoint, _external=True, **kept, cursor=page.next)}>; rel="next"'
    return headers
