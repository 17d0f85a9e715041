"""Expert panels of one application: who may be picked, and the assignment and conflict records."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import reference
from engine.experts import pool, rules
from engine.experts.conflicts import Screen
from engine.models import (
    Application,
    DeclaredConflict,
    HumanTask,
    JiebangProblem,
    PartnerInstitution,
    ReviewAssignment,
    User,
    utcnow,
)

SCORE_FORM = "expert_score"


def eligible_experts(session: Session, app: Application) -> list[User]:
    """Active experts of the library who may review `app`: no conflict under the rules, not yet on its panel."""
    experts = pool.library(session)
    applicant = pool.applicants(session, [app.id])[0]
    screen = Screen(experts, rules.load(session), pool.declared(session), app.call.avoid_same_city)
    blocked = set(screen.exclusions(applicant)) | applicant.seated
    ids = [e.user_id for e in experts if e.user_id not in blocked]
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids))).unique().all()}
    return [users[i] for i in ids if i in users]


def choices(session: Session, field_names: frozenset[str] | set[str], app: Application | None,
            today: date) -> dict[str, list[Any]]:
    """Allowed values of the database-backed choice fields a form has: list entries valid `today`."""
    result: dict[str, list[Any]] = {}
    if "jiebang_problem_id" in field_names:
        result["jiebang_problem_id"] = [p.id for p in reference.valid_on(session, JiebangProblem, today)]
    if "partner_institution_id" in field_names:
        result["partner_institution_id"] = [p.id for p in reference.valid_on(session, PartnerInstitution, today)]
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
    if assignment.conflict:
        # Remembered for later draws: the expert stands aside from this organisation's applications.
        app = session.get(Application, row.application_id)
        session.add(DeclaredConflict(expert_id=assignment.expert_id, application_id=row.application_id,
                                     organization_id=app.organization_id if app else None,
                                     reason=assignment.conflict_reason or "", declared_at=utcnow()))
