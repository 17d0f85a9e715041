"""Process code that fails: a 422 naming the element for the user, an incident for the administrator (web and API)."""
from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from werkzeug.serving import make_server

from bench.timer_process import timer_bpmn
from engine import repository
from engine.models import Application, ProcessInstance
from engine.runtime import Runtime
from engine.timers import fire_due
from tests.scheduler.support import china
from tests.web.api_client import Api, api_as, error, ok, token_for
from tests.web.conftest import app_config, login_as
from web import create_app

TRACK4 = Path(__file__).resolve().parents[2] / "processes" / "track4_enterprise.bpmn"
WAKE = china(date(2025, 11, 3), 8)
FIXED_AT = WAKE + timedelta(hours=2)
NEVER = china(date(2099, 1, 1), 8)
FRAGILE = 'divisor = 0 if is_before(now_iso(), fixed_at) else 2\nratio = 1 / divisor'
FIRST_SCRIPT = 'formal_returns = 0</bpmn:script>'


def deploy_track4_with(runtime: Runtime, extra: str) -> None:
    """Deploy a T4 version whose first script also runs `extra` (escaped for XML by the caller)."""
    content = TRACK4.read_bytes().replace(FIRST_SCRIPT.encode(), f"formal_returns = 0\n{extra}</bpmn:script>".encode(),
                                          1)
    with runtime.sessions.begin() as session:
        repository.deploy(session, {"track4_enterprise.bpmn": content}, "测试：脚本出错")


def fragile_incident(runtime: Runtime, fixed_at: datetime = FIXED_AT) -> int:
    """An instance whose timer path fails until `fixed_at` (past by now unless later), fired once: its id."""
    key, data = timer_bpmn("wake_fragile", script=FRAGILE)
    with runtime.sessions.begin() as session:
        if repository.latest(session, key) is None:
            repository.deploy(session, {f"{key}.bpmn": data}, fill_from_library=False)
    with time_machine.travel(WAKE - timedelta(days=1), tick=False):
        instance_id = runtime.start_instance(key, {"wake_at": WAKE.isoformat(), "fixed_at": fixed_at.isoformat()})
    with time_machine.travel(WAKE + timedelta(minutes=1), tick=False):
        fire_due(runtime, WAKE + timedelta(minutes=1))
    return instance_id


def test_a_failing_script_is_a_422_naming_the_element_and_nothing_is_created(
        client: FlaskClient, runtime: Runtime, calls: dict[str, int]) -> None:
    deploy_track4_with(runtime, "note = missing_value + 1")
    before = _applications(runtime)
    body = error(api_as(client, "founder").post("/applications", {"call_id": calls["T4"], "title": "脚本出错的申报"}),
                 422)
    assert body["element_id"] == "set_application_stage" and body["element_name"] == "进入申报阶段"
    assert "“进入申报阶段”" in body["error"] and "missing_value" in body["error"] and "已撤销" in body["error"]
    assert _applications(runtime) == before
    (incident,) = ok(api_as(client, "admin").get("/incidents"))
    assert (incident["element_id"], incident["origin"], incident["instance_id"]) == (
        "set_application_stage", "command", None)
    login_as(client, "founder")
    page = client.post("/applications/start", data={"call_id": calls["T4"], "title": "网页上发起"},
                       headers={"Referer": "http://localhost/applications/"}, follow_redirects=True)
    assert "“进入申报阶段”" in page.get_data(as_text=True)
    assert _applications(runtime) == before


