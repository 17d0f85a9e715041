"""Scheduler operations: upcoming timers, the mail outbox, failures and their retries; moving a task's due date.

Timers and due dates counted through a year whose holiday schedule is not entered yet are marked.
"""
from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from engine import incidents, operations, outbox, repository, serialization
from engine.calendar import end_of_day_utc
from engine.deadlines import move_task_due
from engine.errors import Conflict, FormInvalid, ProcessError
from engine.holidays import notes
from engine.holidays.source import CalendarView
from engine.models import Application, ProcessInstance, utcnow
from web import db
from web.admin import bp
from web.admin.common import flash_invalid
from web.admin.processes import PROCESS_LABELS
from web.auth import me, role_required
from web.numbers import page_number

STATE_LABELS = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "发送失败",
                "uncertain": "状态不确定"}
PAGE_SIZE = 50
TIMER_LIMIT = 50


def timer_elements(session: Session, instance: ProcessInstance) -> list[tuple[str, str]]:
    """(BPMN id, name) of the timer events the instance waits for; empty when its state cannot be read."""
    try:
        spec, subs = repository.specs(session, instance.version_id)
        workflow = serialization.load_state(instance.state_json, spec, subs, instance.serializer_version)
    except Exception:  # a page of many instances must not fail for one unreadable state
        return []
    found = [(task.task_spec.bpmn_id, task.task_spec.bpmn_name or task.task_spec.bpmn_id)
             for task in workflow.get_tasks(state=TaskState.WAITING)
             if isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition)]
    return list(dict.fromkeys(found))


def _state_filter() -> str | None:
    state = request.args.get("state") or None
    return state if state in outbox.STATES else None


@bp.get("/operations")
@role_required("admin", "officer")
def operations_page() -> str:
    session = db.session()
    timers = operations.upcoming_timers(session, limit=TIMER_LIMIT)
    instances = {i.id: i for i in session.scalars(
        select(ProcessInstance).where(ProcessInstance.id.in_([t.instance_id for t in timers])))}
    elements = {t.instance_id: timer_elements(session, found) for t in timers
                if (found := instances.get(t.instance_id)) is not None}
    open_incidents = incidents.open_incidents(session)
    app_ids = {i.application_id for i in open_incidents if i.application_id}
    titles: dict[int, str] = {app_id: title for app_id, title in session.execute(
        select(Application.id, Application.title).where(Application.id.in_(app_ids)))}
    state = _state_filter()
    page = request.args.get("page", 1, type=page_number)
    rows = operations.outbox_rows(session, state=state, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    view = CalendarView(session)
    unofficial = notes.years_in_use(session, view, utcnow())
    return render_template(
        "admin/operations.html", timers=timers, elements=elements, process_labels=PROCESS_LABELS,
        mail_counts=operations.outbox_counts(session), mail_failures=operations.mail_failures(session),
        incidents=open_incidents, origins=incidents.ORIGINS, titles=titles, rows=rows[:PAGE_SIZE],
        has_next=len(rows) > PAGE_SIZE, page=page, state=state, state_labels=STATE_LABELS,
        can_act="admin" in me().roles,
        calendar_warning=notes.warning(unofficial) if unofficial else None, unofficial_years=unofficial,
        timer_notes=notes.timer_notes(session, view, [(t.instance_id, t.due_at) for t in timers]))


def _back(anchor: str = "#failures") -> Response:
    return redirect(url_for("admin.operations_page", state=request.form.get("state") or None) + anchor)


@bp.post("/operations/mail/<int:outbox_id>/retry")
@role_required("admin")
def retry_mail(outbox_id: int) -> Response:
    try:
        row = operations.retry_mail(db.services().sessions, outbox_id, me().id)
    except Conflict as e:
        flash(str(e), "danger")
        return _back()
    flash(f"已重新排队发送：{row.subject}（{row.to_addr}）", "info")
    return _back()


@bp.post("/operations/mail/<int:outbox_id>/sent")
@role_required("admin")
def confirm_mail(outbox_id: int) -> Response:
    try:
        row = operations.mark_mail_sent(db.services().sessions, outbox_id, me().id)
    except Conflict as e:
        flash(str(e), "danger")
        return _back()
    flash(f"已确认送达，不会再发送：{row.subject}（{row.to_addr}）", "info")
    return _back()


@bp.post("/operations/incidents/<int:incident_id>/retry")
@role_required("admin")
def retry_incident(incident_id: int) -> Response:
    try:
        fired = operations.retry_incident(db.services().runtime, incident_id, me().id)
    except (Conflict, ProcessError) as e:
        flash(f"重试未成功：{e}", "danger")
        return _back("#incidents")
    flash(f"运行异常 #{incident_id} 已重试成功" + ("，到期的定时器已触发" if fired else "，流程恢复正常"), "info")
    return _back("#incidents")


@bp.post("/operations/incidents/<int:incident_id>/resolve")
@role_required("admin")
def resolve_incident(incident_id: int) -> Response:
    try:
        operations.resolve_incident(db.services().sessions, incident_id, me().id)
    except Conflict as e:
        flash(str(e), "danger")
        return _back("#incidents")
    flash(f"运行异常 #{incident_id} 已标记为已处理", "info")
    return _back("#incidents")


@bp.post("/tasks/<int:task_id>/due")
@role_required("admin")
def task_due(task_id: int) -> Response:
    back = redirect(url_for("inbox.task", task_id=task_id))
    try:
        day = date.fromisoformat(request.form.get("due_on", ""))
    except ValueError:
        flash("请填写有效日期（年-月-日）", "danger")
        return back
    try:
        move_task_due(db.services().sessions, task_id, end_of_day_utc(day), me().id,
                      reason=request.form.get("reason", "").strip())
    except Conflict as e:
        flash(str(e), "danger")
        return back
    except FormInvalid as e:
        flash_invalid(e)
        return back
    flash(f"已将期限调整为 {day.isoformat()}", "info")
    return back
