"""Web fixtures: an app on the test database, its test client, and signing in as a demo user."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from engine.signin import Throttle
from web import create_app

PASSWORD = "test-password"


def app_config(db_engine: Engine, tmp_path: Path, **overrides: object) -> dict[str, object]:
    """The configuration of a test app on `db_engine` (CSRF off unless overridden)."""
    config: dict[str, object] = {
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "DATABASE_URL": db_engine.url.render_as_string(hide_password=False),
        "SECRET_KEY": "test",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "LOGIN_THROTTLE": Throttle(account_free=1000, address_free=1000),
    }
    config.update(overrides)
    return config


@pytest.fixture
def app(db_engine: Engine, tmp_path: Path) -> Iterator[Flask]:
    """The web app on this test's database, CSRF checks off (a separate test keeps them on)."""
    built = create_app(app_config(db_engine, tmp_path))
    yield built
    built.extensions["rootball"].engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of `app`."""
    return app.test_client()


def login_as(client: FlaskClient, username: str) -> None:
    """Sign `client` in as a demo user (password `test-password`)."""
    client.post("/logout")
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, f"login as {username} failed: {response.status_code}"
