"""`rootball validate` and `deploy` reject bad uploads with FILE:LINE: ELEMENT_ID: message."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from engine import repository
from engine.errors import InvalidProcess
from engine.models import ProcessVersion
from web.cli import main

VALID = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs" targetNamespace="http://x">
  <bpmn:collaboration id="collab">
    <bpmn:participant id="pool" processRef="mini"/>
  </bpmn:collaboration>
  <bpmn:process id="mini" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="lane_officer" name="officer">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>review</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>gw</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>calc</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end_ok</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end_no</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="review" name="审核">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="recommendation"/>
        <spiffworkflow:property name="dueIn" value="P5WD"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:scriptTask id="calc" name="计算">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>ok = decision == "approve"</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:exclusiveGateway id="gw" default="f_no"><bpmn:incoming>f3</bpmn:incoming>
      <bpmn:outgoing>f_ok</bpmn:outgoing><bpmn:outgoing>f_no</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:endEvent id="end_ok"><bpmn:incoming>f_ok</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="end_no"><bpmn:incoming>f_no</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="calc"/>
    <bpmn:sequenceFlow id="f3" sourceRef="calc" targetRef="gw"/>
    <bpmn:sequenceFlow id="f_ok" sourceRef="gw" targetRef="end_ok">
      <bpmn:conditionExpression>ok == True</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_no" sourceRef="gw" targetRef="end_no"/>
  </bpmn:process>
</bpmn:definitions>
"""

BAD = {
    "malformed_xml": (VALID.replace("<bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>",
                                    "<bpmn:outgoing>f1</bpmn:outgoing>"), None, "XML"),
    "no_start_event": (VALID.replace('<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>',
                                     "").replace('<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>',
                                                 "").replace("<bpmn:flowNodeRef>start</bpmn:flowNodeRef>", ""),
                       "mini", "start"),
    "dangling_flow": (VALID.replace('targetRef="end_ok"', 'targetRef="nowhere"'), "gw", "nowhere"),
    "condition_syntax": (VALID.replace("ok == True", "ok === True"), "f_ok", "语法错误"),
    "script_import": (VALID.replace('ok = decision == "approve"', "import os\nok = os.getcwd()"), "calc", "import"),
    "dunder_escape": (VALID.replace('ok = decision == "approve"',
                                    "ok = ().__class__.__base__.__subclasses__()"), "calc", "不允许访问属性"),
    "unknown_form_key": (VALID.replace('value="recommendation"', 'value="no_such_form"'), "review", "no_such_form"),
    "unknown_lane": (VALID.replace('name="officer"', 'name="janitor"'), "lane_officer", "janitor"),
    "bad_due_in": (VALID.replace('value="P5WD"', 'value="five days"'), "review", "dueIn"),
}

LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): (?P<element>[^:]+): (?P<message>.+)$")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_file_passes(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(_write(tmp_path, "mini.bpmn", VALID))])
    assert result.exit_code == 0, result.output
    assert "校验通过" in result.output


def test_bundled_library_is_valid() -> None:
    files = repository.read_folder(Path(__file__).resolve().parents[2] / "processes")
    assert len([n for n in files if n.startswith("track")]) == 5
    assert repository.validate(files) == []


@pytest.mark.parametrize("case", sorted(BAD))
def test_invalid_file_is_rejected_with_location(tmp_path: Path, case: str) -> None:
    text, element, needle = BAD[case]
    path = _write(tmp_path, f"{case}.bpmn", text)
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1, result.output
    lines = [m for m in (LINE.match(x) for x in result.output.splitlines()) if m]
    assert lines, result.output
    hit = next((m for m in lines if needle in m["message"] or needle == m["element"]), None)
    assert hit is not None, result.output
    assert hit["file"] == str(path)
    assert int(hit["line"]) > 0, result.output
    if element is not None:
        assert hit["element"] == element, result.output
        # the line is the element's own, or one inside it (a condition, a script)
        nearby = "\n".join(text.splitlines()[max(0, int(hit["line"]) - 3):int(hit["line"])])
        assert f'id="{element}"' in nearby or f">{element}<" in nearby, (nearby, result.output)


def test_embedded_subprocess_in_a_lane_is_rejected() -> None:
    folder = Path(__file__).resolve().parents[2] / "processes"
    files = repository.read_folder(folder)
    track = files["track4_enterprise.bpmn"].decode()
    first_lane_end = track.index("</bpmn:lane>")
    files["track4_enterprise.bpmn"] = (
        track[:first_lane_end] + "<bpmn:flowNodeRef>t4_pre_award</bpmn:flowNodeRef>" + track[first_lane_end:]
    ).encode()
    problems = repository.validate(files)
    hits = [p for p in problems if p.element_id == "t4_pre_award" and p.file == "track4_enterprise.bpmn"]
    assert hits and hits[0].line, problems


def test_invalid_upload_is_never_deployed(runtime, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with runtime.sessions() as session:
        before = session.scalar(select(func.count()).select_from(ProcessVersion))
    with pytest.raises(InvalidProcess) as raised, runtime.sessions.begin() as session:
        repository.deploy(session, {"evil.bpmn": BAD["script_import"][0].encode()})
    assert any(p.element_id == "calc" for p in raised.value.problems)
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ProcessVersion)) == before


def test_script_engine_blocks_escape_at_run_time() -> None:
    from engine.sandbox import UnsafeExpression, make_script_engine

    env = make_script_engine().environment
    with pytest.raises(UnsafeExpression):
        env.execute("x = [c for c in ().__class__.__base__.__subclasses__()]", {})
    with pytest.raises(UnsafeExpression):
        env.evaluate("9 ** 9 ** 9", {})
    with pytest.raises(UnsafeExpression):
        env.evaluate("open('/etc/passwd')", {})
    assert env.evaluate("sum([m['s'] for m in xs]) / len(xs)", {"xs": [{"s": 2}, {"s": 4}]}) == 3
