"""The inbox list with its tabs and filters; claim and unclaim."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import Select, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from engine import inbox
from engine.access import can_work, oversees
from engine.models import GUANGXI_CITIES, Application, Call, HumanTask, User
from web import db
from web.auth import login_required, me
from web.display import STAGES
from web.inbox import bp
from web.numbers import bounded_int

TABS = {"mine": "我的待办", "group": "可领取", "all": "全部", "done": "已办"}
FILTERS = ("track", "stage", "city", "call_id")
LIMIT = 300


def filters_from(args: Any) -> dict[str, Any]:
    """The inbox filters given in the query string (blank ones left out)."""
    found: dict[str, Any] = {k: args.get(k, "").strip() for k in FILTERS if args.get(k, "").strip()}
    if "call_id" in found:
        found["call_id"] = args.get("call_id", type=bounded_int)
    return {k: v for k, v in found.items() if v}


def _done(user: User, filters: dict[str, Any]) -> Select[tuple[HumanTask]]:
    stmt = select(HumanTask).where(HumanTask.state == "done", HumanTask.completed_by == user.id)
    if filters:
        stmt = stmt.join(Application, Application.id == HumanTask.application_id)
        for key, value in filters.items():
            stmt = stmt.where(getattr(Application, key) == value)
    return stmt.order_by(HumanTask.completed_at.desc())


def rows_of(session: Session, user: User, tab: str, filters: dict[str, Any], newest_due_first: bool) -> list[
        tuple[HumanTask, Application | None, str | None]]:
    """The tab's tasks with their applications and assignee names."""
    if tab == "done":
        stmt = _done(user, filters)
    else:
        stmt = inbox.query(user, tab, **filters)
        if newest_due_first:
            stmt = stmt.order_by(None).order_by(HumanTask.due_at.is_(None), HumanTask.due_at.desc(), HumanTask.id)
    tasks = list(session.scalars(stmt.limit(LIMIT)).all())
    app_ids = {t.application_id for t in tasks if t.application_id}
    apps = {a.id: a for a in session.scalars(select(Application).where(Application.id.in_(app_ids))).all()}
    user_ids = {t.assignee_id for t in tasks if t.assignee_id}
    names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).tuples().all())
    return [(t, apps.get(t.application_id or 0), names.get(t.assignee_id or 0)) for t in tasks]


@bp.get("/")
@login_required
def index() -> str:
    """The inbox: 我的待办, 可领取, 全部 (officers and administrators) and 已办."""
    user, session = me(), db.session()
    tab = request.args.get("tab", "mine")
    if tab not in TABS:
        abort(404)
    if tab == "all" and not oversees(user):
        abort(403)
    filters = filters_from(request.args)
    newest = request.args.get("order") == "desc"
    calls = session.scalars(select(Call).order_by(Call.track, Call.id)).all()
    tabs = {k: v for k, v in TABS.items() if k != "all" or oversees(user)}
    return render_template(
        "inbox/index.html", tab=tab, tabs=tabs, rows=rows_of(session, user, tab, filters, newest),
        filters=filters, order="desc" if newest else "asc", calls=calls, stages=STAGES, cities=GUANGXI_CITIES,
        limit=LIMIT, can_work=can_work, user=user)


@bp.post("/<int:task_id>/claim")
@login_required
def claim(task_id: int) -> Response:
    """Take a group task into 我的待办."""
    row = db.services().runtime.claim(task_id, me().id)
    flash(f"已领取任务：{row.title}", "info")
    return redirect(url_for("inbox.task", task_id=task_id))


@bp.post("/<int:task_id>/unclaim")
@login_required
def unclaim(task_id: int) -> Response:
    """Give a claimed task back to the group."""
    row = db.services().runtime.unclaim(task_id, me().id)
    flash(f"已将任务退回任务池：{row.title}", "info")
    return redirect(url_for("inbox.index", tab="group"))
