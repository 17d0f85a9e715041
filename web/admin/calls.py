"""Calls for applications: list, create, edit the deadline and experts per application, open and close."""
from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from engine import calls as programme_calls
from engine import plan
from engine.calendar import CHINA
from engine.errors import FormInvalid
from engine.models import TRACKS, Application, Call, utcnow
from engine.required_documents import from_lines, set_list
from web import db
from web.admin import bp
from web.admin.common import command, flash_invalid
from web.auth import me, role_required
from web.numbers import bounded_int


@bp.get("/calls")
@role_required("admin")
def calls() -> str:
    session = db.session()
    rows = session.scalars(select(Call).order_by(Call.status.desc(), Call.track, Call.id.desc())).all()
    counts = {call_id: n for call_id, n in session.execute(
        select(Application.call_id, func.count()).group_by(Application.call_id))}
    return render_template("admin/calls.html", calls=rows, applications_per_call=counts, tracks=TRACKS,
                           statuses=programme_calls.STATUS_LABELS, today=utcnow().astimezone(CHINA).date(),
                           setting=plan.current(session))


def _day(name: str) -> date:
    """A date field of the form; FormInvalid with a Chinese message when missing or malformed."""
    try:
        return date.fromisoformat(request.form.get(name, ""))
    except ValueError:
        raise FormInvalid({name: ["请填写有效日期（年-月-日）"]}) from None


def _int(name: str) -> int:
    value = request.form.get(name, type=bounded_int)
    if value is None:
        raise FormInvalid({name: ["请填写整数"]})
    return value


def _cap() -> float | None:
    """The award cap field: blank for no cap; FormInvalid when it is not a number."""
    text = request.form.get("funding_cap_wan", "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise FormInvalid({"funding_cap_wan": ["单项资助上限须为数字（万元），不设上限时留空"]}) from None


def _setting(name: str) -> bool | None:
    """A checkbox sent with a hidden `0` before it: True when ticked, None when the form has no such field."""
    values = request.form.getlist(name)
    return "1" in values if values else None


def _documents() -> list[dict[str, object]] | None:
    """The required-documents box: one document a line (engine.required_documents.from_lines)."""
    return from_lines(request.form.get("required_documents", ""))


def _back() -> Response:
    return redirect(url_for("admin.calls"))


@bp.post("/calls")
@role_required("admin")
def create_call() -> Response:
    form = request.form
    try:
        with command() as session:
            call = programme_calls.create_call(
                session, track=form.get("track", ""), title=form.get("title", ""), guide=form.get("guide", ""),
                opens_at=programme_calls.day_start(_day("opens_on")),
                closes_at=programme_calls.day_end(_day("closes_on")),
                expert_count=_int("expert_count"), field_quota=form.get("field_quota", 2, type=bounded_int),
                avoid_same_city=_setting("avoid_same_city") is not False, funding_cap_wan=_cap(), actor_id=me().id)
            title = call.title
            set_list(session, call.id, _documents(), me().id)
    except FormInvalid as e:
        flash_invalid(e)
        return _back()
    flash(f"已创建申报批次：{title}", "info")
    return _back()


@bp.post("/calls/<int:call_id>")
@role_required("admin")
def update_call(call_id: int) -> Response:
    form = request.form
    try:
        with command() as session:
            if "required_documents" in form:
                set_list(session, call_id, _documents(), me().id)
            programme_calls.update_call(
                session, call_id, title=form.get("title", ""), guide=form.get("guide", ""),
                closes_at=programme_calls.day_end(_day("closes_on")), expert_count=_int("expert_count"),
                field_quota=form.get("field_quota", type=bounded_int), avoid_same_city=_setting("avoid_same_city"),
                funding_cap_wan=_cap() if "funding_cap_wan" in form else programme_calls.KEEP, actor_id=me().id)
    except FormInvalid as e:
        flash_invalid(e)
        return _back()
    flash("已保存申报批次", "info")
    return _back()


@bp.post("/calls/<int:call_id>/status")
@role_required("admin")
def call_status(call_id: int) -> Response:
    status = request.form.get("status", "")
    try:
        with command() as session:
            programme_calls.set_status(session, call_id, status, actor_id=me().id)
    except FormInvalid as e:
        flash_invalid(e)
        return _back()
    flash("已开放申报批次" if status == "open" else "已关闭申报批次", "info")
    return _back()


@bp.post("/calls/plan")
@role_required("admin")
def change_plan() -> Response:
    """The plan period and target the dashboard and `GET /stats` count against."""
    try:
        with command() as session:
            plan.change(session, plan_name=request.form.get("plan_name", ""), first_year=_int("first_year"),
                        last_year=_int("last_year"), target=_int("target"), actor_id=me().id)
    except FormInvalid as e:
        flash_invalid(e)
        return _back()
    flash("已保存计划期与目标", "info")
    return _back()
