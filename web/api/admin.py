"""API routes for officers and administrators: process versions, instances, incidents, programme statistics."""
from __future__ import annotations

import re
from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from engine import incidents, operations, repository, stats
from engine.errors import Conflict, InvalidProcess, Problem, ScriptFailure
from engine.inspect_instance import instance_view
from engine.models import ProcessVersion
from web import db
from web.api import bp
from web.api import schemas as s
from web.api.operation import caller, operation

OVERSEERS = ("officer", "admin")
# Names are keys inside the stored version (sub-folders allowed, as in processes/common/), never file paths.
FILE_NAME = re.compile(r"^(?!.*\.\.)[\w\-][\w\-./]{0,199}\.(bpmn|dmn)$")


@bp.get("/process-versions")
@operation("全部流程版本", tag="流程管理", roles=("admin",), responses={
    200: ("流程版本列表", s.ProcessVersionSchema(many=True))})
def list_versions() -> ResponseReturnValue:
    versions = db.session().scalars(select(ProcessVersion).order_by(ProcessVersion.process_key,
                                                                     ProcessVersion.version)).all()
    return jsonify(s.ProcessVersionSchema(many=True).dump(versions))


def _problem(name: str, message: str) -> InvalidProcess:
    return InvalidProcess([Problem(file=name, line=None, element_id="", message=message)])


def _read_upload(uploads: list[Any]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for upload in uploads:
        name = upload.filename if isinstance(upload, FileStorage) else None
        if not name or not FILE_NAME.match(name):
            raise _problem(str(name or ""), "文件名应以 .bpmn 或 .dmn 结尾，只含字母、数字、下划线、连字符、点和斜杠")
        content = upload.read()
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise _problem(name, "文件不是 UTF-8 编码的文本") from None
        files[name] = content
    if not files:
        raise _problem("", "请至少上传一个 .bpmn 或 .dmn 文件")
    return files


@bp.post("/process-versions")
@operation("校验并部署为新版本（multipart：files 可多个，note）", tag="流程管理", roles=("admin",),
           body=s.ProcessUploadSchema, upload=True, responses={
               201: ("已部署；id、version 为第一个流程的新版本", s.DeployedSchema),
               413: ("上传的内容过大", s.ErrorSchema), 422: ("文件无效：每个问题一行", s.ProcessProblemsSchema)})
def deploy_version(body: dict[str, Any]) -> ResponseReturnValue:
    files = _read_upload(body["files"])
    with db.services().sessions.begin() as session:
        versions = repository.deploy(session, files, body["note"], caller().id)
        if not versions:
            raise _problem(sorted(files)[0], "上传的文件中没有可部署的流程")
        refs = [{"id": v.id, "process_key": v.process_key, "version": v.version} for v in versions]
    return jsonify(s.DeployedSchema().dump({**refs[0], "versions": refs})), 201


@bp.get("/instances/<int:instance_id>")
@operation("流程实例的状态：版本、进行中与已完成的元素", tag="流程管理", roles=OVERSEERS, responses={
    200: ("流程实例", s.InstanceSchema), 404: ("流程实例不存在", s.ErrorSchema)})
def get_instance(instance_id: int) -> ResponseReturnValue:
    return jsonify(s.InstanceSchema().dump(instance_view(db.session(), instance_id)))


@bp.get("/stats")
@operation("计划进度：立项团队数与目标，按类别、设区市、年份", tag="统计", roles=OVERSEERS, responses={
    200: ("统计", s.StatsSchema)})
def get_stats() -> ResponseReturnValue:
    return jsonify(s.StatsSchema().dump(stats.progress(db.session())))


@bp.get("/incidents")
@operation("未处理的运行异常（脚本、条件、定时器表达式运行出错）", tag="流程管理", roles=("admin",), responses={
    200: ("运行异常列表，最近出现的在前", s.IncidentSchema(many=True))})
def list_incidents() -> ResponseReturnValue:
    return jsonify(s.IncidentSchema(many=True).dump(incidents.open_incidents(db.session())))


@bp.post("/incidents/<int:incident_id>/retry")
@operation("重试：重新执行该实例待执行的工作（到期定时器、引擎步骤）", tag="流程管理", roles=("admin",), responses={
    200: ("重试成功，异常已关闭", s.RetriedSchema), 404: ("运行异常不存在", s.ErrorSchema),
    409: ("已处理，或再次出错（error 说明原因）", s.ErrorSchema)})
def retry_incident(incident_id: int) -> ResponseReturnValue:
    try:
        fired = operations.retry_incident(db.services().runtime, incident_id, caller().id)
    except ScriptFailure as e:
        raise Conflict(str(e)) from e
    return jsonify(s.RetriedSchema().dump({"id": incident_id, "resolved": True, "timers_fired": fired}))
