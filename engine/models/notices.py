"""What happened to applications and who was told: notice events, kinds switched off, each user's channel;
the public side of an award (publicity periods, objections) and the Department's announcements."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base, utcnow


class NoticeEvent(Base):
    """One event of the notice table that happened: its key makes each (kind, instance, element, occurrence) once."""

    __tablename__ = "notice_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    element_id: Mapped[str] = mapped_column(String(200))
    human_task_id: Mapped[int | None] = mapped_column(ForeignKey("human_task.id"))
    facts: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NoticeSetting(Base):
    """A kind of notice an administrator switched off (or on again)."""

    __tablename__ = "notice_setting"

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class NoticePreference(Base):
    """How a user wants to be told: by mail and in the app, or in the app only."""

    __tablename__ = "notice_preference"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    by_email: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Publicity(Base):
    """An application's publicity period (公示): open while `closed_at` is empty."""

    __tablename__ = "publicity"
    __table_args__ = (Index("ix_publicity_open", "closed_at", "ends_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(30))


class Objection(Base):
    """An objection (异议) filed by a named member of the public during publicity, and the Department's reply."""

    __tablename__ = "objection"
    __table_args__ = (Index("ix_objection_client", "client_addr", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    publicity_id: Mapped[int | None] = mapped_column(ForeignKey("publicity.id"))
    name: Mapped[str] = mapped_column(String(50))
    organization: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(30))
    email: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    client_addr: Mapped[str | None] = mapped_column(String(64))
    filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(String(64))
    storage_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str | None] = mapped_column(String(20))  # upheld | dismissed
    reply: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]


class Announcement(Base):
    """A call notice or guide (通知公告) published by an administrator; `body_html` is stored sanitized."""

    __tablename__ = "announcement"
    __table_args__ = (Index("ix_announcement_published", "withdrawn_at", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(20), default="notice")
    body_html: Mapped[str] = mapped_column(Text)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]


class AnnouncementFile(Base):
    """A file attached to an announcement (the call guide PDF…), stored like application attachments."""

    __tablename__ = "announcement_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcement.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)
