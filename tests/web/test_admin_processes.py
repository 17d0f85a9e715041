"""Administration of process versions: roles, the modeler's validate and deploy endpoints, the diff, instances."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import undefer

from engine.inspect_instance import instance_view
from engine.models import AuditEvent, ProcessInstance, ProcessVersion
from engine.runtime import Runtime
from engine.scenario import Scenario
from tests.web.conftest import app_config, login_as
from web import create_app

TRACK4 = (Path(__file__).resolve().parents[2] / "processes" / "track4_enterprise.bpmn").read_text()
DUE_5WD = '<spiffworkflow:property name="dueIn" value="P5WD" />'
ADMIN_ONLY_GETS = ["/admin/", "/admin/versions/1", "/admin/users", "/admin/calls", "/admin/versions/diff?a=1&b=1"]


def version_of(runtime: Runtime, key: str) -> dict[int, ProcessVersion]:
    """Versions of a process by number."""
    with runtime.sessions() as session:
        query = select(ProcessVersion).where(ProcessVersion.process_key == key).options(undefer(ProcessVersion.files))
        return {v.version: v for v in session.scalars(query)}


def instance_of(runtime: Runtime, app_id: int) -> ProcessInstance:
    with runtime.sessions() as session:
        found = session.scalar(select(ProcessInstance).where(ProcessInstance.application_id == app_id))
        assert found is not None
        return found


def t4_version_id(runtime: Runtime) -> int:
    return version_of(runtime, "track4_enterprise")[1].id


@pytest.mark.parametrize("username", ["officer", "applicant", "expert1", "nanning"])
def test_admin_pages_are_for_administrators_only(client: FlaskClient, username: str) -> None:
    login_as(client, username)
    for path in ADMIN_ONLY_GETS:
        assert client.get(path).status_code == 403, path
    assert client.post("/admin/processes/validate", json={"file": "a.bpmn", "xml": "<x/>"}).status_code == 403
    deploy = {"file": "a.bpmn", "xml": "<x/>", "note": "n"}
    assert client.post("/admin/processes/deploy", json=deploy).status_code == 403


def test_signed_out_visitors_are_sent_to_login(client: FlaskClient) -> None:
    response = client.get("/admin/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_versions_list_counts_running_instances(client: FlaskClient, play: Scenario, calls: dict[str, int],
                                                runtime: Runtime) -> None:
    play.start(calls["T4"], "founder", "甲")
    play.start(calls["T4"], "founder", "乙")
    login_as(client, "admin")
    html = client.get("/admin/").get_data(as_text=True)
    row = html.split(f'data-version-id="{t4_version_id(runtime)}"')[1].split("</tr>")[0]
    assert "运行中 2" in row
    assert "T4 来桂创办企业" in html and "随系统发布的流程" in html


def test_modeler_page_and_version_files(client: FlaskClient, runtime: Runtime) -> None:
    login_as(client, "admin")
    vid = t4_version_id(runtime)
    html = client.get(f"/admin/versions/{vid}").get_data(as_text=True)
    assert 'data-file="track4_enterprise.bpmn"' in html and "common/award.bpmn" in html
    assert "bpmn-modeler.production.min.js" in html and "部署为新版本" in html
    xml = client.get(f"/admin/versions/{vid}/files/track4_enterprise.bpmn")
    assert xml.status_code == 200 and xml.mimetype == "application/xml" and b'id="track4_enterprise"' in xml.data
    assert client.get(f"/admin/versions/{vid}/files/nothing.bpmn").status_code == 404
    assert client.get("/admin/versions/999999").status_code == 404


def test_validate_lists_problems_with_element_ids(client: FlaskClient) -> None:
    login_as(client, "admin")
    good = client.post("/admin/processes/validate", json={"file": "track4_enterprise.bpmn", "xml": TRACK4})
    assert good.get_json() == {"valid": True, "problems": []}
    bad_due = TRACK4.replace(DUE_5WD, '<spiffworkflow:property name="dueIn" value="五天" />', 1)
    body = client.post("/admin/processes/validate", json={"file": "track4_enterprise.bpmn", "xml": bad_due}).get_json()
    assert body["valid"] is False
    [problem] = body["problems"]
    assert problem["element_id"] == "recommendation" and "dueIn" in problem["message"]
    assert problem["file"] == "track4_enterprise.bpmn" and problem["line"]
    unsafe = TRACK4.replace('decision == "approve"', '__import__("os")', 1)
    body = client.post("/admin/processes/validate", json={"file": "track4_enterprise.bpmn", "xml": unsafe}).get_json()
    found = [(p["element_id"], p["message"][:6]) for p in body["problems"]]
    assert found == [("flow_recommend_approve", "表达式不安全")]
    broken = client.post("/admin/processes/validate", json={"file": "track4_enterprise.bpmn", "xml": TRACK4[:-40]})
    assert broken.get_json()["problems"][0]["message"].startswith("XML 格式错误")


def test_validate_rejects_requests_without_a_file(client: FlaskClient) -> None:
    login_as(client, "admin")
    assert client.post("/admin/processes/validate", json={"xml": TRACK4}).status_code == 400
    assert client.post("/admin/processes/validate", json={"file": "x.txt", "xml": TRACK4}).status_code == 400


def test_deploy_creates_a_version_and_running_instances_keep_theirs(
    client: FlaskClient, play: Scenario, calls: dict[str, int], runtime: Runtime, users: dict[str, int],
) -> None:
    old_app = play.start(calls["T4"], "founder", "旧版本申报")
    login_as(client, "admin")
    edited = TRACK4.replace('name="推荐单位审核推荐"', 'name="市科技局审核推荐"').replace(
        DUE_5WD, '<spiffworkflow:property name="dueIn" value="P3WD" />', 1)
    response = client.post("/admin/processes/deploy",
                           json={"file": "track4_enterprise.bpmn", "xml": edited, "note": "推荐时限改为3个工作日"})
    assert response.status_code == 201
    deployed = response.get_json()["deployed"]
    assert [(d["process_key"], d["version"], d["new"]) for d in deployed] == [("track4_enterprise", 2, True)]
    versions = version_of(runtime, "track4_enterprise")
    assert versions[2].note == "推荐时限改为3个工作日" and versions[2].deployed_by == users["admin"]
    assert "P3WD" in versions[2].files["track4_enterprise.bpmn"]
    assert set(versions[2].files) == set(versions[1].files)
    for other in ("track1_jiebang", "track5_agency"):
        assert list(version_of(runtime, other)) == [1]

    new_app = play.start(calls["T4"], "founder", "新版本申报")
    assert instance_of(runtime, old_app).version_id == versions[1].id
    assert instance_of(runtime, new_app).version_id == versions[2].id
    from engine import samples
    for app_id in (old_app, new_app):
        play.do(app_id, "application_form", "founder", samples.application("T4", city="柳州市"))
    titles = {app_id: play.task(app_id, "recommendation").title for app_id in (old_app, new_app)}
    assert titles == {old_app: "推荐单位审核推荐", new_app: "市科技局审核推荐"}
    with runtime.sessions() as session:
        assert instance_view(session, instance_of(runtime, old_app).id)["version"] == 1
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "deploy")).all()
        assert [(e.actor_id, e.task_name) for e in events if e.actor_id] == [(users["admin"], "track4_enterprise v2")]
    html = client.get("/admin/").get_data(as_text=True)
    assert "推荐时限改为3个工作日" in html


def test_deploy_refuses_invalid_diagrams_and_missing_notes(client: FlaskClient, runtime: Runtime) -> None:
    login_as(client, "admin")
    bad = TRACK4.replace(DUE_5WD, '<spiffworkflow:property name="dueIn" value="soon" />', 1)
    response = client.post("/admin/processes/deploy", json={"file": "track4_enterprise.bpmn", "xml": bad, "note": "x"})
    assert response.status_code == 422
    assert [p["element_id"] for p in response.get_json()["problems"]] == ["recommendation"]
    no_note = client.post("/admin/processes/deploy", json={"file": "track4_enterprise.bpmn", "xml": TRACK4, "note": ""})
    assert no_note.status_code == 422 and no_note.get_json()["error"] == "请填写版本说明"
    assert list(version_of(runtime, "track4_enterprise")) == [1]


def test_deploying_unchanged_content_makes_no_version(client: FlaskClient, runtime: Runtime) -> None:
    login_as(client, "admin")
    response = client.post("/admin/processes/deploy",
                           json={"file": "track4_enterprise.bpmn", "xml": TRACK4, "note": "未修改"})
    assert response.status_code == 200
    assert response.get_json()["deployed"][0]["new"] is False
    assert list(version_of(runtime, "track4_enterprise")) == [1]


def test_diff_page_shows_added_removed_and_changed_elements(client: FlaskClient, runtime: Runtime) -> None:
    login_as(client, "admin")
    edited = TRACK4.replace(DUE_5WD, '<spiffworkflow:property name="dueIn" value="P3WD" />', 1).replace(
        '<bpmn:endEvent id="end_not_recommended" name="未获推荐">', '<bpmn:endEvent id="end_refused" name="不予推荐">')
    edited = edited.replace('"end_not_recommended"', '"end_refused"').replace(">end_not_recommended<", ">end_refused<")
    assert client.post("/admin/processes/deploy",
                       json={"file": "track4_enterprise.bpmn", "xml": edited, "note": "改"}).status_code == 201
    versions = version_of(runtime, "track4_enterprise")
    html = client.get(f"/admin/versions/diff?a={versions[1].id}&b={versions[2].id}").get_data(as_text=True)
    assert 'id="count-added">1<' in html and 'id="count-removed">1<' in html
    added = html.split('id="added"')[1].split("</section>")[0]
    removed = html.split('id="removed"')[1].split("</section>")[0]
    changed = html.split('id="changed"')[1].split("</section>")[0]
    assert "end_refused" in added and "不予推荐" in added
    assert "end_not_recommended" in removed
    assert "flow_to_end_not_recommended" in changed and "终点" in changed
    assert "recommendation" in changed and "P5WD" in changed and "P3WD" in changed and "办理期限 (dueIn)" in changed
    assert "用户任务" in changed and "userTask" not in changed
    assert client.get("/admin/versions/diff?a=1").status_code == 400


def test_instance_viewer_for_officers(client: FlaskClient, play: Scenario, calls: dict[str, int],
                                      runtime: Runtime) -> None:
    app_id = play.start(calls["T4"], "founder", "查看实例")
    instance_id = instance_of(runtime, app_id).id
    login_as(client, "officer")
    page = client.get(f"/admin/instances/{instance_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '"application_form"' in html and "bpmn-navigated-viewer" in html and "查看实例" in html
    assert 'id="instance-version">T4 来桂创办企业 第1版<' in html
    listing = client.get("/admin/instances?running=1").get_data(as_text=True)
    assert f"#{instance_id}" in listing
    assert client.get(f"/admin/versions/{t4_version_id(runtime)}/files/track4_enterprise.bpmn").status_code == 200
    assert client.get("/admin/instances/999999").status_code == 404
    login_as(client, "founder")
    assert client.get(f"/admin/instances/{instance_id}").status_code == 403


def test_modeler_posts_need_the_csrf_token(db_engine: Engine, tmp_path: Path) -> None:
    app: Flask = create_app(app_config(db_engine, tmp_path, WTF_CSRF_ENABLED=True))
    try:
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        assert client.post("/login", data={"username": "admin", "password": "test-password",
                                           "csrf_token": token}).status_code == 302
        body = {"file": "track4_enterprise.bpmn", "xml": TRACK4}
        assert client.post("/admin/processes/validate", json=body).status_code == 400
        html = client.get("/admin/").get_data(as_text=True)
        meta = html.split('name="csrf-token" content="')[1].split('"')[0]
        assert client.post("/admin/processes/validate", json=body, headers={"X-CSRFToken": meta}).status_code == 200
        assert client.post("/admin/calls/1/status", data={"status": "closed"}).status_code == 400
    finally:
        app.extensions["rootball"].engine.dispose()
