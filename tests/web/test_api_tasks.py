"""API: inbox, task detail, claim/unclaim, complete, and one T4 application played through the API."""
from __future__ import annotations

from datetime import timedelta

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from engine import samples
from engine.calendar import CHINA
from engine.models import RoleGrant, User, utcnow
from engine.passwords import hash_password
from tests.web.api_client import Api, api_as, error, ok
from tests.web.conftest import PASSWORD


def start(client: FlaskClient, username: str, call_id: int, title: str = "测试申报") -> tuple[Api, int, int]:
    """Start an application as `username`: its Api, the application id and its form task id."""
    api = api_as(client, username)
    app_id = ok(api.post("/applications", {"call_id": call_id, "title": title}), 201)["id"]
    form = next(r for r in ok(api.get("/tasks")) if r["application_id"] == app_id)
    return api, app_id, form["id"]


def submitted(client: FlaskClient, calls: dict[str, int], track: str = "T1") -> tuple[int, int]:
    """An application of `applicant` (南宁市) submitted; returns its id and the recommendation task id."""
    api, app_id, form_id = start(client, "applicant", calls[track])
    assert ok(api.post(f"/tasks/{form_id}/complete", {"data": samples.application(track)})) == {"next": []}
    row = next(r for r in ok(api_as(client, "nanning").get("/tasks?scope=group")) if r["application_id"] == app_id)
    assert (row["name"], row["assignee"]) == ("recommendation", None)
    return app_id, row["id"]


def add_recommender(app: Flask, username: str, city: str) -> None:
    """A second recommender of `city`."""
    with app.extensions["rootball"].sessions.begin() as session:
        user = User(username=username, display_name=username, password_hash=hash_password(PASSWORD))
        user.grants = [RoleGrant(role="recommender", scope=city)]
        session.add(user)


def test_inbox_scopes_and_filters(client: FlaskClient, calls: dict[str, int]) -> None:
    app_id, task_id = submitted(client, calls)
    nanning = api_as(client, "nanning")
    assert ok(nanning.get("/tasks")) == []
    assert [r["id"] for r in ok(nanning.get("/tasks?scope=group&track=T1"))] == [task_id]
    assert ok(nanning.get("/tasks?scope=group&track=T2")) == []
    assert ok(nanning.get(f"/tasks?scope=group&call_id={calls['T1']}&city=南宁市&stage=recommendation"))
    assert ok(api_as(client, "liuzhou").get("/tasks?scope=group")) == []
    assert task_id in [r["id"] for r in ok(api_as(client, "officer").get("/tasks?scope=all"))]
    for bad in ("scope=everything", "track=T9", "call_id=abc", "call_id=0", "city=北京市", "stage=x"):
        errors = error(nanning.get(f"/tasks?{bad}"), 422)["errors"]
        assert list(errors) == [bad.split("=")[0]] and isinstance(errors[bad.split("=")[0]], list)


def test_task_detail_has_form_schema_and_current_values(client: FlaskClient, calls: dict[str, int]) -> None:
    api, app_id, form_id = start(client, "applicant", calls["T1"], "糖料蔗收获团队")
    detail = ok(api.get(f"/tasks/{form_id}"))
    assert (detail["name"], detail["form_key"], detail["state"]) == ("application_form", "application_t1", "open")
    assert detail["form"]["type"] == "object" and "title" in detail["form"]["properties"]
    assert detail["data"]["title"] == "糖料蔗收获团队"
    assert "application_id" not in detail["data"]  # only the form's own fields
    assert sorted(detail["choices"]) == ["jiebang_problem_id"] and detail["choices"]["jiebang_problem_id"]
    assert ok(api_as(client, "officer").get(f"/tasks/{form_id}"))["id"] == form_id
    error(api_as(client, "nanning").get(f"/tasks/{form_id}"), 404)  # the city's recommender: not before submission
    error(api_as(client, "founder").get(f"/tasks/{form_id}"), 404)
    error(api.get("/tasks/999999"), 404)


