"""Generated libraries and calls, inserted in bulk, for the tests and the benchmark of panel drawing.

Applications are made as a call holds them just before expert assignment (the submitted form with its
team, an open 遴选评审专家 task) without playing each one through the engine; team members work at
institutions of the library, so that the draw has conflicts to avoid.
"""
from __future__ import annotations

import random
import uuid
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from engine import repository
from engine.models import (
    GUANGXI_CITIES,
    Application,
    Call,
    ExpertProfile,
    HumanTask,
    Organization,
    ProcessInstance,
    RoleGrant,
    User,
    utcnow,
)
from forms.choices import TECH_FIELDS

OTHER_CITIES = ("北京市", "上海市", "广州市", "深圳市", "杭州市", "武汉市", "成都市", "西安市", "南京市", "长沙市")
FIELDS = tuple(f for f in TECH_FIELDS if f != "其他")


@dataclass
class Library:
    user_ids: list[int]
    institutions: list[str]


def library(session: Session, size: int, seed: int = 1, prefix: str = "lib", per_institution: int = 3,
            fields: tuple[str, ...] = FIELDS, cap: int = 20) -> Library:
    """`size` active experts, `per_institution` to an institution, half of them in Guangxi."""
    rng = random.Random(seed)
    cities = GUANGXI_CITIES + OTHER_CITIES
    count = max(size // per_institution, 1)
    names = [f"{prefix}研究院{k:04d}" for k in range(count)]
    org_city = {name: cities[k % len(cities)] for k, name in enumerate(names)}
    org_ids = dict(session.execute(insert(Organization).returning(Organization.name, Organization.id), [
        {"name": n, "city": c if c in GUANGXI_CITIES else None, "kind": "institution"}
        for n, c in org_city.items()]).tuples().all())
    people = [{"username": f"{prefix}{i:05d}", "display_name": f"{prefix}专家{i:05d}", "password_hash": "",
               "organization_id": org_ids[names[i % count]], "active": True, "created_at": utcnow()}
              for i in range(size)]
    user_ids = list(session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), people))
    session.execute(insert(RoleGrant), [{"user_id": u, "role": "expert", "scope": None} for u in user_ids])
    now = utcnow()
    profiles = []
    for i, user_id in enumerate(user_ids):
        primary = fields[i % len(fields)]
        secondary = rng.sample([f for f in fields if f != primary], k=rng.randint(0, 2))
        profiles.append({"user_id": user_id, "city": org_city[names[i % count]], "title": "教授",
                         "fields": [primary, *secondary], "active": True, "yearly_cap": cap,
                         "created_at": now, "updated_at": now})
    session.execute(insert(ExpertProfile), profiles)
    return Library(user_ids, names)


def applications(session: Session, call: Call, applicant_user_id: int, size: int, institutions: list[str],
                 seed: int = 2, fields: tuple[str, ...] = FIELDS, members_inside: int = 2) -> list[int]:
    """`size` applications of `call` waiting for expert assignment; `members_inside` team members each work
    at institutions of the library (one core member, the rest advisors), the others elsewhere."""
    rng = random.Random(seed)
    version = repository.latest(session, call.process_key)
    assert version is not None, f"{call.process_key} is not deployed"
    now = utcnow()
    org_rows = [{"name": f"申报单位{call.id}-{seed}-{i:05d}", "city": GUANGXI_CITIES[i % len(GUANGXI_CITIES)],
                 "kind": "employer"} for i in range(size)]
    orgs = list(session.execute(insert(Organization).returning(Organization.id, Organization.name, Organization.city,
                                                               sort_by_parameter_order=True), org_rows).tuples())
    app_rows, forms = [], []
    for i, (org_id, _name, city) in enumerate(orgs):
        field = fields[rng.randrange(len(fields))]
        inside = rng.sample(institutions, k=min(members_inside, len(institutions)))
        team = [{"name": f"成员{i}-{k}", "role": "core" if k == 0 else "advisor", "is_leader": k == 0,
                 "title": "研究员", "institution": inst, "region": "domestic", "work_location": "elsewhere_in_china"}
                for k, inst in enumerate(inside)]
        team += [{"name": f"成员{i}-x{k}", "role": "core", "is_leader": not inside and k == 0, "title": "研究员",
                  "institution": f"区外大学{i}-{k}", "region": "domestic", "work_location": "elsewhere_in_china"}
                 for k in range(3)]
        forms.append({"title": f"团队申报{i}", "field": field, "city": city, "team": team})
        app_rows.append({"call_id": call.id, "organization_id": org_id, "applicant_user_id": applicant_user_id,
                         "track": call.track, "title": f"团队申报{i}", "city": city, "stage": "expert_review",
                         "status": "in_review", "summary": {"field": field}, "created_at": now, "updated_at": now})
    app_ids = list(session.scalars(insert(Application).returning(Application.id, sort_by_parameter_order=True),
                                   app_rows))
    instance_ids = list(session.scalars(insert(ProcessInstance).returning(ProcessInstance.id,
                                                                          sort_by_parameter_order=True), [
        {"version_id": version.id, "application_id": a, "status": "running", "state_json": "{}",
         "serializer_version": "synthetic", "lock_version": 1, "created_at": now, "updated_at": now}
        for a in app_ids]))
    rows = []
    for app_id, instance_id, form in zip(app_ids, instance_ids, forms, strict=True):
        common = {"instance_id": instance_id, "application_id": app_id, "created_at": now}
        rows.append({**common, "task_guid": str(uuid.uuid4()), "spec_name": "application_form", "title": "申报书",
                     "lane": "applicant", "form_key": f"application_{call.track.lower()}", "state": "done",
                     "candidate_role": "applicant", "preassigned": True, "data": form, "completed_at": now})
        rows.append({**common, "task_guid": str(uuid.uuid4()), "spec_name": "assign_experts", "title": "遴选评审专家",
                     "lane": "officer", "form_key": "expert_assignment", "state": "open", "candidate_role": "officer",
                     "preassigned": False})
    session.execute(insert(HumanTask), rows)
    return app_ids


def applicant_id(session: Session) -> int:
    """A user who may stand as the applicant of generated applications (the demo's `applicant`)."""
    found = session.scalar(select(User.id).where(User.username == "applicant"))
    assert found is not None
    return found
