"""What process code may use: syntax, names, attributes per type, and the budget's limits.

Everything here is an allow-list. A construct, name or attribute that is not listed is refused,
at upload time with the element's id and at run time before the code runs.
"""
from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

# Statements and expressions process code is made of. Everything else (def, lambda, class, import,
# while, try/try*, with, match, del, global, yield, await, :=, starred arguments) is refused.
ALLOWED_NODES: frozenset[type[ast.AST]] = frozenset({
    ast.Module, ast.Expression, ast.Expr, ast.Assign, ast.AugAssign, ast.If, ast.For, ast.Break,
    ast.Continue, ast.Pass,
    ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.IfExp, ast.Compare, ast.Call, ast.keyword, ast.Constant,
    ast.Attribute, ast.Subscript, ast.Slice, ast.Name, ast.Load, ast.Store,
    ast.Dict, ast.Set, ast.List, ast.Tuple, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp,
    ast.comprehension, ast.JoinedStr, ast.FormattedValue,
    ast.And, ast.Or, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow,
    ast.BitAnd, ast.BitOr, ast.BitXor, ast.UAdd, ast.USub, ast.Not,
    ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot,
})

NODE_LABELS: dict[str, str] = {
    "Import": "import", "ImportFrom": "import", "Lambda": "lambda", "FunctionDef": "def",
    "AsyncFunctionDef": "async def", "ClassDef": "class", "While": "while 循环", "Try": "try",
    "TryStar": "try/except*", "With": "with", "AsyncWith": "async with", "Delete": "del",
    "Global": "global", "Nonlocal": "nonlocal", "Raise": "raise", "NamedExpr": ":=",
    "Match": "match 语句", "Yield": "yield", "YieldFrom": "yield from", "Await": "await",
    "Starred": "星号展开（*）", "LShift": "左移运算 <<", "RShift": "右移运算 >>", "MatMult": "矩阵乘 @",
    "Invert": "按位取反 ~", "Assert": "assert", "AnnAssign": "类型注解", "AsyncFor": "async for",
}

# Builtins offered to process code (range is replaced by a bounded one).
SAFE_BUILTIN_NAMES: tuple[str, ...] = (
    "abs", "all", "any", "bool", "dict", "enumerate", "filter", "float", "int", "isinstance",
    "len", "list", "map", "max", "min", "range", "reversed", "round", "set", "sorted", "str", "sum",
    "tuple", "zip",
)
CONSTANT_NAMES: tuple[str, ...] = ("True", "False", "None")

# Every other Python builtin is refused by name, so that `open`, `getattr`, `type`… fail at upload.
FORBIDDEN_BUILTINS: frozenset[str] = frozenset(dir(builtins)) - set(SAFE_BUILTIN_NAMES) - set(CONSTANT_NAMES)

_STR = frozenset({
    "capitalize", "casefold", "center", "count", "endswith", "find", "index", "isalnum", "isalpha",
    "isdecimal", "isdigit", "islower", "isnumeric", "isspace", "istitle", "isupper", "join", "ljust",
    "lower", "lstrip", "partition", "removeprefix", "removesuffix", "replace", "rfind", "rindex",
    "rjust", "rpartition", "rsplit", "rstrip", "split", "splitlines", "startswith", "strip",
    "swapcase", "title", "upper", "zfill",
})
_LIST = frozenset({"append", "clear", "copy", "count", "extend", "index", "insert", "pop", "remove",
                   "reverse", "sort"})
_DICT = frozenset({"clear", "copy", "get", "items", "keys", "pop", "setdefault", "update", "values"})
_SET = frozenset({"add", "clear", "copy", "difference", "discard", "intersection", "isdisjoint", "issubset",
                  "issuperset", "remove", "symmetric_difference", "union", "update"})
_DATE = frozenset({"day", "isocalendar", "isoformat", "isoweekday", "month", "replace", "strftime",
                   "weekday", "year"})
_DATETIME = _DATE | {"date", "hour", "minute", "second", "microsecond", "astimezone", "timestamp"}
_NUMBER = frozenset({"imag", "real", "is_integer"})

# Attributes allowed on values of each type (checked against the value's exact type at run time).
ATTRIBUTES: dict[type, frozenset[str]] = {
    str: _STR, list: _LIST, dict: _DICT, set: _SET, tuple: frozenset({"count", "index"}),
    date: _DATE, datetime: _DATETIME, int: _NUMBER, float: _NUMBER, bool: _NUMBER,
    Decimal: frozenset({"is_nan", "quantize"}),
}
ALL_ATTRIBUTES: frozenset[str] = frozenset().union(*ATTRIBUTES.values())

# Values a script may leave in task data (they must survive the workflow serializer).
DATA_TYPES: tuple[type, ...] = (type(None), bool, int, float, str, list, dict, tuple, set, date, datetime, Decimal)


@dataclass(frozen=True)
class Limits:
    """The budget of one evaluation, and the static size limits of one expression."""

    seconds: float = 1.0          # wall time of one evaluation
    iterations: int = 100_000     # loop and comprehension steps of one evaluation
    size: int = 1_000_000         # length of one string or container, digits of a number
    allocated: int = 10_000_000   # everything one evaluation builds, summed
    int_bits: int = 4_096         # magnitude of an integer
    source_chars: int = 20_000    # length of one expression or script
    nodes: int = 5_000            # syntax nodes of one expression or script
    range_items: int = 10_000     # items of one range()
    round_digits: int = 100       # |ndigits| of round()
    format_width: int = 200       # width in an f-string format spec


LIMITS = Limits()
