"""Date helpers offered to process code; their arguments are bounded like everything else there."""
from __future__ import annotations

import calendar as gregorian
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from engine import calendar, clock
from forms import places

MAX_WORKING_DAYS = 2_000
MAX_DAYS = 20_000
MAX_MONTHS = 600


def _count(n: Any, limit: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int | float) or int(n) != n:
        raise ValueError(f"天数或月数必须是整数：{n!r}")
    if abs(int(n)) > limit:
        raise ValueError(f"天数或月数超出范围（最多 {limit}）：{n}")
    return int(n)


def parse_moment(value: str | date | datetime) -> datetime:
    """An aware instant from an ISO string, a date (end of that day in China) or a datetime."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, calendar.END_OF_DAY, tzinfo=calendar.CHINA)
    elif isinstance(value, str) and len(value) == 10:
        moment = datetime.combine(date.fromisoformat(value), calendar.END_OF_DAY, tzinfo=calendar.CHINA)
    elif isinstance(value, str) and len(value) <= 64:
        moment = datetime.fromisoformat(value)
    else:
        raise ValueError(f"无法识别的日期时间：{str(value)[:64]!r}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=calendar.CHINA)
    return moment


def now_iso() -> str:
    """The current instant as an aware UTC ISO string (what timer expressions need)."""
    return clock.now().isoformat()


def today() -> str:
    """Today's date in China, ISO."""
    return calendar.china_date(clock.now()).isoformat()


def add_working_days(start: str, n: int) -> str:
    """End of the n-th Chinese working day after `start`, as a UTC ISO string."""
    from engine.holidays import counts  # remembers the count, so a change of the calendar can redo it

    return counts.count(parse_moment(start), _count(n, MAX_WORKING_DAYS))


def add_days(start: str, n: int) -> str:
    """End of the n-th calendar day after `start` (China time), as a UTC ISO string."""
    day = calendar.china_date(parse_moment(start)) + timedelta(days=_count(n, MAX_DAYS))
    return calendar.end_of_day_utc(day).isoformat()


def add_months(start: str, n: int) -> str:
    """End of the same day n months after `start` (clamped to the month's end), UTC ISO."""
    day = calendar.china_date(parse_moment(start))
    month0 = day.month - 1 + _count(n, MAX_MONTHS)
    year, month = day.year + month0 // 12, month0 % 12 + 1
    last = gregorian.monthrange(year, month)[1]
    return calendar.end_of_day_utc(date(year, month, min(day.day, last))).isoformat()


def is_before(a: str, b: str) -> bool:
    """True when instant or date `a` is earlier than `b`."""
    return parse_moment(a) < parse_moment(b)


def place_area(text: str) -> str:
    """Where a place named in text lies: `guangxi`, `elsewhere_in_china`, `abroad`, or "" when unknown."""
    if not isinstance(text, str):
        raise ValueError("地点须为文本")
    return places.area_of(text[:500])


HELPERS: dict[str, Callable[..., Any]] = {
    "now_iso": now_iso,
    "today": today,
    "add_working_days": add_working_days,
    "add_days": add_days,
    "add_months": add_months,
    "is_before": is_before,
    "place_area": place_area,
}
