"""Confirming a proposal completes each application's assignment through the runtime, one transaction each."""
from __future__ import annotations

from sqlalchemy import select

from engine import samples
from engine.errors import FormInvalid
from engine.experts import proposals
from engine.models import AuditEvent, HumanTask, PanelProposal, ProcessInstance
from engine.runtime import Runtime
from engine.scenario import Scenario
from tests.experts.test_conflicts import at_assignment


def propose(runtime: Runtime, call_id: int, ids: list[int] | None, seed: int = 11) -> PanelProposal:
    with runtime.sessions.begin() as session:
        return proposals.propose(session, call_id, ids, seed, actor_id=1)


def scoring_tasks(runtime: Runtime, app_id: int) -> set[int]:
    with runtime.sessions() as session:
        return set(session.scalars(select(HumanTask.assignee_id).where(
            HumanTask.application_id == app_id, HumanTask.form_key == "expert_score", HumanTask.state == "open")))


def test_confirmed_panels_fill_the_experts_inboxes(runtime: Runtime, play: Scenario, calls: dict[str, int],
                                                    users: dict[str, int]) -> None:
    apps = [at_assignment(play, calls) for _ in range(3)]
    proposal = propose(runtime, calls["T4"], None)
    assert [p["application_id"] for p in proposal.panels] == apps
    first = proposal.panels[0]
    out = first["experts"][0]["user_id"]
    with runtime.sessions() as session:
        eligible, _blocked = proposals.candidates(session, proposal, apps[0])
    incoming = eligible[0].expert.user_id
    with runtime.sessions() as session:
        before = {i: lock for i, lock in session.execute(select(ProcessInstance.id, ProcessInstance.lock_version))}

    confirmed, failed = proposals.confirm(runtime, proposal.id, [
        {"application_id": apps[0], "out": out, "in": incoming}], users["officer"])

    assert confirmed == apps and failed == []
    expected = {s["user_id"] for s in first["experts"]} - {out} | {incoming}
    assert scoring_tasks(runtime, apps[0]) == expected
    for panel in proposal.panels[1:]:
        assert scoring_tasks(runtime, panel["application_id"]) == {s["user_id"] for s in panel["experts"]}
    with runtime.sessions() as session:
        stored = session.get(PanelProposal, proposal.id)
        assert stored is not None and stored.state == "confirmed" and stored.outcome == {
            "confirmed": apps, "failed": []}
        assert stored.swaps[0]["in"] == incoming
        done = session.scalars(select(HumanTask).where(HumanTask.form_key == "expert_assignment")).all()
        assert all(r.state == "done" and r.completed_by == users["officer"] for r in done)
        assert all(lock > before[i] for i, lock in session.execute(
            select(ProcessInstance.id, ProcessInstance.lock_version)))
        actions = [a for a, in session.execute(select(AuditEvent.action).where(AuditEvent.application_id == apps[1]))]
        assert "complete" in actions


def test_a_stale_application_fails_alone_and_the_others_are_confirmed(
        runtime: Runtime, play: Scenario, calls: dict[str, int], users: dict[str, int]) -> None:
    apps = [at_assignment(play, calls) for _ in range(3)]
    proposal = propose(runtime, calls["T4"], apps)
    play.do(apps[1], "assign_experts", "officer", {"experts": [users[f"expert{i}"] for i in (1, 2, 3, 4, 6)]})

    confirmed, failed = proposals.confirm(runtime, proposal.id, [], users["officer"])

    assert confirmed == [apps[0], apps[2]]
    assert failed == [{"application_id": apps[1], "error": proposals.STALE}]
    assert scoring_tasks(runtime, apps[1]) == {users[f"expert{i}"] for i in (1, 2, 3, 4, 6)}
    with runtime.sessions() as session:
        stored = session.get(PanelProposal, proposal.id)
        assert stored is not None and stored.state == "partial"
    try:
        propose(runtime, calls["T4"], [apps[0]])
    except FormInvalid as e:
        assert "不在“遴选评审专家”环节" in e.errors["application_ids"][0]
    else:
        raise AssertionError("an assigned application was drawn again")


def test_a_swap_to_an_expert_in_conflict_is_refused_with_the_reason(
        runtime: Runtime, play: Scenario, calls: dict[str, int], users: dict[str, int]) -> None:
    from tests.experts.test_conflicts import team

    app_id = at_assignment(play, calls, team=team())
    proposal = propose(runtime, calls["T4"], [app_id])
    out = proposal.panels[0]["experts"][0]["user_id"]
    confirmed, failed = proposals.confirm(runtime, proposal.id, [
        {"application_id": app_id, "out": out, "in": users["expert6"]}], users["officer"])
    assert confirmed == []
    assert failed[0]["error"].startswith("替换未成功：不能选择该专家：与团队成员张伟同单位")
    assert scoring_tasks(runtime, app_id) == set()


def test_the_replacement_form_is_offered_the_best_eligible_expert(
        runtime: Runtime, play: Scenario, calls: dict[str, int], users: dict[str, int]) -> None:
    from sqlalchemy import update

    from engine.models import Application, ExpertProfile

    app_id = at_assignment(play, calls)  # 高端装备制造
    play.do(app_id, "assign_experts", "officer", {"experts": [users[f"expert{i}"] for i in (1, 2, 3, 4, 6)]})
    play.do(app_id, "expert_score", "expert3", samples.CONFLICT)
    with runtime.sessions.begin() as session:  # expert5 and expert7 are left; only expert7 knows the field
        session.execute(update(ExpertProfile).where(ExpertProfile.user_id == users["expert7"])
                        .values(fields=["生物医药", "高端装备制造"]))
    with runtime.sessions() as session:
        app = session.get(Application, app_id)
        assert app is not None
        panel = proposals.suggest(session, app, 1)
    assert [s.user_id for s in panel.experts] == [users["expert7"]]
    assert panel.unmet is None and panel.experts[0].reasons[0] == "兼顾领域：高端装备制造"
