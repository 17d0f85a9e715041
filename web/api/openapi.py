"""The OpenAPI 3.1 document, built with apispec from the routes' `operation` entries and their schemas."""
from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, current_app, jsonify
from flask.typing import ResponseReturnValue
from werkzeug.routing import Rule

import forms
from engine.holidays.entry import FIRST_YEAR, LAST_YEAR
from web.api import bp
from web.api import schemas as s
from web.api.operation import OPERATIONS, Operation, operation

PREFIX = "/api/v1"
DESCRIPTION = (
    "广西“带土移植”引育计划业务系统的 JSON 接口。先以 `POST /auth/token` 用用户名和密码换取访问令牌，"
    "此后每个请求带上 `Authorization: Bearer TOKEN`。错误统一为 `{\"error\": 说明}`；"
    "数据无效（422）另有 `errors`。对无权查看的申报一律答 404，不透露其是否存在。"
)
TAGS = [
    {"name": "认证", "description": "访问令牌"},
    {"name": "申报", "description": "申报批次与申报"},
    {"name": "任务", "description": "待办、领取、办理"},
    {"name": "流程管理", "description": "流程版本与实例（管理员、科技厅）"},
    {"name": "统计", "description": "计划进度"},
    {"name": "工作日历", "description": "放假安排：休息日与调休上班日，工作日期限据此计算"},
    {"name": "专家", "description": "专家库与整批抽取评审专家（抽取、替换、确认）"},
    {"name": "通知", "description": "本人的通知"},
    {"name": "公示", "description": "公示名单与实名异议（无需登录）"},
    {"name": "文书", "description": "可打印、可下载的 PDF 文书"},
    {"name": "参考名单", "description": "揭榜榜单、合作院校名单（带有效期，管理员维护）"},
]
AUTOMATIC: dict[int, tuple[str, type[s.ErrorSchema]]] = {
    401: ("缺少访问令牌，或令牌无效、已过期", s.ErrorSchema),
    403: ("您的角色无权执行此操作", s.ErrorSchema),
    404: ("不存在", s.ErrorSchema),
    422: ("请求数据无效：errors 为字段名 → 错误信息", s.FieldErrorsSchema),
}
PAGE_HEADERS = {
    "Link": {"description": "下一页的地址：`<URL>; rel=\"next\"`；最后一页没有此头", "schema": {"type": "string"}},
    "X-Total-Count": {"description": "符合条件的总行数（所有页）", "schema": {"type": "integer", "minimum": 0}},
}
BAD_CURSOR = ("翻页参数无效（不是本服务给出的，或已被改动）", s.ErrorSchema)
_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
# path parameters that are not row ids: (description, minimum, maximum)
PATH_PARAMETERS = {"year": ("年份", FIRST_YEAR, LAST_YEAR)}


def _path_parameters(rule: Rule) -> list[dict[str, Any]]:
    params = []
    for converter, name in _PARAM.findall(rule.rule):
        if converter not in ("", "int"):
            params.append({"name": name, "in": "path", "required": True, "description": "类别",
                           "schema": {"type": "string"}})
            continue
        description, low, high = PATH_PARAMETERS.get(name, ("编号", 1, s.MAX_ID))
        params.append({"name": name, "in": "path", "required": True, "description": description,
                       "schema": {"type": "integer", "minimum": low, "maximum": high}})
    return params


def _responses(op: Operation, has_path_params: bool) -> dict[str, Any]:
    wanted: dict[int, tuple[str, Any]] = dict(op.responses)
    if op.paged:
        wanted.setdefault(400, BAD_CURSOR)
    automatic = {401: not op.public, 403: bool(op.roles), 404: has_path_params,
                 422: op.body is not None or op.query is not None}
    for code, needed in automatic.items():
        if needed:
            wanted.setdefault(code, AUTOMATIC[code])
    answers: dict[str, Any] = {}
    for code, (description, schema) in sorted(wanted.items()):
        answers[str(code)] = {"description": description}
        if schema is not None:
            media = op.produces if 200 <= code < 300 else "application/json"
            answers[str(code)]["content"] = {media: {"schema": schema}}
    if op.paged:
        answers["200"]["headers"] = PAGE_HEADERS
    return answers


def _operation(rule: Rule, name: str, op: Operation) -> dict[str, Any]:
    params = _path_parameters(rule)
    entry: dict[str, Any] = {"operationId": name, "summary": op.summary, "tags": [op.tag],
                             "responses": _responses(op, bool(params))}
    if op.description:
        entry["description"] = op.description
    if op.query is not None:
        params.append({"in": "query", "schema": op.query})
    if params:
        entry["parameters"] = params
    if op.body is not None:
        media = "multipart/form-data" if op.upload or op.multipart else "application/json"
        entry["requestBody"] = {"required": op.body_required, "content": {media: {"schema": op.body}}}
    if op.public:
        entry["security"] = []
    return entry


def form_component(form_key: str) -> str:
    """The component name of a task form's data (what `POST /tasks/{id}/complete` sends as `data`)."""
    return f"Form_{form_key}"


def form_schema(form_key: str) -> dict[str, Any]:
    """A form's JSON Schema, described as the `data` of the tasks whose `form_key` it is."""
    schema = forms.json_schema(form_key)
    return {**schema, "description": f"form_key 为 {form_key} 的任务所提交的 data（{forms.title(form_key)}）；"
                                     "GET /tasks/{id} 的 form 字段给出同一 JSON Schema"}


def build(app: Flask) -> dict[str, Any]:
    """The document for every route of the API blueprint."""
    spec = APISpec(title="Rootball API", version="1", openapi_version="3.1.0", plugins=[MarshmallowPlugin()],
                   info={"description": DESCRIPTION}, servers=[{"url": PREFIX}], tags=TAGS,
                   security=[{"bearerAuth": []}])
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer",
                                                   "description": "POST /auth/token 得到的访问令牌"})
    for key in sorted(forms.form_keys()):
        spec.components.schema(form_component(key), form_schema(key))
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith(f"{bp.name}."):
            continue
        name = rule.endpoint.split(".", 1)[1]
        op = OPERATIONS[name]  # a route without `operation` fails here, in the tests, not silently
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        path = _PARAM.sub(r"{\2}", rule.rule.removeprefix(PREFIX))
        spec.path(path=path, operations={m.lower(): _operation(rule, name, op) for m in methods})
    return spec.to_dict()


@bp.get("/openapi.json")
@operation("本 OpenAPI 文档", tag="认证", public=True, responses={200: ("OpenAPI 3.1 文档", {"type": "object"})})
def openapi() -> ResponseReturnValue:
    document = current_app.extensions.get("rootball_openapi")
    if document is None:
        document = current_app.extensions["rootball_openapi"] = build(current_app)
    return jsonify(document)
