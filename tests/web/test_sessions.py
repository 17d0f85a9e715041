"""A copied session cookie or API token stops working on sign-out, deactivation and a new password."""
from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from engine.models import User
from tests.web.api_client import Api, error, ok, token_for
from tests.web.conftest import PASSWORD, login_as

NEW_PASSWORD = "a-new-password-2"


def cookie_of(client: FlaskClient) -> str:
    found = client.get_cookie("session")
    assert found is not None
    return found.value


def replay(app: Flask, cookie: str) -> FlaskClient:
    """A fresh client presenting a copy of an old session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def signed_in(client: FlaskClient) -> bool:
    return client.get("/tasks/").status_code == 200


def user_id(app: Flask, username: str) -> int:
    with app.extensions["rootball"].sessions() as session:
        found = session.scalar(select(User.id).where(User.username == username))
    assert found is not None
    return found


def set_active(admin: FlaskClient, app: Flask, username: str, active: bool) -> None:
    answer = admin.post(f"/admin/users/{user_id(app, username)}/active", data={"active": "1" if active else "0"})
    assert answer.status_code == 302


def test_a_copied_cookie_stops_working_after_sign_out(app: Flask, client: FlaskClient) -> None:
    login_as(client, "founder")
    copied = cookie_of(client)
    assert signed_in(replay(app, copied))
    assert client.post("/logout").status_code == 302
    assert not signed_in(client)
    assert not signed_in(replay(app, copied))
    login_as(client, "founder")
    assert signed_in(client) and not signed_in(replay(app, copied))


def test_deactivation_ends_sessions_and_tokens_and_reactivation_revives_neither(app: Flask, client: FlaskClient
                                                                                ) -> None:
    user = app.test_client()
    login_as(user, "liuzhou")
    copied = cookie_of(user)
    token = token_for(app.test_client(), "liuzhou")
    ok(Api(client, token).get("/calls"))
    admin = app.test_client()
    login_as(admin, "admin")
    set_active(admin, app, "liuzhou", False)
    assert not signed_in(user) and not signed_in(replay(app, copied))
    error(Api(client, token).get("/calls"), 401)
    set_active(admin, app, "liuzhou", True)
    assert not signed_in(user) and not signed_in(replay(app, copied))
    error(Api(client, token).get("/calls"), 401)
    login_as(user, "liuzhou")
    assert signed_in(user)
    ok(Api(client, token_for(app.test_client(), "liuzhou")).get("/calls"))


def test_changing_my_password_ends_my_other_sessions_and_tokens(app: Flask, client: FlaskClient) -> None:
    login_as(client, "expert1")
    elsewhere = app.test_client()
    login_as(elsewhere, "expert1")
    token = token_for(app.test_client(), "expert1")
    assert client.get("/password").status_code == 200
    wrong = client.post("/password", data={"current": "nope", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert wrong.status_code == 422 and "当前密码不正确" in wrong.get_data(as_text=True)
    mismatch = client.post("/password", data={"current": PASSWORD, "password": NEW_PASSWORD, "confirm": "other"})
    assert mismatch.status_code == 422 and "两次输入的新密码不一致" in mismatch.get_data(as_text=True)
    short = client.post("/password", data={"current": PASSWORD, "password": "short", "confirm": "short"})
    assert short.status_code == 422 and "密码至少 8 位" in short.get_data(as_text=True)
    assert signed_in(elsewhere) and ok(Api(client, token).get("/calls")) is not None
    before = cookie_of(client)
    done = client.post("/password", data={"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert signed_in(client)  # this session goes on
    assert not signed_in(elsewhere) and not signed_in(replay(app, before))
    error(Api(client, token).get("/calls"), 401)
    error(app.test_client().post("/api/v1/auth/token", json={"username": "expert1", "password": PASSWORD}), 401)
    ok(Api(client, token_for(app.test_client(), "expert1", NEW_PASSWORD)).get("/calls"))


def test_an_administrator_resets_a_password(app: Flask, client: FlaskClient) -> None:
    user = app.test_client()
    login_as(user, "applicant")
    token = token_for(app.test_client(), "applicant")
    login_as(client, "admin")
    page = client.get("/admin/users").get_data(as_text=True)
    assert "重设密码" in page
    target = user_id(app, "applicant")
    refused = client.post(f"/admin/users/{target}/password", data={"password": "short"}, follow_redirects=True)
    assert "密码至少 8 位" in refused.get_data(as_text=True) and signed_in(user)
    assert client.post(f"/admin/users/{target}/password", data={"password": NEW_PASSWORD}).status_code == 302
    assert not signed_in(user)
    error(Api(client, token).get("/calls"), 401)
    login_as(user, "admin")  # any sign-in works again; the applicant's own uses the new password
    assert user.post("/login", data={"username": "applicant", "password": NEW_PASSWORD}).status_code == 302
    for who in ("founder", "expert1"):
        refused_reset = app.test_client()
        login_as(refused_reset, who)
        assert refused_reset.post(f"/admin/users/{target}/password", data={"password": NEW_PASSWORD}
                                  ).status_code == 403
