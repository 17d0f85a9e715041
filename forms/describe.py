"""Descriptions of a form for renderers and clients: field infos and JSON Schema."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import OpenAPIConverter
from marshmallow import Schema, fields, missing, validate

from forms.base import FormContext, option_pair

OPENAPI_VERSION = "3.1.0"


@dataclass(frozen=True)
class FieldInfo:
    """One field as a renderer needs it; fields holds the entry fields of a list or group."""

    name: str
    label: str
    kind: str
    required: bool
    choices: list[tuple[Any, str]] = field(default_factory=list)
    help: str | None = None
    fields: list[FieldInfo] = field(default_factory=list)
    default: Any = None
    choices_key: str | None = None


def describe_schema(schema: Schema, context: FormContext | None = None) -> list[FieldInfo]:
    """FieldInfos of a schema's fields in declaration order."""
    return [_describe(name, schema_field, context) for name, schema_field in schema.load_fields.items()]


def _describe(name: str, schema_field: fields.Field, context: FormContext | None) -> FieldInfo:
    """The FieldInfo of one field."""
    meta = schema_field.metadata
    choices_key = meta.get("x-choices-from")
    return FieldInfo(
        name=name,
        label=meta.get("title", name),
        kind=meta.get("kind", "string"),
        required=schema_field.required,
        choices=_choices(schema_field, choices_key, context),
        help=meta.get("description"),
        fields=_nested_fields(schema_field, context),
        default=None if schema_field.load_default is missing else schema_field.load_default,
        choices_key=choices_key,
    )


def _choices(
    schema_field: fields.Field, choices_key: str | None, context: FormContext | None
) -> list[tuple[Any, str]]:
    """Fixed options from the OneOf validator, or the caller's options for a database-backed field."""
    for validator in schema_field.validators:
        if isinstance(validator, validate.OneOf):
            return list(zip(validator.choices, validator.labels, strict=True))
    if choices_key and context and choices_key in context.choices:
        return [option_pair(item) for item in context.choices[choices_key]]
    return []


def _nested_fields(schema_field: fields.Field, context: FormContext | None) -> list[FieldInfo]:
    """The fields of a nested group or of the entries of a list."""
    inner = schema_field.inner if isinstance(schema_field, fields.List) else schema_field
    if isinstance(inner, fields.Nested):
        return describe_schema(inner.schema, context)
    return []


@cache
def _converter() -> OpenAPIConverter:
    """The converter that turns a schema into an inline JSON Schema (no $ref components)."""
    spec = APISpec(title="Rootball forms", version="1", openapi_version=OPENAPI_VERSION)
    return OpenAPIConverter(OPENAPI_VERSION, lambda schema: None, spec)


@cache
def _json_schema(schema_class: type[Schema], title: str) -> dict[str, Any]:
    """The cached JSON Schema of a schema class."""
    converted = _converter().schema2jsonschema(schema_class())
    return {"title": title, **converted}


def json_schema_of(schema_class: type[Schema], title: str) -> dict[str, Any]:
    """A fresh copy of the JSON Schema of a schema class, with the form's title."""
    return copy.deepcopy(_json_schema(schema_class, title))
