"""Process instances: the list per version, and one instance on its own version's diagram."""
from __future__ import annotations

from typing import Any

from flask import render_template, request
from sqlalchemy import select

from engine import versions
from engine.inspect_instance import instance_view
from engine.models import Application, ProcessInstance, ProcessVersion
from web import db
from web.admin import bp
from web.admin.processes import PROCESS_LABELS, RUNNING
from web.auth import role_required
from web.display import STAGE_LABELS
from web.numbers import bounded_int

INSTANCE_STATUS = {"running": "运行中", "waiting": "等待中", "complete": "已结束", "withdrawn": "已撤回",
                   "terminated": "已终止", "error": "出错"}
LIST_LIMIT = 500
# The columns the list sorts by (`-` before a key: descending), each ending on the instance id.
SORTS: dict[str, Any] = {"id": ProcessInstance.id, "next_timer": ProcessInstance.next_timer_at,
                         "updated": ProcessInstance.updated_at}


@bp.get("/instances")
@role_required("admin", "officer")
def instances() -> str:
    version_id = request.args.get("version_id", type=bounded_int)
    running_only = request.args.get("running") == "1"
    sort = request.args.get("sort", "").strip()
    sort = sort if sort.lstrip("-") in SORTS else "-id"
    column = SORTS[sort.lstrip("-")]
    order = ((column.desc().nulls_last(), ProcessInstance.id.desc()) if sort.startswith("-")
             else (column.asc().nulls_last(), ProcessInstance.id.asc()))
    query = (select(ProcessInstance, ProcessVersion, Application)
             .join(ProcessVersion, ProcessVersion.id == ProcessInstance.version_id)
             .outerjoin(Application, Application.id == ProcessInstance.application_id)
             .order_by(*order).limit(LIST_LIMIT))
    if version_id is not None:
        query = query.where(ProcessInstance.version_id == version_id)
    if running_only:
        query = query.where(ProcessInstance.status.in_(RUNNING))
    rows = db.session().execute(query).all()
    args = {k: v for k, v in {"version_id": version_id, "running": "1" if running_only else None}.items() if v}
    return render_template("admin/instances.html", rows=rows, version_id=version_id, running_only=running_only,
                           statuses=INSTANCE_STATUS, labels=PROCESS_LABELS, sort=sort, args=args,
                           stage_labels=STAGE_LABELS)


def diagram_marks(view: dict[str, Any], xml: str) -> dict[str, list[str]]:
    """Active and completed element ids of an instance view, for the processes drawn in one file."""
    shown = versions.process_ids(xml)
    return {kind: sorted({b for p in shown for b in view["by_process"].get(p, {}).get(kind, [])})
            for kind in ("active", "completed")}


@bp.get("/instances/<int:instance_id>")
@role_required("admin", "officer")
def instance(instance_id: int) -> str:
    session = db.session()
    view = instance_view(session, instance_id)
    found = session.get(ProcessInstance, instance_id)
    assert found is not None
    version = session.get(ProcessVersion, view["version_id"])
    assert version is not None
    application = session.get(Application, found.application_id) if found.application_id else None
    files = dict(version.files)
    current = request.args.get("file") or versions.root_file(files, version.process_key)
    if current not in files:
        current = versions.root_file(files, version.process_key)
    marks = diagram_marks(view, files[current])
    return render_template("admin/instance.html", view=view, marks=marks, instance=found, version=version,
                           application=application, files=sorted(n for n in files if n.endswith(".bpmn")),
                           current=current, statuses=INSTANCE_STATUS, stage_labels=STAGE_LABELS,
                           label=PROCESS_LABELS.get(version.process_key, version.process_key),
                           names=versions.element_names(files), file_titles=versions.file_titles(files))
