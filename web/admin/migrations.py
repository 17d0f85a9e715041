"""Moving running instances onto a newer version: choose and filter, preview, migrate, roll back;
and, from the modeler, the impact and the dry run of the diagram being edited."""
from __future__ import annotations

import re
from collections import Counter
from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import repository
from engine.errors import InvalidProcess
from engine.models import Application, InstanceMigration, MigrationItem, ProcessInstance, ProcessVersion, User
from engine.versioning import impact, moving, replay
from web import db
from web.admin import bp
from web.admin.processes import PROCESS_LABELS, _problems, _upload
from web.auth import me, role_required
from web.display import STAGE_LABELS, local
from web.numbers import bounded_int

RUNNING = moving.RUNNING
SHOWN = 200
ELEMENT = re.compile(r"^[A-Za-z_][\w.\-]{0,199}$")


def element_names(session: Session, version_id: int) -> dict[str, str]:
    """bpmn_name by element id of a version's process and subprocesses."""
    spec, subs = repository.specs(session, version_id)
    return {ts.bpmn_id: ts.bpmn_name or ts.bpmn_id for process in [spec, *subs.values()]
            for ts in process.task_specs.values() if getattr(ts, "bpmn_id", None)}


def _deployed(session: Session, process_key: str) -> list[ProcessVersion]:
    return list(session.scalars(select(ProcessVersion).where(
        ProcessVersion.process_key == process_key, ProcessVersion.state == "deployed",
        ProcessVersion.spec_json != "").order_by(ProcessVersion.version.desc())).all())


def _filtered(session: Session, process_key: str, target_id: int, args: Any) -> Any:
    """Running instances of the process not on the target version, narrowed by version, stage and element."""
    query = (select(ProcessInstance, ProcessVersion, Application)
             .join(ProcessVersion, ProcessVersion.id == ProcessInstance.version_id)
             .outerjoin(Application, Application.id == ProcessInstance.application_id)
             .where(ProcessVersion.process_key == process_key, ProcessInstance.status.in_(RUNNING),
                    ProcessInstance.version_id != target_id)
             .order_by(ProcessInstance.id))
    from_version = bounded_int(args.get("from_version", "")) if args.get("from_version") else None
    if from_version is not None:
        query = query.where(ProcessInstance.version_id == from_version)
    stage = args.get("stage", "")
    if stage in STAGE_LABELS:
        query = query.where(Application.stage == stage)
    element = args.get("element", "")
    rows = session.execute(query).all()
    if element:
        rows = [r for r in rows if any(p[1] == element for p in r[0].positions or [])]
    return rows


@bp.get("/migrations")
@role_required("admin")
def migrations() -> str:
    session = db.session()
    keys = [k for k in session.scalars(select(ProcessVersion.process_key).distinct().order_by(
        ProcessVersion.process_key)).all() if k in PROCESS_LABELS and _deployed(session, k)]
    process_key = request.args.get("process", "")
    if process_key not in keys:
        process_key = keys[0] if keys else ""
    versions = _deployed(session, process_key) if process_key else []
    target_id = request.args.get("to", type=bounded_int) or (versions[0].id if versions else 0)
    target = next((v for v in versions if v.id == target_id), versions[0] if versions else None)
    rows = _filtered(session, process_key, target.id, request.args) if target else []
    names: dict[int, dict[str, str]] = {}
    for _instance, version, _app in rows[:SHOWN]:
        if version.id not in names:
            names[version.id] = element_names(session, version.id)
    elements = sorted({p[1] for r in rows for p in r[0].positions or []})
    history = session.execute(
        select(InstanceMigration, ProcessVersion, User.display_name)
        .join(ProcessVersion, ProcessVersion.id == InstanceMigration.to_version_id)
        .outerjoin(User, User.id == InstanceMigration.created_by)
        .order_by(InstanceMigration.id.desc()).limit(20)).all()
    return render_template("admin/migrations.html", keys=keys, process_key=process_key, labels=PROCESS_LABELS,
                           versions=versions, target=target, rows=rows[:SHOWN], total=len(rows), names=names,
                           elements=elements, stage_labels=STAGE_LABELS, args=request.args, history=history,
                           shown=SHOWN)


def _chosen(session: Session) -> tuple[int, list[int], dict[str, str]]:
    """Target version, instance ids (ticked, or every instance of the filter) and mapping from the form."""
    target_id = bounded_int(request.form.get("to", ""))
    if target_id is None:
        abort(400, description="请选择目标版本")
    if request.form.get("scope") == "filter":
        target = session.get(ProcessVersion, target_id)
        if target is None:
            abort(404, description="流程版本不存在")
        ids = [r[0].id for r in _filtered(session, target.process_key, target.id, request.form)]
    else:
        ids = [i for i in (bounded_int(v) for v in request.form.getlist("instance_id")) if i is not None]
    mapping = {key.removeprefix("map:"): value for key, value in request.form.items()
               if key.startswith("map:") and ELEMENT.match(key.removeprefix("map:")) and ELEMENT.match(value)}
    return target_id, ids, mapping


