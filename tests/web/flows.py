"""Plays T4 applications forward to a given step through the engine (the web tests then act in the browser's place)."""
from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import select

from engine import samples
from engine.models import HumanTask
from engine.scenario import Scenario

PANEL = ("expert1", "expert2", "expert3", "expert4", "expert6")
SUMMARY = samples.application("T4")["summary"]


def started(play: Scenario, calls: dict[str, int], title: str = "新能源电驱团队") -> int:
    """A T4 application of `founder` with its form still open."""
    return play.start(calls["T4"], "founder", title)


def submitted(play: Scenario, calls: dict[str, int], **overrides: object) -> int:
    """A T4 application submitted by `founder` (柳州市), waiting for `liuzhou`'s recommendation."""
    app_id = started(play, calls)
    play.do(app_id, "application_form", "founder", samples.application("T4", city="柳州市", **overrides))
    return app_id


def at_formal_review(play: Scenario, calls: dict[str, int]) -> int:
    """Recommended, waiting for the officer's formal review."""
    app_id = submitted(play, calls)
    play.do(app_id, "recommendation", "liuzhou", samples.DECISIONS["recommendation"])
    return app_id


def at_expert_scoring(play: Scenario, calls: dict[str, int], users: dict[str, int]) -> int:
    """Five experts assigned, none has answered yet."""
    app_id = at_formal_review(play, calls)
    play.do(app_id, "formal_review_task", "officer", samples.DECISIONS["formal_review"])
    play.do(app_id, "assign_experts", "officer", {"experts": [users[u] for u in PANEL]})
    return app_id


def at_award(play: Scenario, calls: dict[str, int], users: dict[str, int],
             scores: tuple[float, ...] = (86, 80, 90, 84, 50)) -> int:
    """Every expert has scored; the award decision is open."""
    app_id = at_expert_scoring(play, calls, users)
    for expert, value in zip(PANEL, scores, strict=True):
        play.do(app_id, "expert_score", expert, samples.score(value))
    return app_id


def task_id(play: Scenario, app_id: int, spec_name: str, assignee: str | None = None) -> int:
    """The open task's id."""
    return play.task(app_id, spec_name, assignee).id


def task_row(play: Scenario, task: int) -> HumanTask:
    """A fresh copy of a task row."""
    with play.runtime.sessions() as session:
        row = session.scalar(select(HumanTask).where(HumanTask.id == task))
        assert row is not None
        return row


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token of a page's form."""
    html = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def as_form(data: dict[str, object], prefix: str = "") -> dict[str, str | list[str]]:
    """Form JSON flattened into the renderer's HTML field names (`team-0-name`, `enterprise-founded_on`)."""
    flat: dict[str, str | list[str]] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(as_form(value, f"{name}-"))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for i, row in enumerate(value):
                flat.update(as_form(row, f"{name}-{i}-"))
        elif isinstance(value, list):
            flat[name] = [str(v) for v in value]
        elif isinstance(value, bool):
            flat[name] = "true" if value else "false"
        else:
            flat[name] = str(value)
    return flat


def done_task(play: Scenario, app_id: int, spec_name: str) -> HumanTask:
    """The newest completed task named `spec_name` of the application."""
    with play.runtime.sessions() as session:
        row = session.scalars(select(HumanTask).where(
            HumanTask.application_id == app_id, HumanTask.spec_name == spec_name, HumanTask.state == "done")
            .order_by(HumanTask.id.desc())).first()
        assert row is not None, f"no completed {spec_name} on application {app_id}"
        return row
