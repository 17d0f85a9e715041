"""Schemas of the notice, publicity and document endpoints (requests validated, responses dumped)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from engine.models import TRACKS
from engine.notices import KINDS
from web.api.schemas import INTEGER, TEXT, RequestSchema, Text


class NotificationQuerySchema(RequestSchema):
    """One page of the caller's notices."""

    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200, error="须在 1 到 200 之间"),
                           error_messages=INTEGER, metadata={"description": "每页条数（默认 50，最多 200）"})
    cursor = Text(validate=validate.Length(1, 200), error_messages=TEXT,
                  metadata={"description": "下一页标记（取自 Link 头）"})


class NotificationSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": "通知类别：" + "、".join(
        f"{k}（{v.label}）" for k, v in KINDS.items()) + "；催办提醒为 reminder"})
    title = fields.String(required=True)
    body = fields.String(required=True)
    link = fields.String(required=True, allow_none=True, metadata={"description": "站内地址：办理或查看之处"})
    created_at = fields.DateTime(required=True)
    read_at = fields.DateTime(required=True, allow_none=True)


class PublicityQuerySchema(RequestSchema):
    """The current list, or the closed list of one year."""

    year = fields.Integer(validate=validate.Range(2000, 2100, error="年份无效"), error_messages=INTEGER,
                          metadata={"description": "已结束公示的年份；不给出时为正在公示的项目"})


class PublicityEntrySchema(Schema):
    application_id = fields.Integer(required=True)
    track = fields.String(required=True, validate=validate.OneOf(list(TRACKS)))
    call_title = fields.String(required=True)
    organization = fields.String(required=True)
    leader = fields.String(required=True, metadata={"description": "团队带头人"})
    title = fields.String(required=True)
    funding_wan = fields.Float(required=True, allow_none=True, metadata={"description": "拟资助经费（万元）"})
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)
    working_days = fields.Integer(required=True, metadata={"description": "公示期工作日数（扩展字段）"})


class ObjectionRequestSchema(RequestSchema):
    """A named objection; anonymous objections are refused."""

    name = Text(required=True, error_messages=TEXT, metadata={"description": "异议人真实姓名"})
    organization = Text(required=True, error_messages=TEXT, metadata={"description": "工作单位"})
    phone = Text(required=True, error_messages=TEXT, metadata={"description": "联系电话"})
    email = Text(required=True, error_messages=TEXT, metadata={"description": "电子邮箱（答复发送至此）"})
    reason = Text(required=True, error_messages=TEXT, metadata={"description": "异议事项与理由"})
    truthful = fields.Boolean(required=True, metadata={"description": "承诺所反映情况属实，须为 true"})


class ObjectionFiledSchema(Schema):
    id = fields.Integer(required=True, metadata={"description": "异议受理编号"})
