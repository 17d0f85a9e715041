"""The element-by-element diff of two process versions."""
from __future__ import annotations

from pathlib import Path

from engine.versions import diff_files, elements, root_file

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
TRACK4 = (PROCESSES / "track4_enterprise.bpmn").read_text()
AWARD = (PROCESSES / "common" / "award.bpmn").read_text()
ELIGIBILITY = (PROCESSES / "eligibility_t4.dmn").read_text()
BASE = {"track4_enterprise.bpmn": TRACK4, "common/award.bpmn": AWARD, "eligibility_t4.dmn": ELIGIBILITY}


def changed(old: dict[str, str], new: dict[str, str]) -> dict[str, dict[str, tuple[str | None, str | None]]]:
    """Changed elements as {id: {field: (old, new)}}."""
    return {c.element.element_id: {ch.field: (ch.old, ch.new) for ch in c.changes}
            for c in diff_files(old, new).changed}


def test_identical_versions_have_no_difference() -> None:
    assert diff_files(BASE, dict(BASE)).empty


def test_layout_and_formatting_do_not_count() -> None:
    moved = TRACK4.replace('<dc:Bounds x="', '<dc:Bounds x="1').replace("\n    ", "\n  ")
    assert moved != TRACK4
    assert diff_files(BASE, {**BASE, "track4_enterprise.bpmn": moved}).empty
    defaults_left_out = TRACK4.replace(' cancelActivity="true"', "")  # as bpmn-js writes it
    assert defaults_left_out != TRACK4
    assert diff_files(BASE, {**BASE, "track4_enterprise.bpmn": defaults_left_out}).empty


def test_rename_and_due_period_are_reported_on_the_task() -> None:
    edited = TRACK4.replace('name="推荐单位审核推荐"', 'name="市科技局审核推荐"').replace(
        'name="dueIn" value="P5WD"', 'name="dueIn" value="P3WD"', 1)
    result = changed(BASE, {**BASE, "track4_enterprise.bpmn": edited})
    assert result == {"recommendation": {"name": ("推荐单位审核推荐", "市科技局审核推荐"),
                                         "property:dueIn": ("P5WD", "P3WD")}}


def test_condition_script_and_timer_changes() -> None:
    track4 = TRACK4.replace('decision == "approve"', 'decision == "approve" and eligible', 1)
    track4 = track4.replace('stage = "recommendation"', 'stage = "recommendation"\nnote = 1', 1)
    award = AWARD.replace("publicity_ends_at", "publicity_until")
    result = changed(BASE, {**BASE, "track4_enterprise.bpmn": track4, "common/award.bpmn": award})
    condition_flow = next(k for k, v in result.items() if "conditionExpression" in v)
    assert result[condition_flow]["conditionExpression"][1].endswith("and eligible")
    assert result["set_recommendation_stage"]["script"] == ('stage = "recommendation"\nstatus = "submitted"',
                                                            'stage = "recommendation"\nnote = 1\nstatus = "submitted"')
    assert result["publicity_timer"]["timerEventDefinition.timeDate"] == ("publicity_ends_at", "publicity_until")


def test_added_and_removed_elements_with_their_flows() -> None:
    task = ('<bpmn:userTask id="extra_check" name="补充核查"><bpmn:incoming>flow_extra</bpmn:incoming>'
            '</bpmn:userTask>')
    start = '<bpmn:startEvent id="start" name="创建申报">'
    edited = TRACK4.replace(start, task + start)
    edited = edited.replace("<bpmn:outgoing>flow_start</bpmn:outgoing>",
                            "<bpmn:outgoing>flow_start</bpmn:outgoing><bpmn:outgoing>flow_extra</bpmn:outgoing>", 1)
    result = diff_files(BASE, {**BASE, "track4_enterprise.bpmn": edited})
    assert [(e.element_id, e.type, e.name) for e in result.added] == [("extra_check", "userTask", "补充核查")]
    assert [c.element.element_id for c in result.changed] == ["start"]
    assert result.changed[0].changes[0].field == "outgoing"
    back = diff_files({**BASE, "track4_enterprise.bpmn": edited}, BASE)
    assert [e.element_id for e in back.removed] == ["extra_check"]


def test_dmn_rules_and_files_added_or_removed() -> None:
    rules = elements("eligibility_t4.dmn", ELIGIBILITY)
    assert any(e.type == "rule" for e, _ in rules.values())
    edited = ELIGIBILITY.replace("&gt;= 2021", "&gt;= 2020", 1).replace("<text>&lt; 3</text>", "<text>&lt; 5</text>", 1)
    result = changed(BASE, {**BASE, "eligibility_t4.dmn": edited})
    assert result["founded_since_2021"]["inputExpression.text"][1].endswith(">= 2020")
    assert result["rule_core_members"] == {"inputEntry.text": ("< 3", "< 5")}
    fewer = {k: v for k, v in BASE.items() if k != "common/award.bpmn"}
    diff = diff_files(BASE, fewer)
    assert diff.files_removed == ["common/award.bpmn"]
    assert {e.file for e in diff.removed} == {"common/award.bpmn"}


def test_type_change_is_reported() -> None:
    edited = TRACK4.replace('<bpmn:scriptTask id="set_application_stage"', '<bpmn:task id="set_application_stage"')
    edited = edited.replace("formal_returns = 0</bpmn:script>\n      </bpmn:scriptTask>",
                            "formal_returns = 0</bpmn:script>\n      </bpmn:task>", 1)
    result = changed(BASE, {**BASE, "track4_enterprise.bpmn": edited})
    assert result["set_application_stage"]["type"] == ("scriptTask", "task")


def test_root_file_finds_the_process() -> None:
    assert root_file(BASE, "track4_enterprise") == "track4_enterprise.bpmn"
    assert root_file(BASE, "award") == "common/award.bpmn"
