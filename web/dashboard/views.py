"""The programme dashboard: progress to the 100-team target, by track, city and year, and the applications in
progress by stage; filtered by year, track and call, exported to Excel."""
from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import jsonify, render_template, request, send_file
from flask.typing import ResponseReturnValue

from engine import stats
from engine.errors import FormInvalid
from engine.models import TRACKS, Call
from engine.scope import Scope
from web import db
from web.auth import role_required
from web.dashboard import bp, filters
from web.dashboard.tables import XLSX, Table, progress_tables, workbook
from web.display import STAGE_LABELS

OVERSEERS = ("officer", "admin")


def requested_scope() -> tuple[Scope, dict[str, list[str]]]:
    """The scope of the request's filters; a bad filter is reported with its message and not applied."""
    try:
        return filters.scope_of(db.session(), request.args), {}
    except FormInvalid as e:
        good = {k: v for k, v in request.args.items() if k not in e.errors}
        return filters.scope_of(db.session(), good), {k: list(map(str, v)) if isinstance(v, list) else [str(v)]
                                                      for k, v in e.errors.items()}


def filter_labels(scope: Scope) -> list[tuple[str, str]]:
    """The applied filters in words (the Excel sheets' first line)."""
    call = db.session().get(Call, scope.call_id) if scope.call_id else None
    shown = [("年度", f"{scope.year} 年" if scope.year else ""),
             ("举措", f"{scope.track} {TRACKS[scope.track]}" if scope.track else ""),
             ("申报批次", call.title if call else "")]
    return [(k, v) for k, v in shown if v]


def page_context(scope: Scope, errors: dict[str, list[str]]) -> dict[str, Any]:
    return {"scope": scope, "filter_errors": errors, "choices": filters.choices(db.session()),
            "query": scope.query()}


def excel(tables: list[Table], scope: Scope, name: str) -> ResponseReturnValue:
    """The tables as a workbook download."""
    return send_file(BytesIO(workbook(tables, filter_labels(scope))), mimetype=XLSX, as_attachment=True,
                     download_name=f"{name}.xlsx", max_age=0)


@bp.get("/")
@role_required(*OVERSEERS)
def index() -> ResponseReturnValue:
    scope, errors = requested_scope()
    data = stats.progress(db.session(), scope)
    return render_template("dashboard/index.html", data=data, tracks=TRACKS, stage_labels=STAGE_LABELS,
                           tables=progress_tables(data), **page_context(scope, errors)), 422 if errors else 200


@bp.get("/data.json")
@role_required(*OVERSEERS)
def data() -> ResponseReturnValue:
    """The dashboard's numbers, with the Chinese labels and the lifecycle order of stages the charts show."""
    try:
        scope = filters.scope_of(db.session(), request.args)
    except FormInvalid as e:
        return jsonify({"error": "筛选条件无效", "errors": e.errors}), 422
    numbers = stats.progress(db.session(), scope)
    return jsonify({**numbers, "filters": scope.as_dict(), "stage_order": list(numbers["pipeline"]),
                    "labels": {"tracks": TRACKS, "stages": STAGE_LABELS}})


@bp.get("/export.xlsx")
@role_required(*OVERSEERS)
def export() -> ResponseReturnValue:
    """The dashboard's figures under the same filters as an Excel workbook, one sheet per chart."""
    try:
        scope = filters.scope_of(db.session(), request.args)
    except FormInvalid as e:
        return jsonify({"error": "筛选条件无效", "errors": e.errors}), 422
    return excel(progress_tables(stats.progress(db.session(), scope)), scope, "统计分析")
