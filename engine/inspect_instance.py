"""What an instance is doing: its version, active and completed elements (for the diagram viewer)."""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from engine import repository, serialization
from engine.errors import NotFound
from engine.models import ProcessInstance, ProcessVersion


def _bpmn_id(name: str, spec_names: dict[str, str]) -> str | None:
    return spec_names.get(name)


def instance_view(session: Session, instance_id: int) -> dict[str, Any]:
    """Status, version, and the BPMN ids of active (ready/waiting) and completed elements."""
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(f"流程实例 {instance_id} 不存在")
    version = session.get(ProcessVersion, instance.version_id)
    assert version is not None
    spec, subs = repository.specs(session, instance.version_id)
    workflow = serialization.load_state(instance.state_json, spec, subs, instance.serializer_version)
    names = {ts.name: ts.bpmn_id for s in [spec, *subs.values()] for ts in s.task_specs.values() if ts.bpmn_id}
    active: list[str] = []
    completed: list[str] = [b for n in getattr(workflow, "rootball_archived", []) if (b := names.get(n))]
    for task in workflow.get_tasks():
        bpmn_id = names.get(task.task_spec.name)
        if bpmn_id is None:
            continue
        if task.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED):
            active.append(bpmn_id)
        elif task.state == TaskState.COMPLETED:
            completed.append(bpmn_id)
    return {
        "id": instance.id, "status": instance.status, "process_key": version.process_key,
        "version": version.version, "version_id": version.id,
        "active": list(dict.fromkeys(active)), "completed": list(dict.fromkeys(completed)),
        "next_timer_at": instance.next_timer_at.isoformat() if instance.next_timer_at else None,
    }
