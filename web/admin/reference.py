"""The reference lists page: 揭榜 problems and partner institutions, with validity dates; edited or imported."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from engine import reference
from engine.calendar import china_date
from engine.errors import FormInvalid
from engine.models import utcnow
from engine.reference_import import ImportRefused, read
from web import db
from web.admin import bp
from web.admin.common import command, flash_invalid
from web.auth import me, role_required

FIELDS = ("code", "title", "kind", "name", "region", "agreement_no", "valid_from", "valid_to")
MAX_SHOWN_PROBLEMS = 50
MAX_UPLOAD = 2 * 1024 * 1024


@bp.get("/reference")
@role_required("admin")
def reference_page() -> str:
    session = db.session()
    return render_template("admin/reference.html", problems=reference.entries(session, "jiebang"),
                           partners=reference.entries(session, "partners"), kinds=reference.KINDS,
                           today=china_date(utcnow()))


def _back(kind: str) -> Response:
    return redirect(url_for("admin.reference_page", _anchor=kind))


def _save(kind: str, entry_id: int | None) -> Response:
    values = {name: request.form.get(name, "") for name in FIELDS}
    try:
        with command() as session:
            reference.save(session, kind, values, me().id, entry_id)
    except FormInvalid as e:
        flash_invalid(e)
        return _back(kind)
    flash("已保存名单条目", "info")
    return _back(kind)


@bp.post("/reference/<any(jiebang, partners):kind>")
@role_required("admin")
def add_reference(kind: str) -> Response:
    return _save(kind, None)


@bp.post("/reference/<any(jiebang, partners):kind>/<int:entry_id>")
@role_required("admin")
def change_reference(kind: str, entry_id: int) -> Response:
    return _save(kind, entry_id)


@bp.post("/reference/import")
@role_required("admin")
def import_reference() -> Response:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("请选择要导入的文件", "danger")
        return _back("import")
    content = upload.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        flash("文件过大（最多 2 MB）", "danger")
        return _back("import")
    kind = request.form.get("list") or None
    try:
        with command() as session:
            kind, entries = read(session, upload.filename, content, kind if kind in reference.LISTS else None)
            existing = {getattr(e, reference.KEY[kind]): e.id for e in reference.entries(session, kind)}
            for values in entries:
                reference.save(session, kind, values, me().id, existing.get(values[reference.KEY[kind]]))
    except ImportRefused as e:
        for line in e.lines[:MAX_SHOWN_PROBLEMS]:
            flash(line, "danger")
        if len(e.lines) > MAX_SHOWN_PROBLEMS:
            flash(f"……另有 {len(e.lines) - MAX_SHOWN_PROBLEMS} 个问题", "danger")
        flash("文件有误，未导入任何条目", "danger")
        return _back("import")
    except FormInvalid as e:
        flash_invalid(e)
        flash("文件有误，未导入任何条目", "danger")
        return _back("import")
    flash(f"已导入{reference.LISTS[kind]} {len(entries)} 条", "info")
    return _back(kind)
