"""回避: every relation the rules know excludes the expert, with the reason in Chinese; the table is data."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from engine import repository, samples
from engine.errors import InvalidProcess, ScriptFailure
from engine.experts import library, proposals
from engine.experts.library import Entry
from engine.models import Application, Call, DeclaredConflict
from engine.reviews import eligible_experts
from engine.runtime import Runtime
from engine.scenario import Scenario
from engine.seed import PROCESSES

TEAM = [("张伟", "core", True, "上海交通大学"), ("王强", "core", False, "上海交通大学机械与动力工程学院"),
        ("韦教授", "core", False, "广西大学"), ("赵敏", "advisor", False, "浙江大学")]
RULES = (PROCESSES / "expert_conflicts.dmn").read_text()


def team() -> list[dict[str, object]]:
    return [{"name": n, "role": r, "is_leader": lead, "title": "教授", "institution": inst, "region": "domestic",
             "work_location": "elsewhere_in_china"}
            for n, r, lead, inst in TEAM]


def at_assignment(play: Scenario, calls: dict[str, int], **overrides: object) -> int:
    """A T4 application of `founder` (柳州新能科技有限公司, 柳州市) waiting for its experts."""
    app_id = play.start(calls["T4"], "founder", "电驱团队")
    play.do(app_id, "application_form", "founder", samples.application("T4", city="柳州市", **overrides))
    play.do(app_id, "recommendation", "liuzhou", samples.DECISIONS["recommendation"])
    play.do(app_id, "formal_review_task", "officer", samples.DECISIONS["formal_review"])
    return app_id


def add_expert(runtime: Runtime, username: str, organization: str, city: str) -> int:
    with runtime.sessions.begin() as session:
        entry = Entry(username=username, name=f"{username}专家", organization=organization, city=city,
                      fields=("新能源汽车",))
        return library.save(session, entry, actor_id=None).user_id


def excluded(runtime: Runtime, app_id: int) -> dict[int, list[str]]:
    with runtime.sessions() as session:
        app = session.get(Application, app_id)
        assert app is not None
        return proposals.exclusions(session, app)


def test_each_relation_excludes_with_its_reason(runtime: Runtime, play: Scenario, calls: dict[str, int],
                                                users: dict[str, int]) -> None:
    same_city = add_expert(runtime, "liuzhou_expert", "广西科技大学", "柳州市")
    own_org = add_expert(runtime, "inhouse_expert", "柳州新能科技有限公司", "柳州市")
    app_id = at_assignment(play, calls, team=team())
    found = excluded(runtime, app_id)
    assert found[users["expert6"]] == ["与团队成员张伟同单位（上海交通大学）",
                                       "与团队成员王强同单位（上海交通大学机械与动力工程学院）"]
    assert found[users["expert7"]] == ["与团队顾问赵敏同单位（浙江大学）"]
    assert found[users["expert5"]] == ["本人是申报团队成员（韦教授，广西大学）", "与团队成员韦教授同单位（广西大学）"]
    assert found[same_city] == ["与申报单位同在柳州市（本批次要求同地市回避）"]
    assert found[own_org][0] == "与申报单位柳州新能科技有限公司同单位"
    assert set(found) == {users["expert5"], users["expert6"], users["expert7"], same_city, own_org}
    with runtime.sessions() as session:
        app = session.get(Application, app_id)
        assert app is not None
        offered = {u.id for u in eligible_experts(session, app)}
    assert offered == {users[f"expert{i}"] for i in (1, 2, 3, 4)}

    with runtime.sessions.begin() as session:  # a call that does not ask for same-city 回避
        session.execute(update(Call).where(Call.id == calls["T4"]).values(avoid_same_city=False))
    assert same_city not in excluded(runtime, app_id)


def test_a_declared_conflict_excludes_the_expert_from_that_organisations_later_applications(
        runtime: Runtime, play: Scenario, calls: dict[str, int], users: dict[str, int]) -> None:
    first = at_assignment(play, calls)
    play.do(first, "assign_experts", "officer", {"experts": [users[f"expert{i}"] for i in (1, 2, 3, 4, 6)]})
    play.do(first, "expert_score", "expert2", samples.CONFLICT)
    with runtime.sessions() as session:
        declared = session.scalars(select(DeclaredConflict)).one()
        assert (declared.expert_id, declared.application_id) == (users["expert2"], first)
        assert declared.reason == samples.CONFLICT["conflict_reason"]
    second = at_assignment(play, calls)
    assert excluded(runtime, second)[users["expert2"]] == ["曾声明与柳州新能科技有限公司存在利益冲突"]


def test_the_rules_are_a_table_the_administrator_changes(runtime: Runtime, play: Scenario, calls: dict[str, int],
                                                          users: dict[str, int]) -> None:
    app_id = at_assignment(play, calls, team=team())
    assert users["expert7"] in excluded(runtime, app_id)
    lenient = RULES.replace('<outputEntry id="rule_member_advisor_excluded">\n          <text>True</text>',
                            '<outputEntry id="rule_member_advisor_excluded">\n          <text>False</text>')
    assert lenient != RULES
    with runtime.sessions.begin() as session:
        (version,) = repository.deploy(session, {"expert_conflicts.dmn": lenient.encode()}, note="顾问单位不回避")
        assert (version.process_key, version.version) == ("expert_conflicts", 2)
    assert users["expert7"] not in excluded(runtime, app_id)  # the advisor's institution no longer counts
    assert users["expert6"] in excluded(runtime, app_id)


def test_the_table_runs_in_the_sandbox(runtime: Runtime, play: Scenario, calls: dict[str, int]) -> None:
    unsafe = RULES.replace('"与团队顾问{member}同单位（{institution}）"', "__import__('os').getcwd()")
    with runtime.sessions.begin() as session, pytest.raises(InvalidProcess) as refused:
        repository.deploy(session, {"expert_conflicts.dmn": unsafe.encode()})
    assert refused.value.problems[0].element_id == "rule_member_advisor_reason"
    broken = RULES.replace('"与团队顾问{member}同单位（{institution}）"', "advisor_label")
    with runtime.sessions.begin() as session:
        repository.deploy(session, {"expert_conflicts.dmn": broken.encode()})
    app_id = at_assignment(play, calls, team=team())
    with pytest.raises(ScriptFailure) as failed:
        excluded(runtime, app_id)
    assert "评审专家回避规则" in str(failed.value) and "advisor_label" in str(failed.value)
