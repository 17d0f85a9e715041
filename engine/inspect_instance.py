"""What an instance is doing: its version, active and completed elements (for the diagram viewer)."""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from engine import repository, serialization
from engine.errors import NotFound
from engine.models import ProcessInstance, ProcessVersion


def instance_view(session: Session, instance_id: int) -> dict[str, Any]:
    """Status, version, and the BPMN ids of active (ready/waiting) and completed elements."""
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(f"流程实例 {instance_id} 不存在")
    version = session.get(ProcessVersion, instance.version_id)
    assert version is not None
    spec, subs = repository.specs(session, instance.version_id)
    workflow = serialization.load_state(instance.state_json, spec, subs, instance.serializer_version)
    names = {(s.name, ts.name): ts.bpmn_id for s in [spec, *subs.values()] for ts in s.task_specs.values()
             if ts.bpmn_id}
    by_process: dict[str, dict[str, list[str]]] = {}

    def mark(process: str, task_spec: str, kind: str) -> None:
        bpmn_id = names.get((process, task_spec))
        if bpmn_id is not None:
            ids = by_process.setdefault(process, {"active": [], "completed": []})[kind]
            if bpmn_id not in ids:
                ids.append(bpmn_id)

    for entry in getattr(workflow, "rootball_archived", []):
        process, _, task_spec = entry.partition("/")
        mark(process, task_spec, "completed")
    for task in workflow.get_tasks():
        if task.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED):
            mark(task.workflow.spec.name, task.task_spec.name, "active")
        elif task.state == TaskState.COMPLETED:
            mark(task.workflow.spec.name, task.task_spec.name, "completed")
    for marks in by_process.values():
        marks["completed"] = [b for b in marks["completed"] if b not in marks["active"]]
    active = list(dict.fromkeys(b for m in by_process.values() for b in m["active"]))
    completed = list(dict.fromkeys(b for m in by_process.values() for b in m["completed"]))
    return {
        "id": instance.id, "status": instance.status, "process_key": version.process_key,
        "version": version.version, "version_id": version.id,
        "active": active, "completed": completed, "by_process": by_process,
        "next_timer_at": instance.next_timer_at.isoformat() if instance.next_timer_at else None,
    }
