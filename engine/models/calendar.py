"""The holiday schedule the Department enters, and the working-day counts that depend on it."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base, utcnow


class HolidayYear(Base):
    """A year whose schedule has been edited; `revision` grows with every edit, so caches can tell."""

    __tablename__ = "holiday_year"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    revision: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class HolidayDay(Base):
    """One entered day of the official schedule: a day off (`off`, 休) or a make-up working day (`work`, 班)."""

    __tablename__ = "holiday_day"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("holiday_year.year"), index=True)
    day: Mapped[date] = mapped_column(unique=True)
    kind: Mapped[str] = mapped_column(String(4))
    name: Mapped[str] = mapped_column(String(50), default="")
    source: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WorkingDayCount(Base):
    """A date a process script counted in working days (`add_working_days`), and how it was counted.

    `value` is the ISO string the helper returned (what task data and timers hold), `names` the data
    variables that held it when it was saved; `first_year`..`last_year` are the years the count passes
    through, so a change of one year's schedule finds the counts to do again.
    """

    __tablename__ = "working_day_count"
    __table_args__ = (Index("ix_working_day_count_years", "last_year", "first_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    start_at: Mapped[datetime]
    days: Mapped[int]
    value: Mapped[str] = mapped_column(String(40))
    names: Mapped[list[Any]]
    first_year: Mapped[int]
    last_year: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
