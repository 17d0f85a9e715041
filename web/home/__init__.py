"""The landing page: what Rootball is, what to do, and the demo accounts."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, render_template, send_from_directory
from sqlalchemy import select
from werkzeug.wrappers import Response

from engine import announcements
from engine.accounts import ROLE_LABELS
from engine.models import TRACKS, Call, User
from engine.seed import USERS, demo_password
from web import db

bp = Blueprint("home", __name__)


@bp.get("/favicon.ico")
def favicon() -> Response:
    """The site icon where a browser or a printed page asks for it by the conventional name."""
    return send_from_directory(Path(current_app.static_folder or "static"), "favicon.svg", mimetype="image/svg+xml",
                               max_age=86400)


@bp.get("/")
def index() -> str:
    session = db.session()
    calls = session.scalars(select(Call).where(Call.status == "open").order_by(Call.track)).all()
    present = set(session.scalars(select(User.username)).all())
    demo = [(u, name, "、".join(ROLE_LABELS.get(r, r) for r, _ in grants)) for u, name, _org, grants in USERS
            if u in present]
    return render_template("home/index.html", calls=calls, tracks=TRACKS, demo=demo, password=demo_password(),
                           notices=announcements.published(session, 10), categories=announcements.CATEGORIES)
