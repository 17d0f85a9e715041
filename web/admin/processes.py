"""Process versions: the list, the bpmn-js modeler, validation, deployment and the diff of two versions."""
from __future__ import annotations

from typing import Any

from flask import Response, abort, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select

from engine import repository, versions
from engine.errors import InvalidProcess, Problem
from engine.models import ProcessInstance, ProcessVersion, User
from web import db
from web.admin import bp
from web.admin.common import command
from web.auth import me, role_required
from web.display import PROCESS_LABELS, version_label
from web.numbers import bounded_int

RUNNING = ("running", "waiting")
FIELD_LABELS = {
    "type": "元素类型", "name": "名称", "documentation": "说明", "script": "脚本", "conditionExpression": "条件",
    "incoming": "入线", "outgoing": "出线", "sourceRef": "起点", "targetRef": "终点", "flowNodeRef": "泳道内元素",
    "attachedToRef": "附着于", "calledElement": "调用流程", "calledDecisionId": "调用决策表",
    "messageVariable": "消息变量", "default": "默认出线", "cancelActivity": "中断活动",
    "timerEventDefinition.timeDate": "定时（日期）", "timerEventDefinition.timeDuration": "定时（时长）",
    "timerEventDefinition.timeCycle": "定时（周期）", "property:formKey": "表单 (formKey)",
    "property:dueIn": "办理期限 (dueIn)",
    "property:assignee": "指定办理人 (assignee)", "property:scope": "办理范围 (scope)",
}
# BPMN/DMN element types by tag, as the diff names them (the modeler's panel uses the same words).
ELEMENT_TYPES = {
    "userTask": "用户任务", "scriptTask": "脚本任务", "businessRuleTask": "业务规则任务", "serviceTask": "服务任务",
    "task": "任务", "manualTask": "人工任务", "receiveTask": "接收任务", "callActivity": "调用活动",
    "subProcess": "子流程", "startEvent": "开始事件", "endEvent": "结束事件", "boundaryEvent": "边界事件",
    "intermediateCatchEvent": "中间捕获事件", "intermediateThrowEvent": "中间抛出事件",
    "exclusiveGateway": "排他网关", "parallelGateway": "并行网关", "inclusiveGateway": "包容网关",
    "eventBasedGateway": "事件网关", "sequenceFlow": "顺序流", "lane": "泳道", "laneSet": "泳道集",
    "participant": "池", "process": "流程", "message": "消息", "decision": "决策表", "rule": "规则",
    "collaboration": "协作", "messageFlow": "消息流",
}


def running_counts() -> dict[int, int]:
    """How many instances run (or wait) on each version."""
    rows = db.session().execute(select(ProcessInstance.version_id, func.count())
                                .where(ProcessInstance.status.in_(RUNNING)).group_by(ProcessInstance.version_id))
    return {version_id: int(n) for version_id, n in rows}


def _version(version_id: int) -> ProcessVersion:
    version = db.session().get(ProcessVersion, version_id)
    if version is None:
        abort(404, description=f"流程版本 {version_id} 不存在")
    return version


@bp.get("/", endpoint="index")
@role_required("admin")
def versions_list() -> str:
    rows = db.session().execute(
        select(ProcessVersion, User.display_name).outerjoin(User, User.id == ProcessVersion.deployed_by)
        .order_by(ProcessVersion.process_key, ProcessVersion.version.desc())).all()
    grouped: dict[str, list[tuple[ProcessVersion, str | None]]] = {}
    for version, deployer in rows:
        grouped.setdefault(version.process_key, []).append((version, deployer))
    return render_template("admin/versions.html", grouped=grouped, running=running_counts(), labels=PROCESS_LABELS)


@bp.get("/versions/<int:version_id>")
@role_required("admin")
def modeler(version_id: int) -> str:
    version = _version(version_id)
    files = dict(version.files)
    current = request.args.get("file") or versions.root_file(files, version.process_key)
    if current not in files:
        abort(404, description=f"版本中没有文件 {current}")
    newest = repository.latest(db.session(), version.process_key)
    return render_template("admin/modeler.html", version=version, files=sorted(files), current=current,
                           file_titles=versions.file_titles(files),
                           label=PROCESS_LABELS.get(version.process_key, version.process_key),
                           running=running_counts().get(version.id, 0), newest=newest)


@bp.get("/versions/<int:version_id>/files/<path:name>")
@role_required("admin", "officer")
def version_file(version_id: int, name: str) -> Response:
    files = _version(version_id).files
    if name not in files:
        abort(404, description=f"版本中没有文件 {name}")
    return Response(files[name], mimetype="application/xml")


def _upload() -> tuple[str, str]:
    body: dict[str, Any] = request.get_json(silent=True) or {}
    name, xml = body.get("file"), body.get("xml")
    if not isinstance(name, str) or not name.endswith((".bpmn", ".dmn")) or not isinstance(xml, str) or not xml:
        abort(400, description="请提交文件名（.bpmn 或 .dmn）和 XML 内容")
    return name, xml


def _problems(problems: list[Problem], name: str) -> list[dict[str, object]]:
    """Problems as JSON, the edited file's first."""
    ordered = sorted(problems, key=lambda p: p.file != name)
    return [p.as_dict() for p in ordered]


@bp.post("/processes/validate")
@role_required("admin")
def validate() -> ResponseReturnValue:
    """Validate an edited file together with the library it would be deployed with."""
    name, xml = _upload()
    problems = repository.check(db.session(), {name: xml.encode()})
    return jsonify({"valid": not problems, "problems": _problems(problems, name)})


@bp.post("/processes/deploy")
@role_required("admin")
def deploy() -> ResponseReturnValue:
    """Deploy an edited file as new versions of the processes that use it; running instances keep theirs."""
    name, xml = _upload()
    note = str((request.get_json(silent=True) or {}).get("note") or "").strip()
    if not note:
        return jsonify({"error": "请填写版本说明", "problems": []}), 422
    try:
        with command() as session:
            newest_before = session.scalar(select(func.max(ProcessVersion.id))) or 0
            deployed = repository.deploy(session, {name: xml.encode()}, note=note, actor_id=me().id)
            result = [{"id": v.id, "process_key": v.process_key, "version": v.version, "new": v.id > newest_before,
                       "label": version_label(v.process_key, v.version)} for v in deployed]
    except InvalidProcess as e:
        return jsonify({"error": "流程校验未通过，未部署", "problems": _problems(e.problems, name)}), 422
    return jsonify({"deployed": result}), 201 if any(v["new"] for v in result) else 200


@bp.get("/versions/diff")
@role_required("admin")
def diff() -> str:
    old_id, new_id = request.args.get("a", type=bounded_int), request.args.get("b", type=bounded_int)
    if old_id is None or new_id is None:
        abort(400, description="请选择要比较的两个版本")
    old, new = _version(old_id), _version(new_id)
    result = versions.diff_files(dict(old.files), dict(new.files))
    return render_template("admin/diff.html", old=old, new=new, diff=result, field_labels=FIELD_LABELS,
                           labels=PROCESS_LABELS, types=ELEMENT_TYPES)
