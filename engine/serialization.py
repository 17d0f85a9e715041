"""Workflow state without its spec, and specs stored once per process version.

The stock serializer embeds the whole spec in every save; an instance here stores only its task
tree and data, and is restored against the spec object of its own version.
"""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task

from engine.pruning import prune


class StateOnlyWorkflowConverter(BpmnWorkflowConverter):  # type: ignore[misc]
    """Drops `spec`/`subprocess_specs` on save; takes the version's spec objects on restore."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(
        self,
        dct: dict[str, Any],
        spec: BpmnProcessSpec | None = None,
        subprocess_specs: dict[str, BpmnProcessSpec] | None = None,
    ) -> BpmnWorkflow:
        if spec is None:
            return super().from_dict(dct)
        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.get("bpmn_events", []))
        return workflow


def _configure(config: dict[Any, Any]) -> BpmnWorkflowSerializer:
    registry = BpmnWorkflowSerializer.configure(config)
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda d: Decimal(d["value"]))
    registry.register(date, lambda v: {"value": v.isoformat()}, lambda d: date.fromisoformat(d["value"]))
    return BpmnWorkflowSerializer(registry)


FULL = _configure(SPIFF_CONFIG)
STATE = _configure({**SPIFF_CONFIG, BpmnWorkflow: StateOnlyWorkflowConverter})
SERIALIZER_VERSION: str = STATE.VERSION


def dump_specs(spec: BpmnProcessSpec, subprocess_specs: dict[str, BpmnProcessSpec]) -> str:
    """A version's parsed specs as JSON, stored once on process_version."""
    return json.dumps(
        {
            "spec": FULL.to_dict(spec),
            "subprocess_specs": {name: FULL.to_dict(s) for name, s in subprocess_specs.items()},
        },
        ensure_ascii=False,
    )


def load_specs(spec_json: str) -> tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]:
    """Spec objects back from `dump_specs` output."""
    dct = json.loads(spec_json)
    spec = FULL.from_dict(dct["spec"])
    subs = {name: FULL.from_dict(s) for name, s in dct["subprocess_specs"].items()}
    return spec, subs


ARCHIVE_KEY = "rootball_archived"


def remember_completed(task: Task) -> None:
    """Note "process/spec" of a task that ran, for the instance's diagram (pruning and finished
    subprocesses would otherwise forget it)."""
    workflow = task.workflow.top_workflow
    archived: list[str] = workflow.__dict__.setdefault("rootball_archived", [])
    name = f"{task.workflow.spec.name}/{task.task_spec.name}"
    if name not in archived:
        archived.append(name)


def dump_state(workflow: BpmnWorkflow) -> str:
    """The instance's live state (tasks, data, subprocesses, events) without spec or finished prefix."""
    dct = STATE.to_dict(workflow)
    archived: list[str] = list(getattr(workflow, "rootball_archived", []))
    if not workflow.is_completed():
        seen = set(archived)
        archived += [name for name in prune(dct, workflow.spec.name) if name not in seen and not seen.add(name)]  # type: ignore[func-returns-value]
    dct[ARCHIVE_KEY] = archived
    return json.dumps(dct, ensure_ascii=False, separators=(",", ":"))


def load_state(
    state_json: str, spec: BpmnProcessSpec, subprocess_specs: dict[str, BpmnProcessSpec],
    serializer_version: str = SERIALIZER_VERSION,
) -> BpmnWorkflow:
    """Restore an instance against its own version's spec objects (migrating older formats)."""
    dct = json.loads(state_json)
    archived = dct.pop(ARCHIVE_KEY, [])
    dct[STATE.VERSION_KEY] = serializer_version
    STATE.migrate(dct)
    workflow: BpmnWorkflow = STATE.from_dict(dct, spec=spec, subprocess_specs=subprocess_specs)
    workflow.rootball_archived = archived
    return workflow


def archived_specs(state_json: str) -> list[str]:
    """"process/spec" names of the finished tasks pruned from a stored state, in the order they were pruned."""
    value: list[str] = json.loads(state_json).get(ARCHIVE_KEY, [])
    return value


def dump_full(workflow: BpmnWorkflow) -> str:
    """The stock serialization, spec included (used only as the benchmark's baseline)."""
    return str(FULL.serialize_json(workflow))


def load_full(text: str) -> BpmnWorkflow:
    """Restore the stock serialization (benchmark baseline)."""
    workflow: BpmnWorkflow = FULL.deserialize_json(text)
    return workflow
