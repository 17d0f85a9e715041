"""Dates counted in working days remember how they were counted, so they can be counted again.

A process script writes `publicity_ends_at = add_working_days(now_iso(), 5)`; SpiffWorkflow then
caches the string in the timer task. Nothing in the string says it was counted, so while a command
runs, every count the helper makes is noted (start instant, n, result), and when the command saves
the instance the counts are stored in `working_day_count` with the data variables that hold the
result. `engine.holidays.recount` finds them again by the years they pass through.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import calendar
from engine.holidays import source
from engine.models import WorkingDayCount


@dataclass(frozen=True)
class Count:
    """One call of the working-day helper."""

    start: datetime
    days: int
    value: str


_noted: ContextVar[list[Count] | None] = ContextVar("rootball_counts", default=None)


def count(start: datetime, n: int) -> str:
    """End (China time) of the n-th working day after `start`, as a UTC ISO string; noted while counting."""
    value = calendar.working_deadline(start, n).isoformat()
    noted = _noted.get()
    if noted is not None:
        noted.append(Count(start.astimezone(UTC), n, value))
    return value


@contextmanager
def counting(db: source.Database) -> Iterator[None]:
    """A command's block: working days by `db`'s calendar, and every count noted for `save`."""
    token = _noted.set([])
    try:
        with source.using(db):
            yield
    finally:
        _noted.reset(token)


def years_of(start: datetime, end: datetime) -> tuple[int, int]:
    """The first and last year (China dates) a count from `start` to `end` passes through."""
    return calendar.china_date(start).year, calendar.china_date(end).year


def holders(workflow: Any, value: str) -> list[str]:
    """Names of data variables of the workflow's unfinished tasks that hold `value`."""
    return sorted({name for task in workflow.get_tasks(state=TaskState.NOT_FINISHED_MASK)
                   for name, held in task.data.items() if held == value})


def save(session: Session, instance_id: int, workflow: Any) -> None:
    """Store the counts noted since the last save for this instance (one row per start and n)."""
    noted = _noted.get()
    if not noted:
        return
    counts = list(dict.fromkeys(noted))
    noted.clear()
    known = {(row.start_at, row.days): row for row in session.scalars(
        select(WorkingDayCount).where(WorkingDayCount.instance_id == instance_id))}
    for c in counts:
        first, last = years_of(c.start, datetime.fromisoformat(c.value))
        row = known.get((c.start, c.days))
        if row is None:
            row = known[(c.start, c.days)] = WorkingDayCount(instance_id=instance_id, start_at=c.start, days=c.days)
            session.add(row)
        row.value, row.names, row.first_year, row.last_year = c.value, holders(workflow, c.value), first, last
