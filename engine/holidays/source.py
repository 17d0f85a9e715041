"""Where working-day arithmetic finds a year's schedule: a per-database cache checked once per transaction.

Several processes (web workers, the scheduler) share one database, so a process cannot be told when
an administrator edits a year. Instead every edit raises that year's `holiday_year.revision`, and a
`CalendarView` reads the (few) revisions once, the first time its transaction or request needs a
schedule; schedules are cached per (year, revision), so a change is seen by the next transaction of
every process and nothing is reloaded otherwise.

Code that has a database enters `using(session)`; the engine's commands and the scheduler's reminder
job do. Outside such a block only the package and the statutory days are known (tests of diagrams,
benchmarks).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from engine.holidays.schedule import Day, YearSchedule, build
from engine.models import HolidayDay, HolidayYear

T = TypeVar("T")
Database = Session | sessionmaker[Session]


class HolidayBook:
    """The schedules of one database, cached per (year, revision); revision 0 means never edited."""

    def __init__(self) -> None:
        self._schedules: dict[tuple[int, int], YearSchedule] = {}

    def schedule(self, year: int, revision: int, entered: Callable[[], list[Day]]) -> YearSchedule:
        """The year's schedule at `revision`, built (and `entered` read) only when not cached."""
        key = (year, revision)
        found = self._schedules.get(key)
        if found is None:
            found = self._schedules[key] = build(year, entered() if revision else [])
        return found

    def forget_older(self, revisions: dict[int, int]) -> None:
        """Drop schedules of edited years at revisions older than the current ones."""
        for year, revision in list(self._schedules):
            if revision < revisions.get(year, 0):
                self._schedules.pop((year, revision), None)


_BOOKS: WeakKeyDictionary[Engine, HolidayBook] = WeakKeyDictionary()
_PACKAGE_ONLY = HolidayBook()


def _book(engine: Engine) -> HolidayBook:
    found = _BOOKS.get(engine)
    if found is None:
        found = _BOOKS[engine] = HolidayBook()
    return found


def _engine(db: Database) -> Engine:
    bind = db.get_bind() if isinstance(db, Session) else db.kw["bind"]
    return bind if isinstance(bind, Engine) else bind.engine


def _query(db: Database, read: Callable[[Session], T]) -> T:
    if isinstance(db, Session):
        return read(db)
    with db() as session:
        return read(session)


def entered_days(session: Session, year: int) -> list[Day]:
    """The days entered for `year`."""
    rows = session.scalars(select(HolidayDay).where(HolidayDay.year == year).order_by(HolidayDay.day)).all()
    return [Day(r.day, r.kind, r.name, r.source) for r in rows]


class CalendarView:
    """The holiday calendar as one transaction or request sees it."""

    def __init__(self, db: Database | None = None):
        self.db = db
        self.book = _book(_engine(db)) if db is not None else _PACKAGE_ONLY
        self._revisions: dict[int, int] | None = None if db is not None else {}

    @property
    def revisions(self) -> dict[int, int]:
        """{year: revision} of the edited years, read on first use."""
        if self._revisions is None:
            assert self.db is not None
            self._revisions = dict(_query(self.db, lambda s: s.execute(
                select(HolidayYear.year, HolidayYear.revision)).tuples().all()))
            self.book.forget_older(self._revisions)
        return self._revisions

    def year(self, year: int) -> YearSchedule:
        """The schedule of `year`."""
        db = self.db
        return self.book.schedule(year, self.revisions.get(year, 0),
                                  lambda: _query(db, lambda s: entered_days(s, year)) if db is not None else [])

    def key(self) -> tuple[tuple[int, int], ...]:
        """Changes whenever any year's schedule changes (for caches of derived values)."""
        return tuple(sorted(self.revisions.items()))


_current: ContextVar[CalendarView | None] = ContextVar("rootball_calendar", default=None)
_DEFAULT = CalendarView()


def current() -> CalendarView:
    """The view of the innermost `using` block, or the package-and-statutory view outside any."""
    return _current.get() or _DEFAULT


@contextmanager
def using(db: Database) -> Iterator[CalendarView]:
    """Count working days with `db`'s holiday calendar inside the block."""
    view = CalendarView(db)
    token = _current.set(view)
    try:
        yield view
    finally:
        _current.reset(token)
