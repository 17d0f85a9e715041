"""The restricted script engine for BPMN scripts, conditions, timer expressions and DMN entries.

Administrators upload diagrams, so nothing in them may reach the interpreter: every expression is
checked against an AST allow-list (no imports, no definitions, no loops without bound, no names or
attributes starting with an underscore, no str.format) before it runs, and runs with a small set
of safe builtins plus the date helpers processes need. The same check runs at upload time.
"""
from __future__ import annotations

import ast
import builtins
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from engine import calendar

MAX_RANGE = 10_000
MAX_EXPONENT = 64


class UnsafeExpression(ValueError):
    """An expression uses a construct the restricted engine does not allow."""


def _bounded_range(*args: int) -> range:
    r = range(*args)
    if len(r) > MAX_RANGE:
        raise UnsafeExpression(f"range() 过大（最多 {MAX_RANGE} 项）")
    return r


def _parse_moment(value: str | date | datetime) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, calendar.END_OF_DAY, tzinfo=calendar.CHINA)
    elif len(value) == 10:
        moment = datetime.combine(date.fromisoformat(value), calendar.END_OF_DAY, tzinfo=calendar.CHINA)
    else:
        moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=calendar.CHINA)
    return moment


def now_iso() -> str:
    """The current instant as an aware UTC ISO string (what timer expressions need)."""
    return datetime.now(UTC).isoformat()


def today() -> str:
    """Today's date in China, ISO."""
    return calendar.china_date(datetime.now(UTC)).isoformat()


def add_working_days(start: str, n: int) -> str:
    """End of the n-th Chinese working day after `start`, as a UTC ISO string."""
    from engine.holidays import counts  # remembers the count, so a change of the calendar can redo it

    return counts.count(_parse_moment(start), int(n))


def add_days(start: str, n: int) -> str:
    """End of the n-th calendar day after `start` (China time), as a UTC ISO string."""
    from datetime import timedelta

    day = calendar.china_date(_parse_moment(start)) + timedelta(days=int(n))
    return calendar.end_of_day_utc(day).isoformat()


def add_months(start: str, n: int) -> str:
    """End of the same day n months after `start` (clamped to the month's end), UTC ISO."""
    day = calendar.china_date(_parse_moment(start))
    month0 = day.month - 1 + int(n)
    year, month = day.year + month0 // 12, month0 % 12 + 1
    import calendar as gregorian

    last = gregorian.monthrange(year, month)[1]
    return calendar.end_of_day_utc(date(year, month, min(day.day, last))).isoformat()


def is_before(a: str, b: str) -> bool:
    """True when instant or date `a` is earlier than `b`."""
    return _parse_moment(a) < _parse_moment(b)


SAFE_BUILTINS: dict[str, Any] = {
    name: getattr(builtins, name)
    for name in (
        "abs", "all", "any", "bool", "dict", "enumerate", "filter", "float", "int", "isinstance",
        "len", "list", "map", "max", "min", "reversed", "round", "set", "sorted", "str", "sum",
        "tuple", "zip",
    )
}
SAFE_BUILTINS.update({"True": True, "False": False, "None": None, "range": _bounded_range})

HELPERS: dict[str, Callable[..., Any]] = {
    "now_iso": now_iso,
    "today": today,
    "add_working_days": add_working_days,
    "add_days": add_days,
    "add_months": add_months,
    "is_before": is_before,
}

FORBIDDEN_NODES: tuple[type[ast.AST], ...] = (
    ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal, ast.Lambda, ast.FunctionDef,
    ast.AsyncFunctionDef, ast.ClassDef, ast.With, ast.AsyncWith, ast.Try, ast.Raise, ast.Delete,
    ast.Await, ast.Yield, ast.YieldFrom, ast.While, ast.NamedExpr, ast.Starred,
)
_NODE_NAMES = {
    ast.Import: "import", ast.ImportFrom: "import", ast.Lambda: "lambda", ast.FunctionDef: "def",
    ast.ClassDef: "class", ast.While: "while", ast.Try: "try", ast.With: "with", ast.Delete: "del",
    ast.Global: "global", ast.Nonlocal: "nonlocal", ast.Raise: "raise", ast.NamedExpr: ":=",
}


def check_source(source: str, mode: str = "exec") -> ast.AST:
    """Parse `source` and raise UnsafeExpression/SyntaxError unless it uses only allowed constructs."""
    tree = ast.parse(source, mode=mode)
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 1)
        if isinstance(node, FORBIDDEN_NODES):
            what = _NODE_NAMES.get(type(node), type(node).__name__)
            raise UnsafeExpression(f"第 {line} 行：不允许使用 {what}")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise UnsafeExpression(f"第 {line} 行：不允许访问私有属性 {node.attr!r}")
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise UnsafeExpression(f"第 {line} 行：不允许使用名称 {node.id!r}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in (
            "format", "format_map"
        ):
            raise UnsafeExpression(f"第 {line} 行：不允许使用 str.format")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            exponent = node.right
            if not (isinstance(exponent, ast.Constant) and isinstance(exponent.value, int | float)
                    and abs(exponent.value) <= MAX_EXPONENT):
                raise UnsafeExpression(f"第 {line} 行：幂运算的指数必须是不超过 {MAX_EXPONENT} 的常数")
    return tree


class RestrictedEnvironment(TaskDataEnvironment):
    """Task-data environment that refuses unsafe code and offers only safe builtins and helpers."""

    def __init__(self) -> None:
        super().__init__({"__builtins__": SAFE_BUILTINS, **HELPERS})

    def evaluate(self, expression: str, context: dict[str, Any], external_context: Any = None) -> Any:
        check_source(expression, mode="eval")
        return super().evaluate(expression, context, external_context)

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> Any:
        check_source(script)
        return super().execute(script, context, external_context)


def make_script_engine() -> PythonScriptEngine:
    """A fresh script engine over the restricted environment (one per workflow object)."""
    return PythonScriptEngine(environment=RestrictedEnvironment())


def iter_names(source: str) -> Iterator[str]:
    """Names an expression reads (for upload-time checks and tooling)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            yield node.id
