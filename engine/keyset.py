"""Keyset paging: each page continues after the last row of the one before (an opaque cursor), never at an OFFSET.

A list is ordered by a tuple of keys ending in a unique one (`due_sort, id`), all ascending or all
descending, so that `(keys) > (values of the last row)` starts the next page where an index scan
can begin. A cursor is the key values of a page's first or last row and which way to read from
there, as base64url JSON: opaque to clients, checked strictly when it comes back.
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, func, literal, select, tuple_
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.types import TypeDecorator

from engine.errors import InvalidCursor

T = TypeVar("T")
Key = ColumnElement[Any] | QueryableAttribute[Any]
MAX_CURSOR = 512
BAD_CURSOR = "翻页参数无效，请从第一页重新开始"


@dataclass(frozen=True)
class Order:
    """The keys a list is sorted by (the last one unique), all ascending or all descending."""

    keys: tuple[Key, ...]
    descending: bool = False

    def reversed(self) -> Order:
        """The same keys read the other way."""
        return Order(self.keys, not self.descending)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows, how many rows the whole list has, and cursors to the pages around it."""

    rows: list[T]
    total: int
    next: str | None
    previous: str | None


@dataclass(frozen=True)
class Position:
    """Where a cursor points: key values, and whether the page lies before them (reading backwards)."""

    values: tuple[Any, ...]
    before: bool = False

    def encode(self) -> str:
        """The cursor string."""
        plain = [_plain(v) for v in self.values]
        text = json.dumps(["b" if self.before else "a", *plain], ensure_ascii=False, separators=(",", ":"))
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str, order: Order) -> Position:
        """The position a cursor of `order` names; InvalidCursor for anything else."""
        try:
            if len(cursor) > MAX_CURSOR:
                raise ValueError("too long")
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            decoded = json.loads(raw.decode())
            if not isinstance(decoded, list) or len(decoded) != len(order.keys) + 1 or decoded[0] not in ("a", "b"):
                raise ValueError("shape")
            values = tuple(_typed(v, key) for v, key in zip(decoded[1:], order.keys, strict=True))
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, OverflowError) as e:
            raise InvalidCursor(BAD_CURSOR) from e
        return cls(values, before=decoded[0] == "b")


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _typed(value: Any, key: Key) -> Any:
    """A cursor value checked against its key's type (JSON gives strings, numbers and booleans)."""
    column_type = key.type
    kind = (column_type.impl_instance if isinstance(column_type, TypeDecorator) else column_type).python_type
    if kind is datetime and isinstance(value, str):
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("naive datetime")
        return moment.astimezone(UTC)  # an offset that leaves the calendar fails here, not in the database
    if kind is bool and isinstance(value, bool):
        return value
    if kind is int and isinstance(value, int) and not isinstance(value, bool) and -2**63 <= value < 2**63:
        return value
    if kind is str and isinstance(value, str):
        return value
    raise ValueError(f"{value!r} is not a {kind.__name__}")


def count(session: Session, stmt: Select[Any]) -> int:
    """How many rows `stmt` selects."""
    return int(session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)


def page(session: Session, stmt: Select[Any], order: Order, *, limit: int, cursor: str | None) -> Page[Any]:
    """The page of `stmt` in `order` that `cursor` points to (the first page for None).

    Rows are what `stmt` selects: the entity itself when it selects one, else a tuple.
    """
    position = Position.decode(cursor, order) if cursor else None
    before = position is not None and position.before
    reading = order.reversed() if before else order
    width = len(stmt.column_descriptions)
    query = stmt.add_columns(*order.keys)
    if position is not None:
        bound = tuple_(*(literal(v, key.type) for v, key in zip(position.values, order.keys, strict=True)))
        keys = tuple_(*order.keys)
        query = query.where(keys < bound if reading.descending else keys > bound)
    query = query.order_by(*(k.desc() if reading.descending else k.asc() for k in order.keys)).limit(limit + 1)
    found = list(session.execute(query).all())
    more = len(found) > limit
    del found[limit:]
    if before:
        found.reverse()
    rows = [r[0] if width == 1 else tuple(r[:width]) for r in found]
    first, last = (tuple(found[0][width:]), tuple(found[-1][width:])) if found else (None, None)
    has_next = more if not before else position is not None
    has_previous = more if before else position is not None
    return Page(
        rows=rows, total=count(session, stmt),
        next=Position(last).encode() if has_next and last is not None else None,
        previous=Position(first, before=True).encode() if has_previous and first is not None else None,
    )
