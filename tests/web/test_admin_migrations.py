"""Web: the modeler's impact panel answers, and the migration pages (filter, preview, migrate, roll back),
for administrators only, with CSRF."""
from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select

from engine.lifecycle import Lifecycle
from engine.models import ProcessInstance, ProcessVersion
from engine.runtime import Runtime
from tests.engine.test_migration import (
    midterm_with_site_visit,
    midterm_without_report,
    to_midterm_report,
    to_midterm_review,
)
from tests.web.conftest import app_config, login_as
from web import create_app


def instance_id(runtime: Runtime, lc: Lifecycle) -> int:
    with runtime.sessions() as session:
        found = session.scalar(select(ProcessInstance.id).where(ProcessInstance.application_id == lc.app_id))
        assert found is not None
        return int(found)


def version_of(runtime: Runtime, instance: int) -> int:
    with runtime.sessions() as session:
        row = session.get(ProcessInstance, instance)
        assert row is not None
        return session.get(ProcessVersion, row.version_id).version  # type: ignore[union-attr]


def t4_latest(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return int(session.scalar(select(ProcessVersion.id).where(ProcessVersion.process_key == "track4_enterprise")
                                  .order_by(ProcessVersion.version.desc()).limit(1)) or 0)


def test_modeler_impact_and_dry_run(client: FlaskClient, runtime: Runtime) -> None:
    reviewing = Lifecycle(runtime, "T4")
    to_midterm_review(reviewing)
    login_as(client, "admin")
    body = {"file": "common/midterm.bpmn", "xml": midterm_with_site_visit().decode()}
    answer = client.post("/admin/processes/impact", json=body).get_json()
    t4 = next(r for r in answer["running"] if r["process_key"] == "track4_enterprise")
    assert (t4["instances"], t4["affected"], t4["label"]) == (1, 1, "T4 来桂创办企业")
    assert t4["on_changed"][0]["element_id"] == "midterm_review" and t4["on_changed"][0]["title"]
    dry = client.post("/admin/processes/dry-run", json=body).get_json()
    assert {r["process_key"] for r in dry["results"]} >= {"track4_enterprise"}
    broken = {"file": "common/midterm.bpmn", "xml": body["xml"].replace('targetRef="midterm_site_visit"',
                                                                       'targetRef="nowhere"')}
    failed = client.post("/admin/processes/impact", json=broken)
    assert failed.status_code == 422 and failed.get_json()["problems"]
    html = client.get(f"/admin/versions/{t4_latest(runtime)}").get_data(as_text=True)
    assert 'id="impact"' in html and "预览影响" in html and "用历史记录试运行" in html
    login_as(client, "officer")
    assert client.post("/admin/processes/impact", json=body).status_code == 403
    assert client.post("/admin/processes/dry-run", json=body).status_code == 403


def test_filter_preview_migrate_and_roll_back(client: FlaskClient, runtime: Runtime, app: Flask) -> None:
    reviewing, reporting = Lifecycle(runtime, "T4"), Lifecycle(runtime, "T4")
    to_midterm_review(reviewing)
    to_midterm_report(reporting)
    login_as(client, "admin")
    client.post("/admin/processes/deploy", json={"file": "common/midterm.bpmn", "note": "增加实地核查",
                                                 "xml": midterm_with_site_visit().decode()})
    v2 = t4_latest(runtime)
    page = client.get(f"/admin/migrations?process=track4_enterprise&to={v2}").get_data(as_text=True)
    assert '<span id="migration-total">2</span>' in page
    assert "中期检查评议" in page and "提交中期报告" in page  # where each waits, by name
    only_review = client.get(f"/admin/migrations?process=track4_enterprise&to={v2}&element=midterm_review")
    assert '<span id="migration-total">1</span>' in only_review.get_data(as_text=True)

    preview = client.post("/admin/migrations/preview", data={
        "to": v2, "scope": "filter", "element": "midterm_review", "from_version": "", "stage": ""},
    ).get_data(as_text=True)
    assert '<strong id="movable">1</strong>' in preview
    assert f'data-instance-id="{instance_id(runtime, reviewing)}" data-can-move="yes"' in preview
    assert version_of(runtime, instance_id(runtime, reviewing)) == 1

    done = client.post("/admin/migrations/run", data={"to": v2, "instance_id": [
        instance_id(runtime, reviewing), instance_id(runtime, reporting)]}, follow_redirects=True)
    html = done.get_data(as_text=True)
    assert "已迁移 2 个实例" in html and html.count('data-outcome="migrated"') == 2
    assert version_of(runtime, instance_id(runtime, reviewing)) == 2
    migration_id = int(re.search(r"迁移记录 #(\d+)", html).group(1))  # type: ignore[union-attr]
    rolled = client.post(f"/admin/migrations/{migration_id}/rollback", follow_redirects=True).get_data(as_text=True)
    assert "已回退 2 个实例" in rolled and rolled.count('data-outcome="restored"') == 2
    assert version_of(runtime, instance_id(runtime, reviewing)) == 1

    login_as(client, "officer")
    assert client.get("/admin/migrations").status_code == 403
    assert client.post("/admin/migrations/run", data={"to": v2, "instance_id": 1}).status_code == 403
    assert client.post(f"/admin/migrations/{migration_id}/rollback").status_code == 403


def test_a_removed_element_asks_for_a_mapping(client: FlaskClient, runtime: Runtime) -> None:
    reporting = Lifecycle(runtime, "T4")
    to_midterm_report(reporting)
    login_as(client, "admin")
    client.post("/admin/processes/deploy", json={"file": "common/midterm.bpmn", "note": "取消中期报告",
                                                 "xml": midterm_without_report().decode()})
    v3 = t4_latest(runtime)
    target = instance_id(runtime, reporting)
    html = client.post("/admin/migrations/preview", data={"to": v3, "instance_id": target}).get_data(as_text=True)
    assert '<strong id="movable">0</strong>' in html and 'data-mapping="midterm_report"' in html
    mapped = client.post("/admin/migrations/preview", data={"to": v3, "instance_id": target,
                                                            "map:midterm_report": "midterm_review"})
    assert '<strong id="movable">1</strong>' in mapped.get_data(as_text=True)


def test_migration_forms_need_the_csrf_token(db_engine: Engine, tmp_path: Path) -> None:
    app: Flask = create_app(app_config(db_engine, tmp_path, WTF_CSRF_ENABLED=True))
    try:
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/login", data={"username": "admin", "password": "test-password", "csrf_token": token})
        assert client.post("/admin/migrations/run", data={"to": 1, "instance_id": 1}).status_code == 400
        assert client.post("/admin/migrations/1/rollback").status_code == 400
        assert client.post("/admin/processes/impact", json={"file": "a.bpmn", "xml": "<x/>"}).status_code == 400
    finally:
        app.extensions["rootball"].engine.dispose()
