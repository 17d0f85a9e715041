"""What the diagram viewer is told: active and completed elements, per process of the version."""
from __future__ import annotations

from engine.inspect_instance import instance_view
from engine.lifecycle import Lifecycle
from engine.runtime import Runtime


def test_instance_view_marks_elements_per_process(runtime: Runtime) -> None:
    lc = Lifecycle(runtime, "T4")
    lc.to_expert_review()
    with runtime.sessions() as session:
        view = instance_view(session, lc.instance().id)
    by = view["by_process"]
    assert view["process_key"] == "track4_enterprise" and view["version"] == 1
    assert "expert_score" in by["expert_review"]["active"]
    assert "assign_experts" in by["expert_review"]["completed"]
    assert "formal_review_task" in by["formal_review"]["completed"]
    # finished steps pruned from the stored state are still reported as completed
    assert {"application_form", "recommendation", "check_eligibility"} <= set(by["t4_pre_award"]["completed"])
    assert "t4_pre_award" in by["track4_enterprise"]["active"]
    assert "acceptance" not in by and "award_decision" not in view["completed"]
    assert set(view["active"]) >= {"expert_score", "t4_pre_award"}
