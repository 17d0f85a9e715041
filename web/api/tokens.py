"""Bearer tokens: random, handed out once, stored only as their SHA-256, valid for a limited time."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import ApiToken, User, utcnow

LIFETIME = timedelta(days=30)
# Writing last_used_at on every request would turn reads into writes; a coarse mark is enough.
TOUCH_EVERY = timedelta(minutes=10)


def digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue(session: Session, user: User, lifetime: timedelta = LIFETIME) -> tuple[str, ApiToken]:
    """A new token for `user` (the caller commits); the plain token is never stored."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = ApiToken(user_id=user.id, token_hash=digest(token), created_at=now, expires_at=now + lifetime)
    session.add(row)
    return token, row


def resolve(session: Session, token: str) -> tuple[User, ApiToken] | None:
    """The active user and token row a presented token belongs to, or None when unknown, expired or disabled."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    now = utcnow()
    if row is None or (row.expires_at is not None and row.expires_at <= now):
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
        row.last_used_at = now
        session.commit()
    return user, row


def revoke(session: Session, row: ApiToken) -> None:
    """End a token now (the caller commits)."""
    row.expires_at = utcnow()
