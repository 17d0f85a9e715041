"""The applicant portal and the officers' views: calls, the list, export, one application's record."""
from __future__ import annotations

from io import BytesIO

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from engine import audit
from engine.access import can_work, may_read_content, oversees
from engine.errors import FormInvalid
from engine.models import GUANGXI_CITIES, Application, Call, HumanTask, ProcessInstance, User, utcnow
from engine.reviews import SCORE_FORM
from engine.runtime import APPLICATION_STATUSES
from forms.base import BLANKS
from forms.inputs import CONTROL_CHARACTERS, has_control_characters
from web import db
from web.applications import bp, listing, records
from web.applications import history as history_lines
from web.auth import login_required, me
from web.display import STAGES, local
from web.numbers import bounded_int, page_number

CLOSED_STATUSES = frozenset({"accepted", "rejected", "withdrawn", "terminated", "failed"})
PRE_AWARD = frozenset({"application", "recommendation", "formal_review", "expert_review"})
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def open_calls() -> list[Call]:
    """Calls accepting applications now, by track."""
    now = utcnow()
    return list(db.session().scalars(select(Call).where(
        Call.status == "open", Call.opens_at <= now, Call.closes_at >= now).order_by(Call.track, Call.id)).all())


def owns(user: User, app: Application) -> bool:
    """The applicant itself or a colleague of its organization."""
    return app.applicant_user_id == user.id or (
        user.has_role("applicant") and user.organization_id is not None and user.organization_id == app.organization_id)


