"""Panels for a whole call: 300 experts, 100 applications, drawn at once."""
from __future__ import annotations

import statistics
from collections import Counter

import pytest

from engine.experts import proposals
from engine.models import PanelProposal
from engine.runtime import Runtime
from tests.experts.support import big_call, conflicts_seen, expert_facts, facts


def propose(runtime: Runtime, call_id: int, seed: int, ids: list[int] | None = None) -> PanelProposal:
    with runtime.sessions.begin() as session:
        return proposals.propose(session, call_id, ids, seed, actor_id=1)


def test_a_call_of_100_applications_is_staffed_without_conflicts_evenly_and_reproducibly(
        runtime: Runtime, record_property: pytest.RecordProperty) -> None:
    call = big_call(runtime)
    proposal = propose(runtime, call.call_id, seed=20250901)
    panels = proposal.panels
    assert sorted(p["application_id"] for p in panels) == sorted(call.application_ids)
    with runtime.sessions() as session:
        apps, experts = facts(session, call.application_ids), expert_facts(session)
    assert conflicts_seen(panels, apps, experts) == []
    assert all(len(p["experts"]) == 5 and len({s["user_id"] for s in p["experts"]}) == 5 for p in panels)
    assert all(p["unmet"] is None for p in panels)
    field_seats = [sum(1 for s in p["experts"] if apps[p["application_id"]]["field"] in experts[s["user_id"]]["fields"])
                   for p in panels]
    assert min(field_seats) >= 2  # the call's quota K
    load = Counter(s["user_id"] for p in panels for s in p["experts"])
    counts = [load.get(e, 0) for e in call.experts]
    assert max(counts) - min(counts) <= 2 and max(counts) <= 3  # 500 seats over 300 experts: 1 or 2 each
    record_property("field_coverage", f"min {min(field_seats)}, mean {statistics.mean(field_seats):.2f} of 5")
    record_property("load", f"min {min(counts)}, max {max(counts)}, stdev {statistics.pstdev(counts):.2f}")
    print(f"\nfield experts per panel: min {min(field_seats)}, mean {statistics.mean(field_seats):.2f}; "
          f"load per expert: {sorted(Counter(counts).items())}")

    again = propose(runtime, call.call_id, seed=20250901)
    assert again.panels == panels and again.inputs_digest == proposal.inputs_digest
    other = propose(runtime, call.call_id, seed=7)
    assert other.panels != panels and other.seed == 7
    assert conflicts_seen(other.panels, apps, experts) == []


def test_yearly_caps_hold_and_the_load_of_earlier_reviews_counts(runtime: Runtime) -> None:
    from sqlalchemy import update

    from engine.models import ExpertProfile

    call = big_call(runtime, experts=60, applications=30)
    busy = call.experts[:30]
    with runtime.sessions.begin() as session:  # half the library can take 4 reviews, the rest 20
        session.execute(update(ExpertProfile).where(ExpertProfile.user_id.in_(busy)).values(yearly_cap=4))
    panels = propose(runtime, call.call_id, seed=3).panels
    load = Counter(s["user_id"] for p in panels for s in p["experts"])
    assert all(load[e] <= 4 for e in busy)
    assert all(len(p["experts"]) == 5 for p in panels)


def test_what_the_library_cannot_satisfy_is_explained_instead_of_failing(runtime: Runtime) -> None:
    from sqlalchemy import select, update

    from engine.models import Call, ExpertProfile, HumanTask, Organization, User

    call = big_call(runtime, experts=12, applications=1)  # 4 institutions of 3; the team works at 2 of them
    (app_id,) = call.application_ids
    with runtime.sessions.begin() as session:
        team = set(facts(session, [app_id])[app_id]["institutions"])
        free = [u for u, org in session.execute(select(User.id, Organization.name).join(
            Organization, Organization.id == User.organization_id).where(User.id.in_(call.experts)))
            if org not in team]
        assert len(free) == 6
        session.execute(update(ExpertProfile).values(city="北京市", fields=["新材料"]))
        session.execute(update(ExpertProfile).where(ExpertProfile.user_id.in_(free[:3])).values(fields=["海洋经济"]))
        session.execute(update(ExpertProfile).where(ExpertProfile.user_id.notin_(call.experts)).values(active=False))
        form = session.scalars(select(HumanTask).where(HumanTask.application_id == app_id,
                                                       HumanTask.form_key == "application_t1")).one()
        form.data = {**form.data, "field": "海洋经济"}
        session.execute(update(Call).where(Call.id == call.call_id).values(field_quota=4))

    panel = propose(runtime, call.call_id, seed=1).panels[0]
    assert len(panel["experts"]) == 5
    assert panel["unmet"] == "本领域专家要求 4 名，已放宽为 3 名：海洋经济领域仅有 3 名无回避专家"
    assert {s["user_id"] for s in panel["experts"]} >= set(free[:3])

    with runtime.sessions.begin() as session:
        session.execute(update(ExpertProfile).where(ExpertProfile.user_id.in_(free[4:])).values(active=False))
    short = propose(runtime, call.call_id, seed=1).panels[0]
    assert len(short["experts"]) == 4
    assert short["unmet"].startswith("需 5 名评审专家，只配到 4 名：专家库中仅有 4 名无回避专家")