def test_claim_and_unclaim(app: Flask, client: FlaskClient, calls: dict[str, int]) -> None:
    app_id, task_id = submitted(client, calls)
    add_recommender(app, "nanning2", "南宁市")
    nanning, other = api_as(client, "nanning"), api_as(client, "nanning2")
    error(api_as(client, "liuzhou").post(f"/tasks/{task_id}/claim"), 403)
    error(nanning.post(f"/tasks/{task_id}/unclaim"), 403)  # nobody holds it yet
    assert ok(nanning.post(f"/tasks/{task_id}/claim"))["assignee"] == "nanning"
    assert ok(nanning.post(f"/tasks/{task_id}/claim"))["assignee"] == "nanning"  # idempotent for the holder
    assert "他人" in error(other.post(f"/tasks/{task_id}/claim"), 409)["error"]
    error(other.post(f"/tasks/{task_id}/unclaim"), 409)
    error(other.post(f"/tasks/{task_id}/complete", {"data": samples.DECISIONS["recommendation"]}), 403)
    assert ok(nanning.get("/tasks"))[0]["id"] == task_id
    assert ok(nanning.post(f"/tasks/{task_id}/unclaim"))["assignee"] is None
    assert ok(other.post(f"/tasks/{task_id}/claim"))["assignee"] == "nanning2"
    error(nanning.post("/tasks/999999/claim"), 404)
    error(nanning.post("/tasks/999999/unclaim"), 404)
    api, _, form_id = start(client, "applicant", calls["T2"])
    error(api.post(f"/tasks/{form_id}/unclaim"), 403)  # a task assigned by the process stays
    ok(other.post(f"/tasks/{task_id}/complete", {"data": samples.DECISIONS["recommendation"]}))
    error(other.post(f"/tasks/{task_id}/claim"), 409)
    error(other.post(f"/tasks/{task_id}/unclaim"), 409)


def test_complete_errors(client: FlaskClient, calls: dict[str, int]) -> None:
    api, app_id, form_id = start(client, "applicant", calls["T4"])
    invalid = error(api.post(f"/tasks/{form_id}/complete", {"data": {"budget_wan": "很多"}}), 422)["errors"]
    assert {"budget_wan", "summary"} <= set(invalid) and all(isinstance(m, list) for m in invalid.values())
    assert list(error(api.post(f"/tasks/{form_id}/complete", {"data": [1]}), 422)["errors"]) == ["data"]
    assert list(error(api.post(f"/tasks/{form_id}/complete", {}), 422)["errors"]) == ["data"]
    error(api.post(f"/tasks/{form_id}/complete", {"data": {"summary": "x\x00y"}}), 422)
    data = samples.application("T4", city="南宁市")
    error(api_as(client, "founder").post(f"/tasks/{form_id}/complete", {"data": data}), 403)
    error(api_as(client, "officer").post(f"/tasks/{form_id}/complete", {"data": data}), 403)
    error(api.post("/tasks/999999/complete", {"data": data}), 404)
    assert ok(api.get(f"/applications/{app_id}"))["status"] == "draft"  # nothing changed so far
    ok(api.post(f"/tasks/{form_id}/complete", {"data": data}))
    assert "已完成" in error(api.post(f"/tasks/{form_id}/complete", {"data": data}), 409)["error"]
    done = ok(api.get(f"/tasks/{form_id}"))
    assert done["state"] == "done" and done["data"]["title"] == data["title"]


def group_task(api: Api, app_id: int, name: str) -> int:
    """Claim the open group task `name` of the application; returns its id."""
    row = next(r for r in ok(api.get("/tasks?scope=group")) if r["application_id"] == app_id and r["name"] == name)
    ok(api.post(f"/tasks/{row['id']}/claim"))
    task_id: int = row["id"]
    return task_id


def my_task(api: Api, app_id: int, name: str) -> int:
    """The id of the open task `name` of the application in the caller's own inbox."""
    task_id: int = next(r["id"] for r in ok(api.get("/tasks")) if r["application_id"] == app_id and r["name"] == name)
    return task_id


