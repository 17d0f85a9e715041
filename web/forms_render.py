"""The one form renderer's Python half: field views for the Jinja macros, and posted fields back to JSON.

HTML names flatten the schema's nesting with dashes: `team-0-name` is the name of the first team
member, `enterprise-founded_on` the enterprise's founding date. Values are kept as typed (strings)
so a form that failed validation is shown again exactly as the user left it; the schema converts.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

from forms import FieldInfo
from forms.base import BLANKS

ROW_PLACEHOLDER = "__index__"
MAX_ROW_INDEX = 999
SCHEMA_ERRORS = "_schema"


@dataclass
class FieldView:
    """One field ready to render: its HTML name, the current value, its messages and nested views."""

    info: FieldInfo
    name: str
    value: Any = None
    errors: list[str] = field(default_factory=list)
    children: list[FieldView] = field(default_factory=list)
    rows: list[list[FieldView]] = field(default_factory=list)
    row_template: list[FieldView] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """The field's kind (string, text, integer, …)."""
        return self.info.kind

    def is_checked(self, option: Any) -> bool:
        """Whether `option` is the chosen value (or among the chosen values)."""
        if self.kind == "boolean":
            return _as_bool(self.value) is option
        if isinstance(self.value, list):
            return str(option) in {str(v) for v in self.value}
        return self.value is not None and str(self.value) == str(option)

    @property
    def unknown_choice(self) -> str:
        """A chosen value that is not among the options (kept so nothing typed is lost), or ''."""
        if self.value is None or self.value == "" or isinstance(self.value, list):
            return ""
        return "" if str(self.value) in {str(v) for v, _ in self.info.choices} else str(self.value)

    def display(self) -> str:
        """The value as a reader sees it: option labels instead of codes, 是/否 for booleans."""
        if self.value is None or self.value == "" or self.value == []:
            return "—"
        if self.kind == "boolean":
            flag = _as_bool(self.value)
            return "是" if flag is True else "否" if flag is False else str(self.value)
        labels = {str(value): label for value, label in self.info.choices}
        if isinstance(self.value, list):
            return "、".join(labels.get(str(v), str(v)) for v in self.value)
        return labels.get(str(self.value), str(self.value))


def _as_bool(value: Any) -> bool | None:
    if value is True or value in ("true", "是", "1", 1):
        return True
    if value is False or value in ("false", "否", "0", 0):
        return False
    return None


def build(
    fields: list[FieldInfo], values: Mapping[str, Any] | None, errors: Mapping[str, list[str]] | None = None,
    prefix: str = "", defaults: bool = True,
) -> list[FieldView]:
    """Views of `fields` holding `values` (nested JSON) and flat `errors` (by HTML name).

    `defaults` fills unset fields with the schema's defaults; off when showing a failed submission again.
    """
    values = values or {}
    errors = errors or {}
    views = []
    for info in fields:
        name = f"{prefix}{info.name}"
        value = values.get(info.name)
        view = FieldView(info, name, errors=list(errors.get(name, [])))
        if info.kind == "object":
            view.children = build(info.fields, value if isinstance(value, Mapping) else {}, errors, f"{name}-",
                                  defaults)
        elif info.kind == "list" and info.fields:
            rows = value if isinstance(value, list) and value else [{}]
            view.rows = [build(info.fields, row if isinstance(row, Mapping) else {}, errors, f"{name}-{i}-",
                               defaults) for i, row in enumerate(rows)]
            view.row_template = build(info.fields, {}, {}, f"{name}-{ROW_PLACEHOLDER}-")
        else:
            view.value = info.default if value is None and defaults else value
        views.append(view)
    return views


def parse(fields: list[FieldInfo], form: MultiDict[str, str], prefix: str = "", *,
          complete: bool = True) -> dict[str, Any]:
    """The JSON the schema expects from posted HTML fields; blanks are left out so they count as missing.

    An empty required group is kept on a complete submission so each of its fields gets its own message.
    """
    data: dict[str, Any] = {}
    for info in fields:
        name = f"{prefix}{info.name}"
        if info.kind == "object":
            group = parse(info.fields, form, f"{name}-", complete=complete)
            if group or (info.required and complete):
                data[info.name] = group
        elif info.kind == "list" and info.fields:
            rows = [parse(info.fields, form, f"{name}-{i}-", complete=complete) for i in _row_indexes(form, name)]
            rows = [row for row in rows if row]
            if rows:
                data[info.name] = rows
        elif info.kind in ("multi_choice", "list"):
            chosen = [v.strip(BLANKS) for v in form.getlist(name) if v.strip(BLANKS)]
            if chosen:
                data[info.name] = chosen
        else:
            value = form.get(name, "").strip(BLANKS)
            if value:
                data[info.name] = value
    return data


def _row_indexes(form: MultiDict[str, str], name: str) -> list[int]:
    pattern = re.compile(rf"^{re.escape(name)}-([0-9]+)-")
    found = {m.group(1) for key in form.keys() if (m := pattern.match(key))}
    # No list is anywhere near this long (the schemas cap them far lower); a longer index is no form of ours.
    if any(len(index) > len(str(MAX_ROW_INDEX)) or int(index) > MAX_ROW_INDEX for index in found):
        raise BadRequest(f"表单字段“{name}”的行号无效（最大 {MAX_ROW_INDEX}）")
    return sorted(int(index) for index in found)


def flatten_errors(errors: Mapping[Any, Any], prefix: str = "") -> dict[str, list[str]]:
    """Marshmallow's nested messages keyed by HTML name; a schema-level message goes to its parent."""
    flat: dict[str, list[str]] = {}
    for key, messages in errors.items():
        name = prefix.rstrip("-") if key == SCHEMA_ERRORS else f"{prefix}{key}"
        if isinstance(messages, Mapping):
            for sub, subs in flatten_errors(messages, f"{name}-").items():
                flat.setdefault(sub, []).extend(subs)
        else:
            items = messages if isinstance(messages, list) else [messages]
            flat.setdefault(name or SCHEMA_ERRORS, []).extend(str(m) for m in items)
    return flat


def unplaced_errors(views: list[FieldView], errors: Mapping[str, list[str]]) -> list[str]:
    """Messages that belong to no rendered field (shown at the top of the form)."""
    placed = set(_names(views))
    return [m for name, messages in errors.items() if name not in placed for m in messages]


def _names(views: list[FieldView]) -> list[str]:
    names = []
    for view in views:
        names.append(view.name)
        names += _names(view.children)
        for row in view.rows:
            names += _names(row)
    return names


def only_fields(fields: list[FieldInfo], data: Mapping[str, Any] | None) -> dict[str, Any]:
    """The part of `data` that the form's fields name."""
    names = {f.name for f in fields}
    return {k: v for k, v in (data or {}).items() if k in names}
