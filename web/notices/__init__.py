"""Each user's profile page: how notices reach them (mail and in-app, or in-app only)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from engine import documents
from engine.models import Application, NoticePreference, utcnow
from engine.notices.banner import open_return
from engine.notices.deliver import wants_mail
from web import db
from web.auth import login_required, me

bp = Blueprint("notices", __name__)


@bp.app_template_global()
def returned_banner(app: Application) -> dict[str, Any] | None:
    """The reason and deadline of a return for correction still waiting for the applicant."""
    return open_return(db.session(), app.id)


@bp.app_template_global()
def document_links(app: Application) -> list[tuple[str, str]]:
    """(kind, title) of the documents of `app` the signed-in user may print or download."""
    return [(k, documents.KINDS[k].title) for k in documents.available(db.session(), me(), app)]


@bp.get("/profile")
@login_required
def profile() -> str:
    """Who I am, my roles, and how I want to be told."""
    user = me()
    return render_template("notices/profile.html", user=user, by_email=wants_mail(db.session(), user.id))


@bp.post("/profile/notices")
@login_required
def save_channel() -> Response:
    """Choose mail and in-app notices, or in-app only."""
    user, session = me(), db.session()
    by_email = request.form.get("channel") != "in_app"
    row = session.get(NoticePreference, user.id)
    if row is None:
        session.add(NoticePreference(user_id=user.id, by_email=by_email, updated_at=utcnow()))
    else:
        row.by_email, row.updated_at = by_email, utcnow()
    session.commit()
    flash("已保存：" + ("通知同时发送邮件" if by_email else "仅在系统内通知，不发送邮件"), "info")
    return redirect(url_for("notices.profile"))
