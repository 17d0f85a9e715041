"""Schemas of the expert library and panel API: request bodies (validated) and answers (dumped)."""
from __future__ import annotations

from marshmallow import Schema, validate
from marshmallow import fields as mf

from engine.experts.library import MAX_CAP, MAX_FIELDS
from engine.experts.proposals import MAX_SEED
from forms.choices import TECH_FIELDS
from web.api.schemas import COMMON, INTEGER, LIST, TEXT, RequestSchema, _id, _text

MAX_APPLICATIONS = 5000


class ExpertCreateSchema(RequestSchema):
    """An expert added to (or updated in) the library; a new username creates the user.

    Fields named like a Schema's own attributes (`fields`, `load`) are declared with a trailing underscore.
    """

    username = _text(80, min_length=3, required=True, metadata={"description": "用户名；已存在时更新该用户的专家信息"})
    name = _text(100, min_length=1, required=True, metadata={"description": "姓名"})
    organization = _text(200, min_length=1, required=True, metadata={"description": "工作单位"})
    city = _text(20, min_length=1, required=True, metadata={"description": "所在城市（如 南宁市、上海市）"})
    fields_ = mf.List(
        mf.String(validate=validate.OneOf(TECH_FIELDS, error="未知的技术领域"), error_messages=TEXT),
        data_key="fields", attribute="fields",
        required=True, validate=validate.Length(1, MAX_FIELDS, error=f"须填写 1–{MAX_FIELDS} 个技术领域"),
        error_messages=LIST, metadata={"description": "技术领域（申报书的“技术领域”选项），第一个为主要领域"})
    title = _text(50, load_default="", metadata={"description": "职称"})
    yearly_cap = mf.Integer(load_default=20, strict=True, validate=validate.Range(1, MAX_CAP, error="取值无效"),
                                error_messages=INTEGER, metadata={"description": "年度评审上限"})
    active = mf.Boolean(load_default=True, error_messages=COMMON,
                            metadata={"description": "是否参加抽取（扩展字段）"})
    email = _text(200, load_default=None, allow_none=True, metadata={"description": "邮箱（扩展字段）"})
    password = mf.String(
        load_default=None, allow_none=True, validate=validate.Length(8, 256, error="密码至少 8 位"),
        error_messages=TEXT, metadata={"description": "新用户的初始密码（扩展字段；不填则暂不能登录）"})


class PanelRequestSchema(RequestSchema):
    """Which applications to draw panels for, and the seed."""

    application_ids = mf.List(
        _id(strict=True), load_default=list, error_messages=LIST,
        validate=validate.Length(max=MAX_APPLICATIONS, error=f"一次最多 {MAX_APPLICATIONS} 项"),
        metadata={"description": "等待遴选专家的申报编号；为空时为本批次全部等待遴选专家的申报"})
    seed = mf.Integer(load_default=None, allow_none=True, strict=True, error_messages=INTEGER,
                          validate=validate.Range(0, MAX_SEED, error=f"须在 0–{MAX_SEED} 之间"),
                          metadata={"description": "随机种子；不填由系统生成。种子与数据相同，抽取结果相同"})


class SwapSchema(RequestSchema):
    application_id = _id(required=True, strict=True)
    out = _id(required=True, strict=True, metadata={"description": "换下的专家（用户编号）"})
    in_ = _id(required=True, strict=True, data_key="in", metadata={"description": "换上的专家（用户编号）"})


class ConfirmSchema(RequestSchema):
    """Swaps to make before confirming."""

    swaps = mf.List(mf.Nested(SwapSchema), load_default=list, error_messages=LIST,
                        validate=validate.Length(max=MAX_APPLICATIONS * 5, error="替换过多"))


# -- answers ------------------------------------------------------------------------------------
class ExpertSchema(Schema):
    id = mf.Integer(required=True, metadata={"description": "专家库条目编号"})
    user_id = mf.Integer(required=True)
    username = mf.String(required=True)
    name = mf.String(required=True)
    organization = mf.String(required=True)
    city = mf.String(required=True)
    fields_ = mf.List(mf.String(), data_key="fields", attribute="fields", required=True,
                      metadata={"description": "技术领域，第一个为主要领域"})
    title = mf.String(required=True)
    yearly_cap = mf.Integer(required=True)
    active = mf.Boolean(required=True)


class ExpertCreatedSchema(Schema):
    id = mf.Integer(required=True)
    user_id = mf.Integer(required=True)


class SeatSchema(Schema):
    user_id = mf.Integer(required=True)
    name = mf.String(required=True)
    organization = mf.String(required=True)
    city = mf.String(required=True, metadata={"description": "扩展字段"})
    fields_ = mf.List(mf.String(), data_key="fields", attribute="fields", required=True)
    reasons = mf.List(mf.String(), required=True, metadata={"description": "入选理由"})


class PanelSchema(Schema):
    application_id = mf.Integer(required=True)
    title = mf.String(required=True, metadata={"description": "扩展字段"})
    field = mf.String(required=True, metadata={"description": "申报的技术领域（扩展字段）"})
    experts = mf.List(mf.Nested(SeatSchema), required=True)
    unmet = mf.String(required=True, allow_none=True, metadata={"description": "未能满足的要求及原因；满足时为空"})
    excluded = mf.Integer(required=True, metadata={"description": "因回避规则被排除的专家人数（扩展字段）"})


class FailureSchema(Schema):
    application_id = mf.Integer(required=True)
    error = mf.String(required=True)


class ProposalSchema(Schema):
    id = mf.Integer(required=True)
    seed = mf.Integer(required=True)
    call_id = mf.Integer(required=True, metadata={"description": "扩展字段"})
    state = mf.String(required=True, metadata={"description": "proposed、partial、confirmed（扩展字段）"})
    inputs_digest = mf.String(required=True, metadata={
        "description": "抽取所依据数据（专家库、申报、已有评审任务、回避规则）的 SHA-256（扩展字段）"})
    panels = mf.List(mf.Nested(PanelSchema), required=True)
    load_ = mf.Dict(data_key="load", attribute="load", keys=mf.String(), values=mf.Integer(), required=True,
                       metadata={"description": "专家（用户编号）→ 本方案中的评审任务数"})
    confirmed = mf.List(mf.Integer(), required=True, metadata={"description": "已确认的申报（扩展字段）"})
    failed = mf.List(mf.Nested(FailureSchema), required=True,
                         metadata={"description": "上次确认未成功的申报及原因（扩展字段）"})


class CandidateSchema(Schema):
    user_id = mf.Integer(required=True)
    name = mf.String(required=True)
    organization = mf.String(required=True)
    city = mf.String(required=True)
    fields_ = mf.List(mf.String(), data_key="fields", attribute="fields", required=True)
    reasons = mf.List(mf.String(), required=True, metadata={"description": "可选时为理由，不可选时为原因"})


class CandidatesSchema(Schema):
    eligible = mf.List(mf.Nested(CandidateSchema), required=True,
                           metadata={"description": "可换上的专家，最合适的在前"})
    excluded = mf.List(mf.Nested(CandidateSchema), required=True,
                           metadata={"description": "不可选的专家及原因"})


class ConfirmedSchema(Schema):
    confirmed = mf.List(mf.Integer(), required=True)
    failed = mf.List(mf.Nested(FailureSchema), required=True)

