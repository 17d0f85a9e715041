"""Programme progress: awarded teams against the target over the plan period, by track, city, year and origin,
awards outside the period apart, and the pipeline by stage.

A team is *overseas* (境外团队) when its leader works abroad when applying (`work_location` "abroad"; in
applications filed before members recorded where they work, the leader's `region` "overseas"); a team whose
leader works in China is *domestic* (国内团队); a team whose application form names no leader is *unknown*.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import filed, plan
from engine.calendar import CHINA
from engine.models import GUANGXI_CITIES, TRACKS, Application
from engine.scope import Scope

TARGET = 100  # the seed's goal; the programme's setting (engine.plan) is what counts
ORIGINS = ("domestic", "overseas", "unknown")
ORIGIN_LABELS = {"domestic": "国内团队", "overseas": "境外团队", "unknown": "未注明"}
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


def award_year(app: Application) -> int:
    """The (China) year of the award."""
    assert app.awarded_at is not None
    return app.awarded_at.astimezone(CHINA).year


def origin(form: dict[str, Any]) -> str:
    """`overseas` when the team's leader works abroad, `domestic` when in China, `unknown` without a leader."""
    team = form.get("team") if isinstance(form.get("team"), list) else []
    leader = next((m for m in team or [] if isinstance(m, dict) and m.get("is_leader")), None)
    if leader is None:
        return "unknown"
    if leader.get("work_location"):
        return "overseas" if leader["work_location"] == "abroad" else "domestic"
    return "overseas" if leader.get("region") == "overseas" else "domestic"


def progress(session: Session, scope: Scope | None = None) -> dict[str, Any]:
    """The target and the awarded teams of the plan period in all and by track, city, year and origin; awards
    outside the period apart; and the stage pipeline (within `scope`: award year, track, call)."""
    setting = plan.current(session)
    teams: list[Application] = []
    outside: list[Application] = []
    for app in awarded(session, scope):
        (teams if setting.first_year <= award_year(app) <= setting.last_year else outside).append(app)
    by_track = {track: 0 for track in TRACKS} | Counter(app.track for app in teams)
    by_city = {city: 0 for city in GUANGXI_CITIES} | Counter(app.city or UNKNOWN_CITY for app in teams)
    years = Counter(str(award_year(app)) for app in teams)
    origins = {o: 0 for o in ORIGINS} | Counter(origin(filed.application_form(session, app.id)) for app in teams)
    return {
        "target": setting.target,
        "awarded": len(teams),
        "by_track": dict(by_track),
        "by_city": dict(by_city),
        "by_year": dict(sorted(years.items())),
        "by_origin": dict(origins),
        "plan_period": {"name": setting.plan_name, "first_year": setting.first_year, "last_year": setting.last_year},
        "outside_period": {
            "awarded": len(outside),
            "by_year": dict(sorted(Counter(str(award_year(app)) for app in outside).items())),
            "by_track": {track: 0 for track in TRACKS} | dict(Counter(app.track for app in outside)),
        },
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
