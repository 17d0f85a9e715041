"""Chinese working days: weekends and official holidays off, official make-up days (调休) on.

A year's schedule is the one the Department entered, else the `chinesecalendar` package's, else (for
a year nobody has published yet) the statutory holidays computed by the rules: see `engine.holidays`.
Pages mark dates counted through such a year, since the published schedule will add days.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from engine.holidays.source import current

CHINA = ZoneInfo("Asia/Shanghai")
END_OF_DAY = time(23, 59, 59)


def is_official(day: date) -> bool:
    """True when a published schedule (entered or the package's) covers this day's year."""
    return current().year(day.year).official


def is_working_day(day: date) -> bool:
    """A day people work: a weekday that is not a holiday, or a make-up working day."""
    return current().year(day.year).is_working_day(day)


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after `start` (the start day itself is not counted)."""
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def subtract_working_days(start: date, n: int) -> date:
    """The n-th working day before `start` (the start day itself is not counted)."""
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    counted = 0
    while counted < n:
        day -= timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days lie after `start` up to and including `end` (negative if end < start)."""
    if end < start:
        return -working_days_between(end, start)
    return sum(1 for k in range(1, (end - start).days + 1) if is_working_day(start + timedelta(days=k)))


def china_date(moment: datetime) -> date:
    """The calendar date in China of an aware instant."""
    return moment.astimezone(CHINA).date()


def end_of_day_utc(day: date) -> datetime:
    """23:59:59 China time on `day`, as an aware UTC datetime."""
    return datetime.combine(day, END_OF_DAY, tzinfo=CHINA).astimezone(UTC)


def start_of_day_utc(day: date) -> datetime:
    """00:00 China time on `day`, as an aware UTC datetime."""
    return datetime.combine(day, time(0, 0), tzinfo=CHINA).astimezone(UTC)


def working_deadline(moment: datetime, n: int) -> datetime:
    """End (China time) of the n-th working day after the China date of `moment`, in UTC."""
    return end_of_day_utc(add_working_days(china_date(moment), n))
