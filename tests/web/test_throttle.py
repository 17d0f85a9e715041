"""Sign-in back-off: per client address and per account from that address, never locking the owner out.

Time is moved with time_machine (the app reads the one clock, `utcnow`); nothing here measures speed.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, update
from werkzeug.test import TestResponse

from engine.models import User, utcnow
from engine.signin import Throttle, client_key
from tests.web.conftest import PASSWORD, app_config
from web import create_app

ATTACKER = {"REMOTE_ADDR": "203.0.113.66"}
OWNER = {"REMOTE_ADDR": "198.51.100.7"}
LIMITS = Throttle(account_free=5, address_free=20, base=60, cap=3600, window=86400)


@pytest.fixture
def strict(db_engine: Engine, tmp_path: Path) -> Iterator[Flask]:
    """The app with the production-like limits (a longer first wait, so nothing depends on speed)."""
    built = create_app(app_config(db_engine, tmp_path, LOGIN_THROTTLE=LIMITS))
    yield built
    built.extensions["rootball"].engine.dispose()


def page_login(client: FlaskClient, username: str, password: str, where: dict[str, str]) -> TestResponse:
    return client.post("/login", data={"username": username, "password": password}, environ_base=where)


def api_login(client: FlaskClient, username: str, password: str, where: dict[str, str]) -> TestResponse:
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base=where)


@pytest.mark.parametrize("login", [page_login, api_login], ids=["page", "api"])
def test_guessing_slows_the_guesser_down_and_never_the_owner(strict: Flask, login) -> None:  # type: ignore[no-untyped-def]
    client, owner = strict.test_client(), strict.test_client()
    with time_machine.travel(utcnow(), tick=False) as clock:
        for _ in range(LIMITS.account_free):
            assert login(client, "officer", "guess", ATTACKER).status_code == 401
        held = login(client, "officer", PASSWORD, ATTACKER)  # even the right password waits now
        assert held.status_code == 429 and held.headers["Retry-After"] == "60"
        text = held.get_json()["error"] if held.is_json else held.get_data(as_text=True)
        assert "登录失败次数过多，请在 60 秒后再试" in text
        assert login(owner, "officer", PASSWORD, OWNER).status_code in (200, 302)  # the owner, elsewhere
        assert login(client, "admin", PASSWORD, ATTACKER).status_code in (200, 302)  # another account from there
        clock.shift(timedelta(seconds=59))
        assert login(client, "officer", "guess", ATTACKER).status_code == 429
        clock.shift(timedelta(seconds=1))
        assert login(client, "officer", "guess", ATTACKER).status_code == 401  # the 6th failure
        assert login(client, "officer", "guess", ATTACKER).headers["Retry-After"] == "120"  # doubled
        clock.shift(timedelta(seconds=120))
        assert login(client, "officer", "guess", ATTACKER).status_code == 401
        assert login(client, "officer", "guess", ATTACKER).headers["Retry-After"] == "240"
        clock.shift(timedelta(seconds=240))
        assert login(client, "officer", PASSWORD, ATTACKER).status_code in (200, 302)
        # the owner's own success from that address starts its count afresh
        assert login(client, "officer", "typo", ATTACKER).status_code == 401


def test_one_address_trying_many_usernames_is_slowed(strict: Flask) -> None:
    client = strict.test_client()
    with time_machine.travel(utcnow(), tick=False) as clock:
        for i in range(LIMITS.address_free):
            assert page_login(client, f"user{i:02d}", "guess", ATTACKER).status_code == 401
        held = api_login(client, "expert1", PASSWORD, ATTACKER)
        assert held.status_code == 429 and held.headers["Retry-After"] == "60"
        assert "后再试" in held.get_json()["error"]
        assert page_login(client, "expert1", PASSWORD, ATTACKER).status_code == 429
        assert page_login(client, "expert1", PASSWORD, OWNER).status_code == 302
        # an IPv6 client is one client however many addresses of its /64 it uses
        for i in range(LIMITS.address_free):
            assert api_login(client, f"user{i:02d}", "guess", {"REMOTE_ADDR": f"2001:db8:1:2::{i + 1:x}"}
                             ).status_code == 401
        assert api_login(client, "expert1", PASSWORD, {"REMOTE_ADDR": "2001:db8:1:2:ffff::9"}).status_code == 429
        assert api_login(client, "expert1", PASSWORD, {"REMOTE_ADDR": "2001:db8:1:3::1"}).status_code == 200
        clock.shift(timedelta(seconds=60))
        assert page_login(client, "expert1", PASSWORD, ATTACKER).status_code == 302


def test_the_web_form_and_the_api_share_one_count(strict: Flask) -> None:
    client = strict.test_client()
    with time_machine.travel(utcnow(), tick=False):
        for i in range(LIMITS.account_free):
            login = page_login if i % 2 else api_login
            assert login(client, "founder", "guess", ATTACKER).status_code == 401
        assert api_login(client, "founder", PASSWORD, ATTACKER).status_code == 429
        assert page_login(client, "founder", PASSWORD, ATTACKER).status_code == 429


def test_client_keys() -> None:
    assert client_key("203.0.113.66") == "203.0.113.66"
    assert client_key("::ffff:203.0.113.66") == "203.0.113.66"
    assert client_key("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert client_key(None) == "unknown" and len(client_key("x" * 500)) == 64 and client_key("a\x00b") == "ab"


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts the real argon2 verifications (the real verifier still runs)."""
    calls: list[str] = []
    real = PasswordHasher.verify

    def counting(self: PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
        calls.append(str(password))
        return real(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    return calls


def test_every_answer_costs_one_password_verification(app: Flask, client: FlaskClient, verifications: list[str]
                                                      ) -> None:
    with app.extensions["rootball"].sessions.begin() as session:
        session.execute(update(User).where(User.username == "agency").values(active=False))
    cases = [("officer", "wrong-1"), ("nobody-here", "wrong-2"), ("agency", PASSWORD), ("x" * 300, "wrong-4"),
             ("offi\x00cer", "wrong-5"), ("", "wrong-6")]
    for username, password in cases:
        assert page_login(client, username, password, ATTACKER).status_code == 401, username
        assert verifications[-1] == password, username  # the unknown ones too, against a stand-in hash
    assert len(verifications) == len(cases)
    for username, password in cases[:3]:
        api_login(client, username, password + "-api", ATTACKER)
        assert verifications[-1] == password + "-api"
    assert api_login(client, "officer", PASSWORD, ATTACKER).status_code == 200
