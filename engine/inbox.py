"""Turns ready user tasks into inbox rows (the queries over them are in `engine.inbox_query`)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

import forms
from engine.errors import ScriptFailure
from engine.models import Application, HumanTask, ProcessInstance, utcnow
from engine.sandbox import RestrictedEnvironment
from engine.sandbox.explain import reason
from engine.timing import parse_due_in


@dataclass(frozen=True)
class TaskMeta:
    """What the diagram says about a user task: form, lane, due period, assignee, scope."""

    spec_name: str
    title: str
    lane: str | None
    form_key: str | None
    due_in: str | None
    assignee: str | None
    scope: str | None
    not_after: str | None


def meta(task: Task) -> TaskMeta:
    """Read a ready user task's properties from its spec."""
    spec = task.task_spec
    props: dict[str, str] = (getattr(spec, "extensions", None) or {}).get("properties", {})
    return TaskMeta(
        spec_name=spec.bpmn_id or spec.name,
        title=spec.bpmn_name or spec.bpmn_id or spec.name,
        lane=spec.lane,
        form_key=props.get("formKey"),
        due_in=props.get("dueIn"),
        assignee=props.get("assignee"),
        scope=props.get("scope"),
        not_after=props.get("notAfter"),
    )


_ENVIRONMENT = RestrictedEnvironment()


def _evaluate(expression: str, data: dict[str, Any], task: Task) -> Any:
    try:
        return _ENVIRONMENT.evaluate(expression, dict(data))
    except Exception as e:
        spec = task.task_spec
        raise ScriptFailure(spec.bpmn_id or spec.name, spec.bpmn_name or "", reason(e)) from e


def not_after(task: Task, live: dict[str, Any] | None = None) -> datetime | None:
    """The instant after which the task can no longer be completed (its `notAfter` property), if any.

    `live` holds values the database knows better than the workflow's data (the call's current
    deadline, which an administrator may have moved since the instance started).
    """
    expression = meta(task).not_after
    if not expression:
        return None
    try:
        value = _evaluate(expression, {**task.data, **(live or {})}, task)
    except Exception:  # data of instances started before the property existed: no limit
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(moment, datetime):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def ready_user_tasks(workflow: BpmnWorkflow, tasks: Sequence[Task] | None = None) -> list[Task]:
    """READY manual tasks of the workflow and all its subprocesses (from `tasks`, one pass's tasks, when given)."""
    if tasks is not None:
        return [t for t in tasks if t.state == TaskState.READY and t.task_spec.manual]
    return list(workflow.get_tasks(state=TaskState.READY, manual=True))


def new_row(instance: ProcessInstance, task: Task, now: datetime, live: dict[str, Any] | None = None) -> HumanTask:
    """An inbox row for a task that just became ready."""
    m = meta(task)
    assignee = _evaluate(m.assignee, task.data, task) if m.assignee else None
    scope = _evaluate(m.scope, task.data, task) if m.scope else None
    return HumanTask(
        instance_id=instance.id,
        application_id=instance.application_id,
        task_guid=str(task.id),
        spec_name=m.spec_name,
        title=m.title,
        lane=m.lane,
        form_key=m.form_key,
        candidate_role=m.lane,
        scope=str(scope) if scope is not None else None,
        assignee_id=int(assignee) if assignee is not None else None,
        preassigned=assignee is not None,
        due_at=parse_due_in(m.due_in).due_from(now) if m.due_in else not_after(task, live),
        due_in=m.due_in,
        state="open",
        created_at=now,
    )


def sync(
    session: Session, instance: ProcessInstance, workflow: BpmnWorkflow, live: dict[str, Any] | None = None,
    tasks: Sequence[Task] | None = None,
) -> tuple[list[HumanTask], list[HumanTask], int]:
    """Make the instance's open rows match its ready user tasks; returns (created, cancelled, open count)."""
    now = utcnow()
    ready = {str(t.id): t for t in ready_user_tasks(workflow, tasks)}
    open_rows = session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.state == "open")
    ).all()
    known = {row.task_guid for row in open_rows}
    cancelled = []
    for row in open_rows:
        if row.task_guid not in ready:
            row.state = "cancelled"
            row.completed_at = now
            cancelled.append(row)
    created = [new_row(instance, task, now, live) for guid, task in ready.items() if guid not in known]
    session.add_all(created)
    session.flush()
    return created, cancelled, len(ready)


def form_values(session: Session, row: HumanTask, app: Application | None) -> dict[str, Any]:
    """What a task's form starts from: the application's title and city, the last submission of the same form
    in this instance, then the task's draft.

    Other tasks' answers (a previous reviewer's `decision` and `opinion`, say) never enter this form.
    """
    names = {f.name for f in forms.fields_of(row.form_key)} if row.form_key and forms.has_form(row.form_key) else set()
    values = {"title": app.title, "city": app.city} if app is not None else {}
    previous = session.scalars(select(HumanTask).where(
        HumanTask.instance_id == row.instance_id, HumanTask.form_key == row.form_key, HumanTask.state == "done",
        HumanTask.id != row.id).order_by(HumanTask.completed_at.desc()).limit(1)).first()
    if previous is not None:
        values.update(previous.data or {})
    values.update(row.data or {})
    return {k: v for k, v in values.items() if k in names}

