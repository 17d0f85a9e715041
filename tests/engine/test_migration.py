"""Changing a procedure under running applications: impact preview, dry run on history, migration
and rollback, through the engine and the database (SQLite and PostgreSQL)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from lxml import etree
from sqlalchemy import select

from engine import repository, samples
from engine.errors import Conflict
from engine.lifecycle import Lifecycle, china
from engine.models import AuditEvent, HumanTask, ProcessInstance, ProcessVersion
from engine.runtime import Runtime
from engine.scheduling import run_pass
from engine.versioning import impact, moving, replay

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
MIDTERM = (PROCESSES / "common" / "midterm.bpmn").read_text(encoding="utf-8")
SITE_VISIT = """    <bpmn:userTask id="midterm_site_visit" name="中期实地核查">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formKey" value="rectification" />
          <spiffworkflow:property name="dueIn" value="P5WD" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>flow_to_review</bpmn:incoming>
      <bpmn:outgoing>flow_site_to_review</bpmn:outgoing>
    </bpmn:userTask>
"""


def midterm_with_site_visit() -> bytes:
    """v2 of the midterm: an officer's site visit between the report and the review."""
    xml = MIDTERM.replace('<bpmn:flowNodeRef>midterm_review</bpmn:flowNodeRef>',
                          '<bpmn:flowNodeRef>midterm_site_visit</bpmn:flowNodeRef>\n'
                          '        <bpmn:flowNodeRef>midterm_review</bpmn:flowNodeRef>')
    xml = xml.replace('    <bpmn:userTask id="midterm_review"', SITE_VISIT + '    <bpmn:userTask id="midterm_review"')
    rectified = '<bpmn:incoming>flow_rectified</bpmn:incoming>'
    xml = xml.replace(f'<bpmn:incoming>flow_to_review</bpmn:incoming>\n      {rectified}',
                      f'<bpmn:incoming>flow_site_to_review</bpmn:incoming>\n      {rectified}')
    flow = '<bpmn:sequenceFlow id="flow_to_review" sourceRef="midterm_report" targetRef="{}" />'
    xml = xml.replace(flow.format("midterm_review"),
                      flow.format("midterm_site_visit") + '\n    <bpmn:sequenceFlow id="flow_site_to_review" '
                      'sourceRef="midterm_site_visit" targetRef="midterm_review" />')
    # where bpmn-js draws them: above the review, the report's flow now ending at the visit
    xml = xml.replace('<bpmndi:BPMNShape id="midterm_review_di" bpmnElement="midterm_review">',
                      '<bpmndi:BPMNShape id="midterm_site_visit_di" bpmnElement="midterm_site_visit">\n'
                      '        <dc:Bounds x="900" y="200" width="100" height="80" />\n      </bpmndi:BPMNShape>\n'
                      '      <bpmndi:BPMNEdge id="flow_site_to_review_di" bpmnElement="flow_site_to_review">\n'
                      '        <di:waypoint x="950" y="280" />\n        <di:waypoint x="950" y="320" />\n'
                      '      </bpmndi:BPMNEdge>\n'
                      '      <bpmndi:BPMNShape id="midterm_review_di" bpmnElement="midterm_review">')
    old_edge = xml[xml.index('<bpmndi:BPMNEdge id="flow_to_review_di"'):]
    old_edge = old_edge[:old_edge.index("</bpmndi:BPMNEdge>")]
    xml = xml.replace(old_edge, '<bpmndi:BPMNEdge id="flow_to_review_di" bpmnElement="flow_to_review">\n'
                                '        <di:waypoint x="850" y="240" />\n'
                                '        <di:waypoint x="900" y="240" />\n      ')
    assert xml.count("midterm_site_visit") >= 6
    return xml.encode()


