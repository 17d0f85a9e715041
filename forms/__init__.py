"""Rootball's forms: one schema per form key with Chinese labels and messages, behind a small API."""
from __future__ import annotations

from typing import Any

from marshmallow import ValidationError

from forms import registry
from forms.base import FormContext
from forms.describe import FieldInfo, describe_schema, json_schema_of

__all__ = [
    "FieldInfo",
    "FormContext",
    "ValidationError",
    "fields_of",
    "form_keys",
    "has_form",
    "json_schema",
    "load",
    "title",
]


def form_keys() -> frozenset[str]:
    """Every registered form key."""
    return frozenset(registry.FORMS)


def has_form(form_key: str) -> bool:
    """Whether form_key is registered."""
    return form_key in registry.FORMS


def title(form_key: str) -> str:
    """The Chinese title of the form."""
    return registry.get(form_key).title


def load(
    form_key: str, data: dict[str, Any], context: FormContext | None = None, partial: bool = False
) -> dict[str, Any]:
    """Validated, JSON-safe form data; partial=True saves a draft without enforcing required fields."""
    schema = registry.get(form_key).schema(form_context=context)
    result: dict[str, Any] = schema.load(data, partial=partial)
    return result


def json_schema(form_key: str) -> dict[str, Any]:
    """The JSON Schema of the form, with Chinese titles and descriptions."""
    form = registry.get(form_key)
    return json_schema_of(form.schema, form.title)


def fields_of(form_key: str, context: FormContext | None = None) -> list[FieldInfo]:
    """The form's fields for a renderer; context fills the options of database-backed fields."""
    return describe_schema(registry.get(form_key).schema(), context)
