"""Schemas of the programme's own administration over the API: calls and the reference lists."""
from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import Schema, fields, validate

from engine.models import TRACKS
from forms.choices import JIEBANG_KINDS
from forms.inputs import MAX_WAN
from web.api.schemas import COMMON, INTEGER, RequestSchema, _one_of, _text

NUMBER = {**COMMON, "invalid": "须为数字", "special": "须为有限的数字"}
DATE = {**COMMON, "invalid": "日期无效，格式应为 YYYY-MM-DD"}
CAP = validate.Range(min=0, max=MAX_WAN, min_inclusive=False, error=f"须大于 0、不超过 {MAX_WAN:g} 万元")


DAYS = validate.Range(date(2000, 1, 1), date(2099, 12, 31), error="日期须在 2000-01-01 至 2099-12-31 之间")


def _day(description: str, **kwargs: Any) -> fields.Date:
    return fields.Date(validate=DAYS, error_messages=DATE, metadata={"description": description}, **kwargs)


def _cap() -> fields.Float:
    return fields.Float(allow_none=True, validate=CAP, allow_nan=False, error_messages=NUMBER,
                        metadata={"description": "单项资助上限（万元）；null 为不设上限（资助经费仍不超过申报预算）"})


class CallWriteSchema(RequestSchema):
    """A call's settings as an administrator sets them (dates are China calendar days)."""

    title = _text(200, min_length=1, required=True, metadata={"description": "批次名称"})
    guide = _text(20000, multiline=True, load_default="", metadata={"description": "申报指南"})
    closes_on = _day("截止日期（当日 24 时截止）", required=True)
    expert_count = fields.Integer(load_default=5, strict=True, error_messages=INTEGER,
                                  validate=validate.Range(1, 15, error="须在 1–15 之间"),
                                  metadata={"description": "每项申报的评审专家人数（奇数）"})
    field_quota = fields.Integer(load_default=2, strict=True, error_messages=INTEGER,
                                 validate=validate.Range(0, 15, error="须在 0–15 之间"),
                                 metadata={"description": "其中本领域专家至少几人"})
    avoid_same_city = fields.Boolean(load_default=True, error_messages=COMMON,
                                     metadata={"description": "同地市专家回避"})
    funding_cap_wan = _cap()


class CallCreateSchema(CallWriteSchema):
    """A new call on one track."""

    track = _one_of(TRACKS, required=True, metadata={"description": "举措 T1…T5"})
    opens_on = _day("开始日期", required=True)


class JiebangProblemWriteSchema(RequestSchema):
    """A 揭榜 problem as an administrator enters it."""

    code = _text(30, min_length=1, required=True, metadata={"description": "榜单编号"})
    title = _text(200, min_length=1, required=True, metadata={"description": "题目"})
    kind = _one_of(dict(JIEBANG_KINDS), required=True,
                   metadata={"description": "类别：breakthrough 技术攻关类 / transformation 成果转化类"})
    valid_from = _day("生效日期", required=True)
    valid_to = _day("截止日期（含当日）；null 为长期有效", load_default=None, allow_none=True)


class PartnerInstitutionWriteSchema(RequestSchema):
    """A partner institution with its cooperation agreement."""

    name = _text(200, min_length=1, required=True, metadata={"description": "院校名称"})
    region = _text(50, load_default="", metadata={"description": "国家或地区，如 广东、香港、新加坡"})
    agreement_no = _text(50, min_length=1, required=True, metadata={"description": "合作协议编号"})
    valid_from = _day("协议生效日期", required=True)
    valid_to = _day("协议截止日期（含当日）；null 为长期有效", load_default=None, allow_none=True)


class JiebangProblemSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    title = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "breakthrough | transformation"})
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(required=True, allow_none=True)


class PartnerInstitutionSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    region = fields.String(required=True, metadata={"description": "国家或地区"})
    agreement_no = fields.String(required=True)
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(required=True, allow_none=True)
