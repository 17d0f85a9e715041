"""The records a Chinese office files on paper, one per kind: which filed form each is drawn from, whether it
exists yet, and who may see it (the record's own visibility, from engine.access)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import filed
from engine.access import may_read_content, oversees
from engine.models import Application, HumanTask, ReviewAssignment, User


@dataclass(frozen=True)
class Kind:
    """A kind of document: its Chinese name and the filed forms it is drawn from (newest submission each)."""

    title: str
    forms: tuple[str, ...]
    officers_only: bool = False
    awarded_only: bool = False


KINDS: dict[str, Kind] = {
    "application": Kind("申报书", ("application_",)),
    "recommendation": Kind("推荐意见", ("recommendation",)),
    "formal_review": Kind("形式审查意见", ("formal_review",)),
    "review_summary": Kind("专家评审汇总表", (), officers_only=True),
    "award_notice": Kind("立项通知书", ("award_decision",), awarded_only=True),
    "contract": Kind("任务书", ("contract",)),
    "midterm": Kind("中期检查意见", ("midterm_review", "midterm_report")),
    "acceptance": Kind("验收结论", ("acceptance_review", "final_report")),
}


@dataclass
class Record:
    """What a document shows: the filed forms it is drawn from (key, data, task) and the panel for the summary."""

    kind: str
    app: Application
    filings: list[tuple[str, dict[str, Any], HumanTask]] = field(default_factory=list)
    panel: list[tuple[ReviewAssignment, User]] = field(default_factory=list)

    @property
    def title(self) -> str:
        return KINDS[self.kind].title

    def first(self) -> dict[str, Any]:
        """The data of the main filed form."""
        return self.filings[0][1] if self.filings else {}


def may_see(session: Session, user: User, app: Application, kind: str) -> bool:
    """The record's visibility: those who may read the application, and for officer-only kinds its overseers."""
    if kind not in KINDS or not may_read_content(session, user, app):
        return False
    return oversees(user) or not KINDS[kind].officers_only


def record(session: Session, app: Application, kind: str) -> Record | None:
    """The document's content, or None while the record does not exist yet."""
    spec = KINDS[kind]
    found = Record(kind, app)
    for prefix in spec.forms:
        latest = filed.latest(session, app.id, prefix)
        if latest is not None and latest[0].form_key:
            found.filings.append((latest[0].form_key, latest[1], latest[0]))
    if kind == "review_summary":
        found.panel = [(a, u) for a, u in session.execute(
            select(ReviewAssignment, User).join(User, User.id == ReviewAssignment.expert_id)
            .where(ReviewAssignment.application_id == app.id).order_by(ReviewAssignment.id)).tuples().all()]
        return found if any(a.score is not None for a, _ in found.panel) else None
    if not found.filings or (spec.forms and not found.filings[0][0].startswith(spec.forms[0])):
        return None
    if spec.awarded_only and (app.awarded_at is None or found.first().get("decision") != "approve"):
        return None
    return found


def available(session: Session, user: User, app: Application) -> list[str]:
    """The kinds of document that exist for `app` and that `user` may see, in lifecycle order."""
    return [k for k in KINDS if may_see(session, user, app, k) and record(session, app, k) is not None]
