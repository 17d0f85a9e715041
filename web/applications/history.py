"""An application's 办理记录 in plain Chinese: every audit event named by its task or its BPMN element, never by id."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import versions
from engine.models import ProcessInstance, ProcessVersion
from web.display import ACTION_LABELS, DECISION_LABELS, MESSAGE_LABELS, STAGE_LABELS, STATUS_LABELS

# Messages that close an application, whose reason the record shows beside its end.
CLOSING_MESSAGES = ("applicant_withdrew", "officer_terminated")
_names: dict[str, dict[str, str]] = {}  # by the files' sha256: the same files always name the same elements


@dataclass(frozen=True)
class HistoryLine:
    """One row of 办理记录."""

    at: str
    actor: str
    action: str
    step: str
    note: str


def element_names(session: Session, instance_id: int | None) -> dict[str, str]:
    """The Chinese names of the elements of the instance's process version, by id."""
    if instance_id is None:
        return {}
    found = session.execute(
        select(ProcessVersion.id, ProcessVersion.sha256)
        .join(ProcessInstance, ProcessInstance.version_id == ProcessVersion.id)
        .where(ProcessInstance.id == instance_id)).first()
    if found is None:
        return {}
    version_id, digest = found
    if digest not in _names:
        version = session.get(ProcessVersion, version_id)
        _names[digest] = versions.element_names(dict(version.files)) if version is not None else {}
    return _names[digest]


def _stage_note(data: dict[str, Any]) -> str:
    stage, status = data.get("stage"), data.get("status")
    if isinstance(stage, list) and len(stage) == 2 and stage[0] != stage[1]:
        return f"{STAGE_LABELS.get(stage[0], '')} → {STAGE_LABELS.get(stage[1], '')}"
    if isinstance(status, list) and len(status) == 2:
        return f"状态 {STATUS_LABELS.get(status[0], '')} → {STATUS_LABELS.get(status[1], '')}"
    return ""


def _decision_note(data: dict[str, Any]) -> str:
    """The decision of a review form, with the opinion when the application was sent back or refused."""
    decision = data.get("decision")
    if not isinstance(decision, str) or decision not in DECISION_LABELS:
        return ""
    opinion = data.get("opinion")
    if decision in ("return", "reject") and isinstance(opinion, str) and opinion.strip():
        return f"{DECISION_LABELS[decision]}：{opinion.strip()}"
    return DECISION_LABELS[decision]


def line(event: dict[str, Any], titles: dict[str, str], names: dict[str, str]) -> HistoryLine:
    """One audit event as people read it."""
    action, task, data = event["action"], event.get("task") or "", event.get("data") or {}
    step = titles.get(task) or names.get(task) or ""
    label, note = ACTION_LABELS.get(action, "其他操作"), ""
    if action == "complete":
        note = _decision_note(data) if event["actor"] != "评审专家" else ""
    elif action == "stage_changed":
        note = _stage_note(data)
    elif action == "message":
        label, step = MESSAGE_LABELS.get(task, label), ""
        reason = data.get("reason")
        note = reason if isinstance(reason, str) else ""
    elif action in ("attachment_uploaded", "attachment_removed"):
        filename = data.get("filename")
        note = filename if isinstance(filename, str) else ""
    return HistoryLine(event["at"], event["actor"], label, step, note)


def lines(history: list[dict[str, Any]], titles: dict[str, str], names: dict[str, str]) -> list[HistoryLine]:
    """The whole record, oldest first."""
    return [line(event, titles, names) for event in history]


def closing(history: list[dict[str, Any]]) -> tuple[str, str] | None:
    """(who ended it, the reason) of the newest withdrawal or termination, or None."""
    for event in reversed(history):
        if event["action"] == "message" and event.get("task") in CLOSING_MESSAGES:
            reason = (event.get("data") or {}).get("reason")
            return MESSAGE_LABELS[event["task"]], reason if isinstance(reason, str) else ""
    return None