def midterm_without_report() -> bytes:
    """v3: the officer reviews at once; the applicant's midterm report is gone."""
    root = etree.fromstring(MIDTERM.encode())
    gone = {"midterm_report", "flow_to_review"}
    for node in list(root.iter()):
        if not isinstance(node.tag, str):
            continue
        if node.get("id") in gone or node.get("bpmnElement") in gone or (
                etree.QName(node).localname == "flowNodeRef" and node.text in gone):
            node.getparent().remove(node)
        elif node.get("id") == "flow_to_report":
            node.set("targetRef", "midterm_review")
        elif etree.QName(node).localname == "incoming" and node.text == "flow_to_review":
            node.text = "flow_to_report"
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def deploy(runtime: Runtime, xml: bytes, admin: int) -> int:
    with runtime.sessions() as session, session.begin():
        versions = repository.deploy(session, {"midterm.bpmn": xml}, note="中期检查调整", actor_id=admin)
        return next(v.id for v in versions if v.process_key == "track4_enterprise")


def at(moment: datetime) -> Any:
    return time_machine.travel(moment, tick=False)


AWARD = china(2025, 9, 26, 10, 0)


def to_publicity(lc: Lifecycle) -> None:
    lc.to_expert_review()
    with at(china(2025, 9, 1, 9, 0)):
        lc.score()
    with at(AWARD):
        lc.award()


def to_contract(lc: Lifecycle) -> None:
    to_publicity(lc)
    lc.tick(china(2025, 10, 11, 0, 0, 5))


def to_midterm_timer(lc: Lifecycle) -> None:
    to_contract(lc)
    with at(china(2025, 10, 20, 10, 0)):
        lc.sign("2025-10-20")


def to_midterm_report(lc: Lifecycle) -> None:
    to_midterm_timer(lc)
    lc.tick(china(2027, 4, 21, 9, 0))


def to_midterm_review(lc: Lifecycle) -> None:
    to_midterm_report(lc)
    with at(china(2027, 4, 21, 10, 0)):
        lc.do("midterm_report", lc.applicant, samples.DECISIONS["midterm_report"])


def in_draft(lc: Lifecycle) -> None:
    with at(china(2025, 9, 1, 9, 0)):
        lc.app_id = lc.play.start(lc.call_id, lc.applicant, "申报")


def at_recommendation(lc: Lifecycle) -> None:
    with at(china(2025, 9, 1, 9, 0)):
        lc.apply()


def at_scoring(lc: Lifecycle) -> None:
    lc.to_expert_review()


STAGES: list[tuple[str, Callable[[Lifecycle], None], int]] = [
    ("draft", in_draft, 3), ("recommendation", at_recommendation, 2), ("scoring", at_scoring, 2),
    ("publicity", to_publicity, 2), ("contract", to_contract, 2), ("midterm_timer", to_midterm_timer, 3),
    ("midterm_report", to_midterm_report, 3), ("midterm_review", to_midterm_review, 3),
]


def open_rows(runtime: Runtime, instance_id: int) -> list[tuple[Any, ...]]:
    with runtime.sessions() as session:
        rows = session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance_id, HumanTask.state == "open").order_by(HumanTask.id)).all()
        return [(r.id, r.task_guid, r.spec_name, r.assignee_id, r.due_at, r.state) for r in rows]


def instance_row(runtime: Runtime, instance_id: int) -> tuple[Any, ...]:
    with runtime.sessions() as session:
        i = session.get(ProcessInstance, instance_id)
        assert i is not None
        return (i.version_id, i.state_json, i.next_timer_at, i.status, i.positions)


@pytest.fixture
def running(runtime: Runtime) -> dict[str, list[Lifecycle]]:
    """Twenty T4 applications on v1, at eight different stages (the furthest first: a tick fires every due timer)."""
    found: dict[str, list[Lifecycle]] = {}
    for stage, drive, count in reversed(STAGES):
        found[stage] = []
        for _ in range(count):
            lc = Lifecycle(runtime, "T4")
            drive(lc)
            found[stage].append(lc)
    return found


