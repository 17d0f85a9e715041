"""Serves the front-end packages' dist files from node_modules (installed by `npm ci`), allow-listed."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, send_file
from werkzeug.wrappers import Response

bp = Blueprint("vendor", __name__, url_prefix="/vendor")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_FONT = "dist/assets/bpmn-font/font/bpmn"
# Only these files are served: no directory listing, no other package file, no path tricks.
ALLOWED: dict[str, frozenset[str]] = {
    "bpmn-js": frozenset({
        "dist/bpmn-modeler.production.min.js",
        "dist/bpmn-modeler.development.js",
        "dist/bpmn-navigated-viewer.production.min.js",
        "dist/bpmn-navigated-viewer.development.js",
        "dist/assets/diagram-js.css",
        "dist/assets/bpmn-js.css",
        "dist/assets/bpmn-font/css/bpmn.css",
        *(f"{_FONT}.{ext}" for ext in ("woff2", "woff", "ttf", "eot", "svg")),
    }),
    "echarts": frozenset({"dist/echarts.min.js", "dist/echarts.js"}),
    # Guangxi's 14 prefecture-level cities (GeoJSON) for the talent map.
    "china-geojson": frozenset({"src/geojson/guang_xi_geo.json"}),
}


def node_modules() -> Path:
    """The node_modules folder: `NODE_MODULES` in the config, else the project root's."""
    configured = current_app.config.get("NODE_MODULES")
    return Path(configured) if configured else PROJECT_ROOT / "node_modules"


@bp.get("/<package>/<path:path>")
def asset(package: str, path: str) -> Response:
    """One allow-listed dist file, cached by the browser for a day."""
    if path not in ALLOWED.get(package, frozenset()):
        abort(404)
    file = node_modules() / package / path
    if not file.is_file():
        abort(404, description=f"前端依赖 {package} 未安装：请在项目根目录运行 npm ci")
    return send_file(file, max_age=86400)
