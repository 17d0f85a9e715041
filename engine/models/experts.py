"""The expert library (专家库), conflicts experts declared, and panel proposals drawn for a call."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.models.base import Base, utcnow
from engine.models.people import User


class ExpertProfile(Base):
    """An expert of the library: a user with the expert role, their fields, city, title and yearly cap."""

    __tablename__ = "expert_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), unique=True)
    city: Mapped[str] = mapped_column(String(20), default="")
    title: Mapped[str] = mapped_column(String(50), default="")
    # The application form's 技术领域: the first is the expert's primary field, the rest secondary.
    fields: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(default=True)
    yearly_cap: Mapped[int] = mapped_column(default=20)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


class DeclaredConflict(Base):
    """An expert declared a conflict of interest on an application, and so with its organisation."""

    __tablename__ = "declared_conflict"
    __table_args__ = (UniqueConstraint("expert_id", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)


class PanelProposal(Base):
    """Panels drawn for applications of one call: what the officer saw, its seed, swaps and outcome."""

    __tablename__ = "panel_proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), index=True)
    seed: Mapped[int]
    expert_count: Mapped[int]
    field_quota: Mapped[int]
    avoid_same_city: Mapped[bool]
    # SHA-256 of the draw's inputs (applications, library, loads, rules): same digest and seed, same panels.
    inputs_digest: Mapped[str] = mapped_column(String(64))
    panels: Mapped[list[Any]]
    swaps: Mapped[list[Any]] = mapped_column(default=list)
    state: Mapped[str] = mapped_column(String(20), default="proposed")  # proposed | confirmed | partial
    outcome: Mapped[dict[str, Any] | None]
    created_by: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    confirmed_at: Mapped[datetime | None]
