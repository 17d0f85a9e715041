"""One year's schedule: the days that differ from Monday–Friday, and where they come from."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import chinese_calendar

from engine.holidays.statutory import statutory_days

OFF, WORK = "off", "work"
KIND_LABELS = {OFF: "休", WORK: "班"}
PACKAGE = "chinesecalendar"
STATUTORY = "法定节日推算"
BASIS_LABELS = {"entered": "已录入", "package": PACKAGE, "statutory": STATUTORY}
# chinesecalendar names its festivals in English.
PACKAGE_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


@dataclass(frozen=True)
class Day:
    """A day off or a make-up working day, with its festival and where it was learnt."""

    day: date
    kind: str
    name: str
    source: str


@dataclass(frozen=True)
class YearSchedule:
    """A year's days off and make-up days; `basis` is `entered`, `package` or `statutory`."""

    year: int
    basis: str
    days: Mapping[date, Day] = field(default_factory=dict)

    @property
    def official(self) -> bool:
        """False while only the statutory days are known (no published schedule yet)."""
        return self.basis != "statutory"

    def is_working_day(self, day: date) -> bool:
        """A weekday that is not a day off, or a make-up working day."""
        entry = self.days.get(day)
        return entry.kind == WORK if entry is not None else day.weekday() < 5

    def listing(self) -> list[Day]:
        """The days in date order."""
        return [self.days[d] for d in sorted(self.days)]


def package_knows(year: int) -> bool:
    """True when the installed `chinesecalendar` has the official schedule of `year`."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=64)
def package_days(year: int) -> dict[date, Day] | None:
    """The package's schedule of `year` (holidays and make-up days), or None when it has none."""
    if not package_knows(year):
        return None
    found: dict[date, Day] = {}
    for table, kind in ((chinese_calendar.holidays, OFF), (chinese_calendar.workdays, WORK)):
        for day, name in table.items():
            if day.year == year:
                found[day] = Day(day, kind, PACKAGE_NAMES.get(str(name), str(name)), PACKAGE)
    return found


def statutory(year: int) -> YearSchedule:
    """The schedule of a year nobody has published yet: the statutory days off, weekends off."""
    return YearSchedule(year, "statutory",
                        {d: Day(d, OFF, name, STATUTORY) for d, name in statutory_days(year).items()})


def build(year: int, entered: Iterable[Day]) -> YearSchedule:
    """The schedule of `year`: entered days over the package's; statutory days when neither has the year."""
    mine = {d.day: d for d in entered}
    base = package_days(year)
    if base is None and not mine:
        return statutory(year)
    return YearSchedule(year, "entered" if mine else "package", {**(base or {}), **mine})
