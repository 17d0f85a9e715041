"""The script environment SpiffWorkflow runs process code in: checked, rewritten, budgeted."""
from __future__ import annotations

import builtins
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from engine.sandbox.budget import Budget, BudgetExceeded, check_data
from engine.sandbox.checker import GUARD_NAMES, compile_checked
from engine.sandbox.helpers import HELPERS
from engine.sandbox.policy import LIMITS, SAFE_BUILTIN_NAMES, Limits


def _bounded_range(limits: Limits) -> Any:
    def range_(*args: int) -> range:
        r = range(*args)
        if len(r) > limits.range_items:
            raise BudgetExceeded(f"range() 过大（最多 {limits.range_items:,} 项）")
        return r

    range_.__name__ = "range"
    return range_


def safe_builtins(limits: Limits = LIMITS) -> dict[str, Any]:
    """The builtins process code sees."""
    offered: dict[str, Any] = {name: getattr(builtins, name) for name in SAFE_BUILTIN_NAMES}
    offered.update({"True": True, "False": False, "None": None, "range": _bounded_range(limits)})
    return offered


HELPER_NAMES = frozenset(HELPERS)


class RestrictedEnvironment(TaskDataEnvironment):  # type: ignore[misc]
    """Task-data environment that runs only checked code, under a budget, with safe builtins and helpers."""

    def __init__(self, limits: Limits = LIMITS) -> None:
        self.limits = limits
        super().__init__({"__builtins__": safe_builtins(limits), **HELPERS})

    def _globals(self, *layers: dict[str, Any] | None) -> tuple[dict[str, Any], Budget]:
        budget = Budget(self.limits)
        scope = dict(self.globals)
        for layer in layers:
            scope.update(layer or {})
        scope.update(budget.globals())  # after the data: a data key can never stand in for a guard
        return scope, budget

    def evaluate(self, expression: str, context: dict[str, Any], external_context: Any = None) -> Any:
        checked = compile_checked(expression, "eval", self.limits, HELPER_NAMES)
        scope, _ = self._globals(external_context, context)
        result = eval(checked.code, scope)  # noqa: S307 - checked, rewritten and budgeted above
        check_data("表达式的结果", result, self.limits)
        return result

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        checked = compile_checked(script, "exec", self.limits, HELPER_NAMES)
        self.check_for_overwrite(context, external_context or {})
        scope, _ = self._globals(external_context)
        offered = set(scope) | {"__builtins__"}
        context.update(scope)
        try:
            exec(checked.code, context)  # noqa: S102 - checked, rewritten and budgeted above
        finally:
            for name in offered:
                context.pop(name, None)
        for name in checked.assigned:
            if name in context:
                check_data(f"变量 {name} ", context[name], self.limits)
        return True


_SHARED = PythonScriptEngine(environment=RestrictedEnvironment())


def make_script_engine(limits: Limits = LIMITS) -> PythonScriptEngine:
    """A script engine over the restricted environment; it keeps no state between evaluations, so one is shared."""
    return _SHARED if limits == LIMITS else PythonScriptEngine(environment=RestrictedEnvironment(limits))


__all__ = ["GUARD_NAMES", "RestrictedEnvironment", "make_script_engine", "safe_builtins"]
