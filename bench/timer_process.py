"""A process that waits for a timer, then asks an officer to act: for the scheduler benchmark and tests."""
from __future__ import annotations

KEY = "wake_up"

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs_{key}"
    targetNamespace="http://rootball/bench">
  <bpmn:collaboration id="collab_{key}"><bpmn:participant id="pool_{key}" processRef="{key}"/></bpmn:collaboration>
  <bpmn:process id="{key}" isExecutable="true">
    <bpmn:laneSet id="lanes_{key}"><bpmn:lane id="lane_{key}" name="officer">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>wait</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>follow_up</bpmn:flowNodeRef>{script_ref}
      <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"/>
    <bpmn:intermediateCatchEvent id="wait" name="到期">
      <bpmn:timerEventDefinition id="wait_def">
        <bpmn:timeDate xsi:type="bpmn:tFormalExpression">wake_at</bpmn:timeDate>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:userTask id="follow_up" name="到期后跟进">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="rectification"/>
        <spiffworkflow:property name="dueIn" value="P3WD"/>
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
{middle}
    <bpmn:sequenceFlow id="f3" sourceRef="follow_up" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


SCRIPT = """    <bpmn:scriptTask id="after_wake" name="到期处理" scriptFormat="python">
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="after_wake"/>
    <bpmn:sequenceFlow id="f2b" sourceRef="after_wake" targetRef="follow_up"/>"""


def timer_bpmn(key: str = KEY, script: str | None = None) -> tuple[str, bytes]:
    """(process id, BPMN bytes) of start → timer at `wake_at` (an aware ISO string) → officer task → end.

    With `script`, a script task runs between the timer and the task.
    """
    middle = (SCRIPT.format(script=script) if script is not None
              else '    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="follow_up"/>')
    script_ref = "\n      <bpmn:flowNodeRef>after_wake</bpmn:flowNodeRef>" if script is not None else ""
    return key, BPMN.format(key=key, middle=middle, script_ref=script_ref).encode()
