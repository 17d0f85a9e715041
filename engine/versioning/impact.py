"""What deploying an edited diagram would change, before it is deployed.

For each root process the upload gives a new version: the difference from the current version
element by element, and for every version that still has running instances, how many wait on an
element the new version changes or removes, and which (application, stage, since when).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import repository
from engine.models import Application, ProcessInstance, ProcessVersion
from engine.runtime import StateStore
from engine.versioning import positions
from engine.versions import Change, VersionDiff, diff_files

RUNNING = ("running", "waiting", "error")
FIELD_LABELS = {
    "name": "名称", "type": "类型", "property:formKey": "表单", "property:dueIn": "办理期限",
    "property:assignee": "办理人", "property:scope": "办理范围", "property:notAfter": "截止时间",
    "script": "脚本", "incoming": "来路", "outgoing": "去向", "flowNodeRef": "泳道环节",
    "sourceRef": "起点", "targetRef": "终点", "conditionExpression": "条件", "calledElement": "调用子流程",
    "attachedToRef": "附着于", "documentation": "说明",
}
MAX_SHOWN = 60


def _label(key: str) -> str:
    if key in FIELD_LABELS:
        return f"{FIELD_LABELS[key]}（{key.removeprefix('property:')}）"
    lowered = key.lower()
    if "timedate" in lowered or "timeduration" in lowered or "timecycle" in lowered or "timer" in lowered:
        return f"定时（{key}）"
    if "condition" in lowered:
        return f"条件（{key}）"
    return key


def _short(value: str | None) -> str:
    if value is None or value == "":
        return "（无）"
    value = " ".join(value.split())
    return value if len(value) <= MAX_SHOWN else value[:MAX_SHOWN] + "…"


def describe(changes: Iterable[Change]) -> str:
    """The facts that changed, in words: 「办理期限（dueIn）：P10WD → P15WD」."""
    return "；".join(f"{_label(c.field)}：{_short(c.old)} → {_short(c.new)}" for c in changes)


@dataclass
class Waiting:
    """A running instance waiting on an element the new version changes or removes."""

    instance_id: int
    application_id: int | None
    element_id: str
    change: str
    title: str = ""
    stage: str = ""
    since: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"instance_id": self.instance_id, "application_id": self.application_id, "element_id": self.element_id,
                "change": self.change, "title": self.title, "stage": self.stage, "since": self.since}


@dataclass
class RunningVersion:
    """One version with running instances, and those of them the new version touches."""

    process_key: str
    version_id: int
    version: int
    instances: int
    on_changed: list[Waiting] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        by_element: dict[str, int] = {}
        for w in self.on_changed:
            by_element[w.element_id] = by_element.get(w.element_id, 0) + 1
        return {"process_key": self.process_key, "version_id": self.version_id, "version": self.version,
                "instances": self.instances, "affected": len({w.instance_id for w in self.on_changed}),
                "by_element": by_element, "on_changed": [w.as_dict() for w in self.on_changed]}


@dataclass
class Impact:
    """The whole preview: element changes against each current version, and the running instances touched."""

    changes: list[dict[str, Any]] = field(default_factory=list)
    running: list[RunningVersion] = field(default_factory=list)
    processes: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"changes": self.changes, "running": [r.as_dict() for r in self.running], "processes": self.processes}


def change_rows(diff: VersionDiff, process_key: str) -> list[dict[str, Any]]:
    """The API's rows for one difference."""
    rows = [{"process_key": process_key, "element_id": e.element_id, "name": e.name, "type": e.type,
             "process": e.process, "file": e.file, "change": "added", "what": "新增"} for e in diff.added]
    rows += [{"process_key": process_key, "element_id": e.element_id, "name": e.name, "type": e.type,
              "process": e.process, "file": e.file, "change": "removed", "what": "删除"} for e in diff.removed]
    rows += [{"process_key": process_key, "element_id": c.element.element_id, "name": c.element.name,
              "type": c.element.type, "process": c.element.process, "file": c.element.file, "change": "changed",
              "what": describe(c.changes)} for c in diff.changed]
    return rows


def touched(diff: VersionDiff) -> dict[tuple[str, str], str]:
    """(process, element) -> "changed" | "removed" for the elements an instance could be waiting on."""
    found = {(c.element.process, c.element.element_id): "changed" for c in diff.changed}
    found.update({(e.process, e.element_id): "removed" for e in diff.removed})
    return found


def of_upload(session: Session, files: dict[str, bytes], store: StateStore | None = None) -> Impact:
    """The impact of deploying `files` (validated like a deploy; raises InvalidProcess). Nothing is stored."""
    impact = Impact()
    seen: set[tuple[str, str, str]] = set()
    for plan in repository.planned(session, files):
        current = plan.current
        diff = diff_files(dict(current.files) if current else {}, plan.bundle)
        impact.processes.append({"process_key": plan.root, "current_version": current.version if current else None,
                                 "unchanged": diff.empty})
        for row in change_rows(diff, plan.root):
            key = (row["file"], row["element_id"], row["change"])
            if key not in seen:
                seen.add(key)
                impact.changes.append(row)
        impact.running += running_versions(session, plan.root, plan.bundle, store or StateStore())
    return impact


def running_versions(session: Session, process_key: str, bundle: dict[str, str],
                     store: StateStore) -> list[RunningVersion]:
    """Every version of `process_key` with running instances, and which of them `bundle` touches."""
    counts = session.execute(
        select(ProcessVersion.id, ProcessVersion.version, func.count(ProcessInstance.id))
        .join(ProcessInstance, ProcessInstance.version_id == ProcessVersion.id)
        .where(ProcessVersion.process_key == process_key, ProcessInstance.status.in_(RUNNING))
        .group_by(ProcessVersion.id, ProcessVersion.version).order_by(ProcessVersion.version)).all()
    found = []
    for version_id, number, count in counts:
        version = session.get(ProcessVersion, version_id)
        assert version is not None
        marks = touched(diff_files(dict(version.files), bundle))
        entry = RunningVersion(process_key, version_id, number, int(count))
        if marks:
            entry.on_changed = _waiting_on(session, version_id, marks, store)
        found.append(entry)
    return found


def _waiting_on(session: Session, version_id: int, marks: dict[tuple[str, str], str],
                store: StateStore) -> list[Waiting]:
    rows = session.execute(
        select(ProcessInstance.id, ProcessInstance.application_id, ProcessInstance.positions,
               Application.title, Application.stage)
        .outerjoin(Application, Application.id == ProcessInstance.application_id)
        .where(ProcessInstance.version_id == version_id, ProcessInstance.status.in_(RUNNING))
        .order_by(ProcessInstance.id)).all()
    waiting: list[Waiting] = []
    for instance_id, application_id, stored, title, stage in rows:
        if stored is None:  # saved before positions were recorded: read them from the state
            instance = session.get(ProcessInstance, instance_id)
            assert instance is not None
            stored = positions.of(store.load(session, instance))
        for process, element_id, since in stored:
            change = marks.get((process, element_id))
            if change:
                waiting.append(Waiting(instance_id, application_id, element_id, change, title or "", stage or "",
                                       since))
    return waiting
