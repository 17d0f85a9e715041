"""Attachment download and removal, for those who may read the application."""
from __future__ import annotations

from flask import abort, flash, redirect, url_for
from werkzeug.wrappers import Response

from engine.models import Attachment, HumanTask
from web import attachments, db
from web.applications import bp, records
from web.auth import login_required, me
from web.redirects import referrer_path


def _attachment(app_id: int, attachment_id: int) -> Attachment:
    session = db.session()
    records.readable(session, me(), app_id)
    found = session.get(Attachment, attachment_id)
    if found is None or found.application_id != app_id:
        abort(404)
    return found


@bp.get("/<int:app_id>/attachments/<int:attachment_id>")
@login_required
def attachment(app_id: int, attachment_id: int) -> Response:
    """Download a file under its original name."""
    return attachments.download(_attachment(app_id, attachment_id))


@bp.post("/<int:app_id>/attachments/<int:attachment_id>/delete")
@login_required
def remove_attachment(app_id: int, attachment_id: int) -> Response:
    """The uploader removes a file while the task it was uploaded with is still open."""
    found = _attachment(app_id, attachment_id)
    session = db.session()
    task = session.get(HumanTask, found.human_task_id) if found.human_task_id else None
    if task is None or not attachments.removable(found, task.state, me().id):
        abort(403)
    attachments.remove(session, found, me().id)
    flash(f"已删除附件：{found.filename}", "info")
    return redirect(referrer_path() or url_for("inbox.task", task_id=task.id))
