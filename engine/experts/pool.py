"""The draw's inputs read from the database: the library with this year's loads, and the applications."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.calendar import CHINA
from engine.models import (
    Application,
    DeclaredConflict,
    ExpertProfile,
    HumanTask,
    Organization,
    ReviewAssignment,
    RoleGrant,
    User,
    utcnow,
)

APPLICATION_FORM_PREFIX = "application_"
_PARENTHESIS = re.compile(r"[（(].*?[)）]")


@dataclass(frozen=True)
class Expert:
    """An active expert of the library as the draw sees them."""

    user_id: int
    name: str  # the person's name: the display name without what stands in brackets
    label: str
    organization: str
    city: str
    title: str
    fields: tuple[str, ...]
    yearly_cap: int
    used: int  # reviews assigned this (China calendar) year, conflicts declared not counted

    @property
    def room(self) -> int:
        """Reviews the expert may still take this year."""
        return max(self.yearly_cap - self.used, 0)

    def fit(self, field: str) -> str | None:
        """`primary`, `secondary` or None: how the expert's fields cover an application's field."""
        if self.fields and self.fields[0] == field:
            return "primary"
        return "secondary" if field in self.fields[1:] else None


@dataclass(frozen=True)
class Member:
    """A team member as the application form gives them."""

    name: str
    institution: str
    role: str  # core | advisor


@dataclass(frozen=True)
class Applicant:
    """An application waiting for experts: its field, city, organisation, team, and who already reviews it."""

    application_id: int
    title: str
    field: str
    city: str
    organization_id: int | None
    organization: str
    team: tuple[Member, ...]
    seated: frozenset[int]  # experts already assigned to it (any round)


def person_name(display_name: str) -> str:
    """`张教授（上海交通大学）` → `张教授`."""
    return _PARENTHESIS.sub("", display_name).strip()


def year_start(now: datetime | None = None) -> datetime:
    """Midnight of 1 January of the current China calendar year."""
    local = (now or utcnow()).astimezone(CHINA)
    return datetime(local.year, 1, 1, tzinfo=CHINA)


def library(session: Session, now: datetime | None = None) -> list[Expert]:
    """Every active expert of the library, ordered by user id, with this year's load."""
    used = dict(session.execute(
        select(ReviewAssignment.expert_id, func.count()).where(
            ReviewAssignment.assigned_at >= year_start(now), ReviewAssignment.conflict.isnot(True))
        .group_by(ReviewAssignment.expert_id)).tuples().all())
    experts = select(RoleGrant.user_id).where(RoleGrant.role == "expert")
    rows = session.execute(
        select(User.id, User.display_name, Organization.name, ExpertProfile.city, ExpertProfile.title,
               ExpertProfile.fields, ExpertProfile.yearly_cap)
        .join(User, User.id == ExpertProfile.user_id)
        .outerjoin(Organization, Organization.id == User.organization_id)
        .where(ExpertProfile.active.is_(True), User.active.is_(True), User.id.in_(experts))
        .order_by(User.id)).tuples().all()
    return [Expert(user_id=user_id, name=person_name(display), label=display, organization=org or "", city=city,
                   title=title, fields=tuple(str(f) for f in fields or ()), yearly_cap=cap,
                   used=int(used.get(user_id, 0)))
            for user_id, display, org, city, title, fields, cap in rows]


def declared(session: Session) -> dict[int, set[int]]:
    """Experts who declared a conflict with an organisation, by organisation id."""
    found: dict[int, set[int]] = {}
    for expert_id, org_id in session.execute(
            select(DeclaredConflict.expert_id, DeclaredConflict.organization_id)
            .where(DeclaredConflict.organization_id.isnot(None))).tuples():
        if org_id is not None:
            found.setdefault(org_id, set()).add(expert_id)
    return found


def submissions(session: Session, application_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The newest submitted application form of each application."""
    rows = session.execute(
        select(HumanTask.application_id, HumanTask.data)
        .where(HumanTask.application_id.in_(application_ids), HumanTask.state == "done",
               HumanTask.form_key.startswith(APPLICATION_FORM_PREFIX))
        .order_by(HumanTask.completed_at, HumanTask.id)).tuples().all()
    return {app_id: dict(data or {}) for app_id, data in rows if app_id is not None}


def applicants(session: Session, application_ids: list[int]) -> list[Applicant]:
    """The applications in id order, as the draw reads them."""
    ids = sorted(set(application_ids))
    forms = submissions(session, ids)
    seated: dict[int, set[int]] = {}
    for app_id, expert_id in session.execute(
            select(ReviewAssignment.application_id, ReviewAssignment.expert_id)
            .where(ReviewAssignment.application_id.in_(ids))).tuples():
        seated.setdefault(app_id, set()).add(expert_id)
    apps = session.scalars(select(Application).where(Application.id.in_(ids)).order_by(Application.id)).all()
    return [_applicant(app, forms.get(app.id, {}), seated.get(app.id, set())) for app in apps]


def _applicant(app: Application, form: dict[str, Any], seated: set[int]) -> Applicant:
    summary = app.summary or {}
    team = tuple(Member(str(m.get("name") or ""), str(m.get("institution") or ""), str(m.get("role") or "core"))
                 for m in form.get("team") or [] if isinstance(m, dict))
    return Applicant(application_id=app.id, title=app.title, field=str(form.get("field") or summary.get("field") or ""),
                     city=app.city or "", organization_id=app.organization_id,
                     organization=app.organization.name if app.organization else "", team=team,
                     seated=frozenset(seated))