@bp.post("/migrations/preview")
@role_required("admin")
def migration_preview() -> ResponseReturnValue:
    session = db.session()
    target_id, ids, mapping = _chosen(session)
    if not ids:
        flash("请至少选择一个实例", "warning")
        return redirect(request.referrer or url_for("admin.migrations"))
    plans = moving.preview(db.services().runtime, target_id, ids, mapping, me().id)
    target = session.get(ProcessVersion, target_id)
    assert target is not None
    target_names = element_names(session, target_id)
    removed: dict[str, tuple[str, str]] = {}  # element waited on that the target lacks -> (name, type)
    for plan in plans:
        if plan.can_move:
            continue
        instance = session.get(ProcessInstance, plan.instance_id)
        if instance is None:
            continue
        own = element_names(session, instance.version_id)
        for _process, element_id, _since in instance.positions or []:
            if element_id not in target_names:
                removed[element_id] = (own.get(element_id, element_id), "")
    apps = {a.id: a for a in session.scalars(select(Application).where(
        Application.id.in_([p.application_id for p in plans if p.application_id]))).all()}
    return render_template("admin/migration_preview.html", plans=plans, target=target, ids=ids, mapping=mapping,
                           removed=removed, target_names=target_names, apps=apps, labels=PROCESS_LABELS,
                           stage_labels=STAGE_LABELS, movable=sum(p.can_move for p in plans))


@bp.post("/migrations/run")
@role_required("admin")
def migration_run() -> ResponseReturnValue:
    target_id, ids, mapping = _chosen(db.session())
    if not ids:
        flash("请至少选择一个实例", "warning")
        return redirect(url_for("admin.migrations"))
    outcome = moving.migrate(db.services().runtime, target_id, ids, mapping, me().id)
    flash(f"已迁移 {len(outcome.migrated)} 个实例" + (f"，{len(outcome.refused)} 个未迁移" if outcome.refused else "")
          + (f"，{len(outcome.pending)} 个由调度器分批迁移" if outcome.pending else ""),
          "success" if outcome.migrated or outcome.pending else "warning")
    return redirect(url_for("admin.migration", migration_id=outcome.id))


@bp.get("/migrations/<int:migration_id>")
@role_required("admin")
def migration(migration_id: int) -> str:
    session = db.session()
    found = session.get(InstanceMigration, migration_id)
    if found is None:
        abort(404, description=f"迁移记录 {migration_id} 不存在")
    target = session.get(ProcessVersion, found.to_version_id)
    items = session.execute(
        select(MigrationItem, ProcessVersion, Application)
        .join(ProcessInstance, ProcessInstance.id == MigrationItem.instance_id)
        .join(ProcessVersion, ProcessVersion.id == MigrationItem.from_version_id)
        .outerjoin(Application, Application.id == ProcessInstance.application_id)
        .where(MigrationItem.migration_id == migration_id).order_by(MigrationItem.id)).all()
    counts = Counter(item.outcome for item, _version, _app in items)
    return render_template("admin/migration.html", migration=found, target=target, items=items,
                           labels=PROCESS_LABELS, stage_labels=STAGE_LABELS, counts=counts,
                           pending=counts.get("pending", 0))


@bp.post("/migrations/<int:migration_id>/rollback")
@role_required("admin")
def migration_rollback(migration_id: int) -> ResponseReturnValue:
    restored, refused = moving.rollback(db.services().runtime, migration_id, me().id)
    flash(f"已回退 {len(restored)} 个实例" + (f"；{len(refused)} 个迁移后已有办理，未回退" if refused else ""),
          "success" if restored else "warning")
    return redirect(url_for("admin.migration", migration_id=migration_id))


# -- from the modeler: the diagram being edited -------------------------------------------------
@bp.post("/processes/impact")
@role_required("admin")
def modeler_impact() -> ResponseReturnValue:
    """What deploying the edited file would change, and which running instances wait where it changes."""
    name, xml = _upload()
    try:
        found = impact.of_upload(db.session(), {name: xml.encode()}, db.services().runtime.store)
    except InvalidProcess as e:
        return jsonify({"error": "流程校验未通过", "problems": _problems(e.problems, name)}), 422
    answer = found.as_dict()
    for running in answer["running"]:
        running["label"] = PROCESS_LABELS.get(running["process_key"], running["process_key"])
        names = element_names(db.session(), running["version_id"]) if running["on_changed"] else {}
        for waiting in running["on_changed"]:  # shown to people: names, Chinese stages, China time
            waiting["element_name"] = names.get(waiting["element_id"], waiting["element_id"])
            waiting["stage"] = STAGE_LABELS.get(waiting["stage"], waiting["stage"])
            waiting["since"] = local(waiting["since"])
    return jsonify(answer)


@bp.post("/processes/dry-run")
@role_required("admin")
def modeler_dry_run() -> ResponseReturnValue:
    """The edited file replayed on recently finished lifecycles."""
    name, xml = _upload()
    session = db.session()
    try:
        plans = repository.planned(session, {name: xml.encode()})
    except InvalidProcess as e:
        return jsonify({"error": "流程校验未通过", "problems": _problems(e.problems, name)}), 422
    results = [replay.dry_run(session, p.root, p.upload.parser.get_spec(p.root),
                              p.upload.parser.get_subprocess_specs(p.root), limit=replay.DEFAULT_LIMIT).as_dict()
               for p in plans if p.root in p.upload.process_files]
    for result in results:
        result["label"] = PROCESS_LABELS.get(result["process_key"], result["process_key"])
    return jsonify({"results": results})
