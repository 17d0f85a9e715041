"""Inbox pages: which tasks a user sees in each tab, filtered in the database, one keyset page at a time.

Open tabs read in due-date order (`due_sort, id`), 已办 newest completion first; each order is the
order of a partial index (see `engine.models.task`), so a page costs the same on page 1 and page 2,000.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, or_, select
from sqlalchemy.orm import Session

from engine import keyset
from engine.access import oversees
from engine.models import Application, HumanTask, Organization, User
from engine.models.task import IS_OPEN, UNCLAIMED

SCOPES = ("mine", "group", "all", "done")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
APPLICATION_FILTERS = ("track", "stage", "call_id", "city")


@dataclass(frozen=True)
class TaskFilter:
    """What an inbox page is narrowed to; None leaves a filter out."""

    application_id: int | None = None
    track: str | None = None
    stage: str | None = None
    call_id: int | None = None
    city: str | None = None
    due_before: datetime | None = None
    q: str | None = None  # words in the task's or the application's title or organisation, or its number (#12)

    @classmethod
    def of(cls, values: dict[str, Any]) -> TaskFilter:
        """The filter from a mapping that may hold other keys and blank values."""
        return cls(**{f.name: values[f.name] for f in fields(cls) if values.get(f.name) not in (None, "")})

    def apply(self, stmt: Select[tuple[HumanTask]]) -> Select[tuple[HumanTask]]:
        """`stmt` with the filters as WHERE clauses (and the join to the application they need)."""
        by_application = {k: getattr(self, k) for k in APPLICATION_FILTERS if getattr(self, k) is not None}
        if by_application:
            stmt = stmt.join(Application, Application.id == HumanTask.application_id)
        elif self.q:
            stmt = stmt.outerjoin(Application, Application.id == HumanTask.application_id)
        stmt = stmt.where(*(getattr(Application, k) == v for k, v in by_application.items()))
        if self.application_id is not None:
            stmt = stmt.where(HumanTask.application_id == self.application_id)
        if self.due_before is not None:
            # `due_sort` bounds the index range; `due_at` keeps tasks without a due date out.
            stmt = stmt.where(HumanTask.due_sort < self.due_before, HumanTask.due_at.is_not(None))
        if self.q:
            stmt = stmt.outerjoin(Organization, Organization.id == Application.organization_id)
            matches = [HumanTask.title.icontains(self.q, autoescape=True),
                       Application.title.icontains(self.q, autoescape=True),
                       Organization.name.icontains(self.q, autoescape=True)]
            number = self.q.strip().lstrip("#＃").strip()
            if number.isascii() and number.isdigit() and len(number) <= 12:
                matches.append(HumanTask.application_id == int(number))
            stmt = stmt.where(or_(*matches))
        return stmt


def _claimable_by(user: User) -> ColumnElement[bool]:
    """Unclaimed tasks of a role `user` holds, within the grant's scope when it has one."""
    if not user.grants:
        return false()
    by_role = [
        and_(HumanTask.candidate_role == g.role, or_(HumanTask.scope.is_(None), HumanTask.scope == g.scope))
        if g.scope is not None else HumanTask.candidate_role == g.role
        for g in user.grants
    ]
    return and_(UNCLAIMED, or_(*by_role))


def visible(user: User, scope: str) -> Select[tuple[HumanTask]]:
    """The tab's rows, unordered: `mine` (assigned to me), `group` (claimable), `all` (overseers: every open
    task; others: mine and claimable), `done` (completed by me)."""
    stmt = select(HumanTask)
    if scope == "done":
        return stmt.where(HumanTask.state == "done", HumanTask.completed_by == user.id)
    if scope == "mine":
        return stmt.where(IS_OPEN, HumanTask.assignee_id == user.id)
    if scope == "group":
        return stmt.where(IS_OPEN, _claimable_by(user))
    if scope == "all":
        stmt = stmt.where(IS_OPEN)
        return stmt if oversees(user) else stmt.where(or_(HumanTask.assignee_id == user.id, _claimable_by(user)))
    raise ValueError(f"unknown inbox scope {scope!r}")


def order(scope: str, latest_due_first: bool = False) -> keyset.Order:
    """Open tabs: earliest due first (tasks without a due date last), or the reverse; 已办: newest first."""
    if scope == "done":
        return keyset.Order((HumanTask.completed_at, HumanTask.id), descending=True)
    return keyset.Order((HumanTask.due_sort, HumanTask.id), descending=latest_due_first)


def page(session: Session, user: User, scope: str, filters: TaskFilter | None = None, *,
         limit: int = DEFAULT_LIMIT, cursor: str | None = None, latest_due_first: bool = False
         ) -> keyset.Page[HumanTask]:
    """One page of the tab, the tab's total under `filters`, and cursors to the pages around it."""
    stmt = (filters or TaskFilter()).apply(visible(user, scope))
    return keyset.page(session, stmt, order(scope, latest_due_first), limit=min(limit, MAX_LIMIT), cursor=cursor)


def count(session: Session, user: User, scope: str) -> int:
    """How many tasks the tab holds (the counts in the navigation)."""
    return keyset.count(session, visible(user, scope))