def test_incidents_on_the_operations_page_and_their_retry(client: FlaskClient, runtime: Runtime) -> None:
    still_broken = fragile_incident(runtime, NEVER)
    instance_id = fragile_incident(runtime)
    login_as(client, "officer")
    html = client.get("/admin/operations").get_data(as_text=True)
    row = html.split(f'data-failed-instance-id="{instance_id}"')[1].split("</tr>")[0]
    assert "到期处理" in row and "after_wake" in row and "除数为零" in row and "重试</button>" not in row
    login_as(client, "admin")
    ids = {}
    for chunk in client.get("/admin/operations").get_data(as_text=True).split('data-incident-id="')[1:]:
        row = chunk.split("</tr>")[0]
        assert "重试</button>" in row
        ids[int(row.split('data-failed-instance-id="')[1].split('"')[0])] = int(chunk.split('"')[0])
    failed = client.post(f"/admin/operations/incidents/{ids[still_broken]}/retry", follow_redirects=True)
    assert "重试未成功" in failed.get_data(as_text=True)
    done = client.post(f"/admin/operations/incidents/{ids[instance_id]}/retry", follow_redirects=True)
    assert f"运行异常 #{ids[instance_id]} 已重试成功" in done.get_data(as_text=True)
    with runtime.sessions() as session:
        instance = session.get(ProcessInstance, instance_id)
        assert instance is not None and instance.status == "running"
        broken = session.get(ProcessInstance, still_broken)
        assert broken is not None and broken.status == "error"
    resolved = client.post(f"/admin/operations/incidents/{ids[still_broken]}/resolve", follow_redirects=True)
    assert "没有未处理的运行异常" in resolved.get_data(as_text=True)


def test_incidents_api_is_for_administrators(client: FlaskClient, runtime: Runtime) -> None:
    fragile_incident(runtime)
    for who in ("officer", "applicant", "expert1"):
        error(api_as(client, who).get("/incidents"), 403)
    admin = api_as(client, "admin")
    (incident,) = ok(admin.get("/incidents"))
    assert set(incident) == {"id", "instance_id", "application_id", "element_id", "element_name", "origin", "error",
                             "first_seen", "last_seen", "attempts"}
    assert incident["attempts"] == 1 and incident["element_name"] == "到期处理"
    error(api_as(client, "officer").post(f"/incidents/{incident['id']}/retry"), 403)
    with time_machine.travel(WAKE + timedelta(minutes=5), tick=False):  # before the cause is gone
        again = operations_retry_conflict(admin, incident["id"])
    assert "除数为零" in again["error"]
    assert ok(admin.get("/incidents"))[0]["attempts"] == 2
    assert ok(admin.post(f"/incidents/{incident['id']}/retry")) == {
        "id": incident["id"], "resolved": True, "timers_fired": True}
    assert ok(admin.get("/incidents")) == []
    error(admin.post(f"/incidents/{incident['id']}/retry"), 409)
    error(admin.post("/incidents/999999/retry"), 404)


@pytest.fixture
def served(db_engine: Engine, tmp_path: Path) -> Iterator[tuple[str, Flask]]:
    """The app served over real HTTP by a threaded server, as a browser and an integration would see it."""
    app = create_app(app_config(db_engine, tmp_path))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        app.extensions["rootball"].engine.dispose()


def test_the_web_answers_another_user_while_a_script_runs_out_its_time(
        served: tuple[str, Flask], runtime: Runtime, calls: dict[str, int]) -> None:
    base, app = served
    deploy_track4_with(runtime, "l = list(range(10000))\nfor i in range(10000):\n    m = max(l)")
    with app.test_client() as local:
        founder, officer = token_for(local, "founder"), token_for(local, "officer")
    slow: dict[str, object] = {}

    def start() -> None:
        status, body = _http("POST", f"{base}/api/v1/applications", founder,
                             {"call_id": calls["T4"], "title": "慢脚本"})
        slow.update(status=status, body=body, finished=time.monotonic())

    worker = threading.Thread(target=start)
    worker.start()
    answered = []
    while worker.is_alive() and len(answered) < 3:
        status, _ = _http("GET", f"{base}/api/v1/calls", officer)
        answered.append((status, time.monotonic()))
    worker.join()
    assert answered and all(code == 200 for code, _ in answered)
    assert answered[0][1] < slow["finished"]  # served while the slow request was still running
    assert slow["status"] == 422 and "运行超时" in str(slow["body"])


def _http(method: str, url: str, token: str, body: object = None) -> tuple[int, object]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def operations_retry_conflict(admin: Api, incident_id: int) -> dict[str, object]:
    """Retry over the API where it fails again: the 409 body."""
    return error(admin.post(f"/incidents/{incident_id}/retry"), 409)


def _applications(runtime: Runtime) -> list[int]:
    with runtime.sessions() as session:
        return list(session.scalars(select(Application.id)).all())
