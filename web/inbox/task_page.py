"""One task: its context, its form (one renderer), draft, submission, and who completed it when."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

import forms
from engine import required_documents
from engine.access import can_work, hidden_fields, may_read_content, oversees
from engine.errors import Conflict, FormInvalid
from engine.experts import proposals
from engine.inbox import form_values
from engine.models import Application, HumanTask, User
from engine.reviews import SCORE_FORM
from forms.choices import DECISION_LABELS
from web import attachments, db, form_choices
from web.applications import records
from web.auth import login_required, me
from web.errors import status_of
from web.forms_render import FieldView, build, flatten_errors, parse, unplaced_errors
from web.inbox import bp

REPORT_FORMS = frozenset({"midterm_report", "final_report", "rectification", "contract"})


def takes_attachments(form_key: str | None) -> bool:
    """Application forms and reports carry file attachments."""
    return bool(form_key) and (form_key in REPORT_FORMS or str(form_key).startswith(records.APPLICATION_FORM_PREFIX))


def may_view(session: Session, user: User, row: HumanTask, app: Application | None) -> bool:
    """Who may open a task page: its worker, its completer, overseers, and readers of its application."""
    if can_work(user, row) or row.completed_by == user.id or oversees(user):
        return True
    return app is not None and row.form_key != SCORE_FORM and may_read_content(session, user, app)


def load(task_id: int) -> tuple[Session, User, HumanTask, Application | None]:
    """The task and its application, or 404 for those who may not see it."""
    session, user = db.session(), me()
    row = session.get(HumanTask, task_id)
    if row is None:
        abort(404)
    app = session.get(Application, row.application_id) if row.application_id else None
    if not may_view(session, user, row, app):
        abort(404)
    return session, user, row, app


def task_context(session: Session, user: User, row: HumanTask, app: Application | None) -> dict[str, Any]:
    """What the page shows around the form: the application, eligibility, scores, history, files."""
    data = db.services().runtime.task_data(row.id) if row.state == "open" else {}
    readable = app is not None and may_read_content(session, user, app)
    ctx: dict[str, Any] = {
        "app": app, "readable": readable, "eligibility": None, "review": None, "conflicted": [],
        "application_views": None, "decisions": [], "files": [], "panel": None, "objection": None,
    }
    if "eligible" in data:
        ctx["eligibility"] = (data["eligible"], data.get("eligibility_reason"))
    if "expert_mean" in data and (app is None or "expert_mean" not in hidden_fields(session, user, app)):
        label = data.get("review_recommendation_label") or data.get("review_recommendation")
        ctx["review"] = (data["expert_mean"], label)
    if isinstance(data.get("objection"), dict) and oversees(user):  # the objector's identity stays with the Department
        ctx["objection"] = data["objection"]
    if data.get("conflicted"):
        ctx["conflicted"] = session.scalars(select(User.display_name).where(User.id.in_(data["conflicted"]))).all()
    if app is None or not readable:
        return ctx
    if not str(row.form_key or "").startswith(records.APPLICATION_FORM_PREFIX):
        ctx["application_views"] = records.application_views(session, app)
    ctx["decisions"] = [line for line in records.task_lines(session, app)
                        if line.task.state == "done" and line.task.form_key != SCORE_FORM
                        and not str(line.task.form_key or "").startswith(records.APPLICATION_FORM_PREFIX)]
    ctx["files"] = records.attachments(session, app, user)
    if oversees(user):
        lines, summary = records.panel(session, app)
        ctx["panel"] = (lines, summary) if lines else None
    return ctx


PANEL_FIELDS = {proposals.ASSIGN_FORM: "experts", proposals.REPLACE_FORM: "replacements"}


def panel_suggestion(session: Session, row: HumanTask, app: Application | None) -> dict[str, Any] | None:
    """For the expert assignment and replacement forms: the panel drawn for this application (the form starts
    from it) and every expert the conflict rules exclude, with the reasons."""
    if app is None or row.form_key not in PANEL_FIELDS:
        return None
    data = db.services().runtime.task_data(row.id)
    seats = len(data.get("conflicted") or []) if row.form_key == proposals.REPLACE_FORM else int(
        data.get("expert_count") or app.call.expert_count)
    panel = proposals.suggest(session, app, seats)
    excluded = proposals.exclusions(session, app)
    names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(excluded))).tuples().all())
    return {"panel": panel, "field": PANEL_FIELDS[row.form_key],
            "excluded": [(names.get(i, str(i)), reasons) for i, reasons in sorted(excluded.items())]}


def render(row: HumanTask, app: Application | None, *, values: dict[str, Any] | None = None,
           errors: dict[str, list[str]] | None = None, upload_error: str | None = None,
           status: int = 200) -> ResponseReturnValue:
    """The task page; `values`/`errors` re-show a failed submission exactly as typed."""
    session, user = db.session(), me()
    working = row.state == "open" and can_work(user, row)
    views: list[FieldView] = []
    suggestion = panel_suggestion(session, row, app) if working else None
    if row.form_key:
        base = forms.fields_of(row.form_key)
        context = form_choices.context(session, base, app, for_input=working)
        fields = forms.fields_of(row.form_key, context)
        if values is None:
            shown = form_values(session, row, app) if working else dict(row.data or {})
            if suggestion is not None and suggestion["field"] not in shown:
                shown[suggestion["field"]] = [s.user_id for s in suggestion["panel"].experts]
            views = build(fields, shown, defaults=working)
        else:
            views = build(fields, values, errors, defaults=False)
        if not working and app is not None:
            hidden = hidden_fields(session, user, app)
            views = [view for view in views if view.info.name not in hidden]
    names = dict(session.execute(select(User.id, User.display_name).where(
        User.id.in_([i for i in (row.assignee_id, row.completed_by) if i]))).tuples().all())
    return render_template(
        "inbox/task.html", row=row, views=views, working=working, errors_top=unplaced_errors(views, errors or {}),
        has_errors=bool(errors) or bool(upload_error), upload_error=upload_error, names=names,
        takes_attachments=working and takes_attachments(row.form_key) and app is not None,
        checklist=required_documents.checklist(session, app) if app is not None and (
            str(row.form_key or "").startswith(records.APPLICATION_FORM_PREFIX) or may_read_content(session, user, app))
        else [],
        accept=attachments.ACCEPT, upload_rules=attachments.RULES, decision_labels=DECISION_LABELS,
        form_title=forms.title(row.form_key) if row.form_key else row.title, suggestion=suggestion,
        summary_facts=records.shown_summary(session, user, app) if app is not None else [],
        **task_context(session, user, row, app)), status


def conflict_page(row: HumanTask, error: Conflict) -> ResponseReturnValue:
    """A double submission or a lost race: say what happened and who did the task."""
    session = db.session()
    session.refresh(row)
    completer = session.get(User, row.completed_by) if row.completed_by else None
    return render_template("inbox/conflict.html", row=row, message=str(error), completer=completer), status_of(error)


@bp.get("/<int:task_id>")
@login_required
def task(task_id: int) -> ResponseReturnValue:
    """The task page (expert scoring has its own page, declaration first)."""
    _session, _user, row, app = load(task_id)
    if row.form_key == SCORE_FORM:
        return redirect(url_for("review.task", task_id=task_id))
    return render(row, app)


@bp.post("/<int:task_id>")
@login_required
def submit(task_id: int) -> ResponseReturnValue:
    """Save a draft or complete the task with the posted form."""
    session, user, row, app = load(task_id)
    if row.form_key == SCORE_FORM:
        abort(404)
    fields = forms.fields_of(row.form_key) if row.form_key else []
    draft = request.form.get("action") == "draft"
    data = parse(fields, request.form, complete=not draft)
    runtime = db.services().runtime
    if row.state != "open":
        return conflict_page(row, Conflict("任务已完成或已取消，请勿重复提交"))
    if not can_work(user, row):
        abort(403)
    if app is not None and takes_attachments(row.form_key):
        # Free attachments, then one input per document kind the call requires (tagged with that kind).
        inputs = {"attachments": None} | {f"document_{kind}": kind for kind in required_documents.kinds(app.call)}
        stored: list[tuple[str | None, list[attachments.StoredFile]]] = []
        try:
            for name, kind in inputs.items():
                stored.append((kind, attachments.store_all(request.files.getlist(name))))
        except attachments.UploadRejected as e:
            attachments.discard([f for _, files in stored for f in files])
            return render(row, app, values=data, errors={}, upload_error=str(e), status=422)
        for kind, files in stored:
            attachments.record(session, app, row, user.id, files, kind)
        if count := sum(len(files) for _, files in stored):
            session.commit()
            flash(f"已上传 {count} 个附件", "info")
    try:
        if draft:
            runtime.save_draft(row.id, data, user.id)
            flash("草稿已保存", "info")
            return redirect(url_for("inbox.task", task_id=row.id))
        created = runtime.complete_task(row.id, data, user.id)
    except FormInvalid as e:
        return render(row, app, values=data, errors=flatten_errors(e.errors), status=422)
    except Conflict as e:
        return conflict_page(row, e)
    flash(f"已提交：{row.title}", "info")
    for new in created:
        flash(f"新的待办：{new.title}", "info")
    return redirect(url_for("inbox.index"))
