"""API: tokens, calls and applications, with their 401/403/404/409/422 answers."""
from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select, update

from engine.models import ApiToken, Call, User, utcnow
from engine.runtime import Runtime
from engine.signin import Throttle
from tests.web.api_client import PREFIX, Api, api_as, error, ok, token_for
from tests.web.conftest import app_config, login_as
from web import create_app


def session_of(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions["rootball"].sessions()


# -- tokens -------------------------------------------------------------------------------------
def test_token_is_random_stored_hashed_and_expires(app: Flask, client: FlaskClient) -> None:
    first, second = token_for(client, "applicant"), token_for(client, "applicant")
    assert first != second and len(first) >= 40
    with session_of(app) as session:
        rows = session.scalars(select(ApiToken)).all()
        assert {r.token_hash for r in rows} == {hashlib.sha256(t.encode()).hexdigest() for t in (first, second)}
        assert all(timedelta(days=29) < r.expires_at - utcnow() <= timedelta(days=30) for r in rows if r.expires_at)
    assert ok(Api(client, first).get("/calls"))


def test_wrong_or_unknown_credentials_are_401(client: FlaskClient) -> None:
    for body in ({"username": "applicant", "password": "wrong"}, {"username": "nobody", "password": "x"}):
        response = client.post(f"{PREFIX}/auth/token", json=body)
        assert error(response, 401)["error"] == "用户名或密码错误"


def test_token_request_is_validated(client: FlaskClient) -> None:
    assert set(error(client.post(f"{PREFIX}/auth/token", json={}), 422)["errors"]) == {"username", "password"}
    body = error(client.post(f"{PREFIX}/auth/token", json={"username": 5, "password": "x"}), 422)
    assert list(body["errors"]) == ["username"]
    garbled = client.post(f"{PREFIX}/auth/token", data="{not json", content_type="application/json")
    assert "_schema" in error(garbled, 422)["errors"]
    assert "_schema" in error(client.post(f"{PREFIX}/auth/token", json=[1, 2]), 422)["errors"]
    nul = client.post(f"{PREFIX}/auth/token", json={"username": "a\x00b", "password": "x"})
    assert error(nul, 422)


def test_repeated_failures_are_rate_limited_with_429(db_engine: Engine, tmp_path: Path) -> None:
    app = create_app(app_config(db_engine, tmp_path, LOGIN_THROTTLE=Throttle(account_free=3, base=60)))
    client = app.test_client()
    for _ in range(3):
        error(client.post(f"{PREFIX}/auth/token", json={"username": "officer", "password": "wrong"}), 401)
    limited = client.post(f"{PREFIX}/auth/token", json={"username": "officer", "password": "test-password"})
    assert "过多" in error(limited, 429)["error"] and 0 < int(limited.headers["Retry-After"]) <= 60
    ok(client.post(f"{PREFIX}/auth/token", json={"username": "admin", "password": "test-password"}))
    elsewhere = {"REMOTE_ADDR": "198.51.100.7"}  # the owner, from another address
    ok(client.post(f"{PREFIX}/auth/token", json={"username": "officer", "password": "test-password"},
                   environ_base=elsewhere))
    app.extensions["rootball"].engine.dispose()


def test_missing_bad_expired_and_revoked_tokens_are_401(app: Flask, client: FlaskClient) -> None:
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic YWRtaW46eA=="},
                    {"Authorization": "Bearer"}):
        response = client.get(f"{PREFIX}/calls", headers=headers)
        assert error(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    token = token_for(client, "officer")
    with session_of(app) as session, session.begin():
        session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    error(Api(client, token).get("/calls"), 401)
    api = api_as(client, "officer")
    assert api.delete("/auth/token").status_code == 204
    error(api.get("/calls"), 401)


def test_a_signed_in_browser_session_is_no_api_credential(client: FlaskClient) -> None:
    login_as(client, "officer")
    assert client.get("/").status_code == 200
    error(client.get(f"{PREFIX}/calls"), 401)  # cookies would make the CSRF-exempt API forgeable


def test_disabled_user_token_is_401(app: Flask, client: FlaskClient) -> None:
    api = api_as(client, "applicant")
    with session_of(app) as session, session.begin():
        session.execute(update(User).where(User.username == "applicant").values(active=False))
    error(api.get("/calls"), 401)


# -- calls --------------------------------------------------------------------------------------
def test_calls_lists_only_open_calls(app: Flask, client: FlaskClient, calls: dict[str, int]) -> None:
    api = api_as(client, "expert1")
    listed = ok(api.get("/calls"))
    assert sorted(c["track"] for c in listed) == ["T1", "T2", "T3", "T4", "T5"]
    assert set(listed[0]) >= {"id", "track", "title", "opens_at", "closes_at"}
    with session_of(app) as session, session.begin():
        session.execute(update(Call).where(Call.id == calls["T1"]).values(status="closed"))
        session.execute(update(Call).where(Call.id == calls["T2"]).values(opens_at=utcnow() + timedelta(days=1)))
    assert sorted(c["track"] for c in ok(api.get("/calls"))) == ["T3", "T4", "T5"]


# -- applications -------------------------------------------------------------------------------
def test_start_application_puts_the_form_in_the_callers_inbox(client: FlaskClient, calls: dict[str, int]) -> None:
    api = api_as(client, "applicant")
    response = api.post("/applications", {"call_id": calls["T1"], "title": "  糖料蔗收获机械团队 "})
    created = ok(response, 201)
    assert set(created) == {"id", "status", "stage", "instance_id"}
    assert (created["status"], created["stage"]) == ("draft", "application")
    assert isinstance(created["instance_id"], int)
    assert response.headers["Location"].endswith(f"/applications/{created['id']}")
    rows = ok(api.get("/tasks?scope=mine"))
    assert [(r["name"], r["application_id"], r["assignee"]) for r in rows] == [
        ("application_form", created["id"], "applicant")]
    assert set(rows[0]) == {"id", "name", "title", "application_id", "lane", "assignee", "due_at", "form_key",
                            "due_provisional", "due_note"}  # the contract's fields and two extensions
    assert ok(api.get(f"/applications/{created['id']}"))["title"] == "糖料蔗收获机械团队"


def test_start_application_errors(app: Flask, client: FlaskClient, calls: dict[str, int]) -> None:
    assert "角色" in error(api_as(client, "expert1").post("/applications", {"call_id": calls["T1"], "title": "x"}),
                           403)["error"]
    api = api_as(client, "applicant")
    error(api.post("/applications", {"call_id": 999_999, "title": "不存在的批次"}), 404)
    with session_of(app) as session, session.begin():
        session.execute(update(Call).where(Call.id == calls["T1"]).values(closes_at=utcnow() - timedelta(days=1)))
    error(api.post("/applications", {"call_id": calls["T1"], "title": "已截止"}), 409)
    invalid = error(api.post("/applications", {"call_id": "abc", "title": "x" * 201}), 422)["errors"]
    assert set(invalid) == {"call_id", "title"} and all(isinstance(m, list) for m in invalid.values())
    assert set(error(api.post("/applications", {"title": "   "}), 422)["errors"]) == {"call_id", "title"}
    assert "_schema" in error(api.post("/applications", data="title=x"), 422)["errors"]
    assert set(error(api.post("/applications", {"call_id": True, "title": "x", "more": 1}), 422)["errors"]) == {
        "call_id", "more"}


def test_application_visible_only_to_those_who_may_see_it(client: FlaskClient, calls: dict[str, int]) -> None:
    own = ok(api_as(client, "applicant").post("/applications", {"call_id": calls["T2"], "title": "联合攻关"}), 201)
    path = f"/applications/{own['id']}"
    shown = ok(api_as(client, "applicant").get(path))
    assert {k: shown[k] for k in ("id", "track", "title", "status", "stage", "city")} == {
        "id": own["id"], "track": "T2", "title": "联合攻关", "status": "draft", "stage": "application",
        "city": "南宁市"}
    assert [h["action"] for h in shown["history"]][:1] == ["start"]
    assert set(shown["history"][0]) == {"at", "actor", "action", "task"}
    for who in ("officer", "admin"):
        assert ok(api_as(client, who).get(path))["id"] == own["id"]
    hidden = error(api_as(client, "founder").get("/applications/999999"), 404)
    for who in ("founder", "liuzhou", "expert1", "nanning"):  # the city's recommender only after submission
        assert error(api_as(client, who).get(path), 404)["error"].replace(str(own["id"]), "N") == \
            hidden["error"].replace("999999", "N")


def test_withdraw(client: FlaskClient, calls: dict[str, int]) -> None:
    applicant = api_as(client, "applicant")
    own = ok(applicant.post("/applications", {"call_id": calls["T3"], "title": "离岸孵化"}), 201)
    path = f"/applications/{own['id']}/withdraw"
    error(api_as(client, "officer").post(path, {"reason": "科技厅不能替申报单位撤回"}), 403)
    error(api_as(client, "founder").post(path), 404)
    error(applicant.post(path, {"reason": 12}), 422)
    done = ok(applicant.post(path, {"reason": "团队调整"}))
    assert (done["id"], done["status"]) == (own["id"], "withdrawn")
    assert ok(applicant.get("/tasks?scope=mine")) == []
    error(applicant.post(path), 409)
    error(applicant.post("/applications/999999/withdraw"), 404)


@pytest.mark.parametrize("path", ["/applications/0", "/applications/99999999999", "/tasks/-1", "/nothing"])
def test_unknown_paths_and_ids_are_json_404(client: FlaskClient, path: str) -> None:
    error(api_as(client, "admin").get(path), 404)


def _messages(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [m for v in value.values() for m in _messages(v)]
    if isinstance(value, list):
        return [m for v in value for m in _messages(v)]
    return []


def test_every_error_message_is_chinese(client: FlaskClient, calls: dict[str, int]) -> None:
    api = api_as(client, "applicant")
    answers = [
        api.post("/applications", {"call_id": "x", "title": 5, "extra": 1}),
        api.post("/applications", {"call_id": 2**40, "title": None}),
        api.post("/applications", data="[]", content_type="application/json"),
        api.get("/tasks?scope=x&call_id=1.5&track=T0"),
        api.post("/tasks/1/complete", {"data": "x"}),
        api.get("/nothing/here"),
        api.request("PUT", "/calls"),
        Api(client, None).get("/calls"),
        api.get("/stats"),
        api.get("/applications/999999"),
        client.post(f"{PREFIX}/auth/token", json={"username": [], "password": 1}),
    ]
    for response in answers:
        assert response.status_code in (401, 403, 404, 405, 422), response.status_code
        for message in _messages(response.get_json()):
            assert any("\u4e00" <= ch <= "\u9fff" for ch in message), (response.request.path, message)


def test_reviewers_are_named_only_to_officers(client: FlaskClient, runtime: Runtime) -> None:
    import time_machine

    from engine.lifecycle import Lifecycle, china

    lc = Lifecycle(runtime, "T4")
    lc.to_expert_review()
    with time_machine.travel(china(2025, 9, 1, 9, 0), tick=False):
        lc.score()
    expert_names = {"李教授（桂林电子科技大学）", "王研究员（桂林电子科技大学）", "陈研究员（北海海洋研究院）"}
    applicant_view = ok(api_as(client, "founder").get(f"/applications/{lc.app_id}"))["history"]
    officer_view = ok(api_as(client, "officer").get(f"/applications/{lc.app_id}"))["history"]
    scoring = [e for e in applicant_view if e["task"] == "expert_score"]
    assert scoring and {e["actor"] for e in scoring} == {"评审专家"}
    assert not expert_names & {e["actor"] for e in applicant_view}
    assert expert_names <= {e["actor"] for e in officer_view}
