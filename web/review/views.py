"""Expert review: the conflict-of-interest declaration first, then the application and the scoring sheet."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

import forms
from engine import keyset
from engine.access import oversees
from engine.errors import Conflict, FormInvalid
from engine.inbox_query import DEFAULT_LIMIT
from engine.models import Application, HumanTask, User
from engine.reviews import SCORE_FORM
from web import db
from web.applications import records
from web.auth import login_required, me
from web.forms_render import build, flatten_errors, parse, unplaced_errors
from web.inbox.task_page import conflict_page
from web.review import bp

DECLARATION_FIELDS = ("conflict", "conflict_reason")
SHEET_FIELDS = ("score", "comment")
CHOOSE = "请选择是否存在利益冲突"


# On the sheet shown after "no conflict", score and comment are required and the conflict hints do not apply.
SHEET_OVERRIDES: dict[str, dict[str, Any]] = {
    "score": {"required": True, "help": "满分 100 分"}, "comment": {"required": True, "help": None}}


def _fields(names: tuple[str, ...]) -> list[forms.FieldInfo]:
    return [replace(f, **SHEET_OVERRIDES[f.name]) if names == SHEET_FIELDS and f.name in SHEET_OVERRIDES else f
            for f in forms.fields_of(SCORE_FORM) if f.name in names]


def declared_no_conflict(row: HumanTask) -> bool:
    """The expert has declared no conflict on this open task (kept as the task's draft)."""
    return (row.data or {}).get("conflict") is False


def load(task_id: int) -> tuple[Session, User, HumanTask, Application]:
    """A scoring task for its expert (or, to read, an overseer); 404 for anybody else."""
    session, user = db.session(), me()
    row = session.get(HumanTask, task_id)
    if row is None or row.form_key != SCORE_FORM or row.application_id is None:
        abort(404)
    if row.assignee_id != user.id and not oversees(user):
        abort(404)
    app = session.get(Application, row.application_id)
    assert app is not None
    return session, user, row, app


def team_of(session: Session, app: Application) -> list[dict[str, Any]]:
    """Who is on the team (names and institutions only), so the expert can judge a conflict."""
    found = records.form_submission(session, app)
    team = (found[1] if found else {}).get("team") or []
    return [{k: m.get(k) for k in ("name", "title", "institution")} for m in team if isinstance(m, dict)]


@bp.get("/")
@login_required
def index() -> str:
    """My scoring tasks (overseers: every open scoring task)."""
    session, user = db.session(), me()
    stmt = select(HumanTask, Application, User.display_name).join(
        Application, Application.id == HumanTask.application_id).outerjoin(User, User.id == HumanTask.assignee_id
    ).where(HumanTask.form_key == SCORE_FORM)
    if oversees(user):
        stmt = stmt.where(HumanTask.state == "open")
    else:
        stmt = stmt.where(HumanTask.assignee_id == user.id, HumanTask.state != "cancelled")
    # Open tasks first, each part by due date.
    order = keyset.Order((HumanTask.state != "open", HumanTask.due_sort, HumanTask.id))
    page = keyset.page(session, stmt, order, limit=DEFAULT_LIMIT, cursor=request.args.get("cursor") or None)
    return render_template("review/index.html", rows=page.rows, page=page, overseer=oversees(user))


def render(row: HumanTask, app: Application, *, values: dict[str, Any] | None = None,
           errors: dict[str, list[str]] | None = None, status: int = 200) -> ResponseReturnValue:
    """The declaration, or (after declaring no conflict) the application and the scoring sheet."""
    session, user = db.session(), me()
    mine = row.assignee_id == user.id and row.state == "open"
    declared = declared_no_conflict(row)
    shows_content = (mine and declared) or (row.state == "done" and not (row.data or {}).get("conflict")) or (
        oversees(user))
    names = (DECLARATION_FIELDS if mine and not declared else SHEET_FIELDS)
    fields = _fields(names)
    shown = values if values is not None else (row.data or {})
    views = build(fields, shown, errors, defaults=values is None)
    completer = session.get(User, row.completed_by) if row.completed_by else None
    return render_template(
        "review/task.html", row=row, app=app, mine=mine, declared=declared, views=views,
        result_views=build(_fields(DECLARATION_FIELDS + SHEET_FIELDS), row.data or {}, defaults=False),
        errors_top=unplaced_errors(views, errors or {}), has_errors=bool(errors), completer=completer,
        team=team_of(session, app) if mine and not declared else [],
        application_views=records.application_views(session, app) if shows_content else None,
        files=records.attachments(session, app, user) if shows_content else []), status


@bp.get("/<int:task_id>")
@login_required
def task(task_id: int) -> ResponseReturnValue:
    """The expert's page for one application."""
    _session, _user, row, app = load(task_id)
    return render(row, app)


def _mine_open(row: HumanTask, user: User) -> None:
    if row.assignee_id != user.id:
        abort(403)


@bp.post("/<int:task_id>/declare")
@login_required
def declare(task_id: int) -> ResponseReturnValue:
    """Declare a conflict (completes the task) or no conflict (unlocks the application and the sheet)."""
    _session, user, row, app = load(task_id)
    _mine_open(row, user)
    if row.state != "open":
        return conflict_page(row, Conflict("该评审任务已完成或已取消"))
    data = parse(_fields(DECLARATION_FIELDS), request.form)
    runtime = db.services().runtime
    try:
        if data.get("conflict") == "false":
            runtime.save_draft(row.id, {"conflict": False}, user.id)
            flash("您已声明与该申报不存在利益冲突，现在可以查看申报材料并评分", "info")
            return redirect(url_for("review.task", task_id=row.id))
        if data.get("conflict") != "true":
            return render(row, app, values=data, errors={"conflict": [CHOOSE]}, status=422)
        runtime.complete_task(row.id, data, user.id)
    except FormInvalid as e:
        return render(row, app, values=data, errors=flatten_errors(e.errors), status=422)
    except Conflict as e:
        return conflict_page(row, e)
    flash("已声明回避，科技厅将另行补选专家。您将不能再查看该申报。", "info")
    return redirect(url_for("review.index"))


@bp.post("/<int:task_id>/score")
@login_required
def score(task_id: int) -> ResponseReturnValue:
    """Save the scoring sheet as a draft or submit it."""
    _session, user, row, app = load(task_id)
    _mine_open(row, user)
    if row.state != "open":
        return conflict_page(row, Conflict("该评审任务已完成或已取消，请勿重复提交"))
    if not declared_no_conflict(row):
        flash("请先作出回避声明", "warning")
        return redirect(url_for("review.task", task_id=row.id))
    data = parse(_fields(SHEET_FIELDS), request.form)
    runtime = db.services().runtime
    try:
        if request.form.get("action") == "draft":
            runtime.save_draft(row.id, {**data, "conflict": False}, user.id)
            flash("评分草稿已保存", "info")
            return redirect(url_for("review.task", task_id=row.id))
        runtime.complete_task(row.id, {**data, "conflict": False}, user.id)
    except FormInvalid as e:
        return render(row, app, values=data, errors=flatten_errors(e.errors), status=422)
    except Conflict as e:
        return conflict_page(row, e)
    flash(f"评分已提交：{app.title}", "info")
    return redirect(url_for("review.index"))
