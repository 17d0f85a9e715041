"""The Department enters a year's published schedule: from the API, the admin page or a file.

Entering a year replaces that year's entered days; entered days override the package's, and once a
year has entered days it no longer falls back to the computed statutory days. Every change raises
the year's revision (so each process reloads it), is audited, and is followed by counting again the
deadlines that pass through the year (`recount`).
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import audit
from engine.errors import Conflict, FormInvalid, NotAllowed
from engine.holidays import recount
from engine.holidays.schedule import BASIS_LABELS, KIND_LABELS, OFF, WORK, Day, YearSchedule
from engine.holidays.source import CalendarView, entered_days
from engine.models import HolidayDay, HolidayYear, User, utcnow

if TYPE_CHECKING:
    from engine.runtime import Runtime

FIRST_YEAR, LAST_YEAR = 2000, 2099
NAME_LENGTH = 50
KINDS = {"off": OFF, "work": WORK, "休": OFF, "班": WORK}
_FIELDS = re.compile(r"[\s,，、]+")


class ScheduleFileInvalid(Exception):
    """A schedule file has bad lines; `problems` holds (line number, message) of each."""

    def __init__(self, problems: list[tuple[int, str]]):
        super().__init__("\n".join(f"第 {line} 行：{message}" for line, message in problems))
        self.problems = problems


def check_year(year: int) -> None:
    """Refuse years the calendar does not keep."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise FormInvalid({"year": [f"年份应在 {FIRST_YEAR}–{LAST_YEAR} 之间"]})


def _day_problems(year: int, raw_date: Any, raw_kind: Any, name: Any) -> tuple[Day | None, dict[str, list[str]]]:
    problems: dict[str, list[str]] = {}
    day = None
    try:
        day = date.fromisoformat(raw_date) if isinstance(raw_date, str) and len(raw_date) == 10 else None
    except ValueError:
        pass
    kind = KINDS.get(raw_kind) if isinstance(raw_kind, str) else None
    if day is None:
        problems["date"] = [f"日期“{raw_date}”无效，应为 YYYY-MM-DD"]
    elif day.year != year:
        problems["date"] = [f"{day.isoformat()} 不在 {year} 年内"]
    if kind is None:
        problems["kind"] = [f"类别“{raw_kind}”无效，应为 off（休）或 work（班）"]
    elif kind == WORK and day is not None and day.weekday() < 5:
        problems["kind"] = [f"{day.isoformat()} 是工作日，调休上班日应为周六或周日"]
    if not isinstance(name, str):
        problems["name"] = ["名称须为文本"]
    elif len(name.strip()) > NAME_LENGTH:
        problems["name"] = [f"名称不能超过 {NAME_LENGTH} 个字"]
    if problems or day is None or kind is None or not isinstance(name, str):
        return None, problems
    return Day(day, kind, name.strip(), ""), {}


def read_days(year: int, items: Sequence[Mapping[str, Any]], source: str) -> list[Day]:
    """Check a year's days ({date, kind, name}); FormInvalid names each bad item by its index."""
    check_year(year)
    errors: dict[str, dict[str, list[str]]] = {}
    seen: set[date] = set()
    days = []
    for index, item in enumerate(items):
        day, problems = _day_problems(year, item.get("date"), item.get("kind"), item.get("name", ""))
        if day is not None and day.day in seen:
            problems = {"date": [f"{day.day.isoformat()} 重复出现"]}
        if problems:
            errors[str(index)] = problems
        elif day is not None:
            seen.add(day.day)
            days.append(Day(day.day, day.kind, day.name, source))
    if errors:
        per_item: dict[str, object] = {"days": errors}
        raise FormInvalid(per_item)
    return sorted(days, key=lambda d: d.day)


