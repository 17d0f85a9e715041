"""Inbox rows: a flat, indexed copy of the ready user tasks of every instance."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base, utcnow


class HumanTask(Base):
    """A user task someone has to do (open), did (done) or no longer has to (cancelled)."""

    __tablename__ = "human_task"
    __table_args__ = (
        UniqueConstraint("instance_id", "task_guid"),
        Index("ix_human_task_inbox", "state", "candidate_role", "due_at"),
        Index("ix_human_task_assignee", "state", "assignee_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"), index=True)
    task_guid: Mapped[str] = mapped_column(String(36))
    spec_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str | None] = mapped_column(String(50))
    form_key: Mapped[str | None] = mapped_column(String(100))
    candidate_role: Mapped[str | None] = mapped_column(String(50))
    scope: Mapped[str | None] = mapped_column(String(100))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    preassigned: Mapped[bool] = mapped_column(default=False)
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    # The `dueIn` the due date was counted by (P5WD …), so a change of the holiday calendar can count
    # it again from `created_at`; None when the date was not counted (notAfter, or set by hand).
    due_in: Mapped[str | None] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default="open")
    data: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    completed_at: Mapped[datetime | None]
