"""The kinds of notice the notice table sends, and switching one off or on again (administrators)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from engine.models import NoticeEvent, NoticeSetting, utcnow
from engine.notices import KINDS, RULES
from web import db
from web.admin import bp
from web.admin.common import command
from web.auth import me, role_required


@bp.get("/notices")
@role_required("admin")
def notices() -> str:
    """Every kind with who receives it, the events that send it, whether it is on, and how often it happened."""
    session = db.session()
    off = set(session.scalars(select(NoticeSetting.kind).where(NoticeSetting.enabled.is_(False))).all())
    counts = dict(session.execute(select(NoticeEvent.kind, func.count(NoticeEvent.id))
                                  .group_by(NoticeEvent.kind)).tuples().all())
    events = {kind: sorted({r.on for r in RULES if r.kind == kind}) for kind in KINDS}
    return render_template("admin/notices.html", kinds=KINDS, off=off, counts=counts, events=events,
                           active="notices")


@bp.post("/notices/<kind>")
@role_required("admin")
def notice_switch(kind: str) -> Response:
    """Switch a kind off (`enabled=no`) or on."""
    if kind not in KINDS:
        abort(404)
    enabled = request.form.get("enabled") == "yes"
    with command() as session:
        row = session.get(NoticeSetting, kind)
        if row is None:
            session.add(NoticeSetting(kind=kind, enabled=enabled, updated_by=me().id, updated_at=utcnow()))
        else:
            row.enabled, row.updated_by, row.updated_at = enabled, me().id, utcnow()
    flash(f"“{KINDS[kind].label}”通知已{'开启' if enabled else '关闭'}", "info")
    return redirect(url_for("admin.notices"))
