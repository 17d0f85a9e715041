"""Field types and validators with Chinese messages, and helpers that declare labelled form fields."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate
from marshmallow.types import StrSequenceOrSet
from marshmallow.utils import missing

from forms.choices import Options

REQUIRED = "此项为必填项"
NOT_IN_CHOICES = "所选项不在可选范围内"

CONTROL_CHARACTERS = "不能包含控制字符（如空字符、退格符）"
# Bounds every field of its kind keeps unless it names narrower ones.
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2100, 12, 31)
MAX_ID = 2**31 - 1  # a database id (an INTEGER column on PostgreSQL)
MAX_WAN = 1_000_000  # an amount in 万元: 100 亿元 is beyond any project of the programme

_COMMON = {"required": REQUIRED, "null": "此项不能为空", "validator_failed": "取值无效"}
# C0 and C1 control characters and DEL are never text a person typed (PostgreSQL cannot even store
# NUL, and a spreadsheet refuses most of them); multi-line text keeps its line breaks and tabs.
_LINE_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_TEXT_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def has_control_characters(value: str, *, multiline: bool = False) -> bool:
    """True when `value` holds a control character (line breaks and tabs are allowed in multi-line text)."""
    if multiline:
        value = value.replace("\r", "\n")
    return bool((_TEXT_CONTROLS if multiline else _LINE_CONTROLS).search(value))


def text_problems(value: str, *, max_length: int, multiline: bool = False) -> list[str]:
    """Messages for free text taken outside a form schema (administration pages): length and control characters."""
    problems = [CONTROL_CHARACTERS] if has_control_characters(value, multiline=multiline) else []
    if len(value) > max_length:
        problems.append(f"不能超过 {max_length} 个字")
    return problems


class String(fields.String):
    """A short single-line text; control characters are refused."""

    default_error_messages = {**_COMMON, "invalid": "须为文本", "invalid_utf8": "文本编码无效",
                              "control": CONTROL_CHARACTERS}
    multiline = False

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text: str = super()._deserialize(value, attr, data, **kwargs)
        if self.multiline:  # browsers send a textarea's line breaks as CR LF
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if has_control_characters(text, multiline=self.multiline):
            raise self.make_error("control")
        return text


class Text(String):
    """A multi-line text: line breaks and tabs are kept, other control characters refused."""

    multiline = True


class Code(String):
    """A code such as a credit code: spaces removed, letters upper-cased."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        return "".join(text.split()).upper()


class Integer(fields.Integer):
    """A whole number; numbers with a fractional part are rejected, not truncated."""

    default_error_messages = {**_COMMON, "invalid": "须为整数", "too_large": "数值过大"}

    def _validated(self, value: Any) -> int:
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


class Number(fields.Float):
    """A decimal number such as an amount in 万元; finite (no NaN, no infinity)."""

    default_error_messages = {
        **_COMMON,
        "invalid": "须为数字",
        "too_large": "数值过大",
        "special": "须为有效数字",
    }

    def _validated(self, value: Any) -> float:
        try:
            return super()._validated(value)
        except OverflowError:  # an integer too large for a float, e.g. 10**400
            raise self.make_error("too_large") from None


class Boolean(fields.Boolean):
    """A yes/no answer; also accepts 是/否."""

    default_error_messages = {**_COMMON, "invalid": "须为“是”或“否”"}
    truthy = fields.Boolean.truthy | {"是"}
    falsy = fields.Boolean.falsy | {"否"}


class Date(fields.Date):
    """A calendar date in ISO form YYYY-MM-DD."""

    default_error_messages = {
        **_COMMON,
        "invalid": "日期无效，格式应为 YYYY-MM-DD",
        "format": "日期无效，格式应为 YYYY-MM-DD",
    }


class List(fields.List):
    """A list of values or of nested entries."""

    default_error_messages = {**_COMMON, "invalid": "须为列表"}


class Nested(fields.Nested):
    """A nested group of fields."""

    default_error_messages = {**_COMMON, "type": "须为一组字段（对象）"}

    def _deserialize(
        self,
        value: Any,
        attr: str | None,
        data: Mapping[str, Any] | None,
        partial: bool | StrSequenceOrSet | None = None,
        **kwargs: Any,
    ) -> Any:
        if not self.many and not isinstance(value, Mapping):
            raise self.make_error("type")
        return super()._deserialize(value, attr, data, partial=partial, **kwargs)


class Range(validate.Range):
    """Range check with Chinese messages."""

    message_min = "须{min_op} {{min}}"
    message_max = "须{max_op} {{max}}"
    message_all = "须{min_op} {{min}}，且{max_op} {{max}}"
    message_gte = "大于或等于"
    message_gt = "大于"
    message_lte = "小于或等于"
    message_lt = "小于"

    def __init__(
        self, min: Any = None, max: Any = None, *, min_inclusive: bool = True, max_inclusive: bool = True
    ) -> None:
        super().__init__(min, max, min_inclusive=min_inclusive, max_inclusive=max_inclusive)
        if min_inclusive and max_inclusive:
            self.message_all = "须在 {min} 到 {max} 之间"


class Length(validate.Length):
    """Text length check with Chinese messages."""

    message_min = "不能少于 {min} 个字"
    message_max = "不能超过 {max} 个字"
    message_all = "长度须在 {min} 到 {max} 个字之间"
    message_equal = "长度须为 {equal} 个字"