def test_preview_migrate_finish_and_rollback(runtime: Runtime, users: dict[str, int],
                                             running: dict[str, list[Lifecycle]]) -> None:
    admin = users["admin"]
    v1 = running["draft"][0].instance().version_id

    with runtime.sessions() as session:
        preview = impact.of_upload(session, {"midterm.bpmn": midterm_with_site_visit()})
    assert not any(r.instances for r in preview.running if r.process_key != "track4_enterprise")
    t4 = next(r for r in preview.running if r.process_key == "track4_enterprise")
    assert (t4.version_id, t4.instances) == (v1, 20)
    reviewing = {lc.instance().id for lc in running["midterm_review"]}
    assert {w.instance_id for w in t4.on_changed} == reviewing
    assert {w.element_id for w in t4.on_changed} == {"midterm_review"}
    added = {c["element_id"] for c in preview.changes if c["change"] == "added"}
    assert {"midterm_site_visit", "flow_site_to_review"} <= added
    changed = {c["element_id"]: c["what"] for c in preview.changes if c["change"] == "changed"}
    assert "midterm_site_visit" in changed["flow_to_review"] and "终点" in changed["flow_to_review"]
    with runtime.sessions() as session:  # the preview stored nothing
        assert session.scalar(select(ProcessVersion.id).where(ProcessVersion.version == 2)) is None

    v2 = deploy(runtime, midterm_with_site_visit(), admin)
    everyone = [lc.instance().id for lcs in running.values() for lc in lcs]
    before = {i: (open_rows(runtime, i), instance_row(runtime, i)) for i in everyone}

    plans = {p.instance_id: p for p in moving.preview(runtime, v2, everyone, None, admin)}
    assert all(p.can_move for p in plans.values()), [p.reason for p in plans.values() if not p.can_move]
    review_id = running["midterm_review"][0].instance().id
    assert [a.element_id for a in plans[review_id].after if a.kind == "task"] == ["midterm_review"]
    timer_id = running["midterm_timer"][0].instance().id
    timer_after = [a for a in plans[timer_id].after if a.kind == "timer"]
    assert [a.element_id for a in timer_after] == ["midterm_timer"]
    assert timer_after[0].due_at + timedelta(seconds=1) == instance_row(runtime, timer_id)[2]  # fired just after
    assert instance_row(runtime, review_id)[0] == v1  # a preview moves nothing

    outcome = moving.migrate(runtime, v2, everyone, None, admin)
    assert sorted(outcome.migrated) == sorted(everyone) and outcome.refused == []
    for instance_id in everyone:
        rows_before, (_, _, timer_before, status_before, _) = before[instance_id]
        version_id, _, timer_after_move, status_after, _ = instance_row(runtime, instance_id)
        assert version_id == v2
        assert open_rows(runtime, instance_id) == rows_before  # same rows, assignees and due dates
        assert (timer_after_move, status_after) == (timer_before, status_before)
    with runtime.sessions() as session:
        assert session.scalar(select(AuditEvent.id).where(AuditEvent.action == "migrate",
                                                          AuditEvent.instance_id == review_id)) is not None

    # a rollback puts back exactly the instances nobody has touched since
    touched = running["draft"][0]
    with at(china(2025, 9, 1, 9, 30)):
        touched.do("application_form", touched.applicant, samples.application("T4", city=touched.city))
    restored, refused = moving.rollback(runtime, outcome.id, admin)
    assert sorted(restored) == sorted(set(everyone) - {touched.instance().id})
    assert [r["instance_id"] for r in refused] == [touched.instance().id] and "已有新的办理" in refused[0]["reason"]
    for instance_id in restored:
        assert open_rows(runtime, instance_id) == before[instance_id][0]
        assert instance_row(runtime, instance_id) == before[instance_id][1]
    with pytest.raises(Conflict):
        moving.rollback(runtime, outcome.id, admin)

    # moved again, the instances finish on v2: the report now goes to the site visit first
    again = moving.migrate(runtime, v2, restored, None, admin)
    assert sorted(again.migrated) == sorted(restored)
    lc = running["midterm_report"][0]
    with at(china(2027, 4, 21, 10, 0)):
        lc.do("midterm_report", lc.applicant, samples.DECISIONS["midterm_report"])
        assert lc.open() == ["midterm_site_visit"]
        lc.do("midterm_site_visit", "officer", {"rectification_report": "现场核查记录。"})
        lc.do("midterm_review", "officer", {"decision": "approve", "opinion": "中期检查意见。"})
    lc.tick(china(2028, 10, 21, 9, 0))
    with at(china(2028, 10, 21, 10, 0)):
        lc.accept()
    assert lc.status() == ("accepted", "closed") and lc.instance().status == "complete"
    lc = running["midterm_review"][0]
    with at(china(2027, 4, 21, 10, 0)):
        lc.do("midterm_review", "officer", {"decision": "approve", "opinion": "中期检查意见。"})
    assert lc.status()[1] == "midterm" or lc.open() == ["final_report"]
    assert touched.open() == ["recommendation"]  # still on v1, it goes on there


