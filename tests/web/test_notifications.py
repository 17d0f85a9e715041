"""Unread notifications in the navigation; reading them."""
from __future__ import annotations

from flask.testing import FlaskClient

from engine.models import Notification, utcnow
from engine.scenario import Scenario
from tests.web.conftest import login_as


def notify(play: Scenario, user: int, text: str, link: str | None = None) -> int:
    """Write a notification as the engine would."""
    with play.runtime.sessions.begin() as session:
        row = Notification(user_id=user, text=text, link=link, created_at=utcnow())
        session.add(row)
        session.flush()
        return row.id


def test_unread_count_and_marking_read(client: FlaskClient, play: Scenario, users: dict[str, int]) -> None:
    first = notify(play, users["founder"], "您的申报已被退回修改", "/tasks/?tab=mine")
    notify(play, users["founder"], "公示期将于 5 个工作日后结束")
    notify(play, users["officer"], "别人的通知")
    login_as(client, "founder")
    page = client.get("/tasks/notifications").get_data(as_text=True)
    assert '<span class="count unread">2</span>' in page
    assert "您的申报已被退回修改" in page and "别人的通知" not in page
    opened = client.post(f"/tasks/notifications/{first}/open")
    assert opened.status_code == 302 and opened.location.endswith("/tasks/?tab=mine")
    assert '<span class="count unread">1</span>' in client.get("/tasks/").get_data(as_text=True)
    assert client.post("/tasks/notifications/read").status_code == 302
    assert "count unread" not in client.get("/tasks/notifications").get_data(as_text=True)
    login_as(client, "officer")
    assert '<span class="count unread">1</span>' in client.get("/tasks/").get_data(as_text=True)
    assert client.post(f"/tasks/notifications/{first}/open").location.endswith("/tasks/notifications")