@bp.get("/")
@login_required
def index() -> str:
    """Open calls (for applicants) and the applications the user may see, filtered and paged."""
    user, session = me(), db.session()
    filters = listing.Filters.from_args(request.args)
    page = request.args.get("page", 1, type=page_number)
    total = session.scalar(select(func.count()).select_from(
        listing.query(user, filters).order_by(None).subquery())) or 0
    rows = listing.visible(session, user, filters, offset=(page - 1) * listing.PAGE_SIZE)
    return render_template(
        "applications/index.html", rows=rows, filters=filters, page=page, total=total,
        pages=max(1, -(-total // listing.PAGE_SIZE)), calls=open_calls() if user.has_role("applicant") else [],
        all_calls=session.scalars(select(Call).order_by(Call.track, Call.id)).all(), stages=STAGES,
        statuses=APPLICATION_STATUSES, cities=GUANGXI_CITIES, overseer=oversees(user))


@bp.get("/export.xlsx")
@login_required
def export() -> Response:
    """The current list (all pages) as an Excel file."""
    user, session = me(), db.session()
    filters = listing.Filters.from_args(request.args)
    rows = listing.visible(session, user, filters, limit=listing.EXPORT_LIMIT)
    name = f"申报列表-{local(utcnow(), '%Y%m%d-%H%M')}.xlsx"
    return send_file(BytesIO(listing.export(session, user, rows)), mimetype=XLSX, as_attachment=True,
                     download_name=name, max_age=0)


@bp.post("/start")
@login_required
def start() -> ResponseReturnValue:
    """Start an application on an open call and open its form."""
    user = me()
    title = request.form.get("title", "").strip(BLANKS)
    call_id = request.form.get("call_id", type=bounded_int)
    if not title or call_id is None:
        flash("请选择申报批次并填写申报名称", "danger")
        return redirect(url_for("applications.index"))
    if has_control_characters(title):
        flash(f"申报名称{CONTROL_CHARACTERS}", "danger")
        return index(), 422
    app = db.services().runtime.start_application(call_id, title[:100], user.id)
    first = db.session().scalars(select(HumanTask).where(
        HumanTask.application_id == app.id, HumanTask.state == "open", HumanTask.assignee_id == user.id)
        .order_by(HumanTask.id).limit(1)).first()
    flash(f"已发起申报：{title}，请填写申报书", "info")
    return redirect(url_for("inbox.task", task_id=first.id) if first else url_for("applications.detail", app_id=app.id))


@bp.get("/<int:app_id>")
@login_required
def detail(app_id: int) -> ResponseReturnValue:
    """An application's full record: data, timeline, tasks, attachments, reviews, audit trail."""
    user, session = me(), db.session()
    app = records.visible(session, user, app_id)
    if not may_read_content(session, user, app):
        pending = session.scalars(select(HumanTask).where(
            HumanTask.application_id == app.id, HumanTask.assignee_id == user.id, HumanTask.state == "open",
            HumanTask.form_key == SCORE_FORM)).first()
        if pending is None:
            abort(404)
        flash("请先作出回避声明，声明无利益冲突后方可查看申报内容", "warning")
        return redirect(url_for("review.task", task_id=pending.id))
    overseer = oversees(user)
    history = audit.history(session, app.id, reveal_reviewers=overseer)
    lines = records.task_lines(session, app)
    titles = {line.task.spec_name: line.task.title for line in lines}
    instance_id = session.scalar(select(ProcessInstance.id).where(ProcessInstance.application_id == app.id)
                                 .order_by(ProcessInstance.id.desc()).limit(1))
    if not overseer:  # experts' identities and scores stay with the Department
        lines = [line for line in lines if line.task.form_key != SCORE_FORM]
    panel_lines, panel_summary = records.panel(session, app) if overseer else ([], None)
    diagram = records.diagram(session, instance_id) if overseer and instance_id else None
    return render_template(
        "applications/detail.html", app=app, views=records.application_views(session, app),
        summary_facts=records.shown_summary(session, user, app),
        timeline=records.timeline(app, history), lines=lines, closing=history_lines.closing(history),
        history=history_lines.lines(history, titles, history_lines.element_names(session, instance_id)),
        files=records.attachments(session, app, user), panel_lines=panel_lines, panel_summary=panel_summary,
        overseer=overseer, instance_id=instance_id, diagram=diagram, can_work=can_work, user=user,
        may_withdraw=owns(user, app) and app.stage in PRE_AWARD,
        may_terminate=user.has_role("officer") and app.status not in CLOSED_STATUSES)


def _reason() -> str:
    return request.form.get("reason", "").strip()


def _reason_problem(error: FormInvalid, label: str) -> str:
    """What is wrong with the reason: missing, or its own message (too long, control characters)."""
    messages = error.errors.get("reason") if _reason() else None
    if not isinstance(messages, list) or not messages:
        return f"请填写{label}"
    return f"{label}{'；'.join(map(str, messages))}"


@bp.post("/<int:app_id>/withdraw")
@login_required
def withdraw(app_id: int) -> Response:
    """The applicant withdraws (the engine refuses with 409 after the award decision)."""
    user = me()
    records.visible(db.session(), user, app_id)
    if request.form.get("confirm") != "yes":
        flash("请勾选“确认撤回”后再提交", "danger")
        return redirect(url_for("applications.detail", app_id=app_id))
    try:
        db.services().runtime.withdraw(app_id, user.id, _reason())
    except FormInvalid as e:
        flash(_reason_problem(e, "撤回原因"), "danger")
        return redirect(url_for("applications.detail", app_id=app_id))
    flash("申报已撤回，相关待办已取消", "info")
    return redirect(url_for("applications.detail", app_id=app_id))


@bp.post("/<int:app_id>/terminate")
@login_required
def terminate(app_id: int) -> Response:
    """The officer terminates an application or project."""
    user = me()
    records.visible(db.session(), user, app_id)
    if not user.has_role("officer"):
        abort(403)
    try:
        db.services().runtime.terminate(app_id, user.id, _reason())
    except FormInvalid as e:
        flash(_reason_problem(e, "终止原因"), "danger")
        return redirect(url_for("applications.detail", app_id=app_id))
    flash("已终止该申报/项目", "info")
    return redirect(url_for("applications.detail", app_id=app_id))
