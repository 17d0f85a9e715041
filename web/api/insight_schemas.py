"""Schemas of the API's required documents per call, attachment upload by kind and the talent figures."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from engine.models import TRACKS
from engine.required_documents import MAX_ITEMS
from engine.scope import FIRST_YEAR, LAST_YEAR
from web.api.schemas import COMMON, INTEGER, LIST, OBJECT, TEXT, RequestSchema, _id, _one_of, _text

BOOLEAN = {**COMMON, "invalid": "须为 true 或 false"}
YEAR = f"年度应为 {FIRST_YEAR}–{LAST_YEAR} 之间的年份"


class RequiredDocumentSchema(RequestSchema):
    """One document an application of the call must (or may) carry."""

    kind = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,39}$", error=(
        "代码应以小写字母开头，只含小写字母、数字和下划线，不超过 40 个字符")), error_messages=TEXT,
        metadata={"description": "材料代码，如 business_license"})
    label = _text(50, min_length=1, required=True, metadata={"description": "材料名称，如 营业执照"})
    required = fields.Boolean(load_default=True, error_messages=BOOLEAN, metadata={"description": "是否必需"})


class CallDocumentsWriteSchema(RequestSchema):
    """A call's list of required documents."""

    required_documents = fields.List(
        fields.Nested(RequiredDocumentSchema, error_messages=OBJECT), required=True, allow_none=True,
        validate=validate.Length(max=MAX_ITEMS, error=f"最多 {MAX_ITEMS} 项"), error_messages=LIST,
        metadata={"description": "申报须附的材料 [{kind, label, required}]；null：取消清单，不核对"})


class CallDocumentsSchema(Schema):
    call_id = fields.Integer(required=True)
    required_documents = fields.List(fields.Dict(), required=True, allow_none=True, metadata={
        "description": "[{kind, label, required}]；null：不核对申报材料"})


class AttachmentUploadSchema(RequestSchema):
    """Files for an application whose form is still open, tagged with one of the call's document kinds."""

    files = fields.List(fields.Raw(metadata={"type": "string", "format": "binary"}), required=True,
                        metadata={"description": "一个或多个文件"})
    kind = fields.String(load_default=None, allow_none=True,
                         validate=validate.Length(1, 40, error="长度应在 1–40 之间"),
                         error_messages=TEXT, metadata={
                             "description": "材料代码（批次 required_documents 中的 kind）；不填为其他附件"})


class UploadedSchema(Schema):
    id = fields.Integer(required=True)
    filename = fields.String(required=True)
    kind = fields.String(required=True, allow_none=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)


class ChecklistItemSchema(Schema):
    kind = fields.String(required=True)
    label = fields.String(required=True)
    required = fields.Boolean(required=True)
    done = fields.Boolean(required=True)
    files = fields.List(fields.String(), required=True)


class UploadAnswerSchema(Schema):
    uploaded = fields.List(fields.Nested(UploadedSchema), required=True)
    checklist = fields.List(fields.Nested(ChecklistItemSchema), required=True, metadata={
        "description": "本申报的材料清单：每项是否已上传"})


class TalentQuerySchema(RequestSchema):
    """The filters of the talent figures."""

    year = fields.Integer(validate=validate.Range(FIRST_YEAR, LAST_YEAR, error=YEAR), error_messages=INTEGER,
                          metadata={"description": "立项年度（北京时间）"})
    track = _one_of(TRACKS, metadata={"description": "举措 T1…T5"})
    call_id = _id(metadata={"description": "申报批次编号"})


class CityFiguresSchema(Schema):
    teams = fields.Integer(required=True, metadata={"description": "立项团队数"})
    members = fields.Integer(required=True, metadata={"description": "引进核心成员数（申报时在广西区外工作）"})
    fields_ = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, data_key="fields",
                          attribute="fields",
                          metadata={"description": "各技术领域的立项团队数"})


class PortraitSchema(Schema):
    by_field = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    by_title = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    by_origin = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, metadata={
        "description": "国内区外 / 境外 / 广西区内"})
    by_age = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, metadata={
        "description": "年龄段（申报书登记了出生年份或年龄时）"})
    age_recorded = fields.Boolean(required=True)


class FiltersSchema(Schema):
    year = fields.Integer(required=True, allow_none=True)
    track = fields.String(required=True, allow_none=True)
    call_id = fields.Integer(required=True, allow_none=True)


class TalentSchema(Schema):
    filters = fields.Nested(FiltersSchema, required=True)
    teams = fields.Integer(required=True)
    members = fields.Integer(required=True)
    cities = fields.Dict(keys=fields.String(), values=fields.Nested(CityFiguresSchema), required=True, metadata={
        "description": "广西 14 个设区市 → 立项团队、引进核心成员、各技术领域团队数"})
    fields_ = fields.List(fields.String(), required=True, data_key="fields", attribute="fields",
                          metadata={"description": "技术领域"})
    portrait = fields.Nested(PortraitSchema, required=True)
