"""Inbox volume for the HTTP benchmark: many open tasks in bulk, and real instances to complete tasks on.

The bulk rows hang on one real instance and on applications inserted in bulk (one per twenty
tasks, spread over tracks, cities and stages); 80 % are officer group tasks, 10 % are claimed by
the officer, 10 % wait for a city's recommender; one in twenty has no due date. The completion
pool is real: instances of a chain of officer tasks, each completed through the API one task
after the other.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from bench.chain import chain_bpmn
from engine import repository
from engine.models import GUANGXI_CITIES, Application, Call, HumanTask, User, utcnow
from engine.runtime import Runtime

CHAIN = 40
STAGES = ("recommendation", "formal_review", "expert_review", "contract", "midterm", "acceptance")
BATCH = 10_000


@dataclass(frozen=True)
class Volume:
    """What was seeded: the officer's id, and the first open task of every completion-pool instance."""

    officer_id: int
    pool: list[int]


def populate(sessions: sessionmaker[Session], tasks: int, pool: int, rng: random.Random) -> Volume:
    """`tasks` open bulk tasks and `pool` chain instances of CHAIN officer tasks each."""
    key, data = chain_bpmn(CHAIN, "bench_http_chain")
    with sessions.begin() as session:
        repository.deploy(session, {f"{key}.bpmn": data}, fill_from_library=False)
        officer = _user(session, "officer")
        applicant = _user(session, "applicant")
        calls = list(session.execute(select(Call.id, Call.track)).tuples())
    runtime = Runtime(sessions)
    holder = runtime.start_instance(key, {"application_title": "基准数据"})
    chains = [runtime.start_instance(key, {"application_title": f"办结基准{i}"}) for i in range(pool)]
    now = utcnow()
    with sessions.begin() as session:
        apps = [_application(i, calls, applicant, rng, now) for i in range(max(1, tasks // 20))]
        app_ids = list(session.scalars(insert(Application).returning(Application.id), apps))
        for start in range(0, tasks, BATCH):
            rows = [_task(i, holder, app_ids[i % len(app_ids)], officer, rng, now)
                    for i in range(start, min(tasks, start + BATCH))]
            session.execute(insert(HumanTask), rows)
        first = session.execute(select(HumanTask.instance_id, HumanTask.id).where(
            HumanTask.instance_id.in_(chains), HumanTask.state == "open")).tuples().all()
    by_instance = dict(first)
    return Volume(officer, [by_instance[i] for i in chains])


def _user(session: Session, username: str) -> int:
    found = session.scalar(select(User.id).where(User.username == username))
    assert found is not None, f"no user {username}"
    return found


def _application(i: int, calls: list[tuple[int, str]], applicant: int, rng: random.Random, now: Any
                 ) -> dict[str, Any]:
    call_id, track = calls[i % len(calls)]
    return {"call_id": call_id, "applicant_user_id": applicant, "track": track, "title": f"基准申报{i}号团队",
            "city": rng.choice(GUANGXI_CITIES), "stage": rng.choice(STAGES), "status": "in_review",
            "created_at": now, "updated_at": now}


def _task(i: int, instance_id: int, application_id: int, officer: int, rng: random.Random, now: Any
          ) -> dict[str, Any]:
    kind = i % 10
    return {"instance_id": instance_id, "application_id": application_id, "task_guid": f"bench-http-{i}",
            "spec_name": "follow_up", "title": f"跟进事项{i}", "lane": "recommender" if kind == 0 else "officer",
            "form_key": "rectification", "candidate_role": "recommender" if kind == 0 else "officer",
            "scope": rng.choice(GUANGXI_CITIES) if kind == 0 else None,
            "assignee_id": officer if kind == 1 else None, "preassigned": False,
            "due_at": None if i % 20 == 2 else now + timedelta(hours=rng.randint(-240, 24 * 60)),
            "state": "open", "created_at": now}
