"""Counting deadlines again after a year's holiday schedule changed, and telling the officers what moved.

Two kinds of dates are counted in working days: an inbox row's due date (its `dueIn`, from the time
the task became ready) and the values process scripts compute with `add_working_days` (remembered in
`working_day_count`, see `counts`). For each instance with such a date passing through a changed year,
the runtime's `recount_deadlines` command loads the instance, and `apply` counts again: a value still
in the future is replaced in the data of the unfinished tasks that hold it and in the cached value of
a timer waiting for it; a due date is replaced on the inbox row. The command then saves the instance
under its `lock_version` (so `next_timer_at` follows), audits each move and notifies the officers.
A deadline that has already passed stays as it was: what happened, happened.
"""
from __future__ import annotations

import ast
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select, union
from sqlalchemy.orm import Session

from engine import audit, calendar
from engine.errors import Conflict, EngineError
from engine.holidays.counts import years_of
from engine.models import Application, HumanTask, Notification, ProcessInstance, User, WorkingDayCount, utcnow
from engine.timing import parse_due_in

if TYPE_CHECKING:
    from engine.runtime import Runtime

LIVE_STATUSES = ("running", "waiting")
TRIES = 3


@dataclass(frozen=True)
class Moved:
    """One deadline the changed calendar moved: a waiting timer, an inbox row's due date, or a data value."""

    instance_id: int
    application_id: int | None
    kind: str
    name: str
    label: str
    before: datetime
    after: datetime
    task_id: int | None = None

    def text(self) -> str:
        """`公示期满 2027-02-15 → 2027-02-18` (China dates)."""
        return f"{self.label} {calendar.china_date(self.before)} → {calendar.china_date(self.after)}"

    def as_dict(self) -> dict[str, Any]:
        """Plain data (audit, API)."""
        return {"instance_id": self.instance_id, "application_id": self.application_id, "kind": self.kind,
                "name": self.name, "label": self.label, "task_id": self.task_id,
                "before": self.before.isoformat(), "after": self.after.isoformat()}


@dataclass
class Report:
    """What counting again did across instances."""

    years: list[int] = field(default_factory=list)
    moved: list[Moved] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> list[str]:
        """Lines for the administrator: what moved per application, and what could not be counted again."""
        if not self.moved and not self.failed:
            return ["没有需要重新计算的期限"]
        lines = [f"重新计算了 {len(self.moved)} 个期限："] if self.moved else []
        lines += [f"申报 #{m.application_id or '—'}（流程实例 #{m.instance_id}）{m.text()}" for m in self.moved]
        lines += [f"流程实例 #{instance_id} 未能重新计算：{error}" for instance_id, error in self.failed]
        if self.failed:
            lines.append(f"可稍后运行 rootball calendar recount {' '.join(map(str, self.years))} 重试")
        return lines


def _touches(first: int, last: int, years: Collection[int]) -> bool:
    return any(first <= year <= last for year in years)


def affected_instances(session: Session, years: Collection[int]) -> list[int]:
    """Running instances with a counted value or an open counted due date passing through one of `years`."""
    low, high = min(years), max(years)
    counted = (select(WorkingDayCount.instance_id)
               .join(ProcessInstance, ProcessInstance.id == WorkingDayCount.instance_id)
               .where(ProcessInstance.status.in_(LIVE_STATUSES), WorkingDayCount.first_year <= high,
                      WorkingDayCount.last_year >= low))
    due = (select(HumanTask.instance_id)
           .where(HumanTask.state == "open", HumanTask.due_in.like("P%WD"),
                  HumanTask.created_at < calendar.start_of_day_utc(datetime(high + 1, 1, 1).date()),
                  HumanTask.due_at >= calendar.start_of_day_utc(datetime(low, 1, 1).date())))
    return sorted(session.scalars(union(counted, due)).all())


def _derived_from(expression: str, names: Sequence[str]) -> bool:
    """Whether a timer's expression takes its value from one of `names` or counts working days itself."""
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError:
        return False
    if isinstance(tree.body, ast.Name):
        return tree.body.id in names
    return any(isinstance(n, ast.Name) and n.id == "add_working_days" for n in ast.walk(tree))


def _move_value(instance: ProcessInstance, workflow: Any, row: WorkingDayCount, value: str) -> list[Moved]:
    before, after = datetime.fromisoformat(row.value), datetime.fromisoformat(value)
    held = set()
    for task in workflow.get_tasks(state=TaskState.NOT_FINISHED_MASK):
        for name in row.names:
            if task.data.get(name) == row.value:
                task.data[name] = value
                held.add(name)
    moved = []
    for task in workflow.get_tasks(state=TaskState.WAITING):
        event = getattr(task.task_spec, "event_definition", None)
        if (isinstance(event, TimerEventDefinition) and task.internal_data.get("event_value") == row.value
                and _derived_from(event.expression, row.names)):
            task.internal_data["event_value"] = value
            spec = task.task_spec
            moved.append(Moved(instance.id, instance.application_id, "timer", spec.bpmn_id or spec.name,
                               spec.bpmn_name or spec.bpmn_id or spec.name, before, after))
    if not moved and held:
        names = "、".join(sorted(held))
        moved.append(Moved(instance.id, instance.application_id, "value", names, names, before, after))
    return moved


