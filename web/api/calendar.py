"""API routes of the holiday calendar: a year's days off and make-up working days, read and entered."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from engine.errors import NotFound
from engine.holidays import entry
from engine.holidays.schedule import YearSchedule
from engine.holidays.source import CalendarView
from web import db
from web.api import bp
from web.api import schemas as s
from web.api.operation import caller, operation

NO_YEAR = (f"年份不在 {entry.FIRST_YEAR}–{entry.LAST_YEAR} 之间", s.ErrorSchema)


def _check(year: int) -> None:
    if not entry.FIRST_YEAR <= year <= entry.LAST_YEAR:
        raise NotFound(f"没有 {year} 年的放假安排（年份应在 {entry.FIRST_YEAR}–{entry.LAST_YEAR} 之间）")


def year_answer(schedule: YearSchedule) -> dict[str, Any]:
    """{year, official, basis, days} of a year's schedule."""
    return {"year": schedule.year, "official": schedule.official, "basis": schedule.basis,
            "days": [{"date": d.day, "kind": d.kind, "name": d.name, "source": d.source} for d in schedule.listing()]}


@bp.get("/calendar/<int:year>")
@operation("一年的放假安排：休息日与调休上班日（尚未录入的年份为按法定节日推算的日期）", tag="工作日历",
           responses={200: ("放假安排", s.CalendarSchema), 404: NO_YEAR})
def get_calendar(year: int) -> ResponseReturnValue:
    _check(year)
    return jsonify(s.CalendarSchema().dump(year_answer(CalendarView(db.session()).year(year))))


@bp.put("/calendar/<int:year>")
@operation("录入一年的放假安排（替换该年已录入的日期），并重新计算经过该年的期限", tag="工作日历",
           roles=("admin",), body=s.CalendarPutSchema, responses={
               200: ("该年的放假安排，及因此变动的期限", s.CalendarChangedSchema), 404: NO_YEAR,
               409: ("该年的放假安排正被他人修改", s.ErrorSchema),
               422: ("日期无效：errors.days 按序号（从 0 起）列出每一项的问题", s.FieldErrorsSchema)})
def put_calendar(year: int, body: dict[str, Any]) -> ResponseReturnValue:
    _check(year)
    days = entry.read_days(year, body["days"], "API")
    done = entry.change(db.services().runtime, {year: days}, caller().id)
    answer = {**year_answer(done.years[year]), "recounted": [asdict(m) for m in done.recounted.moved],
              "not_recounted": [{"instance_id": i, "error": e} for i, e in done.recounted.failed]}
    return jsonify(s.CalendarChangedSchema().dump(answer))
