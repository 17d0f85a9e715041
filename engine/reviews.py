"""Expert panels: who may be picked for an application, and the assignment records."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import (
    Application,
    HumanTask,
    JiebangProblem,
    Organization,
    PartnerInstitution,
    ReviewAssignment,
    RoleGrant,
    User,
    utcnow,
)

SCORE_FORM = "expert_score"


def eligible_experts(session: Session, app: Application) -> list[User]:
    """Experts who may review `app`: not of its organization, not of its city, not yet on its panel."""
    already = select(ReviewAssignment.expert_id).where(ReviewAssignment.application_id == app.id)
    stmt = (
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .outerjoin(Organization, Organization.id == User.organization_id)
        .where(RoleGrant.role == "expert", User.active.is_(True), User.id.not_in(already))
        .order_by(User.id)
    )
    experts = session.scalars(stmt).unique().all()
    return [e for e in experts if not conflicts(e, app)]


def conflicts(expert: User, app: Application) -> bool:
    """Same organization or same city as the applicant counts as a conflict of interest."""
    if expert.organization_id is not None and expert.organization_id == app.organization_id:
        return True
    return bool(expert.organization and app.city and expert.organization.city == app.city)


def choices(session: Session, field_names: frozenset[str] | set[str], app: Application | None) -> dict[str, list[Any]]:
    """Allowed values of the database-backed choice fields a form has."""
    result: dict[str, list[Any]] = {}
    if "jiebang_problem_id" in field_names:
        result["jiebang_problem_id"] = list(session.scalars(
            select(JiebangProblem.id).where(JiebangProblem.listed.is_(True))).all())
    if "partner_institution_id" in field_names:
        result["partner_institution_id"] = list(session.scalars(
            select(PartnerInstitution.id).where(PartnerInstitution.active.is_(True))).all())
    if field_names & {"experts", "replacements"} and app is not None:
        result["experts"] = [e.id for e in eligible_experts(session, app)]
    return result


def record_assigned(session: Session, rows: list[HumanTask]) -> None:
    """An expert scoring task appeared: the expert is now on the application's panel."""
    for row in rows:
        if row.form_key == SCORE_FORM and row.assignee_id and row.application_id:
            session.add(ReviewAssignment(application_id=row.application_id, expert_id=row.assignee_id,
                                         human_task_id=row.id, assigned_at=utcnow()))


def record_scored(session: Session, row: HumanTask, data: dict[str, Any]) -> None:
    """An expert finished: store the conflict declaration or the score."""
    if row.form_key != SCORE_FORM or not row.application_id:
        return
    assignment = session.scalar(select(ReviewAssignment).where(
        ReviewAssignment.application_id == row.application_id, ReviewAssignment.expert_id == row.completed_by))
    if assignment is None:
        return
    assignment.conflict = bool(data.get("conflict"))
    assignment.conflict_reason = data.get("conflict_reason")
    assignment.score = data.get("score")
    assignment.comment = data.get("comment")
    assignment.completed_at = utcnow()