def _count_values(session: Session, instance: ProcessInstance, workflow: Any, years: Collection[int],
                  now: datetime) -> list[Moved]:
    rows = session.scalars(select(WorkingDayCount).where(
        WorkingDayCount.instance_id == instance.id, WorkingDayCount.first_year <= max(years),
        WorkingDayCount.last_year >= min(years)).order_by(WorkingDayCount.id)).all()
    moved: list[Moved] = []
    ends: dict[datetime, datetime] = {}  # old → new end of the counts moved so far
    for row in rows:
        before = datetime.fromisoformat(row.value)
        if not _touches(row.first_year, row.last_year, years) or before <= now:
            continue
        # A count that starts where an earlier one ended starts where that one ends now.
        start = ends.get(row.start_at, row.start_at)
        value = calendar.working_deadline(start, row.days).isoformat()
        if value == row.value:
            continue
        moved += _move_value(instance, workflow, row, value)
        ends[before] = datetime.fromisoformat(value)
        row.start_at, row.value = start, value
        row.first_year, row.last_year = years_of(start, ends[before])
    return moved


def _count_due_dates(session: Session, instance: ProcessInstance, years: Collection[int]) -> list[Moved]:
    rows = session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.state == "open", HumanTask.due_in.is_not(None))).all()
    moved = []
    for row in rows:
        assert row.due_in is not None
        due_in = parse_due_in(row.due_in)
        if due_in.working_days is None or row.due_at is None:
            continue
        if not _touches(*years_of(row.created_at, row.due_at), years):
            continue
        after = due_in.due_from(row.created_at)
        if after != row.due_at:
            moved.append(Moved(instance.id, instance.application_id, "task", row.spec_name, row.title, row.due_at,
                               after, task_id=row.id))
            row.due_at = after
    return moved


def apply(session: Session, instance: ProcessInstance, workflow: Any, years: Collection[int],
          now: datetime) -> list[Moved]:
    """Count again, in the loaded workflow and the inbox rows, what passes through `years`."""
    return _count_values(session, instance, workflow, years, now) + _count_due_dates(session, instance, years)


def _years_text(years: Collection[int]) -> str:
    return "、".join(str(y) for y in sorted(years))


def announce(session: Session, instance: ProcessInstance, moved: Sequence[Moved], years: Collection[int],
             actor_id: int | None) -> None:
    """Audit each move and tell the officers (and the holders of moved tasks) in one notification each."""
    for m in moved:
        audit.record(session, "deadline_recounted", actor_id=actor_id, instance_id=instance.id,
                     application_id=instance.application_id, task_name=m.name,
                     data={**m.as_dict(), "years": sorted(years)})
    app = session.get(Application, instance.application_id) if instance.application_id else None
    subject = f"申报“{app.title}”" if app is not None else f"流程实例 #{instance.id}"
    text = f"{_years_text(years)} 年放假安排已更新，{subject}的期限已重新计算：" + "；".join(m.text() for m in moved)
    if len(text) > 500:
        text = text[:499] + "…"
    link = f"/applications/{app.id}" if app is not None else None
    officers = session.scalars(select(User).where(User.active.is_(True))).all()
    holders = {row.assignee_id for row in session.scalars(select(HumanTask).where(
        HumanTask.id.in_([m.task_id for m in moved if m.task_id]))) if row.assignee_id}
    for user in officers:
        if user.has_role("officer") or user.id in holders:
            session.add(Notification(user_id=user.id, text=text, link=link, created_at=utcnow()))


def recount_years(runtime: Runtime, years: Sequence[int], actor_id: int | None) -> Report:
    """Count again every running instance's deadlines through `years`, one instance per transaction."""
    report = Report(years=list(years))
    if not years:
        return report
    with runtime.sessions() as session:
        instance_ids = affected_instances(session, years)
    for instance_id in instance_ids:
        try:
            report.moved += _recount_one(runtime, instance_id, years, actor_id)
        except EngineError as e:
            report.failed.append((instance_id, str(e)))
    return report


def _recount_one(runtime: Runtime, instance_id: int, years: Sequence[int], actor_id: int | None) -> list[Moved]:
    for attempt in range(TRIES):
        try:
            return runtime.recount_deadlines(instance_id, years, actor_id)
        except Conflict:
            # A user's command on the same instance won the race: count again on its result.
            if attempt == TRIES - 1:
                raise
    return []
