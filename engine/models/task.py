"""Inbox rows: a flat, indexed copy of the ready user tasks of every instance."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Computed, ForeignKey, Index, String, UniqueConstraint, and_, literal_column
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base, utcnow

# Stands in for "no due date" in `due_sort`, written the way SQLite stores datetimes so that it
# reads back and binds again as the very same value on either database.
UNDATED = "9999-01-01 00:00:00.000000"


class HumanTask(Base):
    """A user task someone has to do (open), did (done) or no longer has to (cancelled)."""

    __tablename__ = "human_task"
    __table_args__ = (UniqueConstraint("instance_id", "task_guid"),)

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
    # The inbox order: the due date, tasks without one last. Computed by the database, so no
    # writer of `due_at` can leave it behind; unlike `due_at` it is never NULL, so a page can
    # continue after `(due_sort, id)` with one index range.
    due_sort: Mapped[datetime] = mapped_column(Computed(f"coalesce(due_at, '{UNDATED}')"))
    state: Mapped[str] = mapped_column(String(20), default="open")
    data: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    completed_at: Mapped[datetime | None]


# Inbox queries use these two conditions word for word, so that the partial indexes below apply:
# a bound parameter in place of 'open' would hide them from SQLite and from PostgreSQL's generic plans.
IS_OPEN = HumanTask.state == literal_column("'open'")
UNCLAIMED = and_(HumanTask.assignee_id.is_(None), HumanTask.preassigned.is_(False))


def _partial(name: str, where: Any, *columns: Any) -> Index:
    return Index(name, *columns, postgresql_where=where, sqlite_where=where)


# 全部 for officers; the rest of `all` for others.
_partial("ix_human_task_open_due", IS_OPEN, HumanTask.due_sort, HumanTask.id)
# 我的待办
_partial("ix_human_task_open_assignee", IS_OPEN, HumanTask.assignee_id, HumanTask.due_sort, HumanTask.id)
# 可领取, one role at a time
_partial("ix_human_task_claimable", and_(IS_OPEN, UNCLAIMED),
         HumanTask.candidate_role, HumanTask.due_sort, HumanTask.id)
