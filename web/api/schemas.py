"""Marshmallow schemas of the API: request bodies and queries (validated), responses (dumped), errors."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from engine.calendar import CHINA, start_of_day_utc
from engine.inbox_query import DEFAULT_LIMIT, MAX_LIMIT
from engine.keyset import MAX_CURSOR
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


class Moment(fields.String):
    """A date (`2025-11-20`: that day's start) or a date-time (`2025-11-20T09:00+08:00`), China time when no offset."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        text: str = super()._deserialize(value, attr, data, **kwargs).strip()
        try:
            if len(text) == 10:
                return start_of_day_utc(date.fromisoformat(text))
            moment = datetime.fromisoformat(text)
        except ValueError as e:
            raise ValidationError("须为日期（如 2025-11-20）或时间（如 2025-11-20T09:00:00+08:00）") from e
        return moment if moment.tzinfo else moment.replace(tzinfo=CHINA)


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
    application_id = _id(metadata={"description": "申报编号"})
    due_before = Moment(error_messages=TEXT, metadata={
        "description": "只列截止时间早于此刻的任务：日期（当日零时，北京时间）或 ISO 8601 时间",
        "examples": ["2025-11-20"]})
    q = _text(100, metadata={"description": "关键词：任务名称或申报名称中包含的文字"})
    limit = fields.Integer(
        load_default=DEFAULT_LIMIT, validate=validate.Range(1, MAX_LIMIT, error=f"应在 1–{MAX_LIMIT} 之间"),
        error_messages=INTEGER, metadata={"description": f"每页行数（默认 {DEFAULT_LIMIT}，最多 {MAX_LIMIT}）"})
    cursor = fields.String(
        validate=validate.Length(1, MAX_CURSOR, error="翻页参数无效"), error_messages=TEXT,
        metadata={"description": "翻页位置，不透明：照用上一页 `Link` 头中 rel=\"next\" 的地址，不要自行拼写"})


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
    funding_cap_wan = fields.Float(required=True, allow_none=True,
                                   metadata={"description": "单项资助上限（万元），null 为不设上限（扩展字段）"})


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
    due_provisional = fields.Boolean(required=True, metadata={
        "description": "截止时间经过尚未录入放假安排的年份，按法定节日推算，录入后可能变动（扩展字段）"})
    due_note = fields.String(required=True, allow_none=True, metadata={
        "description": "对应的提示，如“2027 年放假安排尚未录入，按法定节日推算”（扩展字段）"})


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


class PlanPeriodSchema(Schema):
    name = fields.String(required=True, metadata={"description": "计划期名称，如“十四五”时期"})
    first_year = fields.Integer(required=True, metadata={"description": "首年"})
    last_year = fields.Integer(required=True, metadata={"description": "末年（含）"})


class OutsidePeriodSchema(Schema):
    awarded = fields.Integer(required=True, metadata={"description": "计划期外立项且未撤销的团队数"})
    by_year = _counts("按立项年份")
    by_track = _counts("按类别")


class StatsSchema(Schema):
    target = fields.Integer(required=True, metadata={"description": "计划期内计划引进团队数"})
    awarded = fields.Integer(required=True, metadata={"description": "计划期内已立项且未撤销的团队数"})
    by_track = _counts("按类别")
    by_city = _counts("按设区市")
    by_year = _counts("按立项年份（北京时间）")
    pipeline = _counts("各阶段申报数（扩展字段）")
    by_origin = _counts("按团队来源：domestic 国内团队 / overseas 境外团队（带头人申报时在境外工作）/ unknown 未注明"
                        "（扩展字段）")
    plan_period = fields.Nested(PlanPeriodSchema, required=True, metadata={"description": "计划期（扩展字段）"})
    outside_period = fields.Nested(OutsidePeriodSchema, required=True,
                                   metadata={"description": "计划期外的立项，不计入目标（扩展字段）"})


# -- the holiday calendar -------------------------------------------------------------------------
class CalendarDayInSchema(RequestSchema):
    """One entered day (checked against its year by the engine, every item at once)."""

    date = fields.String(required=True, error_messages=TEXT, metadata={
        "format": "date", "description": "日期 YYYY-MM-DD，须在该年内"})
    kind = fields.String(required=True, error_messages=TEXT, metadata={
        "enum": ["off", "work"], "description": "off 休息日；work 调休上班日（须为周六或周日）"})
    name = fields.String(load_default="", error_messages=TEXT, metadata={"description": "节日名称，如“春节”"})


class CalendarPutSchema(RequestSchema):
    days = fields.List(fields.Nested(CalendarDayInSchema), required=True, error_messages=LIST, metadata={
        "description": "该年全部休息日与调休上班日；替换该年已录入的日期，空列表即撤销录入"})


class CalendarDaySchema(Schema):
    date = fields.Date(required=True)
    kind = fields.String(required=True, metadata={"enum": ["off", "work"]})
    name = fields.String(required=True)
    source = fields.String(required=True, metadata={
        "description": "来源：录入时注明的来源（导入的文件名、API、页面录入）、chinesecalendar "
                       "或 法定节日推算（扩展字段）"})


class CalendarSchema(Schema):
    year = fields.Integer(required=True)
    official = fields.Boolean(required=True, metadata={
        "description": "false：该年放假安排尚未公布或录入，只有按法定节日推算的日期"})
    basis = fields.String(required=True, metadata={
        "enum": ["entered", "package", "statutory"],
        "description": "entered 已录入（覆盖 chinesecalendar 的同日安排）；package 来自 chinesecalendar；"
                       "statutory 按法定节日推算（扩展字段）"})
    days = fields.List(fields.Nested(CalendarDaySchema), required=True, metadata={"description": "按日期排列"})


class RecountedSchema(Schema):
    instance_id = fields.Integer(required=True)
    application_id = fields.Integer(required=True, allow_none=True)
    kind = fields.String(required=True, metadata={
        "enum": ["timer", "task", "value"],
        "description": "timer 等待中的定时器；task 待办任务的截止时间；value 流程数据中的日期"})
    name = fields.String(required=True, metadata={"description": "BPMN 元素编号或数据项名称"})
    label = fields.String(required=True)
    task_id = fields.Integer(required=True, allow_none=True)
    before = fields.DateTime(required=True)
    after = fields.DateTime(required=True)


class RecountFailureSchema(Schema):
    instance_id = fields.Integer(required=True)
    error = fields.String(required=True)


class CalendarChangedSchema(CalendarSchema):
    recounted = fields.List(fields.Nested(RecountedSchema), required=True, metadata={
        "description": "因本次修改重新计算而变动的期限（扩展字段）"})
    not_recounted = fields.List(fields.Nested(RecountFailureSchema), required=True, metadata={
        "description": "未能重新计算的流程实例及原因（扩展字段）"})


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


class IncidentSchema(Schema):
    id = fields.Integer(required=True)
    instance_id = fields.Integer(required=True, allow_none=True)
    application_id = fields.Integer(required=True, allow_none=True)
    element_id = fields.String(required=True, metadata={"description": "出错的 BPMN/DMN 元素编号"})
    element_name = fields.String(required=True)
    origin = fields.String(required=True, metadata={"description": "scheduler（定时任务）、command（用户操作）、retry"})
    error = fields.String(required=True)
    first_seen = fields.DateTime(required=True)
    last_seen = fields.DateTime(required=True)
    attempts = fields.Integer(required=True)


class RetriedSchema(Schema):
    id = fields.Integer(required=True)
    resolved = fields.Boolean(required=True)
    timers_fired = fields.Boolean(required=True)
