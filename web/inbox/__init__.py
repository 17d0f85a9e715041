"""Task inbox: 我的待办 and 可领取, claim, unclaim, open, complete; the navigation counts; notifications."""
from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from engine import inbox_query, notify
from web import db, display

bp = Blueprint("inbox", __name__, url_prefix="/tasks")
display.register(bp)


@bp.app_context_processor
def navigation_counts() -> dict[str, Any]:
    """我的待办, 可领取 and unread notification counts for the navigation bar."""
    if not current_user.is_authenticated:
        return {}
    user, session = current_user.user, db.session()
    try:
        return {"nav_counts": {"mine": inbox_query.count(session, user, "mine"),
                               "group": inbox_query.count(session, user, "group"),
                               "unread": notify.unread_count(session, user.id)}}
    except SQLAlchemyError:  # an error page must still render when the database is the problem
        db.session().rollback()
        return {}


from web.inbox import notifications, task_page, views  # noqa: E402,F401  (routes register on bp)
