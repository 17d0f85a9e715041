"""The append-only audit trail."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base, utcnow


class AuditEvent(Base):
    """One state change: who did what to which instance, task or application, and when."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(String(50))
    task_name: Mapped[str | None] = mapped_column(String(200))
    data_diff: Mapped[dict[str, Any] | None]
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
