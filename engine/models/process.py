"""Deployed process versions and running instances."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.models.base import Base, utcnow


class ProcessVersion(Base):
    """One deployed (or rejected draft) version of a track's procedure: its files and parsed spec."""

    __tablename__ = "process_version"
    __table_args__ = (UniqueConstraint("process_key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int]
    # Large columns are loaded only when asked for: the spec is parsed once per process and cached.
    files: Mapped[dict[str, Any]] = mapped_column(deferred=True)
    spec_json: Mapped[str] = mapped_column(Text, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(20), default="deployed")
    deployed_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    deployed_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")


class ProcessInstance(Base):
    """A running (or finished) workflow; its state is stored without the spec."""

    __tablename__ = "process_instance"
    __table_args__ = (Index("ix_process_instance_timer", "next_timer_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="running")
    state_json: Mapped[str] = mapped_column(Text)
    serializer_version: Mapped[str] = mapped_column(String(20))
    lock_version: Mapped[int] = mapped_column(default=1)
    next_timer_at: Mapped[datetime | None]
    # Where the instance waits: [[process id, element id, since (ISO)], ...], written with every save.
    positions: Mapped[list[Any] | None]
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    version: Mapped[ProcessVersion] = relationship(lazy="raise")

    __mapper_args__ = {"version_id_col": lock_version}


class Incident(Base):
    """Process code that failed at run time: where, why, when first and last, how often; open until resolved."""

    __tablename__ = "incident"
    __table_args__ = (Index("ix_incident_open", "resolved_at", "last_seen"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"), index=True)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("process_version.id"))
    element_id: Mapped[str] = mapped_column(String(200), default="")
    element_name: Mapped[str] = mapped_column(String(200), default="")
    origin: Mapped[str] = mapped_column(String(20), default="scheduler")  # scheduler | command | retry
    error: Mapped[str] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=1)
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class InstanceMigration(Base):
    """One move of running instances onto another version of their process, by an administrator."""

    __tablename__ = "instance_migration"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"), index=True)
    mapping: Mapped[dict[str, Any]]  # removed element id -> element id of the new version
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    rolled_back_at: Mapped[datetime | None]
    rolled_back_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class MigrationItem(Base):
    """One instance in a migration: moved (with its state from before, to restore) or refused (with why)."""

    __tablename__ = "migration_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    migration_id: Mapped[int] = mapped_column(ForeignKey("instance_migration.id"), index=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))  # migrated | refused | restored
    reason: Mapped[str] = mapped_column(Text, default="")
    from_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"))
    # Everything the move changed, as it was before: the instance row and its inbox rows.
    before: Mapped[dict[str, Any] | None] = mapped_column(deferred=True)
    lock_version_after: Mapped[int | None]
    restored_at: Mapped[datetime | None]
