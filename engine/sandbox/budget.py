"""The run-time half of the sandbox: guards the rewritten code calls, and the budget they spend.

Process code has no `while`, no recursion and no definitions, so its work is bounded by its loops
and by what single operations build. Every loop step, call and growing operator passes a guard
that checks the clock, counts iterations and refuses results beyond the size limits before they
are built wherever the size is known in advance.
"""
from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from functools import partial
from time import perf_counter
from typing import Any

from engine.sandbox.checker import UnsafeExpression
from engine.sandbox.policy import ATTRIBUTES, DATA_TYPES, Limits


class BudgetExceeded(UnsafeExpression):
    """An evaluation ran out of time, steps or space."""


_OPS: dict[str, Callable[[Any, Any], Any]] = {"+": operator.add, "*": operator.mul, "**": operator.pow,
                                              "%": operator.mod}
_SEQUENCES = (str, list, tuple)
_SIZED = (str, list, tuple, dict, set)
_CONTAINERS = (list, tuple, dict, set)
_CONTAINER_TYPES = frozenset(_CONTAINERS)
_SCALARS = (str, int, float, bool, type(None), Decimal)
MAX_DEPTH = 100
# Builtins and methods that compare or hash what they are given (sorting, lookups, set algebra).
_DEEP_BUILTINS: tuple[Any, ...] = (sorted, max, min, set, dict)
_DEEP_METHODS = frozenset({"sort", "index", "count", "remove", "get", "pop", "setdefault", "update", "add", "discard",
                           "union", "intersection", "difference", "symmetric_difference", "issubset", "issuperset",
                           "isdisjoint"})
# Calls whose result is an element of their input rather than something new.
_NOT_BUILT = frozenset({"get", "pop", "setdefault", "max", "min", "index", "count", "find", "rfind"})


def measure(value: Any, limit: int) -> int:
    """Roughly how many characters `value` takes as text; stops counting once past `limit`."""
    total = 0
    pending = [value]
    while pending and total <= limit:
        item = pending.pop()
        if isinstance(item, str):
            total += len(item) + 2
        elif isinstance(item, bool) or item is None:
            total += 5
        elif isinstance(item, int):
            total += item.bit_length() // 3 + 2
        elif isinstance(item, dict):
            total += 2 + 2 * len(item)
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            total += 2 + 2 * len(item)
            pending.extend(item)
        else:
            total += 32
    return total


def check_data(label: str, value: Any, limits: Limits) -> None:
    """Refuse a value a script would leave in task data that is not plain data, too large or too deep."""
    pending = [(value, 0)]
    seen = 0
    while pending:
        item, depth = pending.pop()
        seen += 1
        if seen > limits.size:
            raise BudgetExceeded(f"{label}的内容过大")
        if depth > MAX_DEPTH:
            raise BudgetExceeded(f"{label}的嵌套层次过深（超过 {MAX_DEPTH} 层）")
        if not isinstance(item, DATA_TYPES):
            raise UnsafeExpression(
                f"{label}含有不能保存为流程数据的值（{type(item).__name__}），请转换为列表、字典或文本")
        if isinstance(item, dict):
            pending.extend((k, depth + 1) for k in item.keys())
            pending.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list | tuple | set):
            pending.extend((v, depth + 1) for v in item)


