"""Why process code failed, in words an officer can pass on to the administrator."""
from __future__ import annotations

import re

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.task import Task

from engine.sandbox.checker import UnsafeExpression

_NAME = re.compile(r"name '([^']+)' is not defined")


def reason(error: BaseException) -> str:
    """A Chinese description of an error raised while process code ran."""
    cause = underlying(error)
    text = str(cause)
    if isinstance(cause, UnsafeExpression):
        return text
    if isinstance(cause, NameError) and (m := _NAME.search(text)):
        return f"流程数据中没有变量 {m.group(1)}"
    if isinstance(cause, KeyError):
        return f"数据中缺少键 {text}"
    if isinstance(cause, ZeroDivisionError):
        return "除数为零"
    if isinstance(cause, IndexError):
        return f"下标越界（{text}）"
    if isinstance(cause, TypeError):
        return f"数据类型不符（{text}）"
    if isinstance(cause, ValueError | OverflowError):
        return f"取值无效（{text}）"
    if isinstance(cause, RecursionError | MemoryError):
        return "超出运行限制"
    return f"{type(cause).__name__}：{text}"


def underlying(error: BaseException) -> BaseException:
    """The error process code raised, beneath SpiffWorkflow's wrappers."""
    seen = 0
    while isinstance(error, WorkflowTaskException) and seen < 10:
        inner = error.__cause__ or error.__context__
        if inner is None:
            break
        error, seen = inner, seen + 1
    return error


def failing_task(error: BaseException) -> Task | None:
    """The workflow task the engine was running when `error` was raised, if it can be found."""
    task = getattr(error, "task", None)
    if isinstance(task, Task):
        return task
    tb = error.__traceback__
    found: Task | None = None
    while tb is not None:  # innermost frame last: keep the last task seen
        for name in ("my_task", "task"):
            candidate = tb.tb_frame.f_locals.get(name)
            if isinstance(candidate, Task):
                found = candidate
        tb = tb.tb_next
    return found
