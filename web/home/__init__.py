"""The landing page: what Rootball is, what to do, and the demo accounts."""
from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from engine import announcements
from engine.models import TRACKS, Call, User
from engine.seed import USERS, demo_password
from web import db

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    session = db.session()
    calls = session.scalars(select(Call).where(Call.status == "open").order_by(Call.track)).all()
    present = set(session.scalars(select(User.username)).all())
    demo = [(u, name, ", ".join(r for r, _ in grants)) for u, name, _org, grants in USERS if u in present]
    return render_template("home/index.html", calls=calls, tracks=TRACKS, demo=demo, password=demo_password(),
                           notices=announcements.published(session, 10), categories=announcements.CATEGORIES)
