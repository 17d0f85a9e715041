"""The return-for-correction banner: the reason and deadline of a return whose correction task is still open."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import HumanTask, NoticeEvent


def open_return(session: Session, application_id: int) -> dict[str, Any] | None:
    """{reason, deadline, task_id} of the newest return the applicant has not yet answered, or None."""
    found = session.execute(
        select(NoticeEvent, HumanTask.id).join(HumanTask, HumanTask.id == NoticeEvent.human_task_id)
        .where(NoticeEvent.application_id == application_id, NoticeEvent.kind == "returned",
               HumanTask.state == "open")
        .order_by(NoticeEvent.id.desc()).limit(1)).first()
    if found is None:
        return None
    event, task_id = found
    facts = event.facts or {}
    return {"reason": facts.get("reason", ""), "deadline": facts.get("deadline", ""), "task_id": task_id,
            "title": facts.get("title_text", "")}
