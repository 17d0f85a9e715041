"""The base of every form schema: Chinese schema messages, input clean-up, context and cross-field rules."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema, ValidationError, post_load, pre_load
from marshmallow.types import StrSequenceOrSet

from forms.inputs import NOT_IN_CHOICES, REQUIRED

# Only ordinary blanks are trimmed: a control character at either end is refused like one inside.
BLANKS = " \t\r\n\u00a0\u3000"

Errors = dict[str, list[str]]


@dataclass
class FormContext:
    """What the caller knows besides the submitted data: the task's data and database-backed options."""

    task_data: dict[str, Any] = field(default_factory=dict)
    choices: dict[str, list[Any]] = field(default_factory=dict)
    today: dt.date | None = None  # the China date of the submission, when the caller knows it

    def allowed(self, choices_key: str) -> set[str] | None:
        """The allowed values under choices_key as strings, or None when the caller gave none."""
        if choices_key not in self.choices:
            return None
        return {str(option_pair(item)[0]) for item in self.choices[choices_key]}


def option_pair(item: Any) -> tuple[Any, str]:
    """A (value, label) pair from an option given either bare or as a (value, label) pair."""
    if isinstance(item, (tuple, list)) and len(item) == 2:
        return item[0], str(item[1])
    return item, str(item)


def require(data: dict[str, Any], name: str, message: str = REQUIRED) -> Errors:
    """An error on name when data lacks it."""
    return {} if data.get(name) is not None else {name: [message]}


def merge(*parts: Errors) -> Errors:
    """Combine error dicts, concatenating messages of the same field."""
    merged: Errors = {}
    for part in parts:
        for name, messages in part.items():
            merged.setdefault(name, []).extend(messages)
    return merged


def _is_blank(value: Any) -> bool:
    """Whether an input value means "not filled in": an empty or whitespace string, or an empty list."""
    return (isinstance(value, str) and not value.strip(BLANKS)) or (isinstance(value, list) and not value)


class FormSchema(Schema):
    """Base form: unknown fields rejected, blanks treated as missing, rules checked, JSON-safe output."""

    error_messages = {"unknown": "不允许提交未定义的字段", "type": "数据格式无效，应为一组字段（对象）"}
    # field name → what to say when its value is not among the database-backed options
    choice_messages: dict[str, str] = {}

    def __init__(self, *, form_context: FormContext | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.form_context = form_context or FormContext()

    def rules(self, data: dict[str, Any], complete: bool) -> Errors:
        """Cross-field and context rules over the fields that passed; complete is False for a draft."""
        return {}

    def load(
        self,
        data: Mapping[str, Any] | Iterable[Mapping[str, Any]],
        *,
        many: bool | None = None,
        partial: bool | StrSequenceOrSet | None = None,
        unknown: str | None = None,
    ) -> Any:
        """Load like marshmallow, then apply the choice checks and rules to the fields that passed."""
        complete = not (self.partial if partial is None else partial)
        try:
            result = super().load(data, many=many, partial=partial, unknown=unknown)
        except ValidationError as error:
            if not isinstance(error.messages, dict) or not isinstance(error.valid_data, dict):
                raise
            passed = {name: value for name, value in error.valid_data.items() if name not in error.messages}
            more = self._rule_errors(passed, complete)
            messages = {**error.messages, **{k: v for k, v in more.items() if k not in error.messages}}
            raise ValidationError(messages, valid_data=error.valid_data) from None
        errors = self._rule_errors(result, complete) if isinstance(result, dict) else {}
        if errors:
            raise ValidationError(errors, valid_data=result)
        return result

    def _rule_errors(self, data: dict[str, Any], complete: bool) -> Errors:
        """Errors of the database-backed choices and of the form's rules."""
        return merge(self._choice_errors(data), self.rules(data, complete))

    def _choice_errors(self, data: dict[str, Any]) -> Errors:
        """Values outside the database-backed options the caller supplied."""
        errors: Errors = {}
        for name, schema_field in self.load_fields.items():
            choices_key = schema_field.metadata.get("x-choices-from")
            allowed = self.form_context.allowed(choices_key) if choices_key else None
            if allowed is None or data.get(name) is None:
                continue
            values = data[name] if isinstance(data[name], list) else [data[name]]
            if any(str(value) not in allowed for value in values):
                errors[name] = [self.choice_messages.get(name, NOT_IN_CHOICES)]
        return errors

    @pre_load
    def _clean_input(self, data: Any, **kwargs: Any) -> Any:
        """Drop blank inputs so they count as missing, trim blanks around text, and accept date objects."""
        if not isinstance(data, dict):
            return data
        cleaned: dict[str, Any] = {}
        for name, value in data.items():
            if name in self.load_fields and _is_blank(value):
                continue
            if isinstance(value, str):
                value = value.strip(BLANKS)
            elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                value = value.isoformat()
            cleaned[name] = value
        return cleaned

    @post_load
    def _json_safe(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Dates as ISO strings so the result can be stored as JSON."""
        return {
            name: value.isoformat() if isinstance(value, dt.date) else value for name, value in data.items()
        }