def test_removed_element_needs_a_mapping(runtime: Runtime, users: dict[str, int]) -> None:
    admin = users["admin"]
    lc = Lifecycle(runtime, "T4")
    to_midterm_report(lc)
    instance_id = lc.instance().id
    v3 = deploy(runtime, midterm_without_report(), admin)
    with runtime.sessions() as session:
        preview = impact.of_upload(session, {"midterm.bpmn": midterm_without_report()})
    assert {(w.element_id, w.change) for r in preview.running for w in r.on_changed} == {("midterm_report", "removed")}

    [plan] = moving.preview(runtime, v3, [instance_id], None, admin)
    assert not plan.can_move and "提交中期报告" in plan.reason and "映射" in plan.reason
    outcome = moving.migrate(runtime, v3, [instance_id], None, admin)
    assert outcome.migrated == [] and "提交中期报告" in outcome.refused[0]["reason"]
    assert lc.open() == ["midterm_report"] and instance_row(runtime, instance_id)[0] != v3

    [plan] = moving.preview(runtime, v3, [instance_id], {"midterm_report": "no_such_element"}, admin)
    assert not plan.can_move and "no_such_element" in plan.reason
    outcome = moving.migrate(runtime, v3, [instance_id], {"midterm_report": "midterm_review"}, admin)
    assert outcome.migrated == [instance_id]
    assert lc.open() == ["midterm_review"]  # the officer's review, in the officer's inbox
    with at(china(2027, 4, 21, 10, 0)):
        lc.do("midterm_review", "officer", {"decision": "approve", "opinion": "中期检查意见。"})
    assert lc.status()[1] in ("midterm", "acceptance")


def test_dry_run_reports_the_lifecycles_that_would_change_path(runtime: Runtime, users: dict[str, int]) -> None:
    finished: dict[str, list[int]] = {"through_midterm": [], "ended_before": []}
    for _ in range(4):
        lc = Lifecycle(runtime, "T4")
        lc.happy_path()
        finished["through_midterm"].append(lc.instance().id)
    for _ in range(3):
        lc = Lifecycle(runtime, "T4")
        with at(china(2025, 9, 1, 9, 0)):
            lc.apply()
            lc.recommend()
            lc.formal("reject")
        finished["ended_before"].append(lc.instance().id)
    for _ in range(3):
        lc = Lifecycle(runtime, "T4")
        lc.to_expert_review()
        with at(china(2025, 9, 1, 9, 0)):
            lc.score()
        with at(AWARD):
            lc.award("reject")
        finished["ended_before"].append(lc.instance().id)
    with runtime.sessions() as session:
        statuses = set(session.scalars(select(ProcessInstance.status).where(
            ProcessInstance.id.in_(sum(finished.values(), [])))).all())
    assert statuses == {"complete"}

    with runtime.sessions() as session:
        [plan] = [p for p in repository.planned(session, {"midterm.bpmn": midterm_with_site_visit()})
                  if p.root == "track4_enterprise"]
        spec, subs = plan.upload.parser.get_spec(plan.root), plan.upload.parser.get_subprocess_specs(plan.root)
        result = replay.dry_run(session, "track4_enterprise", spec, subs, limit=10)
        assert (result.replayed, result.same) == (10, 6), "\n".join(p.reason for p in result.parted)
        assert {p.instance_id for p in result.parted} == set(finished["through_midterm"])
        assert {p.element_id for p in result.parted} == {"midterm_site_visit"}

        # the unchanged diagram replays every recorded lifecycle on the same path
        same = repository.specs(session, lc.instance().version_id)
        unchanged = replay.dry_run(session, "track4_enterprise", same[0], same[1], limit=10)
        assert (unchanged.replayed, unchanged.same, unchanged.parted) == (10, 10, []), unchanged.as_dict()


