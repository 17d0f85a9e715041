"""Which dates were counted through a year nobody has published yet, and the warning pages show for them.

Such a date may move when the year's schedule is entered (the published schedule adds bridging
days and make-up days to the statutory ones), so every page and API row showing it says so.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.holidays.counts import years_of
from engine.holidays.source import CalendarView
from engine.models import HumanTask, ProcessInstance, WorkingDayCount
from engine.timing import parse_due_in

LIVE_STATUSES = ("running", "waiting")


def warning(years: Iterable[int]) -> str:
    """`2027 年放假安排尚未录入，按法定节日推算`."""
    return f"{'、'.join(str(y) for y in sorted(years))} 年放假安排尚未录入，按法定节日推算"


def unofficial(view: CalendarView, first: int, last: int) -> list[int]:
    """The years from `first` to `last` with no published schedule."""
    return [year for year in range(first, last + 1) if not view.year(year).official]


def counted_in_working_days(due_in: str | None) -> bool:
    """Whether a `dueIn` counts working days (P5WD), as opposed to a calendar duration."""
    try:
        return due_in is not None and parse_due_in(due_in).working_days is not None
    except ValueError:
        return False


def task_note(view: CalendarView, row: HumanTask) -> str | None:
    """The warning for an inbox row whose due date was counted through an unpublished year, else None."""
    if row.due_at is None or not counted_in_working_days(row.due_in):
        return None
    years = unofficial(view, *years_of(row.created_at, row.due_at))
    return warning(years) if years else None


def years_in_use(session: Session, view: CalendarView, now: datetime) -> list[int]:
    """Unpublished years that open due dates or pending counted deadlines pass through."""
    first_task, last_task = session.execute(
        select(func.min(HumanTask.created_at), func.max(HumanTask.due_at))
        .where(HumanTask.state == "open", HumanTask.due_in.like("P%WD"))).one()
    first_count, last_count = session.execute(
        select(func.min(WorkingDayCount.first_year), func.max(WorkingDayCount.last_year))
        .join(ProcessInstance, ProcessInstance.id == WorkingDayCount.instance_id)
        .where(ProcessInstance.status.in_(LIVE_STATUSES), WorkingDayCount.last_year >= now.year)).one()
    spans = []
    if first_task is not None and last_task is not None:
        spans.append(years_of(first_task, last_task))
    if first_count is not None and last_count is not None:
        spans.append((first_count, last_count))
    years = {year for first, last in spans for year in unofficial(view, first, last)}
    return sorted(years)


def timer_notes(session: Session, view: CalendarView, timers: Iterable[tuple[int, datetime]]) -> dict[int, str]:
    """{instance id: warning} for waiting timers whose time was counted through an unpublished year.

    `timers` are (instance id, next_timer_at); a timer fires one second after its time.
    """
    wanted = {instance_id: due - timedelta(seconds=1) for instance_id, due in timers}
    found: dict[int, str] = {}
    rows = session.scalars(select(WorkingDayCount).where(WorkingDayCount.instance_id.in_(list(wanted)))).all()
    for row in rows:
        years = unofficial(view, row.first_year, row.last_year)
        if years and datetime.fromisoformat(row.value) == wanted[row.instance_id]:
            found[row.instance_id] = warning(years)
    return found
