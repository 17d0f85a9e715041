"""Security headers on every response, no inline script or style, Secure cookies and forwarded headers behind TLS."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select

from engine.models import LoginAttempt
from engine.scenario import Scenario
from tests.web import flows
from tests.web.api_client import api_as
from tests.web.conftest import PASSWORD, app_config, login_as
from web import create_app

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"
REQUIRED = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


def assert_protected(response_headers: object, what: str) -> None:
    headers = dict(response_headers)  # type: ignore[call-overload]
    for name, value in REQUIRED.items():
        assert headers.get(name) == value, (what, name)
    policy = headers.get("Content-Security-Policy", "")
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'", what
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'", what
    assert "unsafe" not in policy and "*" not in policy, what


def test_every_kind_of_response_carries_the_headers(app: Flask, client: FlaskClient) -> None:
    answers = {"login page": client.get("/login"), "static": client.get("/static/rootball.css"),
               "vendor": client.get("/vendor/bpmn-js/dist/bpmn-modeler.production.min.js"),
               "redirect": client.get("/tasks/"), "404": client.get("/no/such/page"),
               "api 401": client.get("/api/v1/calls"), "api": api_as(client, "officer").get("/calls"),
               "openapi": client.get("/api/v1/openapi.json")}
    login_as(client, "admin")
    for path in ("/", "/tasks/", "/applications/", "/admin/", "/dashboard/", "/admin/versions/1",
                 "/applications/export.xlsx", "/dashboard/data.json"):
        answers[path] = client.get(path)
    for what, response in answers.items():
        assert_protected(response.headers, what)
        response.close()


def test_no_template_has_inline_script_handlers_or_styles() -> None:
    for template in TEMPLATES.rglob("*.html"):
        source = template.read_text()
        scripts = re.findall(r"<script\b([^>]*)>", source)
        assert all("src=" in attributes or 'type="application/json"' in attributes for attributes in scripts), template
        assert not re.search(r"\son[a-z]+\s*=", source), template
        assert not re.search(r"<style\b|\sstyle\s*=", source), template
        assert "javascript:" not in source, template


@pytest.fixture
def behind_tls(db_engine: Engine, tmp_path: Path) -> Iterator[Flask]:
    """The app as deployed behind one TLS-terminating reverse proxy."""
    built = create_app(app_config(db_engine, tmp_path, BASE_URL="https://rootball.gxkjt.example", PROXIES=1))
    yield built
    built.extensions["rootball"].engine.dispose()


FORWARDED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https",
             "X-Forwarded-Host": "rootball.gxkjt.example"}


def test_behind_tls_cookies_are_secure_and_the_forwarded_client_counts(behind_tls: Flask) -> None:
    client = behind_tls.test_client()
    signed = client.post("/login", data={"username": "officer", "password": PASSWORD}, headers=FORWARDED)
    assert signed.status_code == 302
    cookie = next(c for c in signed.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert signed.headers["Strict-Transport-Security"].startswith("max-age=")
    assert_protected(signed.headers, "login behind TLS")
    client.post("/login", data={"username": "officer", "password": "wrong"}, headers=FORWARDED)
    with behind_tls.extensions["rootball"].sessions() as session:
        addresses = set(session.scalars(select(LoginAttempt.remote_addr)))
    assert addresses == {"203.0.113.9"}  # the client the proxy saw, not the proxy


def test_without_a_proxy_forwarded_headers_are_not_believed(app: Flask, client: FlaskClient) -> None:
    signed = client.post("/login", data={"username": "officer", "password": PASSWORD}, headers=FORWARDED)
    cookie = next(c for c in signed.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" not in cookie and "Strict-Transport-Security" not in signed.headers
    with app.extensions["rootball"].sessions() as session:
        assert set(session.scalars(select(LoginAttempt.remote_addr))) == {"127.0.0.1"}


def test_the_withdrawal_form_asks_through_a_data_attribute(client: FlaskClient, play: Scenario,
                                                           calls: dict[str, int]) -> None:
    app_id = flows.submitted(play, calls)
    login_as(client, "founder")
    page = client.get(f"/applications/{app_id}").get_data(as_text=True)
    assert 'data-confirm="确定撤回该申报？撤回后不能恢复。"' in page and "onsubmit" not in page
    assert '<script src="/static/js/page.js"></script>' in page
