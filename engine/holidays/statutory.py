"""The statutory public holidays of a year, by the rules in force since 2025 (国务院令第798号).

元旦 1 day (1 Jan); 春节 除夕 to 正月初三; 清明 the day of the 清明 solar term; 劳动节 1–2 May;
端午 the 5th of the 5th lunar month; 中秋 the 15th of the 8th lunar month; 国庆 1–3 Oct. Lunar dates
and solar terms come from `lunar_python` (Beijing time). These are only the days the law fixes: the
General Office's yearly schedule adds bridging days and make-up working days that cannot be computed.
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from lunar_python import Lunar, Solar

NEW_YEAR, SPRING, QINGMING, LABOUR, DRAGON_BOAT, MID_AUTUMN, NATIONAL = (
    "元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")


def _gregorian(solar: Solar) -> date:
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _lunar(year: int, month: int, day: int) -> date:
    return _gregorian(Lunar.fromYmd(year, month, day).getSolar())


def qingming(year: int) -> date:
    """The day of the 清明 solar term in `year`."""
    # The table of the lunar year around mid-April names the 清明 of that Gregorian year.
    return _gregorian(Solar.fromYmd(year, 4, 15).getLunar().getJieQiTable()["清明"])


@lru_cache(maxsize=256)
def statutory_days(year: int) -> dict[date, str]:
    """{day: festival} of the year's statutory days off (two festivals on one day are both named)."""
    new_year = _lunar(year, 1, 1)
    spring = [new_year + timedelta(days=k) for k in range(-1, 3)]  # 除夕 … 正月初三
    days: dict[date, list[str]] = {}
    for day, name in [
        (date(year, 1, 1), NEW_YEAR), *((d, SPRING) for d in spring), (qingming(year), QINGMING),
        (date(year, 5, 1), LABOUR), (date(year, 5, 2), LABOUR), (_lunar(year, 5, 5), DRAGON_BOAT),
        (_lunar(year, 8, 15), MID_AUTUMN), *((date(year, 10, d), NATIONAL) for d in (1, 2, 3)),
    ]:
        days.setdefault(day, []).append(name)
    return {day: "、".join(names) for day, names in sorted(days.items())}
