"""Programme progress: awarded teams against the target, by track, city and year, and the pipeline by stage."""
from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.calendar import CHINA
from engine.models import GUANGXI_CITIES, TRACKS, Application

TARGET = 100
# An award counts while the project lives on; a project terminated or failed after its award does not.
AWARDED_STATUSES = ("awarded", "in_progress", "accepted")
STAGES = ("application", "recommendation", "formal_review", "expert_review", "publicity", "contract", "midterm",
          "acceptance", "closed")
UNKNOWN_CITY = "未填写"


def awarded(session: Session) -> list[Application]:
    """Applications that were awarded and not revoked since."""
    return list(session.scalars(select(Application).where(
        Application.awarded_at.is_not(None), Application.status.in_(AWARDED_STATUSES))).all())


def progress(session: Session) -> dict[str, Any]:
    """The target, awarded teams in all and by track, city and (China) year of award, and the stage pipeline."""
    teams = awarded(session)
    by_track = {track: 0 for track in TRACKS} | Counter(app.track for app in teams)
    by_city = {city: 0 for city in GUANGXI_CITIES} | Counter(app.city or UNKNOWN_CITY for app in teams)
    years = Counter(str(app.awarded_at.astimezone(CHINA).year) for app in teams if app.awarded_at)
    return {
        "target": TARGET,
        "awarded": len(teams),
        "by_track": dict(by_track),
        "by_city": dict(by_city),
        "by_year": dict(sorted(years.items())),
        "pipeline": pipeline(session),
    }


def pipeline(session: Session) -> dict[str, int]:
    """How many applications are at each stage (every stage listed, in lifecycle order)."""
    counts = {stage: n for stage, n in session.execute(
        select(Application.stage, func.count()).group_by(Application.stage))}
    return {stage: int(counts.get(stage, 0)) for stage in STAGES} | {
        stage: int(n) for stage, n in counts.items() if stage not in STAGES}
