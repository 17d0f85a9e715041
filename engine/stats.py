"""Programme progress: awarded teams against the target, by track, city and year, and the pipeline by stage."""
from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.calendar import CHINA
from engine.models import GUANGXI_CITIES, TRACKS, Application
from engine.scope import Scope

TARGET = 100
# An award counts while the project lives on; a project terminated or failed after its award does not.
AWARDED_STATUSES = ("awarded", "in_progress", "accepted")
STAGES = ("application", "recommendation", "formal_review", "expert_review", "publicity", "contract", "midterm",
          "acceptance", "closed")
UNKNOWN_CITY = "未填写"
# An application in one of these states has ended: it is no longer "在办" whatever stage it stopped at.
ENDED_STATUSES = ("accepted", "rejected", "withdrawn", "terminated", "failed", "closed")
LIVE_STAGES = tuple(stage for stage in STAGES if stage != "closed")


def awarded(session: Session, scope: Scope | None = None) -> list[Application]:
    """Applications that were awarded and not revoked since (within `scope`: award year, track, call)."""
    stmt = select(Application).where(Application.awarded_at.is_not(None), Application.status.in_(AWARDED_STATUSES))
    return list(session.scalars((scope or Scope()).awarded_in_year(stmt)).all())


def progress(session: Session, scope: Scope | None = None) -> dict[str, Any]:
    """The target, awarded teams in all and by track, city and (China) year of award, and the stage pipeline."""
    teams = awarded(session, scope)
    by_track = {track: 0 for track in TRACKS} | Counter(app.track for app in teams)
    by_city = {city: 0 for city in GUANGXI_CITIES} | Counter(app.city or UNKNOWN_CITY for app in teams)
    years = Counter(str(app.awarded_at.astimezone(CHINA).year) for app in teams if app.awarded_at)
    return {
        "target": TARGET,
        "awarded": len(teams),
        "by_track": dict(by_track),
        "by_city": dict(by_city),
        "by_year": dict(sorted(years.items())),
        "pipeline": pipeline(session, scope),
    }


def pipeline(session: Session, scope: Scope | None = None) -> dict[str, int]:
    """How many applications still in progress (在办: not ended) are at each stage, every live stage listed in
    lifecycle order; within `scope` the year is the year the application was started."""
    stmt = select(Application.stage, func.count()).where(
        Application.status.not_in(ENDED_STATUSES), Application.stage != "closed").group_by(Application.stage)
    counts = {stage: n for stage, n in session.execute((scope or Scope()).created_in_year(stmt))}
    return {stage: int(counts.get(stage, 0)) for stage in LIVE_STAGES} | {
        stage: int(n) for stage, n in counts.items() if stage not in LIVE_STAGES}
