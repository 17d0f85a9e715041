"""Schemas of the impact preview, dry run and migration API: request bodies (validated) and answers (dumped)."""
from __future__ import annotations

from marshmallow import Schema, validate
from marshmallow import fields as mf

from engine.versioning.moving import MAX_INSTANCES
from engine.versioning.replay import DEFAULT_LIMIT, MAX_LIMIT
from web.api.schemas import COMMON, INTEGER, LIST, TEXT, ProcessUploadSchema, RequestSchema, _id

BOOLEAN = {**COMMON, "invalid": "须为 true 或 false"}

ELEMENT_ID = validate.Regexp(r"^[A-Za-z_][\w.\-]{0,199}$", error="环节编号无效")


class DryRunUploadSchema(ProcessUploadSchema):
    """The edited files, and how many finished lifecycles to replay."""

    limit = mf.Integer(load_default=DEFAULT_LIMIT, strict=False, error_messages=INTEGER,
                       validate=validate.Range(1, MAX_LIMIT, error=f"须在 1–{MAX_LIMIT} 之间"),
                       metadata={"description": "每个流程重放的最近已结束实例数"})


class MigrationRequestSchema(RequestSchema):
    """Which instances to move to which version; `preview` only shows the result."""

    to_version_id = _id(required=True, strict=True, metadata={"description": "目标流程版本编号"})
    instance_ids = mf.List(_id(strict=True), required=True, error_messages=LIST,
                           validate=validate.Length(1, MAX_INSTANCES, error=f"须为 1–{MAX_INSTANCES} 个实例"),
                           metadata={"description": "要迁移的流程实例编号"})
    preview = mf.Boolean(load_default=False, truthy={True}, falsy={False}, error_messages=BOOLEAN,
                         metadata={"description": "true：只预览迁移后的状态，不做任何改动"})
    mapping = mf.Dict(keys=mf.String(validate=ELEMENT_ID, error_messages=TEXT),
                      values=mf.String(validate=ELEMENT_ID, error_messages=TEXT),
                      load_default=dict, error_messages=COMMON,
                      validate=validate.Length(max=200, error="映射过多"),
                      metadata={"description": "新版本已删除的环节 → 新版本中承接它的环节（按 BPMN 编号）"})


class ChangeSchema(Schema):
    process_key = mf.String(required=True)
    element_id = mf.String(required=True)
    name = mf.String(required=True)
    type = mf.String(required=True, metadata={"description": "BPMN/DMN 元素类型（扩展字段）"})
    process = mf.String(required=True, metadata={"description": "所属流程或子流程（扩展字段）"})
    file = mf.String(required=True)
    change = mf.String(required=True, metadata={"description": "added | removed | changed"})
    what = mf.String(required=True, metadata={"description": "改动内容（中文）"})


class WaitingSchema(Schema):
    instance_id = mf.Integer(required=True)
    application_id = mf.Integer(allow_none=True)
    element_id = mf.String(required=True)
    change = mf.String(required=True, metadata={"description": "changed | removed"})
    title = mf.String(metadata={"description": "申报名称（扩展字段）"})
    stage = mf.String(metadata={"description": "申报阶段（扩展字段）"})
    since = mf.String(metadata={"description": "停留在该环节的起始时间（扩展字段）"})


class RunningVersionSchema(Schema):
    process_key = mf.String(required=True)
    version_id = mf.Integer(required=True)
    version = mf.Integer(required=True)
    instances = mf.Integer(required=True, metadata={"description": "该版本上运行中的实例数"})
    affected = mf.Integer(required=True, metadata={"description": "停留在改动或删除环节上的实例数"})
    by_element = mf.Dict(keys=mf.String(), values=mf.Integer())
    on_changed = mf.List(mf.Nested(WaitingSchema), required=True)


class ImpactSchema(Schema):
    changes = mf.List(mf.Nested(ChangeSchema), required=True)
    running = mf.List(mf.Nested(RunningVersionSchema), required=True)
    processes = mf.List(mf.Dict(), metadata={"description": "涉及的流程与其当前版本（扩展字段）"})


class PartingSchema(Schema):
    instance_id = mf.Integer(required=True)
    application_id = mf.Integer(allow_none=True)
    element_id = mf.String(required=True, metadata={"description": "分歧所在的环节"})
    name = mf.String(required=True)
    reason = mf.String(required=True)
    kind = mf.String(required=True, metadata={"description": "path 路径不同 | failed 出错 | outcome 结果不同"})


class DryRunSchema(Schema):
    process_key = mf.String(required=True)
    replayed = mf.Integer(required=True)
    same = mf.Integer(required=True)
    parted = mf.List(mf.Nested(PartingSchema), required=True)
    skipped = mf.List(mf.Dict(), required=True)


class AfterSchema(Schema):
    element_id = mf.String(required=True)
    name = mf.String(required=True)
    kind = mf.String(required=True)
    assignee_id = mf.Integer(allow_none=True)
    due_at = mf.String(allow_none=True)
    changed = mf.Boolean(required=True)


class MigrationPreviewRowSchema(Schema):
    instance_id = mf.Integer(required=True)
    application_id = mf.Integer(allow_none=True)
    from_version_id = mf.Integer(required=True)
    can_move = mf.Boolean(required=True)
    reason = mf.String(required=True)
    open_tasks_after = mf.List(mf.Nested(AfterSchema), required=True)
    waiting_after = mf.List(mf.Nested(AfterSchema), required=True)


class MigrationPreviewSchema(Schema):
    instances = mf.List(mf.Nested(MigrationPreviewRowSchema), required=True)


class RefusedSchema(Schema):
    instance_id = mf.Integer(required=True)
    reason = mf.String(required=True)


class MigrationDoneSchema(Schema):
    id = mf.Integer(required=True)
    migrated = mf.List(mf.Integer(), required=True)
    refused = mf.List(mf.Nested(RefusedSchema), required=True)
    pending = mf.List(mf.Integer(), required=True, metadata={
        "description": "尚待迁移的实例（扩展字段）：超过 200 个实例时由调度器分批迁移，进度见 GET /migrations/{id}"})


class MigrationAnswerSchema(Schema):
    """`preview: true` answers `instances`; a migration answers `id`, `migrated` and `refused`."""

    instances = mf.List(mf.Nested(MigrationPreviewRowSchema))
    id = mf.Integer()
    migrated = mf.List(mf.Integer())
    refused = mf.List(mf.Nested(RefusedSchema))
    pending = mf.List(mf.Integer())


class RollbackSchema(Schema):
    restored = mf.List(mf.Integer(), required=True)
    refused = mf.List(mf.Nested(RefusedSchema), required=True,
                      metadata={"description": "迁移后已有办理、不能回退的实例（扩展字段）"})
