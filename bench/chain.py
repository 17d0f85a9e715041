"""A linear chain of N officer user tasks, for the engine benchmark and the runtime tests."""
from __future__ import annotations

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs_{key}" targetNamespace="http://rootball/bench">
  <bpmn:collaboration id="collab_{key}"><bpmn:participant id="pool_{key}" processRef="{key}"/></bpmn:collaboration>
  <bpmn:process id="{key}" isExecutable="true">
    <bpmn:laneSet id="lanes_{key}"><bpmn:lane id="lane_{key}" name="officer">
{refs}
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"/>
"""
TASK = """    <bpmn:userTask id="t{i}" name="第{i}步">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="rectification"/>
        <spiffworkflow:property name="dueIn" value="P3WD"/>
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
"""


def chain_bpmn(n: int, key: str | None = None) -> tuple[str, bytes]:
    """(process id, BPMN bytes) of a process start → t1 → … → tn → end."""
    key = key or f"chain_{n}"
    ids = ["start", *[f"t{i}" for i in range(1, n + 1)], "end"]
    refs = "\n".join(f"      <bpmn:flowNodeRef>{i}</bpmn:flowNodeRef>" for i in ids)
    body = HEAD.format(key=key, refs=refs)
    body += "".join(TASK.format(i=i) for i in range(1, n + 1))
    body += '    <bpmn:endEvent id="end"/>\n'
    body += "".join(
        f'    <bpmn:sequenceFlow id="f{k}" sourceRef="{a}" targetRef="{b}"/>\n'
        for k, (a, b) in enumerate(zip(ids, ids[1:], strict=False))
    )
    body += "  </bpmn:process>\n</bpmn:definitions>\n"
    return key, body.encode()
