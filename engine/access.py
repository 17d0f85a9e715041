"""Who may work a task and who may see an application: the one permission check."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Application, HumanTask, ReviewAssignment, User

OVERSEERS = frozenset({"officer", "admin"})
# What the applicant filed, and the award's outcome the applicant is told (awarded, rejected, revoked).
FILED_FIELDS = frozenset({"field", "budget_wan", "duration_months", "jiebang_problem_id", "partner_institution_id",
                          "platform_type", "award_result"})
DEPARTMENT_FIELDS = frozenset({"expert_mean", "review_recommendation", "funding_wan"})


def can_work(user: User, task: HumanTask) -> bool:
    """True when `user` may claim or complete `task`."""
    if task.assignee_id is not None:
        return task.assignee_id == user.id
    if task.preassigned or task.candidate_role is None:
        return False
    return user.has_role(task.candidate_role, task.scope)


def oversees(user: User) -> bool:
    """Officers and administrators see every application."""
    return bool(user.roles & OVERSEERS)


def can_see_application(session: Session, user: User, app: Application) -> bool:
    """The scope rules: own organization, own city, own non-conflicted assignment, or oversight."""
    if _related(user, app):
        return True
    if user.has_role("expert"):
        assignment = _assignment(session, user, app)
        return assignment is not None and assignment.conflict is not True
    return False


def may_read_content(session: Session, user: User, app: Application) -> bool:
    """`can_see_application`, and for an expert on the panel only once it has declared no conflict."""
    if _related(user, app):
        return True
    assignment = _assignment(session, user, app) if user.has_role("expert") else None
    if assignment is None or assignment.conflict is not None:
        return assignment is not None and assignment.conflict is False
    task = session.get(HumanTask, assignment.human_task_id) if assignment.human_task_id else None
    return task is not None and task.state == "open" and (task.data or {}).get("conflict") is False


def _related(user: User, app: Application) -> bool:
    """Oversight, the applicant itself, its organization, or the recommender of its city once it was submitted."""
    if oversees(user) or app.applicant_user_id == user.id:
        return True
    if user.has_role("applicant") and user.organization_id is not None and app.organization_id == user.organization_id:
        return True
    return recommends(user, app)


def recommends(user: User, app: Application) -> bool:
    """`user` recommends for the application's city and it has been submitted (a draft is the applicant's alone)."""
    return bool(app.city and app.submitted_at is not None
                and any(g.role == "recommender" and g.scope == app.city for g in user.grants))


def summary_fields(session: Session, user: User, app: Application) -> frozenset[str]:
    """The summary fields of `app` that `user` may see, on every page, API answer and export.

    What the applicant filed goes to those who may read the application; the Department's own
    figures (the experts' mean score, the recommendation drawn from it, the funding) stay with
    officers and administrators.
    """
    if oversees(user):
        return FILED_FIELDS | DEPARTMENT_FIELDS | frozenset(app.summary or {})
    return FILED_FIELDS if may_read_content(session, user, app) else frozenset()


def hidden_fields(session: Session, user: User, app: Application) -> frozenset[str]:
    """The Department's figures `user` may not see, wherever they appear (summaries, task forms, exports)."""
    return DEPARTMENT_FIELDS - summary_fields(session, user, app)


def visible_summary(session: Session, user: User, app: Application) -> dict[str, Any]:
    """The application's summary with only the fields `user` may see."""
    shown = summary_fields(session, user, app)
    return {k: v for k, v in (app.summary or {}).items() if k in shown}


def _assignment(session: Session, user: User, app: Application) -> ReviewAssignment | None:
    return session.scalar(select(ReviewAssignment).where(
        ReviewAssignment.application_id == app.id, ReviewAssignment.expert_id == user.id))
