"""Sign-in, sign-out and CSRF protection on every state-changing form."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from engine.scenario import Scenario
from tests.web import flows
from tests.web.conftest import PASSWORD, app_config, login_as
from web import create_app


def test_login_shows_my_counts_and_logout_ends_the_session(client: FlaskClient) -> None:
    assert client.get("/tasks/").status_code == 302  # to the login page
    login_as(client, "officer")
    page = client.get("/tasks/").get_data(as_text=True)
    assert "外专处经办人" in page and "我的待办" in page and "可领取" in page
    assert client.post("/logout").status_code == 302
    assert client.get("/tasks/").status_code == 302


def test_wrong_password_is_refused_in_chinese(client: FlaskClient) -> None:
    response = client.post("/login", data={"username": "officer", "password": "nope"})
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)


def test_csrf_token_is_required_on_posts(db_engine: Engine, tmp_path: Path, play: Scenario,
                                         calls: dict[str, int]) -> None:
    app: Flask = create_app(app_config(db_engine, tmp_path, WTF_CSRF_ENABLED=True))
    try:
        client = app.test_client()
        assert client.post("/login", data={"username": "liuzhou", "password": "test-password"}).status_code == 400
        token = flows.csrf_token(client, "/login")
        ok = client.post("/login", data={"username": "liuzhou", "password": "test-password", "csrf_token": token})
        assert ok.status_code == 302
        app_id = flows.submitted(play, calls)
        task = flows.task_id(play, app_id, "recommendation")
        refused = client.post(f"/tasks/{task}/claim")
        assert refused.status_code == 400 and "CSRF" in refused.get_data(as_text=True)
        assert flows.task_row(play, task).assignee_id is None
        token = flows.csrf_token(client, f"/tasks/{task}")
        assert client.post(f"/tasks/{task}/claim", data={"csrf_token": token}).status_code == 302
        assert flows.task_row(play, task).assignee_id is not None
    finally:
        app.extensions["rootball"].engine.dispose()


@pytest.mark.parametrize("target", [
    "/%09/evil.example", "/%0a/evil.example", "/%0d%0a/evil.example", "//evil.example", "///evil.example",
    "/\\evil.example", "\\\\evil.example", "\\/evil.example", "/%5Cevil.example", "%2F%2Fevil.example",
    "https://evil.example/", "http:evil.example", "javascript:alert(1)", "%09//evil.example", " //evil.example",
    "/%2509/evil.example", "/%252F/evil.example", "//evil.example/%2e%2e", "https:/\\evil.example",
])
def test_next_never_leads_off_site(client: FlaskClient, target: str) -> None:
    assert client.get(f"/login?next={target}").status_code == 200
    response = client.post(f"/login?next={target}", data={"username": "officer", "password": PASSWORD})
    assert response.status_code == 302
    location = response.headers["Location"]
    # What a browser makes of the Location header, relative to this site.
    followed = urlsplit(urljoin("http://localhost/login", location.replace("\\", "/").replace("\t", "")))
    assert followed.netloc == "localhost", (target, location)
    assert location == "/"


@pytest.mark.parametrize(("target", "lands"), [
    ("/tasks/?tab=group", "/tasks/?tab=group"), ("/applications/", "/applications/"), ("%2Ftasks%2F", "/tasks/"),
])
def test_next_within_the_site_is_followed(client: FlaskClient, target: str, lands: str) -> None:
    response = client.post(f"/login?next={target}", data={"username": "officer", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == lands
