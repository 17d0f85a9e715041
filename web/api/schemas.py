"""Marshmallow schemas of the API: request bodies and queries (validated), responses (dumped), errors."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from engine.models import GUANGXI_CITIES, TRACKS
from engine.stats import STAGES
from forms.inputs import CONTROL_CHARACTERS, NOT_IN_CHOICES, REQUIRED, String

MAX_ID = 2**31 - 1
ID = validate.Range(1, MAX_ID, error="编号无效")
COMMON = {"required": REQUIRED, "null": "此项不能为空", "validator_failed": "取值无效"}
TEXT = {**COMMON, "invalid": "须为文本", "invalid_utf8": "文本编码无效", "control": CONTROL_CHARACTERS}
INTEGER = {**COMMON, "invalid": "须为整数", "too_large": "数值过大"}
OBJECT = {**COMMON, "invalid": "须为对象（字段名 → 值）"}
LIST = {**COMMON, "invalid": "须为列表"}


class RequestSchema(Schema):
    """A request body or query: unknown fields rejected, messages in Chinese."""

    error_messages = {"unknown": "不允许提交未定义的字段", "type": "数据格式无效，应为 JSON 对象"}


class Text(String):
    """A single-line string with surrounding blanks removed; control characters refused as in the forms."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text: str = super()._deserialize(value, attr, data, **kwargs)
        return text.strip()


class Paragraph(Text):
    """A multi-line string: line breaks and tabs kept, other control characters refused."""

    multiline = True


def _text(max_length: int, *, min_length: int = 0, multiline: bool = False, **kwargs: Any) -> Text:
    kind = Paragraph if multiline else Text
    return kind(validate=validate.Length(min_length, max_length, error=f"长度应在 {min_length}–{max_length} 之间"),
                error_messages=TEXT, **kwargs)


def _id(**kwargs: Any) -> fields.Integer:
    return fields.Integer(validate=ID, error_messages=INTEGER, **kwargs)


def _one_of(values: Any, **kwargs: Any) -> fields.String:
    return String(validate=validate.OneOf(list(values), error=NOT_IN_CHOICES), error_messages=TEXT, **kwargs)


# -- requests -----------------------------------------------------------------------------------
class TokenRequestSchema(RequestSchema):
    """Credentials exchanged for a bearer token."""

    username = _text(80, min_length=1, required=True, metadata={"description": "用户名"})
    password = fields.String(required=True, validate=validate.Length(1, 256, error="长度应在 1–256 之间"),
                             error_messages=TEXT, metadata={"description": "密码"})


class ApplicationCreateSchema(RequestSchema):
    """Start an application on an open call."""

    call_id = _id(required=True, strict=True, metadata={"description": "申报批次编号（见 GET /calls）"})
    title = _text(200, min_length=1, required=True, metadata={"description": "项目名称"})


class WithdrawSchema(RequestSchema):
    """Why the applicant withdraws (optional)."""

    reason = _text(500, min_length=1, multiline=True, load_default="申报单位主动撤回",
                   metadata={"description": "撤回原因"})


class TaskQuerySchema(RequestSchema):
    """Which inbox and which filters."""

    scope = _one_of(("mine", "group", "all"), load_default="mine",
                    metadata={"description": "mine：我的待办；group：可领取；all：全部（科技厅与管理员为所有待办）"})
    track = _one_of(TRACKS, metadata={"description": "类别 T1…T5"})
    city = _one_of(GUANGXI_CITIES, metadata={"description": "设区市"})
    call_id = _id(metadata={"description": "申报批次编号"})
    stage = _one_of(STAGES, metadata={"description": "阶段"})


class CompleteSchema(RequestSchema):
    """The form data that completes a task."""

    data = fields.Dict(required=True, error_messages=OBJECT,
                       metadata={"description": "表单数据，字段见 GET /tasks/{task_id} 的 form"})


class ProcessUploadSchema(RequestSchema):
    """BPMN/DMN files deployed as new versions."""

    files = fields.List(fields.Raw(metadata={"type": "string", "format": "binary"}, error_messages=COMMON),
                        required=True, error_messages=LIST, metadata={"description": "一个或多个 .bpmn / .dmn 文件"})
    note = _text(2000, multiline=True, load_default="", metadata={"description": "版本说明"})


# -- responses ----------------------------------------------------------------------------------
class TokenSchema(Schema):
    token = fields.String(required=True, metadata={"description": "访问令牌，放在 Authorization: Bearer 之后"})
    expires_at = fields.DateTime(required=True, metadata={"description": "失效时间（扩展字段）"})


