"""The engine's exception hierarchy; the web layer maps each class to one HTTP status."""
from __future__ import annotations

import math
from dataclasses import dataclass


class EngineError(Exception):
    """Base of every error the engine reports to its callers."""


class NotFound(EngineError):
    """The task, instance, application or version does not exist (404)."""


class TaskNotFound(NotFound):
    """No such task."""


class NotAllowed(EngineError):
    """The actor may not do this (403)."""


class Conflict(EngineError):
    """The state changed under the caller: task no longer open, lost a race (409)."""


class TaskConflict(Conflict):
    """A task is no longer open or is held by someone else."""


class InvalidCursor(EngineError):
    """A page cursor that this server did not hand out, or that was altered (400)."""


class TooManyAttempts(EngineError):
    """Too many failed sign-ins from this address (429); `retry_after` is in whole seconds."""

    def __init__(self, retry_after: int):
        wait = f"{retry_after} 秒" if retry_after < 120 else f"{math.ceil(retry_after / 60)} 分钟"
        super().__init__(f"登录失败次数过多，请在 {wait}后再试")
        self.retry_after = retry_after


class FormInvalid(EngineError):
    """Submitted form data failed validation (422); `errors` maps field to messages."""

    def __init__(self, errors: dict[str, list[str]] | dict[str, object]):
        super().__init__("表单数据无效")
        self.errors = errors


@dataclass(frozen=True)
class Problem:
    """One validation problem in an uploaded BPMN/DMN file."""

    file: str
    line: int | None
    element_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line or 0}: {self.element_id or '-'}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "element_id": self.element_id, "message": self.message}


class InvalidProcess(EngineError):
    """Uploaded process files are invalid (422); carries every problem found."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class ProcessError(EngineError):
    """A running instance hit an error inside the engine (script failure, bad data)."""


class ScriptFailure(ProcessError):
    """Process code failed at run time (over budget, a name missing, a type error); the command is undone (422)."""

    def __init__(self, element_id: str, element_name: str, reason: str):
        label = f"“{element_name}”（{element_id}）" if element_name and element_name != element_id else element_id
        super().__init__(f"流程环节{label or '（未知环节）'}运行出错：{reason}。本次操作已撤销，请联系系统管理员。")
        self.element_id = element_id
        self.element_name = element_name
        self.reason = reason
        # Filled in by the runtime where known, for the incident it records.
        self.instance_id: int | None = None
        self.application_id: int | None = None
        self.version_id: int | None = None
