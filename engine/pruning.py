"""Keeps a stored instance small: drops the finished, linear prefix of its task tree.

SpiffWorkflow keeps every task it ever ran, each with its own copy of the task data, so an
instance's state (and the cost of restoring and saving it) grows with every step. A finished task
whose only unfinished child carries the whole future can be cut off, together with sibling
subtrees that are entirely finished, as long as that child is itself finished (it becomes the new
root, with its data in full, and a finished task never reads its parent again). Nothing still
waiting (a join, a boundary event, a multi-instance parent, a call activity) is ever finished,
so whatever the engine may still look at is kept. The names of what was cut are remembered for
the instance's history and diagram.
"""
from __future__ import annotations

from typing import Any

FINISHED = 64 | 128 | 256  # COMPLETED | ERROR | CANCELLED


def _finished_subtrees(tasks: dict[str, Any]) -> dict[str, bool]:
    done: dict[str, bool] = {}

    def visit(task_id: str) -> bool:
        if task_id in done:
            return done[task_id]
        stack = [task_id]
        order: list[str] = []
        while stack:
            current = stack.pop()
            order.append(current)
            stack.extend(c for c in tasks[current]["children"] if c in tasks and c not in done)
        for current in reversed(order):
            task = tasks[current]
            done[current] = bool(task["state"] & FINISHED) and all(
                done.get(c, True) for c in task["children"] if c in tasks)
        return done[task_id]

    for task_id in tasks:
        visit(task_id)
    return done


def _subtree(tasks: dict[str, Any], task_id: str) -> list[str]:
    found, stack = [], [task_id]
    while stack:
        current = stack.pop()
        if current in tasks:
            found.append(current)
            stack.extend(tasks[current]["children"])
    return found


def _apply_delta(parent_data: dict[str, Any], delta: dict[str, Any]) -> dict[str, Any]:
    data = {**parent_data, **delta.get("updates", {})}
    for key in delta.get("deletions", []):
        data.pop(key, None)
    return data


def prune_tree(workflow: dict[str, Any], process: str) -> tuple[list[str], set[str]]:
    """Cut the finished prefix of one (sub)workflow dict in place; returns ("process/spec" names, removed ids)."""
    tasks: dict[str, Any] = workflow["tasks"]
    if not tasks:
        return [], set()
    finished = _finished_subtrees(tasks)
    root = workflow["root"]
    names: list[str] = []
    removed: set[str] = set()
    # Task data is stored as a delta from the parent's; the new root must carry it in full.
    data: dict[str, Any] = dict(tasks[root].get("data") or {})
    while True:
        node = tasks[root]
        if not node["state"] & FINISHED:
            break
        live = [c for c in node["children"] if c in tasks and not finished[c]]
        # The new root must itself be finished: a live task re-reads its parent's data when updated.
        if len(live) != 1 or not tasks[live[0]]["state"] & FINISHED:
            break
        for child in node["children"]:
            if child != live[0]:
                for task_id in _subtree(tasks, child):
                    names.append(f"{process}/{tasks[task_id]['task_spec']}")
                    removed.add(task_id)
                    del tasks[task_id]
        names.append(f"{process}/{node['task_spec']}")
        removed.add(root)
        del tasks[root]
        root = live[0]
        data = _apply_delta(data, tasks[root].get("delta") or {})
        tasks[root]["parent"] = None
        tasks[root]["data"] = data
        tasks[root]["delta"] = {}
    workflow["root"] = root
    if workflow.get("last_task") in removed:
        workflow["last_task"] = None
    return names, removed


def prune(state: dict[str, Any], process: str) -> list[str]:
    """Prune the top workflow (`process`) and every subprocess; drop subprocesses whose parent task went."""
    names, removed = prune_tree(state, process)
    subprocesses: dict[str, Any] = state.get("subprocesses", {})
    changed = True
    while changed:
        changed = False
        for parent_id in list(subprocesses):
            if parent_id in removed:
                gone = subprocesses.pop(parent_id)
                removed |= set(gone["tasks"])
                names += [f"{gone.get('spec')}/{t['task_spec']}" for t in gone["tasks"].values()]
                changed = True
    for sub in subprocesses.values():
        sub_names, sub_removed = prune_tree(sub, str(sub.get("spec")))
        names += sub_names
        removed |= sub_removed
    return names
