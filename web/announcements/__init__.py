"""通知公告 pages: the public list and each announcement with its files; administrators publish and withdraw."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from werkzeug.wrappers import Response

from engine import announcements
from engine.errors import FormInvalid
from engine.models import Announcement, AnnouncementFile, utcnow
from web import attachments, db
from web.auth import me, role_required
from web.forms_render import flatten_errors

bp = Blueprint("announcements", __name__, url_prefix="/announcements")


@bp.get("/")
def index() -> str:
    """Published announcements, newest first (no sign-in)."""
    return render_template("announcements/index.html", rows=announcements.published(db.session(), 200),
                           categories=announcements.CATEGORIES)


@bp.get("/<int:announcement_id>")
def detail(announcement_id: int) -> str:
    """One announcement: its sanitized text and files."""
    session = db.session()
    row = session.get(Announcement, announcement_id)
    if row is None or row.withdrawn_at is not None:
        abort(404)
    # stored sanitized (engine.announcements.sanitize); sanitized again so a row written another way stays safe
    body = Markup(announcements.sanitize(row.body_html))  # noqa: S704
    return render_template("announcements/detail.html", row=row, body=body,
                           files=announcements.files_of(session, row.id), categories=announcements.CATEGORIES)


@bp.get("/files/<int:file_id>")
def file(file_id: int) -> Response:
    """A file of a published announcement."""
    session = db.session()
    row = session.get(AnnouncementFile, file_id)
    parent = session.get(Announcement, row.announcement_id) if row else None
    if row is None or parent is None or parent.withdrawn_at is not None:
        abort(404)
    return attachments.send_stored(row.storage_key, row.content_type, row.filename)


@bp.get("/manage")
@role_required("admin")
def manage() -> str:
    """The publishing form and every announcement."""
    return render_template("announcements/manage.html", rows=announcements.published(db.session(), 200),
                           categories=announcements.CATEGORIES, values={}, errors={}, active="announcements")


@bp.post("/manage")
@role_required("admin")
def publish() -> ResponseReturnValue:
    """Publish an announcement with its files (the upload checks of application attachments)."""
    session = db.session()
    values = {k: request.form.get(k, "") for k in ("title", "category", "body")}
    try:
        stored = attachments.store_all(request.files.getlist("files"))
    except attachments.UploadRejected as e:
        return render_template("announcements/manage.html", rows=announcements.published(session, 200),
                               categories=announcements.CATEGORIES, values=values, errors={"files": [str(e)]},
                               active="announcements"), 422
    try:
        row = announcements.publish(session, values["title"], values["category"], values["body"], me().id,
                                    [announcements.StoredFile(f.filename, f.content_type, f.size, f.sha256,
                                                              f.storage_key) for f in stored])
    except FormInvalid as e:
        attachments.discard(stored)
        session.rollback()
        return render_template("announcements/manage.html", rows=announcements.published(session, 200),
                               categories=announcements.CATEGORIES, values=values,
                               errors=flatten_errors(e.errors), active="announcements"), 422
    session.commit()
    flash(f"已发布：{row.title}", "info")
    return redirect(url_for("announcements.detail", announcement_id=row.id))


@bp.post("/<int:announcement_id>/withdraw")
@role_required("admin")
def withdraw(announcement_id: int) -> Response:
    """Take an announcement off the site (kept on record)."""
    session = db.session()
    row = session.get(Announcement, announcement_id)
    if row is None:
        abort(404)
    row.withdrawn_at = utcnow()
    session.commit()
    flash(f"已撤下：{row.title}", "info")
    return redirect(url_for("announcements.manage"))
