"""The one place that maps engine errors to HTTP: HTML pages or JSON, by path and Accept."""
from __future__ import annotations

from flask import Flask, flash, jsonify, redirect, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from engine.errors import (
    Conflict,
    EngineError,
    FormInvalid,
    InvalidCursor,
    InvalidProcess,
    NotAllowed,
    NotFound,
    ProcessError,
    ScriptFailure,
    TooManyAttempts,
)
from web import db
from web.redirects import referrer_path

STATUS: list[tuple[type[EngineError], int]] = [
    (NotFound, 404), (NotAllowed, 403), (Conflict, 409), (FormInvalid, 422), (InvalidProcess, 422),
    (ScriptFailure, 422), (InvalidCursor, 400), (TooManyAttempts, 429), (ProcessError, 500),
]


def status_of(error: EngineError) -> int:
    """HTTP status of an engine error."""
    return next((code for cls, code in STATUS if isinstance(error, cls)), 400)


def wants_json() -> bool:
    """API paths and clients that prefer JSON get JSON."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


HTTP_MESSAGES = {400: "请求无效", 401: "请先登录", 403: "您无权访问", 404: "页面或资源不存在", 405: "不支持此请求方法",
                 413: "上传的内容过大", 429: "请求过于频繁，请稍后再试"}


def describe(error: HTTPException) -> str:
    """The error's own message, or a Chinese one in place of werkzeug's English default."""
    if error.description and error.description != type(error).description:
        return error.description
    return HTTP_MESSAGES.get(error.code or 500, "请求出错")


def payload(error: EngineError) -> dict[str, object]:
    """The JSON body for an engine error."""
    body: dict[str, object] = {"error": str(error) or type(error).__name__}
    if isinstance(error, FormInvalid):
        body["errors"] = error.errors
    if isinstance(error, InvalidProcess):
        body["errors"] = [p.as_dict() for p in error.problems]
    if isinstance(error, ScriptFailure):
        body["element_id"], body["element_name"] = error.element_id, error.element_name
    return body


def register(app: Flask) -> None:
    """Install the handlers."""

    @app.errorhandler(EngineError)
    def engine_error(error: EngineError) -> ResponseReturnValue:
        code = status_of(error)
        headers = {"Retry-After": str(error.retry_after)} if isinstance(error, TooManyAttempts) else {}
        if wants_json():
            return jsonify(payload(error)), code, headers
        back = referrer_path() if code in (409, 422) else None
        if back:
            flash(str(error), "danger")
            return redirect(back)
        return render_template("error.html", code=code, message=str(error)), code, headers

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        code = error.code or 500
        if wants_json():
            return jsonify({"error": describe(error)}), code
        return render_template("error.html", code=code, message=describe(error)), code

    @app.errorhandler(Exception)
    def server_error(error: Exception) -> ResponseReturnValue:
        app.logger.exception("unhandled error")
        db.session().rollback()
        if wants_json():
            return jsonify({"error": "服务器内部错误"}), 500
        return render_template("error.html", code=500, message="服务器内部错误，请稍后重试"), 500
