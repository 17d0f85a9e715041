"""Extra open inbox rows in bulk, hung on one real application, for the paging tests; and reading pages back."""
from __future__ import annotations

import base64
import html
import json
import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask.testing import FlaskClient
from sqlalchemy import insert, select

from engine.access import can_work, oversees
from engine.models import HumanTask, User, utcnow
from engine.scenario import Scenario
from tests.web.api_client import PREFIX, Api, ok

BASE = utcnow().replace(microsecond=0) + timedelta(days=30)


def hang(play: Scenario, call_id: int, rows: list[dict[str, Any]], title: str = "分页测试申报") -> list[int]:
    """Insert `rows` (HumanTask columns; officer group tasks unless said otherwise) on a new application."""
    app_id = play.start(call_id, "founder", title)
    instance_id = play.open_tasks(app_id)[0].instance_id
    defaults = {"instance_id": instance_id, "application_id": app_id, "spec_name": "follow_up", "title": "跟进事项",
                "lane": "officer", "form_key": "rectification", "candidate_role": "officer", "scope": None,
                "assignee_id": None, "preassigned": False, "due_at": BASE, "state": "open", "created_at": utcnow()}
    values = [{**defaults, "task_guid": f"paging-{app_id}-{i}", **row} for i, row in enumerate(rows)]
    with play.runtime.sessions.begin() as session:
        session.execute(insert(HumanTask), values)
        return list(session.scalars(select(HumanTask.id).where(HumanTask.task_guid.like(f"paging-{app_id}-%"))
                                    .order_by(HumanTask.id)))


def in_due_order(tasks: list[HumanTask]) -> list[int]:
    """Ids in the inbox order: due date, undated last, then id."""
    return [t.id for t in sorted(tasks, key=lambda t: (t.due_at is None, t.due_at or datetime.min, t.id))]


def expected(play: Scenario, username: str, scope: str) -> list[int]:
    """The ids a user's tab holds by the permission check itself (`can_work`), in inbox order."""
    with play.runtime.sessions() as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        tasks = session.scalars(select(HumanTask).where(HumanTask.state == "open")).all()
        mine = [t for t in tasks if t.assignee_id == user.id]
        group = [t for t in tasks if t.assignee_id is None and can_work(user, t)]
        chosen = {"mine": mine, "group": group, "all": list(tasks) if oversees(user) else mine + group}[scope]
        return in_due_order(chosen)


def next_link(response: Any) -> str | None:
    """The path of the `Link: <…>; rel="next"` header, if any."""
    found = re.fullmatch(r'<([^>]+)>; rel="next"', response.headers.get("Link", ""))
    if not found:
        return None
    url = urlsplit(found.group(1))
    return f"{url.path}?{url.query}"


def api_pages(api: Api, query: str) -> tuple[list[list[int]], int]:
    """Every page of `GET /tasks?query` by following the Link headers: ids per page, and X-Total-Count."""
    pages, path = [], f"{PREFIX}/tasks?{query}"
    totals = set()
    while path is not None:
        response = api.client.get(path, headers={"Authorization": f"Bearer {api.token}"})
        pages.append([r["id"] for r in ok(response)])
        totals.add(int(response.headers["X-Total-Count"]))
        path = next_link(response)
        assert len(pages) < 1000, "the pages never end"
    assert len(totals) == 1, totals
    return pages, totals.pop()


def web_ids(page: str) -> list[int]:
    """The task rows of an inbox page, in order."""
    return [int(x) for x in re.findall(r'data-task-id="(\d+)"', page)]


def web_link(page: str, rel: str) -> str | None:
    """The href of the pager's `rel` link on an HTML page."""
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', page)
    return html.unescape(found.group(1)) if found else None


def web_pages(client: FlaskClient, path: str) -> list[list[int]]:
    """Every page of an inbox tab by following 下一页."""
    pages: list[list[int]] = []
    current: str | None = path
    while current is not None:
        page = client.get(current).get_data(as_text=True)
        pages.append(web_ids(page))
        current = web_link(page, "next")
        assert len(pages) < 100, "the pages never end"
    return pages


def cursor(*parts: Any) -> str:
    """A hand-made cursor in the server's format (to test that altered ones are refused cleanly)."""
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")
