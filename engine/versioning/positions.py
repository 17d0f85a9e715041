"""Where an instance waits: the diagram elements of its ready and waiting tasks, and since when.

Written on the instance row with every save, so the impact of a new version is counted from the
rows without restoring 10,000 workflows.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

LIVE = TaskState.READY | TaskState.WAITING


def of(workflow: BpmnWorkflow, tasks: Sequence[Task] | None = None) -> list[list[str]]:
    """[[process id, element id, since], ...] of the live tasks of the workflow and its subprocesses
    (`tasks`, when given, is every task of the workflow from one pass over its tree)."""
    if workflow.is_completed():
        return []
    found: list[list[str]] = []
    live = workflow.get_tasks(state=LIVE) if tasks is None else (t for t in tasks if t.state & LIVE)
    for task in live:
        spec = task.task_spec
        element_id = getattr(spec, "bpmn_id", None)
        if not element_id:
            continue  # the engine's own joins and splits
        since = datetime.fromtimestamp(task.last_state_change, UTC).isoformat(timespec="seconds")
        found.append([task.workflow.spec.name, str(element_id), since])
    return found


def element_ids(stored: list[Any] | None) -> set[tuple[str, str]]:
    """(process id, element id) of stored positions."""
    return {(str(p[0]), str(p[1])) for p in stored or []}
