"""Runtime commands on a small chain process: restore per step, conflicts, claims, audit."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from bench.chain import chain_bpmn
from engine import repository
from engine.errors import FormInvalid, NotAllowed, TaskConflict
from engine.models import AuditEvent, HumanTask, ProcessInstance
from engine.runtime import Runtime

STEP = {"rectification_report": "已完成"}


@pytest.fixture
def chain(runtime: Runtime) -> int:
    key, data = chain_bpmn(3, "chain_test")
    with runtime.sessions.begin() as session:
        repository.deploy(session, {"chain_test.bpmn": data}, fill_from_library=False)
    return runtime.start_instance(key, {"x": 1})


def _open(runtime: Runtime, instance_id: int) -> list[HumanTask]:
    with runtime.sessions() as session:
        return list(session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance_id, HumanTask.state == "open")).all())


def test_chain_runs_to_the_end_restoring_each_step(runtime: Runtime, chain: int, users: dict[str, int]) -> None:
    officer = users["officer"]
    for expected in ("t1", "t2", "t3"):
        rows = _open(runtime, chain)
        assert [r.spec_name for r in rows] == [expected]
        assert rows[0].due_at is not None and rows[0].candidate_role == "officer"
        runtime.claim(rows[0].id, officer)
        runtime.complete_task(rows[0].id, STEP, officer)
    with runtime.sessions() as session:
        instance = session.get(ProcessInstance, chain)
        assert instance is not None and instance.status == "complete"
        assert '"spec"' not in instance.state_json[:200] and "subprocess_specs" not in instance.state_json
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.instance_id == chain)).all()
    assert actions.count("complete") == 3 and actions.count("claim") == 3 and "start" in actions


def test_double_completion_one_wins_one_conflicts(runtime: Runtime, chain: int, users: dict[str, int]) -> None:
    officer = users["officer"]
    row = _open(runtime, chain)[0]
    runtime.claim(row.id, officer)
    runtime.complete_task(row.id, STEP, officer)
    with pytest.raises(TaskConflict):
        runtime.complete_task(row.id, STEP, officer)
    assert [r.spec_name for r in _open(runtime, chain)] == ["t2"]


def test_concurrent_completion_gives_exactly_one_winner(runtime: Runtime, chain: int, users: dict[str, int]) -> None:
    officer = users["officer"]
    row = _open(runtime, chain)[0]
    runtime.claim(row.id, officer)
    results: list[str] = []
    barrier = threading.Barrier(2)

    def attempt() -> None:
        barrier.wait()
        try:
            runtime.complete_task(row.id, STEP, officer)
            results.append("ok")
        except TaskConflict:
            results.append("conflict")
        except Exception as e:  # any other error is a failure of the guarantee
            results.append(f"error: {type(e).__name__}: {e}")

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict", "ok"], results
    assert [r.spec_name for r in _open(runtime, chain)] == ["t2"]
    with runtime.sessions() as session:
        done = session.scalar(select(func.count()).select_from(HumanTask).where(
            HumanTask.instance_id == chain, HumanTask.state == "done"))
    assert done == 1


def test_claim_race_and_permissions(runtime: Runtime, chain: int, users: dict[str, int]) -> None:
    row = _open(runtime, chain)[0]
    with pytest.raises(NotAllowed):
        runtime.claim(row.id, users["expert1"])
    runtime.claim(row.id, users["officer"])
    with pytest.raises(NotAllowed):
        runtime.complete_task(row.id, STEP, users["expert1"])
    runtime.unclaim(row.id, users["officer"])
    assert _open(runtime, chain)[0].assignee_id is None


def test_invalid_form_keeps_state(runtime: Runtime, chain: int, users: dict[str, int]) -> None:
    row = _open(runtime, chain)[0]
    runtime.claim(row.id, users["officer"])
    with pytest.raises(FormInvalid) as raised:
        runtime.complete_task(row.id, {"rectification_report": ""}, users["officer"])
    assert "rectification_report" in raised.value.errors
    assert [r.spec_name for r in _open(runtime, chain)] == ["t1"]
