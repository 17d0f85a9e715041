"""Whole numbers taken from URLs, query strings and forms: only what the database's id columns can hold.

Python's integers have no limit but the database's do: SQLite raises OverflowError past 64 bits,
and PostgreSQL refuses anything past its 32-bit INTEGER, the type of every id column. So a
30-digit id, or merely 2³¹, is "no such thing" (404) or "invalid" (ignored or a message), never a 500.
"""
from __future__ import annotations

import re
from typing import Any

from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**31 - 1  # the largest id column value (INTEGER on PostgreSQL; well inside SQLite's 64 bits)
MAX_PAGE = 100_000  # far beyond any list, and small enough that offset = page × size stays in range
_DIGITS = re.compile(r"[0-9]{1,10}")


def digits_at_most(limit: int) -> str:
    """A regular expression for the decimal numbers from 0 to `limit` (leading zeros within its length)."""
    text = str(limit)
    options = [rf"\d{{1,{len(text) - 1}}}"] if len(text) > 1 else []
    for i, digit in enumerate(text):
        if digit != "0":
            rest = len(text) - i - 1
            options.append(text[:i] + f"[0-{int(digit) - 1}]" + (rf"\d{{{rest}}}" if rest else ""))
    options.append(text)
    return "(?:" + "|".join(options) + ")"


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` matching only 0 … MAX_ID (inside the signed 64-bit range): a longer or larger number matches
    no route (404).

    The pattern itself stops at the limit: a number the pattern took but the check refused would
    leave werkzeug answering 405 for a path whose other methods exist.
    """

    regex = digits_at_most(MAX_ID)

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,
                 signed: bool = False) -> None:
        lowest = -MAX_ID - 1 if min is None or min < -MAX_ID - 1 else min
        highest = MAX_ID if max is None or max > MAX_ID else max
        super().__init__(map, fixed_digits=fixed_digits, min=lowest, max=highest, signed=signed)


def bounded_int(value: Any) -> int:
    """`value` as a non-negative integer within the database's range; ValueError otherwise.

    Usable as werkzeug's `type=` (`request.args.get("page", 1, type=bounded_int)`): a bad value gives the default.
    """
    text = str(value).strip()
    if not _DIGITS.fullmatch(text) or int(text) > MAX_ID:
        raise ValueError(f"not a whole number within range: {text[:40]!r}")
    return int(text)


def page_number(value: Any) -> int:
    """A page number from 1 to MAX_PAGE; ValueError otherwise."""
    page = bounded_int(value)
    if not 1 <= page <= MAX_PAGE:
        raise ValueError(f"no such page: {page}")
    return page
