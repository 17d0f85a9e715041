"""The reference lists administrators maintain: 揭榜 problems (T1) and partner institutions with agreements (T2).

Each entry is valid from `valid_from` to `valid_to` (inclusive; no end date: until further notice). An
application may name an entry valid on the day it is submitted. Every change is audited.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine import audit
from engine.errors import FormInvalid, NotFound
from engine.models import JiebangProblem, PartnerInstitution
from forms.choices import JIEBANG_KINDS
from forms.inputs import text_problems

KINDS = dict(JIEBANG_KINDS)
LISTS = {"jiebang": "揭榜榜单", "partners": "合作院校名单"}
Entry = JiebangProblem | PartnerInstitution


@dataclass(frozen=True)
class Column:
    """One field of a list entry: its name, Chinese label and longest text."""

    name: str
    label: str
    max_length: int


COLUMNS: dict[str, tuple[Column, ...]] = {
    "jiebang": (Column("code", "榜单编号", 30), Column("title", "题目", 200), Column("kind", "类别", 20)),
    "partners": (Column("name", "院校名称", 200), Column("region", "国家或地区", 50),
                 Column("agreement_no", "合作协议编号", 50)),
}
MODEL: dict[str, type[JiebangProblem] | type[PartnerInstitution]] = {
    "jiebang": JiebangProblem, "partners": PartnerInstitution}
KEY = {"jiebang": "code", "partners": "name"}


def valid_on(session: Session, model: type[JiebangProblem] | type[PartnerInstitution], day: date) -> list[Any]:
    """Entries of a list valid on `day`, in list order."""
    order = JiebangProblem.code if model is JiebangProblem else PartnerInstitution.id
    return list(session.scalars(select(model).where(
        model.valid_from <= day, or_(model.valid_to.is_(None), model.valid_to >= day)).order_by(order)).all())


def entries(session: Session, kind: str) -> list[Any]:
    """Every entry of a list, valid or not."""
    model = MODEL[_kind(kind)]
    return list(session.scalars(select(model).order_by(model.id)).all())


def start_data(session: Session, day: date) -> dict[str, Any]:
    """The lists as a process sees them when an application starts on `day` (entries not yet ended)."""
    problems = [p for p in entries(session, "jiebang") if p.valid_to is None or p.valid_to >= day]
    partners = [p for p in entries(session, "partners") if p.valid_to is None or p.valid_to >= day]
    return {
        "jiebang_problem_ids": [p.id for p in problems],
        # JSON keys are text: the DMN looks a problem up by str(id)
        "jiebang_problem_kinds": {str(p.id): p.kind for p in problems},
        "partner_institution_ids": [p.id for p in partners],
    }


def _kind(kind: str) -> str:
    if kind not in LISTS:
        raise NotFound(f"未知名单：{kind}")
    return kind


def _day(value: Any, label: str, *, required: bool) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValueError(f"请填写{label}")
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ValueError(f"{label}无效，格式应为 YYYY-MM-DD") from None


def clean(kind: str, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """An entry's values checked: (clean values, per-field Chinese errors)."""
    errors: dict[str, list[str]] = {}
    result: dict[str, Any] = {}
    for column in COLUMNS[_kind(kind)]:
        raw = values.get(column.name)
        text = "" if raw is None else str(raw).strip()
        if column.name == "kind":
            text = {label: key for key, label in KINDS.items()}.get(text, text)
            if text not in KINDS:
                errors[column.name] = ["类别应为“技术攻关类”或“成果转化类”（breakthrough / transformation）"]
        elif not text and column.name != "region":
            errors[column.name] = [f"请填写{column.label}"]
        elif problems := text_problems(text, max_length=column.max_length):
            errors[column.name] = problems
        result[column.name] = text
    for name, label, required in (("valid_from", "生效日期", True), ("valid_to", "截止日期", False)):
        try:
            result[name] = _day(values.get(name), label, required=required)
        except ValueError as e:
            errors[name] = [str(e)]
    if result.get("valid_from") and result.get("valid_to") and result["valid_to"] < result["valid_from"]:
        errors["valid_to"] = ["截止日期不能早于生效日期"]
    return result, errors


def _duplicate(session: Session, kind: str, values: dict[str, Any], entry_id: int | None) -> dict[str, list[str]]:
    model, key = MODEL[kind], KEY[kind]
    found = session.scalar(select(model.id).where(getattr(model, key) == values[key]))
    if found is not None and found != entry_id:
        label = next(c.label for c in COLUMNS[kind] if c.name == key)
        return {key: [f"{label}“{values[key]}”已在名单中"]}
    return {}


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def save(session: Session, kind: str, values: dict[str, Any], actor_id: int | None,
         entry_id: int | None = None) -> Entry:
    """Add an entry (entry_id None) or change one; FormInvalid with per-field messages when a value is wrong."""
    kind = _kind(kind)
    clean_values, errors = clean(kind, values)
    if not errors:
        errors = _duplicate(session, kind, clean_values, entry_id)
    if errors:
        raise FormInvalid(errors)
    model = MODEL[kind]
    if entry_id is None:
        entry: Any = model(**clean_values)
        session.add(entry)
        session.flush()
        audit.record(session, "reference_added", actor_id=actor_id,
                     data={"list": kind, "id": entry.id, **_plain(clean_values)})
        return entry  # type: ignore[no-any-return]
    entry = session.get(model, entry_id)
    if entry is None:
        raise NotFound(f"{LISTS[kind]}中没有编号为 {entry_id} 的条目")
    before = {name: getattr(entry, name) for name in clean_values}
    for name, value in clean_values.items():
        setattr(entry, name, value)
    changed = {name: [_plain(before)[name], _plain(clean_values)[name]]
               for name in clean_values if before[name] != clean_values[name]}
    audit.record(session, "reference_changed", actor_id=actor_id, data={"list": kind, "id": entry.id, **changed})
    return entry  # type: ignore[no-any-return]


def as_dict(kind: str, entry: Entry) -> dict[str, Any]:
    """An entry's fields, dates as ISO text."""
    values = {"id": entry.id, **{c.name: getattr(entry, c.name) for c in COLUMNS[kind]},
              "valid_from": entry.valid_from, "valid_to": entry.valid_to}
    return _plain(values)
