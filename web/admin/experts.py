"""The expert library (专家库): list, add or update an expert, take one out of the draw, import from Excel."""
from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response as Redirect

from engine.errors import FormInvalid
from engine.experts import library, pool, spreadsheet
from engine.experts.library import DEFAULT_CAP, Entry
from engine.models import GUANGXI_CITIES
from forms.choices import TECH_FIELDS
from web import db
from web.admin import bp
from web.admin.common import command, flash_invalid
from web.auth import me, role_required
from web.numbers import bounded_int

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 5 * 1024 * 1024


def _page(import_errors: list[spreadsheet.RowError] | None = None, status: int = 200) -> ResponseReturnValue:
    session = db.session()
    loads = {e.user_id: e.used for e in pool.library(session)}
    return render_template("admin/experts.html", rows=library.entries(session), fields=TECH_FIELDS,
                           cities=GUANGXI_CITIES, loads=loads, default_cap=DEFAULT_CAP,
                           can_edit="admin" in me().roles, import_errors=import_errors or []), status


@bp.get("/experts")
@role_required("admin", "officer")
def experts() -> ResponseReturnValue:
    return _page()


def _back() -> Redirect:
    return redirect(url_for("admin.experts"))


@bp.post("/experts")
@role_required("admin")
def save_expert() -> Redirect:
    form = request.form
    primary = form.get("primary_field", "").strip()
    others = [f for f in form.getlist("other_fields") if f and f != primary]
    cap = form.get("yearly_cap", DEFAULT_CAP, type=bounded_int)
    entry = Entry(username=form.get("username", "").strip(), name=form.get("name", "").strip(),
                  organization=form.get("organization", "").strip(), city=form.get("city", "").strip(),
                  fields=tuple(f for f in [primary, *others] if f), title=form.get("title", "").strip(),
                  yearly_cap=cap if cap is not None else 0, active=form.get("active", "1") == "1",
                  email=form.get("email", "").strip() or None, password=form.get("password") or None)
    try:
        with command() as session:
            library.save(session, entry, me().id)
    except FormInvalid as e:
        flash_invalid(e)
        return _back()
    flash(f"已保存专家 {entry.name}（{entry.username}）", "info")
    return _back()


@bp.post("/experts/<int:profile_id>/active")
@role_required("admin")
def expert_active(profile_id: int) -> Redirect:
    active = request.form.get("active") == "1"
    with command() as session:
        profile = library.set_active(session, profile_id, active, me().id)
        name = profile.user.display_name
    flash(f"已{'恢复' if active else '暂停'}专家 {name} 参加抽取", "info")
    return _back()


@bp.post("/experts/import")
@role_required("admin")
def import_experts() -> ResponseReturnValue:
    upload = request.files.get("workbook")
    content = upload.read(MAX_UPLOAD + 1) if upload else b""
    if not content:
        flash("请选择要导入的 Excel 文件（.xlsx）", "danger")
        return _back()
    if len(content) > MAX_UPLOAD:
        flash("文件过大（不超过 5 MB）", "danger")
        return _back()
    try:
        with command() as session:
            result = spreadsheet.import_workbook(session, content, me().id)  # nothing is written when any row is wrong
    except FormInvalid as e:
        flash_invalid(e)
        return _back()
    if result.errors:
        flash(f"导入未成功：发现 {len(result.errors)} 处问题，未导入任何专家。请修改后重新上传。", "danger")
        return _page(result.errors, 422)
    flash(f"已导入 {result.count} 位专家", "info")
    return _back()


@bp.get("/experts/template.xlsx")
@role_required("admin", "officer")
def experts_template() -> Response:
    return Response(spreadsheet.template(), mimetype=XLSX,
                    headers={"Content-Disposition": "attachment; filename=expert-library.xlsx"})