class CallSchema(Schema):
    id = fields.Integer(required=True)
    track = _one_of(TRACKS, required=True)
    title = fields.String(required=True)
    opens_at = fields.DateTime(required=True)
    closes_at = fields.DateTime(required=True)
    guide = fields.String(required=True, metadata={"description": "申报指南（扩展字段）"})


class ApplicationStateSchema(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True)
    stage = fields.String(required=True)
    instance_id = fields.Integer(required=True, allow_none=True)


class HistoryEntrySchema(Schema):
    at = fields.DateTime(required=True)
    actor = fields.String(required=True)
    action = fields.String(required=True)
    task = fields.String(required=True, allow_none=True)


class ApplicationSchema(ApplicationStateSchema):
    track = _one_of(TRACKS, required=True)
    title = fields.String(required=True)
    city = fields.String(required=True, allow_none=True)
    call_id = fields.Integer(required=True, metadata={"description": "扩展字段"})
    summary = fields.Dict(keys=fields.String(), required=True, metadata={"description": (
        "摘要字段（扩展字段）：技术领域、预算、周期等申报内容给能阅读申报的人；"
        "专家评审平均分、资助经费只给科技厅与管理员")})
    history = fields.List(fields.Nested(HistoryEntrySchema), required=True)


class TaskRowSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True, metadata={"description": "BPMN 任务编号"})
    title = fields.String(required=True)
    application_id = fields.Integer(required=True, allow_none=True)
    lane = fields.String(required=True, allow_none=True)
    assignee = fields.String(required=True, allow_none=True, metadata={"description": "办理人用户名"})
    due_at = fields.DateTime(required=True, allow_none=True)
    form_key = fields.String(required=True, allow_none=True)


class TaskDetailSchema(TaskRowSchema):
    state = _one_of(("open", "done", "cancelled"), required=True, metadata={"description": "扩展字段"})
    form = fields.Dict(required=True, allow_none=True, metadata={"description": "表单的 JSON Schema"})
    data = fields.Dict(required=True, metadata={"description": "表单当前的值（含草稿）"})
    choices = fields.Dict(keys=fields.String(), values=fields.List(fields.Raw()), required=True,
                          metadata={"description": "取值来自数据库的字段（如评审专家）允许的取值（扩展字段）"})


class CompletedSchema(Schema):
    next = fields.List(fields.Nested(TaskRowSchema), required=True)


class ProcessVersionSchema(Schema):
    id = fields.Integer(required=True)
    process_key = fields.String(required=True)
    version = fields.Integer(required=True)
    state = fields.String(required=True)
    deployed_at = fields.DateTime(required=True)
    note = fields.String(required=True)


class VersionRefSchema(Schema):
    id = fields.Integer(required=True)
    process_key = fields.String(required=True)
    version = fields.Integer(required=True)


class DeployedSchema(VersionRefSchema):
    versions = fields.List(fields.Nested(VersionRefSchema), required=True,
                           metadata={"description": "本次上传涉及的全部流程版本（扩展字段）"})


class InstanceSchema(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True)
    process_key = fields.String(required=True)
    version = fields.Integer(required=True)
    version_id = fields.Integer(required=True)
    active = fields.List(fields.String(), required=True, metadata={"description": "进行中的 BPMN 元素编号"})
    completed = fields.List(fields.String(), required=True, metadata={"description": "已完成的 BPMN 元素编号"})
    by_process = fields.Dict(
        keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.List(fields.String())),
        required=True, metadata={"description": "按流程（含调用的子流程）分列的 active/completed（扩展字段）"})
    next_timer_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})


def _counts(description: str) -> fields.Dict:
    return fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                       metadata={"description": description})


class StatsSchema(Schema):
    target = fields.Integer(required=True, metadata={"description": "计划引进团队数"})
    awarded = fields.Integer(required=True, metadata={"description": "已立项且未撤销的团队数"})
    by_track = _counts("按类别")
    by_city = _counts("按设区市")
    by_year = _counts("按立项年份（北京时间）")
    pipeline = _counts("各阶段申报数（扩展字段）")


class ErrorSchema(Schema):
    error = fields.String(required=True)


class FieldErrorsSchema(ErrorSchema):
    errors = fields.Dict(required=True, metadata={"description": "字段名 → 错误信息列表（嵌套字段为嵌套对象）"})


class ProblemSchema(Schema):
    file = fields.String(required=True)
    line = fields.Integer(required=True, allow_none=True)
    element_id = fields.String(required=True)
    message = fields.String(required=True)


class ProcessProblemsSchema(ErrorSchema):
    errors = fields.List(fields.Nested(ProblemSchema), required=True)
