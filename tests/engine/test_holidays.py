"""The holiday calendar: statutory days computed by the rules, the package's years, entered years, caches."""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from sqlalchemy import Engine, select

from engine import calendar
from engine.db import make_engine, make_sessionmaker
from engine.errors import FormInvalid, NotAllowed
from engine.holidays import entry
from engine.holidays.schedule import OFF, PACKAGE_NAMES, WORK, Day, package_knows
from engine.holidays.source import CalendarView, using
from engine.holidays.statutory import statutory_days
from engine.models import AuditEvent, HolidayYear
from engine.runtime import Runtime

DATA = Path(__file__).parent / "data"
LAW = {"元旦": 1, "春节": 4, "清明节": 1, "劳动节": 2, "端午节": 1, "中秋节": 1, "国庆节": 3}


# -- statutory days -------------------------------------------------------------------------------
@pytest.mark.parametrize("year", [2025, 2026])
def test_statutory_days_are_the_official_holidays_of_known_years(year: int) -> None:
    computed = statutory_days(year)
    official = {d: PACKAGE_NAMES[str(name)] for d, name in chinese_calendar.holidays.items() if d.year == year}
    for day, name in computed.items():
        assert official.get(day) == name, (day, name)
    # every festival has its statutory number of days, and each lies inside the official holiday
    names = list(computed.values())
    assert {n: names.count(n) for n in LAW} == LAW


def test_statutory_days_of_2027() -> None:
    days = statutory_days(2027)
    assert [d for d, n in days.items() if n == "春节"] == [date(2027, 2, 5) + timedelta(k) for k in range(4)]
    assert [d for d, n in days.items() if n in ("清明节", "端午节", "中秋节")] == [
        date(2027, 4, 5), date(2027, 6, 9), date(2027, 9, 15)]
    assert [d for d, n in days.items() if n in ("元旦", "劳动节", "国庆节")] == [
        date(2027, 1, 1), date(2027, 5, 1), date(2027, 5, 2), *(date(2027, 10, k) for k in (1, 2, 3))]


def test_two_festivals_on_one_day_are_both_named() -> None:
    assert statutory_days(2028)[date(2028, 10, 3)] == "中秋节、国庆节"


# -- working days without a database ------------------------------------------------------------
def test_a_year_nobody_published_counts_the_statutory_days_off() -> None:
    assert not package_knows(2027)
    schedule = CalendarView().year(2027)
    assert schedule.basis == "statutory" and not schedule.official
    # Thursday 4 February + 5: 2-5 to 2-8 off (除夕 to 初三), 2-13/14 weekend
    assert calendar.add_working_days(date(2027, 2, 4), 5) == date(2027, 2, 15)
    assert not calendar.is_working_day(date(2027, 10, 1)) and calendar.is_working_day(date(2027, 10, 4))
    assert not calendar.is_official(date(2027, 3, 1))


def test_a_year_the_package_knows_keeps_its_make_up_days() -> None:
    schedule = CalendarView().year(2026)
    assert schedule.basis == "package" and schedule.official
    assert schedule.days[date(2026, 2, 14)] == Day(date(2026, 2, 14), WORK, "春节", "chinesecalendar")
    assert calendar.is_working_day(date(2026, 2, 14)) and not calendar.is_working_day(date(2026, 2, 20))


# -- reading entries ----------------------------------------------------------------------------
def test_read_days_names_every_bad_item() -> None:
    items = [
        {"date": "2027-02-05", "kind": "off", "name": "春节"},
        {"date": "2027-02-30", "kind": "off", "name": "春节"},
        {"date": "2028-01-01", "kind": "off", "name": "元旦"},
        {"date": "2027-02-05", "kind": "off", "name": "春节"},
        {"date": "2027-02-20", "kind": "holiday", "name": "春节"},
        {"date": "2027-02-22", "kind": "work", "name": "春节"},
        {"date": 20270301, "kind": "off"},
    ]
    with pytest.raises(FormInvalid) as caught:
        entry.read_days(2027, items, "API")
    errors = caught.value.errors["days"]
    assert set(errors) == {"1", "2", "3", "4", "5", "6"}
    assert "无效" in errors["1"]["date"][0] and "不在 2027 年内" in errors["2"]["date"][0]
    assert "重复" in errors["3"]["date"][0] and "off（休）或 work（班）" in errors["4"]["kind"][0]
    assert "周六或周日" in errors["5"]["kind"][0] and "date" in errors["6"]