class Budget:
    """The guards of one evaluation and what it has spent."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.deadline = perf_counter() + limits.seconds
        self.steps = 0
        self.built = 0

    def globals(self) -> dict[str, Any]:
        """The guard functions, by the names the rewrite calls."""
        return {"_rb_getattr": self.getattr, "_rb_call": self.call, "_rb_binop": self.binop, "_rb_iter": self.iter,
                "_rb_setitem_op": self.setitem_op, "_rb_sized": self.sized, "_rb_deep": self.deep}

    # -- spending -------------------------------------------------------------------------------
    def tick(self) -> None:
        if perf_counter() > self.deadline:
            raise BudgetExceeded(f"运行超时（超过 {self.limits.seconds:g} 秒）")

    def build(self, size: int) -> None:
        """Account for something of `size` about to be built."""
        if size > self.limits.size:
            raise BudgetExceeded(f"生成的数据过大（{size:,} 超过上限 {self.limits.size:,}）")
        self.built += size
        if self.built > self.limits.allocated:
            raise BudgetExceeded(f"生成的数据总量超过上限 {self.limits.allocated:,}")

    def _int(self, bits: int) -> None:
        if bits > self.limits.int_bits:
            raise BudgetExceeded(f"整数过大（超过 {self.limits.int_bits} 位）")

    def _result(self, value: Any, new: bool = True) -> Any:
        if isinstance(value, _SIZED):
            if new:
                self.build(len(value))
            elif len(value) > self.limits.size:
                raise BudgetExceeded("生成的数据过大")
        elif isinstance(value, int):
            self._int(value.bit_length())
        return value

    # -- guards ---------------------------------------------------------------------------------
    def getattr(self, obj: Any, name: str) -> Any:
        allowed = ATTRIBUTES.get(type(obj))
        if allowed is None or name not in allowed:
            raise UnsafeExpression(f"不允许访问 {type(obj).__name__} 的属性 {name!r}")
        return getattr(obj, name)

    def iter(self, iterable: Iterable[Any]) -> Iterator[Any]:
        for item in iterable:
            self.steps += 1
            if self.steps > self.limits.iterations:
                raise BudgetExceeded(f"循环次数超过上限 {self.limits.iterations:,}")
            self.tick()
            yield item

    def deep(self, value: Any) -> Any:
        """Let a value be compared or hashed only when walking it is bounded (shared parts count each time)."""
        if isinstance(value, _SCALARS):
            return value
        if isinstance(value, _CONTAINERS):
            self._weigh(value)
            return value
        if hasattr(value, "__next__"):  # an iterator (generator, map, zip…): weigh each item as it comes
            return map(self.deep, value)
        return value

    def _weigh(self, value: Any) -> None:
        total = 0
        pending = [value]
        while pending:
            item = pending.pop()
            total += len(item)
            if total > self.limits.size:
                raise BudgetExceeded("要比较或查找的数据过大")
            items = list(item.keys()) + list(item.values()) if isinstance(item, dict) else item
            if _CONTAINER_TYPES.intersection(map(type, items)):  # one pass in C for flat values
                pending.extend(i for i in items if isinstance(i, _CONTAINERS))
        self.tick()

    def _materialized(self, value: Any) -> Any:
        if hasattr(value, "__next__") or isinstance(value, range | type({}.keys()) | type({}.values())
                                                    | type({}.items())):
            value = list(self.iter(value))
        return self.deep(value)

    def sized(self, value: Any) -> Any:
        if measure(value, self.limits.size) > self.limits.size:
            raise BudgetExceeded("要转换为文本的数据过大")
        return value

    def binop(self, op: str, a: Any, b: Any) -> Any:
        self.tick()
        if op == "+" and isinstance(a, _SEQUENCES) and isinstance(b, _SEQUENCES):
            self.build(len(a) + len(b))
        elif op == "*":
            self._check_repeat(a, b)
        elif op == "**" and isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1:
            self._int(a.bit_length() * b)
        elif op == "%" and isinstance(a, str | bytes):
            raise UnsafeExpression("不允许用 % 格式化文本，请使用 f-string")
        return self._result(_OPS[op](a, b))

    def _check_repeat(self, a: Any, b: Any) -> None:
        if isinstance(a, int) and isinstance(b, _SEQUENCES):
            a, b = b, a
        if isinstance(a, _SEQUENCES) and isinstance(b, int):
            self.build(len(a) * max(b, 0))
        elif isinstance(a, int) and isinstance(b, int) and not isinstance(a, bool):
            self._int(a.bit_length() + b.bit_length())

    def setitem_op(self, container: Any, key: Any, op: str, value: Any) -> None:
        container[key] = self.binop(op, container[key], value)

    def call(self, func: Any, /, *args: Any, **kwargs: Any) -> Any:
        self.tick()
        if func is isinstance:
            return isinstance(*args, **kwargs)
        args = tuple(self._wrap(a) for a in args)
        kwargs = {k: self._wrap(v) for k, v in kwargs.items()}
        owner = getattr(func, "__self__", None)
        name = getattr(func, "__name__", "")
        if any(func is deep for deep in _DEEP_BUILTINS):
            args = tuple(self._materialized(a) for a in args)
        elif isinstance(owner, _CONTAINERS) and name in _DEEP_METHODS:
            self.deep(owner)
            args = tuple(self._materialized(a) for a in args)
        if isinstance(owner, str):
            args = self._before_str_method(owner, name, args)
        elif func is round or func is sum or func is str:
            self._before_builtin(func, args, kwargs)
        if isinstance(owner, list | dict | set):
            before = len(owner)
            result = func(*args, **kwargs)
            self.build(max(len(owner) - before, 0))
            if len(owner) > self.limits.size:
                raise BudgetExceeded("生成的数据过大")
            return self._result(result, new=name == "copy")
        return self._result(func(*args, **kwargs), new=name not in _NOT_BUILT)

    def _wrap(self, value: Any) -> Any:
        """Functions handed to map, filter, sorted(key=…) are called back through the guard too."""
        return partial(self.call, value) if callable(value) else value

    def _before_builtin(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        if func is round:
            digits = args[1] if len(args) > 1 else kwargs.get("ndigits")
            if isinstance(digits, int) and abs(digits) > self.limits.round_digits:
                raise BudgetExceeded(f"round() 的位数不能超过 {self.limits.round_digits}")
        elif func is sum:
            start = args[1] if len(args) > 1 else kwargs.get("start", 0)
            if not isinstance(start, int | float | Decimal):
                raise UnsafeExpression("sum() 只能对数字求和")
        elif func is str and args:
            self.sized(args[0])

    def _before_str_method(self, text: str, name: str, args: tuple[Any, ...]) -> tuple[Any, ...]:
        if name in ("ljust", "rjust", "center", "zfill") and args and isinstance(args[0], int):
            self.build(args[0])
        elif name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
            hits = text.count(args[0]) if args[0] else len(text) + 1
            if len(args) > 2 and isinstance(args[2], int) and args[2] >= 0:
                hits = min(hits, args[2])
            self.build(len(text) + hits * (len(args[1]) - len(args[0])))
        elif name == "join" and args:
            items = list(self.iter(args[0])) if not isinstance(args[0], list | tuple) else args[0]
            self.build(sum(len(i) for i in items if isinstance(i, str)) + len(text) * max(len(items) - 1, 0))
            return (items, *args[1:])
        return args
