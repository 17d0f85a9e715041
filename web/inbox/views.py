"""The inbox list with its tabs, filters, keyword search and pages; claim and unclaim."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from engine import inbox_query
from engine.access import can_work, oversees
from engine.calendar import start_of_day_utc
from engine.inbox_query import TaskFilter
from engine.keyset import Page
from engine.models import GUANGXI_CITIES, Application, Call, HumanTask, User
from web import db
from web.auth import login_required, me
from web.display import STAGES
from web.inbox import bp
from web.numbers import bounded_int

TABS = {"mine": "我的待办", "group": "可领取", "all": "全部", "done": "已办"}
TEXT_FILTERS = ("track", "stage", "city")
MAX_KEYWORD = 100


def filters_from(args: Any) -> dict[str, Any]:
    """The inbox filters given in the query string, as the form shows them (blank and malformed ones left out)."""
    found: dict[str, Any] = {k: args.get(k, "").strip() for k in TEXT_FILTERS if args.get(k, "").strip()}
    call_id = args.get("call_id", type=bounded_int)
    if call_id:
        found["call_id"] = call_id
    try:
        found["due_before"] = date.fromisoformat(args.get("due_before", "").strip())
    except ValueError:
        pass
    keyword = args.get("q", "").strip()[:MAX_KEYWORD]
    if keyword:
        found["q"] = keyword
    return found


def task_filter(filters: dict[str, Any]) -> TaskFilter:
    """The engine's filter for the form's values (a date means: due before that day begins, China time)."""
    due_before = filters.get("due_before")
    return TaskFilter.of({**filters, "due_before": start_of_day_utc(due_before) if due_before else None})


def with_context(session: Session, page: Page[HumanTask]) -> list[tuple[HumanTask, Application | None, str | None]]:
    """The page's tasks with their applications and assignee names."""
    tasks = page.rows
    app_ids = {t.application_id for t in tasks if t.application_id}
    apps = {a.id: a for a in session.scalars(select(Application).where(Application.id.in_(app_ids))).all()}
    user_ids = {t.assignee_id for t in tasks if t.assignee_id}
    names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).tuples().all())
    return [(t, apps.get(t.application_id or 0), names.get(t.assignee_id or 0)) for t in tasks]


@bp.get("/")
@login_required
def index() -> str:
    """The inbox: 我的待办, 可领取, 全部 (officers and administrators) and 已办, a page at a time."""
    user, session = me(), db.session()
    tab = request.args.get("tab", "mine")
    if tab not in TABS:
        abort(404)
    if tab == "all" and not oversees(user):
        abort(403)
    filters = filters_from(request.args)
    latest = request.args.get("order") == "desc"
    page = inbox_query.page(session, user, tab, task_filter(filters), cursor=request.args.get("cursor") or None,
                            latest_due_first=latest and tab != "done")
    calls = session.scalars(select(Call).order_by(Call.track, Call.id)).all()
    tabs = {k: v for k, v in TABS.items() if k != "all" or oversees(user)}
    args = {**filters, "tab": tab, **({"order": "desc"} if latest else {})}
    return render_template(
        "inbox/index.html", tab=tab, tabs=tabs, page=page, rows=with_context(session, page), filters=filters,
        args=args, order="desc" if latest else "asc", calls=calls, stages=STAGES, cities=GUANGXI_CITIES,
        can_work=can_work, user=user)


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
