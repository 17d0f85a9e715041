"""Request bodies in JSON, parsed with a nesting limit: a deeply nested body is a 400, never a RecursionError."""
from __future__ import annotations

from typing import Any

from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest

MAX_DEPTH = 32  # no form or API body nests more than a handful of levels

TOO_DEEP = f"请求体的 JSON 嵌套过深（最多 {MAX_DEPTH} 层）"


class JSONTooDeep(BadRequest):
    """A JSON body nested deeper than MAX_DEPTH (400)."""

    def __init__(self) -> None:
        super().__init__(TOO_DEEP)


def depth(value: Any) -> int:
    """How deeply lists and objects nest in `value` (walked without recursion)."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, level = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        pending.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing bodies nested deeper than MAX_DEPTH (even where the caller parses silently)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise JSONTooDeep() from None
        if depth(value) > MAX_DEPTH:
            raise JSONTooDeep()
        return value
