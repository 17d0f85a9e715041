"""Required documents per call: the list an administrator defines, the checklist of one application, and the
refusal to submit an application form while a required document is missing."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import audit
from engine.errors import FormInvalid, NotFound
from engine.models import Application, Attachment, Call
from forms.inputs import text_problems

FIELD = "attachments"  # the form field the checklist's errors are shown on (web) and named by (API)
MAX_ITEMS = 20
KIND = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Offered when an administrator starts a list: the documents most calls ask for.
SUGGESTED = (
    {"kind": "recommendation_letter", "label": "推荐函盖章件", "required": True},
    {"kind": "business_license", "label": "营业执照", "required": True},
    {"kind": "cooperation_agreement", "label": "合作协议", "required": False},
)


@dataclass(frozen=True)
class Item:
    """One line of an application's checklist: the kind, its label, whether required, and the files carried."""

    kind: str
    label: str
    required: bool
    files: tuple[str, ...]

    @property
    def done(self) -> bool:
        return bool(self.files)


def clean(items: Any, field: str = "required_documents") -> list[dict[str, Any]] | None:
    """The list as stored: checked kinds, labels and flags; None for no list. FormInvalid with per-line messages."""
    if items is None:
        return None
    if not isinstance(items, list):
        raise FormInvalid({field: ["应为列表：[{kind, label, required}]"]})
    if len(items) > MAX_ITEMS:
        raise FormInvalid({field: [f"最多 {MAX_ITEMS} 项"]})
    errors: list[str] = []
    seen: set[str] = set()
    cleaned: list[dict[str, Any]] = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            errors.append(f"第 {number} 项应为 {{kind, label, required}}")
            continue
        kind, label, required = item.get("kind"), item.get("label"), item.get("required", True)
        if not isinstance(kind, str) or not KIND.match(kind):
            errors.append(f"第 {number} 项的代码应以小写字母开头，只含小写字母、数字和下划线，不超过 40 个字符")
        elif kind in seen:
            errors.append(f"第 {number} 项的代码“{kind}”重复")
        if not isinstance(label, str) or not label.strip():
            errors.append(f"第 {number} 项请填写材料名称")
        elif problems := text_problems(label, max_length=50):
            errors.append(f"第 {number} 项的材料名称：{'；'.join(problems)}")
        if not isinstance(required, bool):
            errors.append(f"第 {number} 项的“必需”应为 true 或 false")
        if isinstance(kind, str) and isinstance(label, str) and isinstance(required, bool):
            seen.add(kind)
            cleaned.append({"kind": kind, "label": label.strip(), "required": required})
    if errors:
        raise FormInvalid({field: errors})
    return cleaned


def set_list(session: Session, call_id: int, items: Any, actor_id: int | None) -> Call:
    """Check and store a call's list (None removes it); audited when it changes. Applications already submitted
    are not checked again."""
    call = session.get(Call, call_id)
    if call is None:
        raise NotFound(f"申报批次 {call_id} 不存在")
    documents = clean(items)
    if documents != call.required_documents:
        audit.record(session, "call_documents_changed", actor_id=actor_id, data={
            "call_id": call.id, "required_documents": [call.required_documents, documents]})
        call.required_documents = documents
    return call


def from_lines(text: str) -> list[dict[str, Any]] | None:
    """The administrator's text box: one document a line, `代码 名称`, `（可选）` after the name of an optional
    one; an empty box means no list."""
    items: list[dict[str, Any]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        kind, _, label = line.partition(" ")
        label = label.strip()
        optional = label.endswith(("（可选）", "(可选)"))
        if optional:
            label = label.rsplit("(", 1)[0].rsplit("（", 1)[0].strip()
        items.append({"kind": kind, "label": label, "required": not optional})
    return clean(items) if items else None


def kinds(call: Call) -> dict[str, str]:
    """The call's document kinds and their labels, in the call's order."""
    return {item["kind"]: item["label"] for item in call.required_documents or []}


def checklist(session: Session, app: Application) -> list[Item]:
    """The call's documents with the files of each kind carried by the application (empty when no list)."""
    items = app.call.required_documents or []
    if not items:
        return []
    carried: dict[str, list[str]] = {}
    for kind, filename in session.execute(select(Attachment.kind, Attachment.filename).where(
            Attachment.application_id == app.id, Attachment.kind.is_not(None)).order_by(Attachment.id)):
        carried.setdefault(kind, []).append(filename)
    return [Item(i["kind"], i["label"], bool(i["required"]), tuple(carried.get(i["kind"], ()))) for i in items]


def missing(session: Session, app: Application) -> list[str]:
    """Labels of the required documents the application does not carry yet."""
    return [item.label for item in checklist(session, app) if item.required and not item.done]


def refusal(session: Session, app: Application) -> dict[str, list[str]]:
    """The error that refuses a submission naming the missing documents, or {} when none is missing."""
    labels = missing(session, app)
    return {FIELD: [f"尚缺必需的申报材料：{'、'.join(labels)}。请上传后再提交"]} if labels else {}
