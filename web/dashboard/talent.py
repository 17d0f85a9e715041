"""人才热力图与人才画像: the page, its JSON and its Excel export (officers and administrators)."""
from __future__ import annotations

from flask import jsonify, render_template, request
from flask.typing import ResponseReturnValue

from engine import talent
from engine.errors import FormInvalid
from engine.models import GUANGXI_CITIES
from web import db
from web.auth import role_required
from web.dashboard import bp, filters
from web.dashboard.tables import talent_tables
from web.dashboard.views import OVERSEERS, excel, page_context, requested_scope

# The Guangxi prefecture-level boundaries: a GeoJSON file of an npm package, served by web/vendor.py.
GEOJSON = ("china-geojson", "src/geojson/guang_xi_geo.json")


@bp.get("/talent")
@role_required(*OVERSEERS)
def talent_page() -> ResponseReturnValue:
    scope, errors = requested_scope()
    data = talent.figures(db.session(), scope)
    return render_template("dashboard/talent.html", data=data, tables=talent_tables(data), geojson=GEOJSON,
                           cities=GUANGXI_CITIES, **page_context(scope, errors)), 422 if errors else 200


@bp.get("/talent.json")
@role_required(*OVERSEERS)
def talent_data() -> ResponseReturnValue:
    """The figures the map and the portrait charts draw (the same as GET /api/v1/stats/talent)."""
    try:
        scope = filters.scope_of(db.session(), request.args)
    except FormInvalid as e:
        return jsonify({"error": "筛选条件无效", "errors": e.errors}), 422
    return jsonify(talent.figures(db.session(), scope))


@bp.get("/talent.xlsx")
@role_required(*OVERSEERS)
def talent_export() -> ResponseReturnValue:
    """Every table of the page, under the same filters, one sheet each."""
    try:
        scope = filters.scope_of(db.session(), request.args)
    except FormInvalid as e:
        return jsonify({"error": "筛选条件无效", "errors": e.errors}), 422
    return excel(talent_tables(talent.figures(db.session(), scope)), scope, "人才热力图与人才画像")
