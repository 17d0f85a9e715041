"""In-app notifications: the list, and marking them read."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import update
from werkzeug.wrappers import Response

from engine import notify
from engine.models import Notification, utcnow
from web import db
from web.auth import login_required, me
from web.inbox import bp
from web.numbers import bounded_int
from web.redirects import local_path


@bp.get("/notifications")
@login_required
def notifications() -> str:
    """My notifications, unread first, newest first, a page at a time."""
    page = notify.page(db.session(), me().id, cursor=request.args.get("cursor") or None)
    return render_template("inbox/notifications.html", rows=page.rows, page=page)


@bp.post("/notifications/read")
@login_required
def mark_read() -> Response:
    """Mark one notification (`id`) or all of mine read."""
    session = db.session()
    stmt = update(Notification).where(Notification.user_id == me().id, Notification.read_at.is_(None))
    one = request.form.get("id", "")
    if one:
        number = request.form.get("id", type=bounded_int)
        if number is None:  # no notification has that id
            return redirect(url_for("inbox.notifications"))
        stmt = stmt.where(Notification.id == number)
    session.execute(stmt.values(read_at=utcnow()))
    session.commit()
    if not one:
        flash("已全部标为已读", "info")
    return redirect(url_for("inbox.notifications"))


@bp.post("/notifications/<int:notification_id>/open")
@login_required
def open_notification(notification_id: int) -> Response:
    """Mark a notification read and follow its link (only links inside this site)."""
    session = db.session()
    row = session.get(Notification, notification_id)
    if row is None or row.user_id != me().id:
        return redirect(url_for("inbox.notifications"))
    if row.read_at is None:
        row.read_at = utcnow()
        session.commit()
    return redirect(local_path(row.link) or url_for("inbox.notifications"))
