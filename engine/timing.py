"""Due dates from `dueIn` properties and the next timer an instance waits for."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine import calendar

WAITING = 8
_WORKING_DAYS = re.compile(r"^P(\d+)WD$")


@dataclass(frozen=True)
class DueIn:
    """A due period: n Chinese working days, or a calendar duration."""

    working_days: int | None = None
    duration: str | None = None

    def due_from(self, start: datetime) -> datetime:
        """The due instant for a task that became ready at `start`."""
        if self.working_days is not None:
            return calendar.working_deadline(start, self.working_days)
        assert self.duration is not None
        parsed = TimerEventDefinition.parse_iso_duration(self.duration)
        end = start + TimerEventDefinition.get_timedelta_from_start(parsed, start)
        return calendar.end_of_day_utc(calendar.china_date(end))


def parse_due_in(text: str) -> DueIn:
    """`P5WD` (working days) or an ISO 8601 duration such as `P10D`, `P1M`."""
    text = text.strip()
    match = _WORKING_DAYS.match(text)
    if match:
        return DueIn(working_days=int(match.group(1)))
    try:
        parsed = TimerEventDefinition.parse_iso_duration(text)
        TimerEventDefinition.get_timedelta_from_start(parsed)
    except Exception as e:  # the library raises bare exceptions for bad durations
        raise ValueError(f"dueIn“{text}”无效：应为 P5WD（工作日）或 ISO 8601 时长如 P10D") from e
    if not text.startswith("P"):
        raise ValueError(f"dueIn“{text}”无效：应为 P5WD（工作日）或 ISO 8601 时长如 P10D")
    return DueIn(duration=text)


def _event_time(value: Any) -> datetime | None:
    if isinstance(value, dict):
        value = value.get("next")
    if not isinstance(value, str):
        return None
    try:
        moment = TimerEventDefinition.get_datetime(value)
    except Exception:
        return None
    if not isinstance(moment, datetime):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=calendar.CHINA)


def next_timer_at(state: dict[str, Any]) -> datetime | None:
    """Earliest time a WAITING timer task in a stored state (subprocesses included) is due."""
    task_maps = [state.get("tasks", {})] + [sp.get("tasks", {}) for sp in state.get("subprocesses", {}).values()]
    times = [
        moment
        for tasks in task_maps
        for task in tasks.values()
        if task.get("state") == WAITING
        and (moment := _event_time(task.get("internal_data", {}).get("event_value"))) is not None
    ]
    return min(times) + timedelta(seconds=1) if times else None


def next_timer_of(workflow: Any, tasks: Sequence[Any] | None = None) -> datetime | None:
    """Earliest due time of the live workflow's WAITING timer tasks (subprocesses included); `tasks`, when
    given, is every task of the workflow from one pass over its tree."""
    from SpiffWorkflow.util.task import TaskState

    waiting = workflow.get_tasks(state=TaskState.WAITING) if tasks is None else (
        t for t in tasks if t.state == TaskState.WAITING)
    times = [
        moment
        for task in waiting
        if isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition)
        and (moment := _event_time(task.internal_data.get("event_value"))) is not None
    ]
    return min(times) + timedelta(seconds=1) if times else None
