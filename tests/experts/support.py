"""A generated library and call for the panel tests, and an independent check of conflicts."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.experts import synthetic
from engine.models import Application, Call, ExpertProfile, HumanTask, Organization, User
from engine.runtime import Runtime


@dataclass
class BigCall:
    call_id: int
    application_ids: list[int]
    experts: list[int]
    institutions: list[str]


def big_call(runtime: Runtime, experts: int = 300, applications: int = 100, track: str = "T1") -> BigCall:
    """`experts` generated experts and `applications` of the track's call waiting for expert assignment."""
    with runtime.sessions.begin() as session:
        library = synthetic.library(session, experts)
        call = session.scalars(select(Call).where(Call.track == track)).one()
        ids = synthetic.applications(session, call, synthetic.applicant_id(session), applications,
                                     library.institutions)
        return BigCall(call.id, ids, library.user_ids, library.institutions)


def facts(session: Session, application_ids: list[int]) -> dict[int, dict[str, Any]]:
    """What a person would look at to judge a conflict: organisation, city and the team's institutions."""
    found: dict[int, dict[str, Any]] = {}
    for app, org in session.execute(select(Application, Organization.name).join(
            Organization, Organization.id == Application.organization_id).where(Application.id.in_(application_ids))):
        found[app.id] = {"organization": org, "city": app.city, "institutions": set(), "field": ""}
    for app_id, data in session.execute(select(HumanTask.application_id, HumanTask.data).where(
            HumanTask.application_id.in_(application_ids), HumanTask.form_key.startswith("application_"),
            HumanTask.state == "done")):
        found[app_id]["institutions"] = {m["institution"] for m in data["team"]}
        found[app_id]["field"] = data["field"]
    return found


def expert_facts(session: Session) -> dict[int, dict[str, Any]]:
    """Each library expert's organisation, city, fields and cap."""
    return {user_id: {"organization": org, "city": city, "fields": fields, "cap": cap}
            for user_id, org, city, fields, cap in session.execute(
                select(User.id, Organization.name, ExpertProfile.city, ExpertProfile.fields, ExpertProfile.yearly_cap)
                .join(ExpertProfile, ExpertProfile.user_id == User.id)
                .join(Organization, Organization.id == User.organization_id))}


def conflicts_seen(panels: list[dict[str, Any]], apps: dict[int, dict[str, Any]],
                   experts: dict[int, dict[str, Any]]) -> list[tuple[int, int, str]]:
    """(application, expert, why) for every seat a person would call a conflict."""
    seen = []
    for panel in panels:
        app = apps[panel["application_id"]]
        for seat in panel["experts"]:
            expert = experts[seat["user_id"]]
            if expert["organization"] == app["organization"]:
                seen.append((panel["application_id"], seat["user_id"], "applicant organisation"))
            if expert["organization"] in app["institutions"]:
                seen.append((panel["application_id"], seat["user_id"], "team institution"))
            if expert["city"] == app["city"]:
                seen.append((panel["application_id"], seat["user_id"], "same city"))
    return seen
