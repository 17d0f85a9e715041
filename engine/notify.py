"""In-app notifications: unread ones for the navigation, a user's list page by page, and marking them read."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from engine import keyset
from engine.models import Notification, utcnow

# Unread first, newest first within each part.
ORDER = keyset.Order((Notification.read_at.is_(None), Notification.created_at, Notification.id), descending=True)


def unread(session: Session, user_id: int, limit: int = 20) -> list[Notification]:
    """A user's unread notifications, newest first."""
    return list(session.scalars(
        select(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)).all())


def page(session: Session, user_id: int, *, limit: int = 50, cursor: str | None = None) -> keyset.Page[Notification]:
    """One page of a user's notifications."""
    return keyset.page(session, select(Notification).where(Notification.user_id == user_id), ORDER,
                       limit=limit, cursor=cursor)


def unread_count(session: Session, user_id: int) -> int:
    """How many unread notifications a user has (the badge in the navigation)."""
    return int(session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0)


def mark_read(sessions: sessionmaker[Session], user_id: int, ids: Iterable[int] | None = None) -> int:
    """Mark a user's notifications read (all, or only `ids`); returns how many changed."""
    stmt = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(list(ids)))
    with sessions.begin() as session:
        result = session.execute(stmt.values(read_at=utcnow()).execution_options(synchronize_session=False))
        return int(getattr(result, "rowcount", 0))
