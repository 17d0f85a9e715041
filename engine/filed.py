"""What was filed for an application: the newest submitted data of a form, and the team leader named in it."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import HumanTask

APPLICATION_FORM_PREFIX = "application_"


def latest(session: Session, application_id: int, form_prefix: str) -> tuple[HumanTask, dict[str, Any]] | None:
    """The newest completed task whose form key starts with `form_prefix`, and its data."""
    row = session.scalars(
        select(HumanTask).where(HumanTask.application_id == application_id, HumanTask.state == "done",
                                HumanTask.form_key.startswith(form_prefix))
        .order_by(HumanTask.completed_at.desc(), HumanTask.id.desc()).limit(1)).first()
    return (row, dict(row.data or {})) if row is not None else None


def application_form(session: Session, application_id: int) -> dict[str, Any]:
    """The newest submitted application form (first submission or correction), or {}."""
    found = latest(session, application_id, APPLICATION_FORM_PREFIX)
    return found[1] if found else {}


def leader(form: dict[str, Any]) -> str:
    """The team leader's name in an application form, or ""."""
    found = form.get("team")
    team: list[Any] = found if isinstance(found, list) else []
    return next((str(m.get("name") or "") for m in team if isinstance(m, dict) and m.get("is_leader")), "")
