"""Control characters are refused at every text input, web forms and API alike, with a message on the field."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from engine import samples
from engine.models import Application, Call, User
from engine.scenario import Scenario
from tests.web import flows
from tests.web.api_client import api_as, error, ok
from tests.web.conftest import login_as

CONTROL = "不能包含控制字符（如空字符、退格符）"
BAD = ["\x00", "\x01", "\x08", "\x1b", "\x7f", "\x85", "\x9b"]


@pytest.mark.parametrize("char", BAD)
def test_api_refuses_a_control_character_in_a_new_applications_title(client: FlaskClient, calls: dict[str, int],
                                                                      char: str) -> None:
    api = api_as(client, "founder")
    body = error(api.post("/applications", json={"call_id": calls["T4"], "title": f"新能源{char}团队"}), 422)
    assert body["errors"] == {"title": [CONTROL]}
    assert "=" not in str(body)


def test_api_refuses_control_characters_in_form_data_and_other_bodies(client: FlaskClient, play: Scenario,
                                                                       calls: dict[str, int]) -> None:
    app_id = flows.started(play, calls)
    task = flows.task_id(play, app_id, "application_form")
    api = api_as(client, "founder")
    data = samples.application("T4", city="柳州市", summary="第一行\r\n第二行\t缩进")
    data["team"][1]["name"] = "张\x01三"
    body = error(api.post(f"/tasks/{task}/complete", json={"data": data}), 422)
    assert body["errors"] == {"team": {"1": {"name": [CONTROL]}}}
    assert flows.task_row(play, task).state == "open"
    reason = error(api.post(f"/applications/{app_id}/withdraw", json={"reason": "不想\x00报了"}), 422)
    assert reason["errors"] == {"reason": [CONTROL]}
    token = error(client.post("/api/v1/auth/token", json={"username": "found\x00er", "password": "x"}), 422)
    assert token["errors"] == {"username": [CONTROL]}
    ok(api.post(f"/applications/{app_id}/withdraw", json={"reason": "第一行\n第二行"}))


@pytest.mark.parametrize("char", BAD)
def test_web_application_form_refuses_control_characters(client: FlaskClient, play: Scenario,
                                                         calls: dict[str, int], char: str) -> None:
    app_id = flows.started(play, calls)
    task = flows.task_id(play, app_id, "application_form")
    login_as(client, "founder")
    form = flows.as_form(samples.application("T4", city="柳州市", title=f"新能源{char}团队"))
    for action in ("submit", "draft"):
        response = client.post(f"/tasks/{task}", data={**form, "action": action})
        assert response.status_code == 422 and CONTROL in response.get_data(as_text=True)
    row = flows.task_row(play, task)
    assert row.state == "open" and row.data is None


def test_web_start_refuses_control_characters_in_the_title(client: FlaskClient, play: Scenario,
                                                           calls: dict[str, int]) -> None:
    login_as(client, "founder")
    for char in BAD:
        response = client.post("/applications/start", data={"call_id": calls["T4"], "title": f"新能源{char}团队"})
        assert response.status_code == 422 and CONTROL in response.get_data(as_text=True)
    with play.runtime.sessions() as session:
        assert session.scalars(select(Application)).all() == []


def test_withdraw_and_terminate_say_what_is_wrong_with_the_reason(client: FlaskClient, play: Scenario,
                                                                  calls: dict[str, int]) -> None:
    app_id = flows.submitted(play, calls)
    login_as(client, "founder")
    page = client.post(f"/applications/{app_id}/withdraw", data={"reason": "撤\x00回", "confirm": "yes"},
                       follow_redirects=True).get_data(as_text=True)
    assert f"撤回原因{CONTROL}" in page
    login_as(client, "officer")
    page = client.post(f"/applications/{app_id}/terminate", data={"reason": "终\x1b止"},
                       follow_redirects=True).get_data(as_text=True)
    assert f"终止原因{CONTROL}" in page
    assert play.application(app_id).status == "submitted"


def test_administration_refuses_control_characters(client: FlaskClient, play: Scenario,
                                                   calls: dict[str, int]) -> None:
    login_as(client, "admin")
    page = client.post("/admin/users", data={"username": "beihai", "display_name": "北海\x00科技局",
                                             "password": "long-enough-1"}, follow_redirects=True)
    assert CONTROL in page.get_data(as_text=True)
    page = client.post("/admin/calls", data={"track": "T1", "title": "批次\x07", "guide": "指南",
                                             "opens_on": "2025-01-01", "closes_on": "2025-12-31",
                                             "expert_count": "5"}, follow_redirects=True)
    assert CONTROL in page.get_data(as_text=True)
    page = client.post(f"/admin/calls/{calls['T1']}", data={"title": "批次", "guide": "第一段\n\x00",
                                                           "closes_on": "2030-12-31", "expert_count": "5"},
                       follow_redirects=True)
    assert CONTROL in page.get_data(as_text=True)
    app_id = flows.submitted(play, calls)
    task = flows.task_id(play, app_id, "recommendation")
    due = flows.task_row(play, task).due_at
    page = client.post(f"/admin/tasks/{task}/due", data={"due_on": "2030-01-01", "reason": "延\x00期"},
                       follow_redirects=True)
    assert CONTROL in page.get_data(as_text=True)
    with play.runtime.sessions() as session:
        assert session.scalar(select(User).where(User.username == "beihai")) is None
        assert all("\x00" not in c.guide and "\x07" not in c.title for c in session.scalars(select(Call)))
    assert flows.task_row(play, task).due_at == due


def test_a_deployment_note_or_file_name_with_control_characters_is_refused(client: FlaskClient) -> None:
    xml = (Path(__file__).resolve().parents[2] / "processes" / "track4_enterprise.bpmn").read_text()
    login_as(client, "admin")
    for body in ({"file": "track4_enterprise.bpmn", "xml": xml, "note": "改\x00名"},
                 {"file": "track4\x01.bpmn", "xml": xml, "note": "改名"}):
        response = client.post("/admin/processes/deploy", json=body)
        assert response.status_code == 422 and CONTROL in str(response.get_json()["problems"])
    api = api_as(client, "admin")
    files = {"files": [(io.BytesIO(xml.encode()), "track4_enterprise.bpmn")], "note": "说明\x07"}
    assert CONTROL in str(error(api.post("/process-versions", data=files, content_type="multipart/form-data"),
                                422)["errors"])
