"""A user's notices, newest first, in pages after an opaque cursor (the key of the last row shown)."""
from __future__ import annotations

import base64
from datetime import datetime

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from engine.errors import FormInvalid
from engine.models import Notification

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def encode(row: Notification) -> str:
    """The cursor that continues after `row`."""
    return base64.urlsafe_b64encode(f"{row.created_at.isoformat()}|{row.id}".encode()).decode().rstrip("=")


def decode(cursor: str) -> tuple[datetime, int]:
    """(created_at, id) of a cursor; FormInvalid when it was not made by `encode`."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, ident = text.rsplit("|", 1)
        return datetime.fromisoformat(moment), int(ident)
    except (ValueError, UnicodeDecodeError) as e:
        raise FormInvalid({"cursor": ["分页标记无效"]}) from e


def page(session: Session, user_id: int, limit: int = DEFAULT_LIMIT,
         cursor: str | None = None) -> tuple[list[Notification], int, str | None]:
    """(rows, total, cursor of the next page or None)."""
    total = session.scalar(select(func.count(Notification.id)).where(Notification.user_id == user_id)) or 0
    stmt = select(Notification).where(Notification.user_id == user_id)
    if cursor:
        stmt = stmt.where(tuple_(Notification.created_at, Notification.id) < decode(cursor))
    rows = list(session.scalars(stmt.order_by(Notification.created_at.desc(), Notification.id.desc())
                                .limit(limit + 1)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, int(total), encode(rows[-1]) if more and rows else None
