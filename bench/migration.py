"""Migration benchmark: the impact preview, the migration preview, the migration and its rollback for many
running instances.

A fresh database gets real T4 applications at four places of the lifecycle (waiting for the midterm
timer, at the midterm report, at the midterm review, still a draft), played through the engine; each
is then cloned in bulk (application, instance state, inbox rows) up to `--count` running instances.
The edit is the midterm with an officer's site visit added before the review. Printed: seconds for
the impact preview of the edited file, and for the preview, the migration and the rollback of every
instance, with the per-instance cost.

    python -m bench.migration [--backend postgresql] [--count 10000]
"""
from __future__ import annotations

import argparse
import time
from typing import Any

from sqlalchemy import Engine, insert, select

from bench.engine import database
from engine import repository
from engine.db import make_sessionmaker
from engine.lifecycle import Lifecycle
from engine.models import Application, HumanTask, ProcessInstance, ProcessVersion, User
from engine.runtime import Runtime
from engine.versioning import impact, moving
from tests.engine.test_migration import (
    in_draft,
    midterm_with_site_visit,
    to_midterm_report,
    to_midterm_review,
    to_midterm_timer,
)

SEEDS = (to_midterm_timer, to_midterm_report, to_midterm_review, in_draft)
BATCH = 2_000
APPLICATION_COLUMNS = ("call_id", "organization_id", "applicant_user_id", "track", "title", "city", "stage", "status",
                       "summary", "created_at", "updated_at", "submitted_at")
INSTANCE_COLUMNS = ("version_id", "status", "state_json", "serializer_version", "next_timer_at", "positions",
                    "created_at", "updated_at")
TASK_COLUMNS = ("task_guid", "spec_name", "title", "lane", "form_key", "candidate_role", "scope", "assignee_id",
                "preassigned", "due_at", "due_in", "state", "created_at")


def _row(obj: Any, columns: tuple[str, ...]) -> dict[str, Any]:
    return {c: getattr(obj, c) for c in columns}


def populate(runtime: Runtime, count: int) -> list[int]:
    """`count` running T4 instances: the seeds played for real, the rest cloned from them."""
    seeds = []
    for drive in SEEDS:
        lc = Lifecycle(runtime, "T4")
        drive(lc)
        seeds.append(lc.instance().id)
    with runtime.sessions.begin() as session:
        for n in range(count - len(seeds)):
            if n % BATCH == 0:
                session.flush()
            source = session.get(ProcessInstance, seeds[n % len(seeds)])
            assert source is not None
            app = session.get(Application, source.application_id)
            assert app is not None
            app_id = session.scalar(insert(Application).returning(Application.id),
                                    [{**_row(app, APPLICATION_COLUMNS), "title": f"基准申报{n}号团队"}])
            instance_id = session.scalar(insert(ProcessInstance).returning(ProcessInstance.id),
                                         [{**_row(source, INSTANCE_COLUMNS), "application_id": app_id}])
            rows = session.scalars(select(HumanTask).where(HumanTask.instance_id == source.id,
                                                           HumanTask.state == "open")).all()
            if rows:
                session.execute(insert(HumanTask), [{**_row(r, TASK_COLUMNS), "instance_id": instance_id,
                                                     "application_id": app_id} for r in rows])
    with runtime.sessions() as session:
        return list(session.scalars(select(ProcessInstance.id).where(ProcessInstance.status.in_(moving.RUNNING))
                                    .order_by(ProcessInstance.id)).all())


def timed(label: str, count: int, action: Any) -> Any:
    started = time.perf_counter()
    result = action()
    elapsed = time.perf_counter() - started
    print(f"  {label:<28} {elapsed:8.2f} s   {elapsed / max(count, 1) * 1000:7.2f} ms/实例")
    return result


def run(backend: str, count: int) -> None:
    with database(backend) as eng:
        run_on(eng, backend, count)


def run_on(eng: Engine, backend: str, count: int) -> None:
    """The benchmark on a prepared database."""
    runtime = Runtime(make_sessionmaker(eng))
    started = time.perf_counter()
    ids = populate(runtime, count)
    print(f"{backend}: {len(ids)} running instances prepared in {time.perf_counter() - started:.1f} s")
    with runtime.sessions() as session:
        admin = session.scalar(select(User.id).where(User.username == "admin"))
        assert admin is not None
    edited = {"midterm.bpmn": midterm_with_site_visit()}
    with runtime.sessions() as session:
        found = timed("impact preview", len(ids), lambda: impact.of_upload(session, edited, runtime.store))
    t4 = next(r for r in found.running if r.process_key == "track4_enterprise")
    print(f"  on v{t4.version}: {t4.instances} running, {len(t4.on_changed)} waiting on changed elements")
    with runtime.sessions.begin() as session:
        repository.deploy(session, edited, note="基准", actor_id=admin)
    with runtime.sessions() as session:
        target = session.scalar(select(ProcessVersion.id).where(ProcessVersion.process_key == "track4_enterprise")
                                .order_by(ProcessVersion.version.desc()).limit(1))
        assert target is not None
    plans = timed("migration preview", len(ids), lambda: moving.preview(runtime, target, ids, None, admin))
    print(f"  movable: {sum(p.can_move for p in plans)} of {len(plans)}")
    # every instance moved here, as the scheduler's passes would move them
    outcome = timed("migration", len(ids), lambda: moving.migrate(runtime, target, ids, None, admin,
                                                                  inline_limit=len(ids)))
    print(f"  migrated: {len(outcome.migrated)}, refused: {len(outcome.refused)}")
    restored, refused = timed("rollback", len(ids), lambda: moving.rollback(runtime, outcome.id, admin))
    print(f"  restored: {len(restored)}, refused: {len(refused)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="postgresql", choices=("sqlite", "postgresql"))
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    run(args.backend, args.count)


if __name__ == "__main__":
    main()
