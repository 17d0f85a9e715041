"""The one decorator every API view wears: bearer auth, role check, request parsing, and its OpenAPI entry."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort, g, request
from marshmallow import Schema, ValidationError
from werkzeug.datastructures import MultiDict

from engine.errors import FormInvalid, InvalidProcess, NotFound, Problem
from engine.models import ApiToken, User
from web import db
from web.api import tokens
from web.api.schemas import MAX_ID

F = TypeVar("F", bound=Callable[..., Any])
# status -> (description, body schema: a marshmallow schema, a JSON Schema dict, or None for no body)
Responses = dict[int, tuple[str, "Schema | type[Schema] | dict[str, Any] | None"]]


@dataclass(frozen=True)
class Operation:
    """What the OpenAPI document says about one view."""

    summary: str
    tag: str
    responses: Responses
    description: str = ""
    public: bool = False
    roles: tuple[str, ...] = ()
    body: type[Schema] | None = None
    upload: bool = False  # multipart process files; request errors answered as file problems (API.md)
    multipart: bool = False  # a multipart form with `files`; request errors answered per field
    body_required: bool = True
    query: type[Schema] | None = None
    paged: bool = False  # a list answered a page at a time: `Link` and `X-Total-Count` headers, 400 for a bad cursor
    produces: str = "application/json"  # the media type of the success answers (a PDF, say)


OPERATIONS: dict[str, Operation] = {}


def caller() -> User:
    """The user the request's bearer token belongs to (only inside a non-public operation)."""
    user: User = g.api_user
    return user


def caller_token() -> ApiToken:
    """The token row of the request."""
    row: ApiToken = g.api_token
    return row


def _authenticate() -> None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    found = tokens.resolve(db.session(), token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    if found is None:
        abort(401, "需要有效的访问令牌（Authorization: Bearer TOKEN）")
    g.api_user, g.api_token = found


def has_bad_text(value: Any) -> bool:
    """True when a string anywhere in `value` holds a NUL or an unpaired surrogate (no database can store those)."""
    if isinstance(value, str):
        return "\x00" in value or (not value.isascii() and _unencodable(value))
    if isinstance(value, dict):
        return any(has_bad_text(k) or has_bad_text(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_bad_text(v) for v in value)
    return False


def _unencodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _json_body(required: bool) -> Any:
    if not request.data and not required:
        return {}
    body = request.get_json(silent=True, force=True)
    if not isinstance(body, dict):
        raise FormInvalid({"_schema": ["请求体必须是 JSON 对象"]})
    return body


def _load(schema: type[Schema], data: Any) -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = schema().load(data)
    except ValidationError as e:
        raise FormInvalid(e.messages_dict) from e
    # The schema's text fields name the field that holds a control character; this catches the rest.
    if has_bad_text(data):
        raise FormInvalid({"_schema": ["文本中不能包含空字符或无效的 Unicode 字符"]})
    return loaded


def _load_upload(schema: type[Schema]) -> dict[str, Any]:
    try:
        return _load(schema, {**request.form, "files": request.files.getlist("files")})
    except FormInvalid as e:
        raise InvalidProcess([Problem(file="", line=None, element_id="", message=f"{name}: {_joined(messages)}")
                              for name, messages in e.errors.items()]) from e


def _load_form(schema: type[Schema]) -> dict[str, Any]:
    return _load(schema, {**request.form.to_dict(), "files": request.files.getlist("files")})


def _joined(messages: object) -> str:
    return "；".join(map(str, messages)) if isinstance(messages, list) else str(messages)


def _query_data(schema: type[Schema]) -> dict[str, Any]:
    args: MultiDict[str, str] = request.args
    return {name: args.get(name) for name in schema().fields if name in args}


def operation(summary: str, *, tag: str, responses: Responses, **options: Any) -> Callable[[F], F]:
    """Authenticate, check roles, parse `body`/`query` into kwargs of the same names, and document the view."""
    op = Operation(summary=summary, tag=tag, responses=responses, **options)

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if any(isinstance(v, int) and not 1 <= v <= MAX_ID for v in kwargs.values()):
                raise NotFound("资源不存在")
            if not op.public:
                _authenticate()
                if op.roles and not caller().roles & set(op.roles):
                    abort(403, "您的角色无权执行此操作")
            if op.query is not None:
                kwargs["query"] = _load(op.query, _query_data(op.query))
            if op.body is not None:
                kwargs["body"] = (_load_upload(op.body) if op.upload else _load_form(op.body) if op.multipart
                                  else _load(op.body, _json_body(op.body_required)))
            return view(*args, **kwargs)

        OPERATIONS[view.__name__] = op
        return cast(F, wrapped)

    return decorate
