"""A dry run of an edited diagram on history: finished lifecycles replayed on the new version.

Each finished instance's audit trail holds what happened to it: the data it started with, every
form submitted (the same data, the same decisions), every timer that fired and every message, each
at its moment. The replay starts the new version with the same data and plays those events in
order, each at its recorded moment (the engine clock, so a timer due then is due in the replay and
no other). It reports the instances that would now take another path or fail, with the element
where they part. Nothing is written: the replay runs in memory.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock, repository, serialization
from engine.models import AuditEvent, ProcessInstance, ProcessVersion
from engine.sandbox import make_script_engine
from engine.sandbox.explain import failing_task, reason

REPLAYED_ACTIONS = ("start", "complete", "timer_fired", "message")
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


@dataclass
class Parting:
    """Where a recorded lifecycle and its replay on the new version part."""

    instance_id: int
    application_id: int | None
    element_id: str
    name: str
    reason: str
    kind: str = "path"  # path | failed | outcome

    def as_dict(self) -> dict[str, Any]:
        return {"instance_id": self.instance_id, "application_id": self.application_id,
                "element_id": self.element_id, "name": self.name, "reason": self.reason, "kind": self.kind}


@dataclass
class DryRun:
    """The dry run of one process's new version."""

    process_key: str
    replayed: int = 0
    same: int = 0
    parted: list[Parting] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"process_key": self.process_key, "replayed": self.replayed, "same": self.same,
                "parted": [p.as_dict() for p in self.parted], "skipped": self.skipped}


class _Parted(Exception):
    def __init__(self, element_id: str, name: str, why: str, kind: str = "path"):
        super().__init__(why)
        self.element_id, self.name, self.why, self.kind = element_id, name, why, kind


def _element(task: Task) -> tuple[str, str]:
    spec = task.task_spec
    return str(getattr(spec, "bpmn_id", None) or spec.name), str(getattr(spec, "bpmn_name", None) or "")


def _waiting_here(workflow: BpmnWorkflow) -> tuple[str, str]:
    """The element the replay waits on (a ready task first, then a waiting event)."""
    for state in (TaskState.READY, TaskState.WAITING):
        for task in workflow.get_tasks(state=state):
            if getattr(task.task_spec, "bpmn_id", None):
                return _element(task)
    return "", ""


def _names(spec: BpmnProcessSpec, subs: dict[str, BpmnProcessSpec]) -> dict[str, str]:
    """bpmn_name by element id of every element of the version."""
    found: dict[str, str] = {}
    for process in [spec, *subs.values()]:
        for task_spec in process.task_specs.values():
            if getattr(task_spec, "bpmn_id", None):
                found[task_spec.bpmn_id] = task_spec.bpmn_name or ""
    return found


class Replayer:
    """Replays recorded lifecycles on one new version's specs."""

    def __init__(self, spec: BpmnProcessSpec, subs: dict[str, BpmnProcessSpec],
                 script_engine: PythonScriptEngine | None = None):
        self.spec, self.subs = spec, subs
        self.script_engine = script_engine or make_script_engine()
        self.names = _names(spec, subs)

    def _steps(self, workflow: BpmnWorkflow, passed: list[str]) -> None:
        def remember(task: Task) -> None:
            element_id = getattr(task.task_spec, "bpmn_id", None)
            if element_id:
                passed.append(str(element_id))
        try:
            workflow.refresh_timers()
            workflow.do_engine_steps(did_complete_task=remember)
        except Exception as e:
            task = failing_task(e)
            element_id, name = _element(task) if task is not None else ("", "")
            raise _Parted(element_id, name, f"新版本在此出错：{reason(e)}", "failed") from e

    def replay(self, events: list[AuditEvent]) -> tuple[BpmnWorkflow, list[str]]:
        """The new version's workflow after the recorded events, and the elements it passed."""
        start = events[0]
        passed: list[str] = []
        with clock.as_of(start.at):
            workflow = BpmnWorkflow(self.spec, self.subs, script_engine=self.script_engine)
            first = workflow.get_next_task(state=TaskState.READY)
            first.data.update((start.data_diff or {}).get("start_data") or {})
            self._steps(workflow, passed)
        for event in events[1:]:
            with clock.as_of(event.at):
                before = _waiting_timers(workflow)
                self._steps(workflow, passed)
                fired = {element for task_id, element in before.items()
                         if (task := workflow.get_task_from_id(task_id)) is None or task.state != TaskState.WAITING}
                self._apply(workflow, event, fired, passed)
        return workflow, passed

    def _apply(self, workflow: BpmnWorkflow, event: AuditEvent, fired: set[str], passed: list[str]) -> None:
        name = event.task_name or ""
        if event.action == "complete":
            ready = [t for t in workflow.get_tasks(state=TaskState.READY, manual=True)
                     if getattr(t.task_spec, "bpmn_id", None) == name]
            if not ready:
                here, here_name = _waiting_here(workflow)
                now_at = here_name or here or "已结束"
                label = self.names.get(name) or name
                raise _Parted(here, here_name, f"记录中下一步是「{label}」，新版本此时在「{now_at}」")
            task = ready[0]
            clean = dict(event.data_diff or {})
            task.set_data(**clean)
            output_item = getattr(task.task_spec, "output_item", None) or getattr(
                getattr(task.parent, "task_spec", None), "output_item", None)
            if output_item is not None:
                task.data[output_item.bpmn_id] = dict(clean)
            try:
                task.run()
            except Exception as e:
                element_id, element_name = _element(task)
                raise _Parted(element_id, element_name, f"新版本在此出错：{reason(e)}", "failed") from e
            passed.append(name)
            self._steps(workflow, passed)
        elif event.action == "timer_fired":
            if name not in fired:
                still = any(getattr(t.task_spec, "bpmn_id", None) == name for t in workflow.get_tasks(
                    state=TaskState.WAITING))
                why = "新版本中此时尚未到期" if still else "新版本此时没有等待这个定时"
                label = self.names.get(name) or name
                raise _Parted(name, self.names.get(name, ""), f"记录中「{label}」在此时到期，{why}")
        elif event.action == "message":
            definition = next((t.task_spec.event_definition for t in workflow.get_tasks(state=TaskState.WAITING)
                               if getattr(getattr(t.task_spec, "event_definition", None), "name", None) == name), None)
            if definition is None:
                here, here_name = _waiting_here(workflow)
                raise _Parted(here, here_name, f"记录中收到消息「{name}」，新版本此时不接收")
            payload = {**(event.data_diff or {}), "by": event.actor_id, "at": event.at.isoformat()}
            try:
                workflow.send_event(BpmnEvent(definition, payload=payload))
            except Exception as e:
                raise _Parted(name, "", f"新版本处理消息时出错：{reason(e)}", "failed") from e
            self._steps(workflow, passed)


