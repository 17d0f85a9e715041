"""Process code embedded in real BPMN and DMN files: a script task, a condition, a timer, a DMN entry."""
from __future__ import annotations

from xml.sax.saxutils import escape

PLACES = ("script", "condition", "timer", "dmn_entry")
ELEMENT = {"script": "attack_script", "condition": "f_attack", "timer": "wait_attack", "dmn_entry": "entry_attack"}

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs_{key}" targetNamespace="http://x">
  <bpmn:collaboration id="collab_{key}"><bpmn:participant id="pool_{key}" processRef="{key}"/></bpmn:collaboration>
  <bpmn:process id="{key}" isExecutable="true">
    <bpmn:laneSet id="lanes_{key}"><bpmn:lane id="lane_{key}" name="officer">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>attack_script</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>wait_attack</bpmn:flowNodeRef><bpmn:flowNodeRef>gw</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>review</bpmn:flowNodeRef><bpmn:flowNodeRef>end</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"/>
    <bpmn:scriptTask id="attack_script" name="计算" scriptFormat="python">
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:intermediateCatchEvent id="wait_attack" name="等待">
      <bpmn:timerEventDefinition>
        <bpmn:timeDate xsi:type="bpmn:tFormalExpression">{timer}</bpmn:timeDate>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:exclusiveGateway id="gw" default="f_default"/>
    <bpmn:userTask id="review" name="审核">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="rectification"/>
        <spiffworkflow:property name="dueIn" value="P5WD"/>
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="attack_script"/>
    <bpmn:sequenceFlow id="f2" sourceRef="attack_script" targetRef="wait_attack"/>
    <bpmn:sequenceFlow id="f3" sourceRef="wait_attack" targetRef="gw"/>
    <bpmn:sequenceFlow id="f_attack" sourceRef="gw" targetRef="review">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_default" sourceRef="gw" targetRef="end"/>
    <bpmn:sequenceFlow id="f4" sourceRef="review" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""

DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs_{key}" name="攻击" namespace="http://x">
  <decision id="{key}" name="攻击">
    <decisionTable id="table_{key}" hitPolicy="UNIQUE">
      <input id="in_{key}" label="输入"><inputExpression id="in_expr_{key}"><text>score</text></inputExpression></input>
      <output id="out_{key}" name="passed" typeRef="boolean"/>
      <rule id="rule_attack">
        <inputEntry id="entry_attack"><text>{entry}</text></inputEntry>
        <outputEntry id="result_attack"><text>True</text></outputEntry>
      </rule>
      <rule id="rule_rest">
        <inputEntry id="entry_rest"><text>-</text></inputEntry>
        <outputEntry id="result_rest"><text>False</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
</definitions>
"""

HARMLESS = {"script": "y = 1", "timer": '"2030-01-01T00:00:00+00:00"', "condition": "y == 1"}


def embedded(place: str, code: str, key: str = "attack") -> tuple[str, bytes]:
    """(file name, content) of a diagram carrying `code` in `place` and harmless code elsewhere."""
    if place == "dmn_entry":
        return f"{key}.dmn", DMN.format(key=key, entry=escape(code)).encode()
    parts = {name: escape(value) for name, value in HARMLESS.items()}
    parts[place] = escape(code)
    return f"{key}.bpmn", BPMN.format(key=key, **parts).encode()