class Count(validate.Length):
    """Number-of-items check with Chinese messages."""

    message_min = "至少填写 {min} 项"
    message_max = "最多填写 {max} 项"
    message_all = "须填写 {min} 到 {max} 项"
    message_equal = "须选择 {equal} 项"


class OneOf(validate.OneOf):
    """Choice check with a Chinese message."""

    default_message = NOT_IN_CHOICES


class Distinct(validate.Validator):
    """Rejects a list that holds the same item twice."""

    error = "不能重复选择同一项"

    def __call__(self, value: Sequence[Any]) -> Sequence[Any]:
        if len(set(value)) != len(value):
            raise ValidationError(self.error)
        return value


def _options(label: str, kind: str, required: bool, help: str | None, **metadata: Any) -> dict[str, Any]:
    """Keyword arguments shared by every helper: label, help, kind and required-ness."""
    meta: dict[str, Any] = {"title": label, "kind": kind, **metadata}
    if help:
        meta["description"] = help
    return {"required": required, "allow_none": not required, "metadata": meta}


def _with_default(options: dict[str, Any], default: Any) -> dict[str, Any]:
    """Attach a load default; a field with a default is never required."""
    if default is not missing:
        options.update(required=False, load_default=default)
    return options


def string(label: str, *, required: bool = True, max_length: int = 100, help: str | None = None) -> String:
    """A single-line text field."""
    return String(validate=Length(max=max_length), **_options(label, "string", required, help))


def text(label: str, *, required: bool = True, max_length: int = 2000, help: str | None = None) -> Text:
    """A multi-line text field."""
    return Text(validate=Length(max=max_length), **_options(label, "text", required, help))


def code(label: str, pattern: str, error: str, *, required: bool = True, help: str | None = None) -> Code:
    """A code field checked against a regular expression after normalisation."""
    return Code(validate=validate.Regexp(pattern, error=error), **_options(label, "string", required, help))


def integer(
    label: str,
    *,
    minimum: int,
    maximum: int,
    required: bool = True,
    default: Any = missing,
    help: str | None = None,
) -> Integer:
    """A whole-number field within an inclusive range (every number has a bound), with an optional default."""
    options = _with_default(_options(label, "integer", required, help), default)
    return Integer(validate=[Range(min=minimum, max=maximum)], **options)


def number(
    label: str,
    *,
    maximum: float,
    minimum: float | None = None,
    exclusive_minimum: float | None = None,
    required: bool = True,
    help: str | None = None,
) -> Number:
    """A finite decimal-number field up to `maximum`; exclusive_minimum gives a strict lower bound such as "> 0"."""
    if exclusive_minimum is not None:
        rng = Range(min=exclusive_minimum, max=maximum, min_inclusive=False)
        options = _options(label, "number", required, help, exclusiveMinimum=exclusive_minimum)
    else:
        if minimum is None:
            raise TypeError("a number field needs minimum or exclusive_minimum")
        rng = Range(min=minimum, max=maximum)
        options = _options(label, "number", required, help)
    return Number(validate=rng, **options)


def boolean(label: str, *, required: bool = True, help: str | None = None) -> Boolean:
    """A yes/no field."""
    return Boolean(**_options(label, "boolean", required, help))


def date(label: str, *, earliest: dt.date = EARLIEST, latest: dt.date = LATEST, required: bool = True,
         help: str | None = None) -> Date:
    """A date field between `earliest` and `latest`; the loaded value is an ISO string."""
    return Date(validate=Range(min=earliest, max=latest), **_options(label, "date", required, help))


def choice(
    label: str, options: Options, *, required: bool = True, default: Any = missing, help: str | None = None
) -> String:
    """A single choice among fixed (value, label) options."""
    values = [value for value, _ in options]
    labels = [name for _, name in options]
    kwargs = _with_default(_options(label, "choice", required, help, **{"x-enum-labels": labels}), default)
    return String(validate=OneOf(values, labels=labels), **kwargs)


def dynamic_choice(
    label: str, choices_key: str, *, required: bool = True, help: str | None = None
) -> Integer:
    """A single choice of a database id; the caller supplies the allowed ids under choices_key."""
    return Integer(validate=Range(min=1, max=MAX_ID),
                   **_options(label, "choice", required, help, **{"x-choices-from": choices_key}))


def multi_choice(label: str, choices_key: str, *, max_items: int, required: bool = True,
                 help: str | None = None) -> List:
    """At most `max_items` distinct database ids; the caller supplies the allowed ids under choices_key."""
    options = _options(
        label, "multi_choice", required, help, uniqueItems=True, **{"x-choices-from": choices_key}
    )
    return List(Integer(validate=Range(min=1, max=MAX_ID)), validate=[Distinct(), Count(max=max_items)], **options)


def entries(
    label: str, schema: type[Schema], item_label: str, *, max_items: int, min_items: int = 1,
    help: str | None = None
) -> List:
    """A list of at most `max_items` nested entries such as team members."""
    item = Nested(schema, metadata={"title": item_label})
    return List(item, validate=Count(min=min_items, max=max_items), **_options(label, "list", True, help))


def group(label: str, schema: type[Schema], *, required: bool = True, help: str | None = None) -> Nested:
    """A nested group of fields such as the founded enterprise."""
    return Nested(schema, **_options(label, "object", required, help))