def test_a_changed_timer_counts_again_from_when_it_began(runtime: Runtime, users: dict[str, int]) -> None:
    lc = Lifecycle(runtime, "T4")
    to_midterm_timer(lc)
    instance_id = lc.instance().id
    before = instance_row(runtime, instance_id)[2]
    later = MIDTERM.replace('<bpmn:timeDate xsi:type="bpmn:tFormalExpression">midterm_at</bpmn:timeDate>',
                            '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">add_months(midterm_at, 1)'
                            '</bpmn:timeDate>')
    assert later != MIDTERM
    v2 = deploy(runtime, later.encode(), users["admin"])
    [plan] = moving.preview(runtime, v2, [instance_id], None, users["admin"])
    [timer] = [a for a in plan.after if a.kind == "timer"]
    assert timer.changed and timer.due_at is not None and before is not None
    assert 28 <= (timer.due_at - before).days <= 31  # a month later than before, not a month from today
    assert moving.migrate(runtime, v2, [instance_id], None, users["admin"]).migrated == [instance_id]
    assert instance_row(runtime, instance_id)[2] == timer.due_at + timedelta(seconds=1)
    assert lc.tick(before + timedelta(days=1)) == [] and lc.open() == []
    lc.tick(timer.due_at + timedelta(seconds=5))
    assert lc.open() == ["midterm_report"]


def test_a_large_migration_is_moved_by_the_scheduler(runtime: Runtime, users: dict[str, int]) -> None:
    lifecycles = [Lifecycle(runtime, "T4") for _ in range(3)]
    for lc in lifecycles:
        to_midterm_report(lc)
    ids = [lc.instance().id for lc in lifecycles]
    v2 = deploy(runtime, midterm_with_site_visit(), users["admin"])
    outcome = moving.migrate(runtime, v2, ids, None, users["admin"], inline_limit=2)
    assert (outcome.migrated, outcome.refused, sorted(outcome.pending)) == ([], [], sorted(ids))
    assert {instance_row(runtime, i)[0] for i in ids} != {v2}
    report = run_pass(runtime.sessions, now=china(2027, 4, 21, 9, 30))
    assert report.instances_migrated == 3 and not report.errors
    assert {instance_row(runtime, i)[0] for i in ids} == {v2}
    assert sorted(moving.outcome_of(runtime, outcome.id).migrated) == sorted(ids)
    # a rollback while some still wait stops them; those moved go back
    again = moving.migrate(runtime, deploy(runtime, midterm_without_report(), users["admin"]), ids,
                           {"midterm_report": "midterm_review"}, users["admin"], inline_limit=0)
    restored, refused = moving.rollback(runtime, again.id, users["admin"])
    assert restored == [] and refused == []
    assert moving.outcome_of(runtime, again.id).pending == []
    assert {instance_row(runtime, i)[0] for i in ids} == {v2}
