"""A small JSON client for the API tests: signs in for a bearer token and sends it with every request."""
from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.web.conftest import PASSWORD

PREFIX = "/api/v1"


def token_for(client: FlaskClient, username: str, password: str = PASSWORD) -> str:
    """A fresh bearer token for a demo user."""
    response = client.post(f"{PREFIX}/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    token: str = response.get_json()["token"]
    return token


class Api:
    """Requests under /api/v1 with `Authorization: Bearer TOKEN` (no header when token is None)."""

    def __init__(self, client: FlaskClient, token: str | None):
        self.client = client
        self.token = token

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token is not None else {}

    def request(self, method: str, path: str, **kwargs: Any) -> TestResponse:
        """Any request, path relative to /api/v1."""
        headers = {**self._headers(), **kwargs.pop("headers", {})}
        return self.client.open(f"{PREFIX}{path}", method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> TestResponse:
        if json is not None:
            kwargs["json"] = json
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("DELETE", path, **kwargs)


def api_as(client: FlaskClient, username: str) -> Api:
    """An Api signed in as `username` (one token per user and test client: password hashing is slow)."""
    issued: dict[str, str] = client.__dict__.setdefault("api_tokens", {})
    if username not in issued:
        issued[username] = token_for(client, username)
    return Api(client, issued[username])


def ok(response: TestResponse, status: int = 200) -> Any:
    """The JSON body, after checking the status."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    return response.get_json()


def error(response: TestResponse, status: int) -> dict[str, Any]:
    """The JSON error body, after checking the status and that it says something."""
    body = ok(response, status)
    assert isinstance(body, dict) and body.get("error"), body
    return body
