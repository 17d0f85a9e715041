"""API routes for changing a procedure under running applications: impact, dry run, migration, rollback."""
from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from engine import repository
from engine.errors import NotFound
from engine.models import InstanceMigration
from engine.versioning import impact, moving, replay
from web import db
from web.api import bp
from web.api import schemas as s
from web.api import versioning_schemas as vs
from web.api.admin import _read_upload
from web.api.operation import caller, operation

UPLOAD_ERRORS = {413: ("上传的内容过大", s.ErrorSchema), 422: ("文件无效：每个问题一行", s.ProcessProblemsSchema)}


@bp.post("/process-versions/impact")
@operation("部署前的影响预览（multipart：files，与部署相同；不保存任何内容）", tag="流程管理", roles=("admin",),
           body=s.ProcessUploadSchema, upload=True, responses={
               200: ("与当前版本相比每个元素的改动，以及各运行中版本停留在改动或删除环节上的实例", vs.ImpactSchema),
               **UPLOAD_ERRORS})
def impact_preview(body: dict[str, Any]) -> ResponseReturnValue:
    files = _read_upload(body["files"])
    with db.services().sessions() as session:
        found = impact.of_upload(session, files, db.services().runtime.store)
    return jsonify(vs.ImpactSchema().dump(found.as_dict()))


@bp.post("/process-versions/dry-run")
@operation("用历史记录试运行：把最近已结束的申报按审计记录在新版本上重放（不保存任何内容）", tag="流程管理",
           roles=("admin",), body=vs.DryRunUploadSchema, upload=True, responses={
               200: ("每个流程：重放数、路径相同数、分歧的实例及分歧环节", vs.DryRunSchema(many=True)),
               **UPLOAD_ERRORS})
def dry_run(body: dict[str, Any]) -> ResponseReturnValue:
    files = _read_upload(body["files"])
    results = []
    with db.services().sessions() as session:
        for plan in repository.planned(session, files):
            if plan.root not in plan.upload.process_files:
                continue  # a decision table on its own: replayed where a process uses it
            spec = plan.upload.parser.get_spec(plan.root)
            subs = plan.upload.parser.get_subprocess_specs(plan.root)
            results.append(replay.dry_run(session, plan.root, spec, subs, body["limit"]).as_dict())
    return jsonify(vs.DryRunSchema(many=True).dump(results))


@bp.post("/migrations")
@operation("把运行中的实例迁移到新版本；preview 为 true 时只预览", tag="流程管理", roles=("admin",),
           body=vs.MigrationRequestSchema, responses={
               200: ("预览时为 instances；迁移时为 id、migrated、refused", vs.MigrationAnswerSchema),
               404: ("版本或实例不存在", s.ErrorSchema), 409: ("实例数超出上限", s.ErrorSchema)})
def migrate(body: dict[str, Any]) -> ResponseReturnValue:
    runtime = db.services().runtime
    if body["preview"]:
        plans = moving.preview(runtime, body["to_version_id"], body["instance_ids"], body["mapping"], caller().id)
        return jsonify(vs.MigrationPreviewSchema().dump({"instances": [p.as_dict() for p in plans]}))
    outcome = moving.migrate(runtime, body["to_version_id"], body["instance_ids"], body["mapping"], caller().id)
    return jsonify(vs.MigrationDoneSchema().dump(outcome))


@bp.get("/migrations/<int:migration_id>")
@operation("一次迁移的进度与结果（扩展）", tag="流程管理", roles=("admin",), responses={
    200: ("已迁移、未迁移（原因）与尚待迁移的实例", vs.MigrationDoneSchema), 404: ("迁移记录不存在", s.ErrorSchema)})
def migration_progress(migration_id: int) -> ResponseReturnValue:
    with db.services().sessions() as session:
        if session.get(InstanceMigration, migration_id) is None:
            raise NotFound(f"迁移记录 {migration_id} 不存在")
    return jsonify(vs.MigrationDoneSchema().dump(moving.outcome_of(db.services().runtime, migration_id)))


@bp.post("/migrations/<int:migration_id>/rollback")
@operation("回退一次迁移：每个实例恢复到迁移前的版本与状态", tag="流程管理", roles=("admin",), responses={
    200: ("已恢复的实例；迁移后已有办理的实例不能回退（refused）", vs.RollbackSchema),
    404: ("迁移记录不存在", s.ErrorSchema), 409: ("该迁移已回退", s.ErrorSchema)})
def rollback(migration_id: int) -> ResponseReturnValue:
    restored, refused = moving.rollback(db.services().runtime, migration_id, caller().id)
    return jsonify(vs.RollbackSchema().dump({"restored": restored, "refused": refused}))
