"""The front-end packages' dist files: served from node_modules, allow-listed, nothing else."""
from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import Engine

from tests.web.conftest import app_config
from web import create_app
from web.vendor import ALLOWED, PROJECT_ROOT


def test_every_allowed_file_is_installed() -> None:
    missing = [f"{package}/{path}" for package, paths in ALLOWED.items() for path in paths
               if not (PROJECT_ROOT / "node_modules" / package / path).is_file()]
    assert not missing, f"run `npm ci` at the project root; missing: {missing}"


def test_serves_allowed_files_and_nothing_else(db_engine: Engine, tmp_path: Path) -> None:
    modules = tmp_path / "node_modules"
    (modules / "echarts" / "dist").mkdir(parents=True)
    (modules / "echarts" / "dist" / "echarts.min.js").write_text("window.echarts = {};")
    (modules / "echarts" / "package.json").write_text("{}")
    app = create_app(app_config(db_engine, tmp_path, NODE_MODULES=str(modules)))
    try:
        client: FlaskClient = app.test_client()
        with client.get("/vendor/echarts/dist/echarts.min.js") as served:
            assert served.status_code == 200 and served.data == b"window.echarts = {};"
            assert "javascript" in served.mimetype and served.cache_control.max_age == 86400
        for path in ("/vendor/echarts/package.json", "/vendor/echarts/dist/../package.json",
                     "/vendor/left-pad/index.js"):
            assert client.get(path).status_code == 404, path
        bpmn = client.get("/vendor/bpmn-js/dist/bpmn-modeler.production.min.js")
        assert bpmn.status_code == 404 and "npm ci" in bpmn.get_data(as_text=True)
    finally:
        app.extensions["rootball"].engine.dispose()
