"""Task inbox: 我的待办 and 可领取, claim, unclaim, open, complete; the navigation counts; notifications."""
from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_login import current_user
from sqlalchemy import Select, func, select
from sqlalchemy.exc import SQLAlchemyError

from engine import inbox
from engine.models import Notification
from web import db, display

bp = Blueprint("inbox", __name__, url_prefix="/tasks")
display.register(bp)


def _count(stmt: Select[Any]) -> int:
    return int(db.session().scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)


@bp.app_context_processor
def navigation_counts() -> dict[str, Any]:
    """我的待办, 可领取 and unread notification counts for the navigation bar."""
    if not current_user.is_authenticated:
        return {}
    user = current_user.user
    unread = select(Notification.id).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    try:
        return {"nav_counts": {"mine": _count(inbox.query(user, "mine")), "group": _count(inbox.query(user, "group")),
                               "unread": _count(unread)}}
    except SQLAlchemyError:  # an error page must still render when the database is the problem
        db.session().rollback()
        return {}


from web.inbox import notifications, task_page, views  # noqa: E402,F401  (routes register on bp)
