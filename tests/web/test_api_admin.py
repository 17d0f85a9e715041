"""API: process versions (list, deploy), instances and statistics, for administrators and officers only."""
from __future__ import annotations

import io
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import Engine

from engine import samples
from tests.engine.test_cli_deploy import TASK_NAME, edited, versions
from tests.web.api_client import api_as, error, ok
from tests.web.conftest import app_config, login_as
from web import create_app

TRACK4 = Path(__file__).resolve().parents[2] / "processes" / "track4_enterprise.bpmn"


def upload(*files: tuple[str, bytes], note: str | None = "测试部署") -> dict[str, object]:
    """A multipart body with `files` (several) and `note`."""
    body: dict[str, object] = {"files": [(io.BytesIO(content), name) for name, content in files]}
    if note is not None:
        body["note"] = note
    return body


def test_process_versions_list_is_for_admins(client: FlaskClient) -> None:
    versions = ok(api_as(client, "admin").get("/process-versions"))
    assert {v["process_key"] for v in versions} >= {"track1_jiebang", "track4_enterprise", "track5_agency"}
    assert set(versions[0]) == {"id", "process_key", "version", "state", "deployed_at", "note"}
    for who in ("officer", "applicant"):
        error(api_as(client, who).get("/process-versions"), 403)


def test_deploy_a_new_version(client: FlaskClient) -> None:
    admin = api_as(client, "admin")
    edited = TRACK4.read_bytes().replace('name="填写申报书"'.encode(), 'name="填写申报书（新版）"'.encode())
    response = admin.post("/process-versions", data=upload(("track4_enterprise.bpmn", edited)),
                          content_type="multipart/form-data")
    deployed = ok(response, 201)
    assert (deployed["version"], deployed["versions"]) == (
        2, [{"id": deployed["id"], "process_key": "track4_enterprise", "version": 2}])
    listed = [v for v in ok(admin.get("/process-versions")) if v["process_key"] == "track4_enterprise"]
    assert [(v["version"], v["note"]) for v in listed][-1] == (2, "测试部署")


def test_deploy_reports_every_problem_with_file_line_and_element(client: FlaskClient) -> None:
    admin = api_as(client, "admin")
    broken = TRACK4.read_bytes().replace(b'value="application_t4"', b'value="no_such_form"', 1)
    body = error(admin.post("/process-versions", data=upload(("track4_enterprise.bpmn", broken)),
                            content_type="multipart/form-data"), 422)
    assert body["errors"] and all(set(p) == {"file", "line", "element_id", "message"} for p in body["errors"])
    problem = body["errors"][0]
    assert (problem["file"], problem["element_id"]) == ("track4_enterprise.bpmn", "application_form")
    assert isinstance(problem["line"], int) and problem["line"] > 1
    garbage = error(admin.post("/process-versions", data=upload(("x.bpmn", b"<not xml")),
                               content_type="multipart/form-data"), 422)["errors"]
    assert garbage[0]["file"] == "x.bpmn"
    for files in ([("notes.txt", b"hello")], [("../up.bpmn", b"<x/>")], [("latin.bpmn", "é".encode("latin-1"))], []):
        problems = error(admin.post("/process-versions", data=upload(*files), content_type="multipart/form-data"),
                         422)["errors"]
        assert problems and set(problems[0]) == {"file", "line", "element_id", "message"}
    long_note = error(admin.post("/process-versions", data=upload(("t.bpmn", b"<x/>"), note="长" * 2001),
                                 content_type="multipart/form-data"), 422)["errors"]
    assert long_note[0]["message"].startswith("note:")
    assert len([v for v in ok(admin.get("/process-versions")) if v["process_key"] == "track4_enterprise"]) == 1
    error(api_as(client, "officer").post("/process-versions", data=upload(("track4_enterprise.bpmn", broken)),
                                         content_type="multipart/form-data"), 403)


def test_upload_over_the_size_limit_is_413(db_engine: Engine, tmp_path: Path) -> None:
    app = create_app(app_config(db_engine, tmp_path, MAX_CONTENT_LENGTH=4096))
    admin = api_as(app.test_client(), "admin")
    too_big = admin.post("/process-versions", data=upload(("big.bpmn", b"<x/>" + b" " * 8192)),
                         content_type="multipart/form-data")
    assert "过大" in error(too_big, 413)["error"]
    app.extensions["rootball"].engine.dispose()


def test_instance_view(client: FlaskClient, calls: dict[str, int]) -> None:
    applicant = api_as(client, "applicant")
    created = ok(applicant.post("/applications", {"call_id": calls["T5"], "title": "人才热力图"}), 201)
    form = next(r["id"] for r in ok(applicant.get("/tasks")) if r["application_id"] == created["id"])
    ok(applicant.post(f"/tasks/{form}/complete", {"data": samples.application("T5")}))
    path = f"/instances/{created['instance_id']}"
    for who in ("officer", "admin"):
        shown = ok(api_as(client, who).get(path))
        assert (shown["status"], shown["version"], shown["process_key"]) == ("running", 1, "track5_agency")
        assert "recommendation" in shown["active"] and "application_form" in shown["completed"]
    for who in ("applicant", "nanning", "expert1"):
        error(api_as(client, who).get(path), 403)
    error(api_as(client, "officer").get("/instances/999999"), 404)


def test_stats_for_officers_and_admins(client: FlaskClient) -> None:
    for who in ("officer", "admin"):
        stats = ok(api_as(client, who).get("/stats"))
        assert (stats["target"], stats["awarded"]) == (100, 0)
        assert stats["by_track"] == {"T1": 0, "T2": 0, "T3": 0, "T4": 0, "T5": 0}
        assert len(stats["by_city"]) == 14 and stats["by_year"] == {}
    for who in ("applicant", "nanning", "expert1"):
        error(api_as(client, who).get("/stats"), 403)


def test_the_modeler_and_the_api_deploy_a_renamed_file(client: FlaskClient, db_engine: Engine) -> None:
    login_as(client, "admin")
    xml = edited(TASK_NAME, "网页").decode()
    checked = client.post("/admin/processes/validate", json={"file": "副本.bpmn", "xml": xml})
    assert checked.get_json() == {"valid": True, "problems": []}
    deployed = client.post("/admin/processes/deploy", json={"file": "副本.bpmn", "xml": xml, "note": "改名的副本"})
    assert deployed.status_code == 201, deployed.get_json()
    assert [v["version"] for v in deployed.get_json()["deployed"]] == [2]
    admin = api_as(client, "admin")
    body = {"files": [(io.BytesIO(edited(TASK_NAME, "接口")), "t4_renamed.bpmn")], "note": "接口部署"}
    assert ok(admin.post("/process-versions", data=body, content_type="multipart/form-data"), 201)["version"] == 3
    broken = edited(TASK_NAME, "坏").replace(b'value="application_t4"', b'value="no_such_form"', 1)
    body = {"files": [(io.BytesIO(broken), "t4_renamed.bpmn")], "note": "坏"}
    problems = error(admin.post("/process-versions", data=body, content_type="multipart/form-data"), 422)["errors"]
    assert problems[0]["file"] == "t4_renamed.bpmn"
    names = {frozenset(v.files) for v in versions(db_engine, "track4_enterprise")}
    assert len(names) == 1 and "track4_enterprise.bpmn" in next(iter(names))
