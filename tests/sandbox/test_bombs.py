"""Code that passes the check but would run without end is stopped by the budget, with a clear error."""
from __future__ import annotations

import pytest

from engine import incidents, repository
from engine.errors import ScriptFailure
from engine.runtime import Runtime
from engine.sandbox import BudgetExceeded, Limits, UnsafeExpression, make_script_engine
from tests.sandbox.corpus import BOMBS
from tests.sandbox.embed import embedded


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_each_bomb_passes_the_check_and_stops_within_the_budget(name: str) -> None:
    file, content = embedded("script", BOMBS[name], key=f"bomb_{name}")
    assert repository.validate({file: content}) == []  # nothing static refuses it: the budget must
    with pytest.raises((BudgetExceeded, UnsafeExpression, ValueError)):
        make_script_engine().environment.execute(BOMBS[name], {})


def test_the_time_budget_is_wall_time_of_one_evaluation() -> None:
    slow = "l = list(range(10000))\nfor i in range(10000):\n    m = max(l)"
    engine = make_script_engine(Limits(seconds=0.05))
    with pytest.raises(BudgetExceeded, match="运行超时"):
        engine.environment.execute(slow, {})
    data: dict[str, object] = {}
    make_script_engine(Limits(seconds=30)).environment.execute(slow, data)
    assert data["m"] == 9999


@pytest.mark.parametrize("name", ["square_loop", "double_string", "nested_loops", "int_tower", "map_str"])
def test_a_deployed_bomb_ends_in_an_incident_naming_the_element(runtime: Runtime, name: str) -> None:
    file, content = embedded("script", BOMBS[name], key=f"bomb_{name}")
    with runtime.sessions.begin() as session:
        (version,) = repository.deploy(session, {file: content}, fill_from_library=False)
        version_id = version.id
    with pytest.raises(ScriptFailure) as failed:
        runtime.start_instance(f"bomb_{name}", {})
    assert failed.value.element_id == "attack_script" and "“计算”" in str(failed.value)
    with runtime.sessions() as session:
        (incident,) = incidents.open_incidents(session)
    assert (incident.version_id, incident.instance_id, incident.origin) == (version_id, None, "command")
    assert incident.element_id == "attack_script" and incident.error == failed.value.reason


def test_budget_leaves_ordinary_process_code_alone() -> None:
    data = {"expert_results": {str(i): {"score": 70 + i} for i in range(7)}, "team": [{"role": "core"}] * 4}
    make_script_engine().environment.execute(
        'expert_scores = [expert_results[k]["score"] for k in sorted(expert_results)]\n'
        "trimmed = sorted(expert_scores)[1:-1] if len(expert_scores) >= 5 else expert_scores\n"
        "expert_mean = round(sum(trimmed) / len(trimmed), 2)\n"
        'core = len([m for m in team if m.get("role") == "core"])\n'
        'label = f"{expert_mean:.1f} 分，{core} 人"', data)
    assert (data["expert_mean"], data["core"], data["label"]) == (73.0, 4, "73.0 分，4 人")