def test_read_days_accepts_a_good_year() -> None:
    days = entry.read_days(2027, [{"date": "2027-02-20", "kind": "work", "name": "春节"},
                                  {"date": "2027-02-05", "kind": "off"}], "API")
    assert days == [Day(date(2027, 2, 5), OFF, "", "API"), Day(date(2027, 2, 20), WORK, "春节", "API")]


def test_schedule_file_lines() -> None:
    years = entry.parse_file((DATA / "holidays_2027.txt").read_text("utf-8"), "2027.txt")
    assert list(years) == [2027] and len(years[2027]) == 33
    assert years[2027][0] == Day(date(2027, 1, 1), OFF, "元旦", "2027.txt")
    assert Day(date(2027, 1, 31), WORK, "春节", "2027.txt") in years[2027]


def test_schedule_file_errors_name_their_lines() -> None:
    text = "# 注释\n2027-02-05 休 春节\n\n2027-02-31 休 春节\n2027-02-06 假 春节\n2027-02-05 休 春节\n只有一列\n"
    with pytest.raises(entry.ScheduleFileInvalid) as caught:
        entry.parse_file(text, "bad.txt")
    lines = [line for line, _ in caught.value.problems]
    assert lines == [4, 5, 6, 7]
    assert "与第 2 行重复" in caught.value.problems[2][1]
    with pytest.raises(entry.ScheduleFileInvalid):
        entry.parse_file("# 空文件\n\n", "empty.txt")


# -- entered years in the database ---------------------------------------------------------------
def test_entered_days_override_the_package_and_replace_the_year(runtime: Runtime, users: dict[str, int]) -> None:
    days = entry.read_days(2026, [{"date": "2026-02-14", "kind": "off", "name": "改为休息"}], "测试")
    entry.change(runtime, {2026: days}, users["admin"])
    with runtime.sessions() as session, using(session):
        assert not calendar.is_working_day(date(2026, 2, 14))  # entered over the package's make-up day
        assert not calendar.is_working_day(date(2026, 2, 20))  # the package's holiday still counts
        assert CalendarView(session).year(2026).basis == "entered"
    entry.change(runtime, {2026: []}, users["admin"])
    with runtime.sessions() as session, using(session):
        assert calendar.is_working_day(date(2026, 2, 14))
        assert session.scalar(select(HolidayYear.revision).where(HolidayYear.year == 2026)) == 2
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "calendar_changed")).all()
        assert [e.data_diff["after"] for e in events if e.data_diff] == [["2026-02-14 休 改为休息"], []]


def test_only_administrators_change_the_calendar(runtime: Runtime, users: dict[str, int]) -> None:
    with pytest.raises(NotAllowed):
        entry.change(runtime, {2027: []}, users["officer"])
    with pytest.raises(FormInvalid):
        entry.change(runtime, {1999: []}, users["admin"])


def test_another_process_sees_an_edit_at_its_next_transaction(runtime: Runtime, users: dict[str, int],
                                                              db_engine: Engine) -> None:
    # A second engine on the same database stands for another process (web worker or scheduler).
    other = make_engine(db_engine.url.render_as_string(hide_password=False))
    try:
        sessions = make_sessionmaker(other)
        with sessions() as session, using(session):
            assert calendar.add_working_days(date(2027, 2, 4), 5) == date(2027, 2, 15)
        days = entry.parse_file((DATA / "holidays_2027.txt").read_text("utf-8"), "2027.txt")
        entry.change(runtime, days, users["admin"])
        with sessions() as session, using(session) as view:
            assert view.year(2027).official
            assert calendar.add_working_days(date(2027, 2, 4), 5) == date(2027, 2, 18)
        # and the view read the revisions once, not once per day counted
        with sessions() as session, using(session) as view:
            calendar.add_working_days(date(2027, 1, 4), 200)
            assert view.key() == ((2027, 1),)
    finally:
        other.dispose()


def test_adding_a_day_to_an_unpublished_year_keeps_the_days_it_showed(runtime: Runtime) -> None:
    with runtime.sessions() as session:
        days = entry.with_day(session, Day(date(2027, 2, 9), OFF, "春节", "页面录入"))
    assert [d.day for d in days if d.name == "春节"] == [date(2027, 2, 5) + timedelta(k) for k in range(5)]
    assert len(days) == 14
    with runtime.sessions() as session:
        assert entry.with_day(session, Day(date(2026, 2, 9), OFF, "春节", "页面录入")) == [
            Day(date(2026, 2, 9), OFF, "春节", "页面录入")]