def parse_file(text: str, source: str) -> dict[int, list[Day]]:
    """The days of a schedule file, by year: one `date 休|班 name` a line, blank lines and `#` comments ignored."""
    problems: list[tuple[int, str]] = []
    seen: dict[date, int] = {}
    years: dict[int, list[Day]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip().lstrip("\ufeff")
        if not line:
            continue
        parts = _FIELDS.split(line, maxsplit=2)
        if len(parts) < 2:
            problems.append((number, f"应为“日期 休|班 名称”，如“2027-02-05 休 春节”：{line}"))
            continue
        year = int(parts[0][:4]) if parts[0][:4].isdigit() else 0
        day, found = _day_problems(year, parts[0], parts[1], parts[2] if len(parts) > 2 else "")
        if not FIRST_YEAR <= year <= LAST_YEAR and "date" not in found:
            found["date"] = [f"年份应在 {FIRST_YEAR}–{LAST_YEAR} 之间"]
        if day is not None and day.day in seen:
            found = {"date": [f"{day.day.isoformat()} 与第 {seen[day.day]} 行重复"]}
        if found:
            problems.extend((number, message) for messages in found.values() for message in messages)
        elif day is not None:
            seen[day.day] = number
            years.setdefault(year, []).append(Day(day.day, day.kind, day.name, source))
    if problems:
        raise ScheduleFileInvalid(problems)
    if not years:
        raise ScheduleFileInvalid([(0, "文件中没有任何日期")])
    return {year: sorted(days, key=lambda d: d.day) for year, days in sorted(years.items())}


def _line(day: Day) -> str:
    return f"{day.day.isoformat()} {KIND_LABELS[day.kind]} {day.name}".rstrip()


def save_year(session: Session, year: int, days: Sequence[Day], actor_id: int | None) -> None:
    """Replace the entered days of `year` in this transaction and raise its revision; audited."""
    check_year(year)
    now = utcnow()
    # Write first: the row lock (PostgreSQL) or the write lock (SQLite) orders concurrent editors.
    raised = session.execute(update(HolidayYear).where(HolidayYear.year == year).values(
        revision=HolidayYear.revision + 1, updated_at=now, updated_by=actor_id
    ).execution_options(synchronize_session=False))
    if not getattr(raised, "rowcount", 0):
        try:
            with session.begin_nested():
                session.execute(insert(HolidayYear).values(year=year, revision=1, updated_at=now, updated_by=actor_id))
        except IntegrityError as e:
            raise Conflict("该年份的放假安排正被他人修改，请稍后重试") from e
    before = entered_days(session, year)
    session.execute(delete(HolidayDay).where(HolidayDay.year == year))
    if days:
        session.execute(insert(HolidayDay), [
            {"year": year, "day": d.day, "kind": d.kind, "name": d.name, "source": d.source, "created_at": now}
            for d in days])
    audit.record(session, "calendar_changed", actor_id=actor_id, data={
        "year": year, "before": [_line(d) for d in before], "after": [_line(d) for d in days],
        "sources": sorted({d.source for d in days})})


@dataclass
class Change:
    """What a change of the calendar did: the years and their schedules now, and the deadlines that moved."""

    years: dict[int, YearSchedule] = field(default_factory=dict)
    recounted: recount.Report = field(default_factory=recount.Report)

    def summary(self) -> list[str]:
        """Lines for the administrator who made the change."""
        lines = [f"{year} 年放假安排：{len(s.days)} 天（{BASIS_LABELS[s.basis]}）" for year, s in self.years.items()]
        return lines + self.recounted.summary()


def _admin(session: Session, actor_id: int | None) -> None:
    if actor_id is None:
        return  # the command line, run by whoever runs the server
    actor = session.get(User, actor_id)
    if actor is None or not actor.active or not actor.has_role("admin"):
        raise NotAllowed("只有系统管理员可以修改放假安排")


def change(runtime: Runtime, years: Mapping[int, Sequence[Day]], actor_id: int | None) -> Change:
    """Replace the entered days of each year, then count again the deadlines passing through them."""
    with runtime.sessions.begin() as session:
        _admin(session, actor_id)
        for year, days in sorted(years.items()):
            save_year(session, year, days, actor_id)
    done = Change()
    with runtime.sessions() as session:
        view = CalendarView(session)
        done.years = {year: view.year(year) for year in sorted(years)}
    done.recounted = recount.recount_years(runtime, sorted(years), actor_id)
    return done


def with_day(session: Session, day: Day) -> list[Day]:
    """The year's entered days with `day` added (or replacing the entry of its date).

    A year with only computed statutory days starts from them, so adding one day does not silently
    drop the others; in a year the package knows, entered days lie over the package's anyway.
    """
    year = day.day.year
    entered = entered_days(session, year)
    if not entered:
        shown = CalendarView(session).year(year)
        entered = shown.listing() if not shown.official else []
    return sorted([d for d in entered if d.day != day.day] + [day], key=lambda d: d.day)


def without_day(session: Session, day: date) -> list[Day]:
    """The year's entered days without the entry of `day`."""
    return [d for d in entered_days(session, day.year) if d.day != day]
