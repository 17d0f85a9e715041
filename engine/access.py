"""Who may work a task and who may see an application: the one permission check."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Application, HumanTask, ReviewAssignment, User

OVERSEERS = frozenset({"officer", "admin"})


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
    """Oversight, the applicant itself, its organization, or the recommender of its city."""
    if oversees(user) or app.applicant_user_id == user.id:
        return True
    if user.has_role("applicant") and user.organization_id is not None and app.organization_id == user.organization_id:
        return True
    return bool(app.city and any(g.role == "recommender" and g.scope == app.city for g in user.grants))


def _assignment(session: Session, user: User, app: Application) -> ReviewAssignment | None:
    return session.scalar(select(ReviewAssignment).where(
        ReviewAssignment.application_id == app.id, ReviewAssignment.expert_id == user.id))