def _waiting_timers(workflow: BpmnWorkflow) -> dict[Any, str]:
    return {t.id: str(t.task_spec.bpmn_id) for t in workflow.get_tasks(state=TaskState.WAITING)
            if isinstance(getattr(t.task_spec, "event_definition", None), TimerEventDefinition)}


def _recorded_path(session: Session, instance: ProcessInstance) -> tuple[list[str], dict[str, Any]]:
    """The elements the finished instance passed (bpmn ids), and its final data."""
    spec, subs = repository.specs(session, instance.version_id)
    workflow = serialization.load_state(instance.state_json, spec, subs, instance.serializer_version)
    names = [n.split("/", 1)[-1] for n in getattr(workflow, "rootball_archived", [])]
    names += [str(t.task_spec.bpmn_id) for t in workflow.get_tasks() if t.state == TaskState.COMPLETED
              and getattr(t.task_spec, "bpmn_id", None)]
    ids = set(_names(spec, subs))
    return [n for n in dict.fromkeys(names) if n in ids], dict(workflow.data)


def dry_run(session: Session, process_key: str, spec: BpmnProcessSpec, subs: dict[str, BpmnProcessSpec],
            limit: int = DEFAULT_LIMIT) -> DryRun:
    """Replay up to `limit` most recently finished lifecycles of `process_key` on the given specs."""
    result = DryRun(process_key)
    replayer = Replayer(spec, subs)
    instances = session.scalars(
        select(ProcessInstance).join(ProcessVersion).where(
            ProcessVersion.process_key == process_key, ProcessInstance.status == "complete")
        .order_by(ProcessInstance.updated_at.desc(), ProcessInstance.id.desc())
        .limit(max(1, min(limit, MAX_LIMIT)))).all()
    for instance in instances:
        events = list(session.scalars(select(AuditEvent).where(
            AuditEvent.instance_id == instance.id, AuditEvent.action.in_(REPLAYED_ACTIONS))
            .order_by(AuditEvent.id)).all())
        if not events or events[0].action != "start" or "start_data" not in (events[0].data_diff or {}):
            result.skipped.append({"instance_id": instance.id, "application_id": instance.application_id,
                                   "reason": "审计记录中没有起始数据，无法重放"})
            continue
        result.replayed += 1
        parting = _compare(session, instance, replayer, events)
        if parting is None:
            result.same += 1
        else:
            result.parted.append(parting)
        session.expunge(instance)
    return result


def _compare(session: Session, instance: ProcessInstance, replayer: Replayer,
             events: list[AuditEvent]) -> Parting | None:
    def parted(element_id: str, name: str, why: str, kind: str = "path") -> Parting:
        return Parting(instance.id, instance.application_id, element_id, name, why, kind)

    try:
        workflow, passed = replayer.replay(events)
    except _Parted as p:
        return parted(p.element_id, p.name, p.why, p.kind)
    recorded, final = _recorded_path(session, instance)
    if not workflow.is_completed():
        here, name = _waiting_here(workflow)
        return parted(here, name, f"记录中流程已结束，新版本仍在等待「{name or here}」")
    # The record keeps the elements cut from the stored state, finished or cancelled, so it can
    # show a step the new version adds, not one it leaves out (a left-out form shows above).
    recorded_set = set(recorded)
    extra = next((e for e in passed if e not in recorded_set), None)
    if extra is not None:
        label = replayer.names.get(extra) or extra
        return parted(extra, replayer.names.get(extra, ""), f"新版本经过「{label}」，记录中没有这一步")
    before = {k: final.get(k) for k in ("status", "stage", "award_result")}
    after = {k: workflow.data.get(k) for k in before}
    if before != after:
        return parted("", "", f"结果不同：记录为 {json.dumps(before, ensure_ascii=False)}，新版本为 "
                              f"{json.dumps(after, ensure_ascii=False)}", "outcome")
    return None