def test_t4_application_through_expert_review_to_award(client: FlaskClient, calls: dict[str, int]) -> None:
    founder, app_id, form_id = start(client, "founder", calls["T4"], "新能源汽车电驱系统创业团队")
    ok(founder.post(f"/tasks/{form_id}/complete", {"data": samples.application("T4", city="柳州市")}))
    assert ok(founder.get(f"/applications/{app_id}"))["stage"] == "recommendation"

    liuzhou = api_as(client, "liuzhou")
    task = group_task(liuzhou, app_id, "recommendation")
    ok(liuzhou.post(f"/tasks/{task}/complete", {"data": samples.DECISIONS["recommendation"]}))

    officer = api_as(client, "officer")
    task = group_task(officer, app_id, "formal_review_task")
    following = ok(officer.post(f"/tasks/{task}/complete", {"data": samples.DECISIONS["formal_review"]}))["next"]
    assert [r["name"] for r in following] == ["assign_experts"]
    assign = ok(officer.get(f"/tasks/{following[0]['id']}"))
    eligible = assign["choices"]["experts"]
    assert len(eligible) >= 5
    error(officer.post(f"/tasks/{assign['id']}/complete", {"data": {"experts": eligible[:2]}}), 422)
    ok(officer.post(f"/tasks/{assign['id']}/claim"))
    ok(officer.post(f"/tasks/{assign['id']}/complete", {"data": {"experts": eligible[:5]}}))
    assert ok(founder.get(f"/applications/{app_id}"))["stage"] == "expert_review"

    names = {u: n for u, n in _experts(client).items() if u in eligible[:5]}
    for value, (_user_id, username) in zip([80, 90, 85, 70, 95], sorted(names.items()), strict=True):
        expert = api_as(client, username)
        assert ok(expert.get(f"/applications/{app_id}"))["id"] == app_id
        task = my_task(expert, app_id, "expert_score")
        assert set(ok(expert.get(f"/tasks/{task}"))["form"]["properties"]) >= {"conflict", "score", "comment"}
        ok(expert.post(f"/tasks/{task}/complete", {"data": samples.score(value)}))

    award = group_task(officer, app_id, "award_decision")
    ok(officer.post(f"/tasks/{award}/complete", {"data": samples.DECISIONS["award_decision"]}))
    assert ok(founder.get(f"/applications/{app_id}"))["stage"] == "publicity"
    assert ok(officer.get("/stats"))["awarded"] == 0
    after_publicity = utcnow() + timedelta(days=30)
    with time_machine.travel(after_publicity, tick=False):
        assert client.application.extensions["rootball"].runtime.fire_due_timers()
    shown = ok(founder.get(f"/applications/{app_id}"))
    assert (shown["stage"], shown["status"]) == ("contract", "awarded")
    actions = [(h["action"], h["task"]) for h in shown["history"]]
    assert ("complete", "application_form") in actions and ("complete", "award_decision") in actions
    stats = ok(officer.get("/stats"))
    year = after_publicity.astimezone(CHINA).year
    assert stats["target"] == 100
    if 2021 <= year <= 2025:  # the plan period: the award counts toward the target
        assert (stats["awarded"], stats["by_track"]["T4"], stats["by_city"]["柳州市"]) == (1, 1, 1)
        assert stats["by_year"] == {str(year): 1}
    else:  # a later award belongs to the next plan's figures
        assert (stats["awarded"], stats["outside_period"]["awarded"]) == (0, 1)
        assert stats["outside_period"]["by_year"] == {str(year): 1}
    assert my_task(founder, app_id, "contract_signing")


def _experts(client: FlaskClient) -> dict[int, str]:
    app = client.application
    with app.extensions["rootball"].sessions() as session:
        return {u.id: u.username for u in session.scalars(select(User)).all() if u.has_role("expert")}


def test_expert_who_declared_a_conflict_sees_nothing_more(client: FlaskClient, calls: dict[str, int]) -> None:
    founder, app_id, form_id = start(client, "founder", calls["T4"])
    ok(founder.post(f"/tasks/{form_id}/complete", {"data": samples.application("T4", city="柳州市")}))
    liuzhou, officer = api_as(client, "liuzhou"), api_as(client, "officer")
    ok(liuzhou.post(f"/tasks/{group_task(liuzhou, app_id, 'recommendation')}/complete",
                    {"data": samples.DECISIONS["recommendation"]}))
    ok(officer.post(f"/tasks/{group_task(officer, app_id, 'formal_review_task')}/complete",
                    {"data": samples.DECISIONS["formal_review"]}))
    assign = group_task(officer, app_id, "assign_experts")
    eligible = ok(officer.get(f"/tasks/{assign}"))["choices"]["experts"]
    ok(officer.post(f"/tasks/{assign}/complete", {"data": {"experts": eligible[:5]}}))
    expert = api_as(client, _experts(client)[eligible[0]])
    task = my_task(expert, app_id, "expert_score")
    ok(expert.post(f"/tasks/{task}/complete", {"data": samples.CONFLICT}))
    error(expert.get(f"/applications/{app_id}"), 404)
    error(expert.get(f"/tasks/{task}"), 404)
    assert [r for r in ok(expert.get("/tasks?scope=all")) if r["application_id"] == app_id] == []
