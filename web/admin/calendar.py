"""The holiday calendar page: a year's days off and make-up days, entered day by day or imported from a file."""
from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from engine.calendar import china_date
from engine.errors import FormInvalid
from engine.holidays import entry, notes
from engine.holidays.entry import Change
from engine.holidays.schedule import BASIS_LABELS, KIND_LABELS, Day
from engine.holidays.source import CalendarView, entered_days
from engine.models import utcnow
from web import db
from web.admin import bp
from web.admin.common import flash_invalid
from web.auth import me, role_required
from web.numbers import bounded_int

SHOWN_MOVES = 20
WEEKDAYS = "一二三四五六日"


def _this_year() -> int:
    return china_date(utcnow()).year


@bp.get("/calendar")
@role_required("admin", "officer")
def calendar_page() -> str:
    session = db.session()
    year = request.args.get("year", type=bounded_int) or _this_year()
    if not entry.FIRST_YEAR <= year <= entry.LAST_YEAR:
        year = _this_year()
    view = CalendarView(session)
    schedule = view.year(year)
    return render_template(
        "admin/calendar.html", year=year, schedule=schedule, basis=BASIS_LABELS[schedule.basis],
        entered={d.day for d in entered_days(session, year)}, kinds=KIND_LABELS, weekdays=WEEKDAYS,
        warning=None if schedule.official else notes.warning([year]),
        in_use=notes.years_in_use(session, view, utcnow()), can_edit="admin" in me().roles,
        first=entry.FIRST_YEAR, last=entry.LAST_YEAR)


def _back(year: int) -> Response:
    return redirect(url_for("admin.calendar_page", year=year))


def _report(done: Change) -> None:
    """Tell the administrator what the change did: the years, and each deadline that moved."""
    lines = done.summary()
    for line in lines[:SHOWN_MOVES + 2]:
        flash(line, "info")
    if len(lines) > SHOWN_MOVES + 2:
        flash(f"……另有 {len(lines) - SHOWN_MOVES - 2} 项，详见各申报的办理记录", "info")


def _change(year: int, days: list[Day]) -> None:
    done = entry.change(db.services().runtime, {year: days}, me().id)
    _report(done)


@bp.post("/calendar/<int:year>/days")
@role_required("admin")
def add_holiday(year: int) -> Response:
    form = request.form
    item = {"date": form.get("day", ""), "kind": form.get("kind", ""), "name": form.get("name", "")}
    try:
        (day,) = entry.read_days(year, [item], "页面录入")
        with db.services().sessions() as session:
            days = entry.with_day(session, day)
        _change(year, days)
    except FormInvalid as e:
        flash_invalid(e)
    return _back(year)


@bp.post("/calendar/<int:year>/days/<day>/remove")
@role_required("admin")
def remove_holiday(year: int, day: str) -> Response:
    try:
        when = date.fromisoformat(day)
    except ValueError:
        flash("日期无效", "danger")
        return _back(year)
    with db.services().sessions() as session:
        days = entry.without_day(session, when)
    _change(when.year, days)
    return _back(when.year)


@bp.post("/calendar/import")
@role_required("admin")
def import_holidays() -> Response:
    upload = request.files.get("file")
    year = request.form.get("year", type=bounded_int) or _this_year()
    if upload is None or not upload.filename:
        flash("请选择要导入的文件", "danger")
        return _back(year)
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        flash("文件不是 UTF-8 编码的文本", "danger")
        return _back(year)
    try:
        years = entry.parse_file(text, request.form.get("source", "").strip()[:200] or upload.filename)
    except entry.ScheduleFileInvalid as e:
        for number, message in e.problems:
            flash(f"第 {number} 行：{message}" if number else message, "danger")
        return _back(year)
    _report(entry.change(db.services().runtime, years, me().id))
    return _back(min(years))
