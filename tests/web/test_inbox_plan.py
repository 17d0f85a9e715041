"""The exact page queries the API sends read a partial index in order, with no sort: on PostgreSQL with
100,000 open tasks (EXPLAIN), and on SQLite (EXPLAIN QUERY PLAN)."""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, event, insert, text

from engine.models import HumanTask, utcnow
from tests.web.api_client import api_as, ok
from tests.web.inbox_rows import next_link

TASKS = {"postgresql": 100_000, "sqlite": 5_000}
CITIES = ("南宁市", "柳州市", "桂林市")


def _seed(eng: Engine, instance_id: int, officer: int) -> None:
    """Open tasks: 80 % officer group tasks, 10 % claimed by the officer, 10 % for city recommenders;
    one in twenty without a due date."""
    n = TASKS[eng.dialect.name]
    if eng.dialect.name == "sqlite":
        start = utcnow()
        rows = [{"instance_id": instance_id, "task_guid": f"plan-{g}", "spec_name": "follow_up",
                 "title": f"跟进事项{g}", "lane": "officer", "form_key": "rectification",
                 "candidate_role": "recommender" if g % 10 == 0 else "officer",
                 "scope": CITIES[g % 3] if g % 10 == 0 else None, "assignee_id": officer if g % 10 == 1 else None,
                 "preassigned": False, "due_at": None if g % 20 == 2 else start + timedelta(hours=g % 2000),
                 "state": "open", "created_at": start} for g in range(1, n + 1)]
        with eng.begin() as conn:
            conn.execute(insert(HumanTask), rows)
        return
    with eng.begin() as conn:
        conn.execute(text("""
            INSERT INTO human_task (instance_id, task_guid, spec_name, title, lane, form_key, candidate_role, scope,
                                    assignee_id, preassigned, due_at, state, created_at)
            SELECT :instance, 'plan-' || g, 'follow_up', '跟进事项' || g, 'officer', 'rectification',
                   CASE WHEN g % 10 = 0 THEN 'recommender' ELSE 'officer' END,
                   CASE WHEN g % 10 = 0 THEN (ARRAY['南宁市', '柳州市', '桂林市'])[1 + g % 3] END,
                   CASE WHEN g % 10 = 1 THEN :officer END, false,
                   CASE WHEN g % 20 = 2 THEN NULL ELSE now() + (g % 2000) * interval '1 hour' END,
                   'open', now()
            FROM generate_series(1, :n) AS g"""), {"instance": instance_id, "officer": officer, "n": n})
        conn.execute(text("ANALYZE human_task"))


@contextmanager
def statements(eng: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The SQL text and parameters of every statement sent while inside."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        seen.append((statement, parameters))

    event.listen(eng, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(eng, "before_cursor_execute", record)


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _uses_index_in_order(eng: Engine, statement: str, parameters: Any, index: str) -> str:
    """The plan as text, after checking it reads `index` and sorts nothing."""
    if eng.dialect.name == "sqlite":
        with eng.connect() as conn:
            shown = "\n".join(r[3] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters))
        assert f"USING INDEX {index}" in shown and "TEMP B-TREE" not in shown, shown
        return shown
    nodes, shown = _explain(eng, statement, parameters)
    kinds = {n["Node Type"] for n in nodes}
    assert not kinds & {"Sort", "Incremental Sort", "Seq Scan", "Bitmap Heap Scan"}, shown
    assert any(n["Node Type"] == "Index Scan" and n.get("Index Name") == index for n in nodes), shown
    return shown


def _explain(eng: Engine, statement: str, parameters: Any) -> tuple[list[dict[str, Any]], str]:
    with eng.connect() as conn:
        raw = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar_one()
        shown = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters))
    plan = raw if isinstance(raw, list) else json.loads(raw)
    return list(_nodes(plan[0]["Plan"])), shown


def _page_query(seen: list[tuple[str, Any]]) -> tuple[str, Any]:
    pages = [(sql, params) for sql, params in seen
             if re.search(r"FROM human_task\b.*ORDER BY human_task\.due_sort.*LIMIT", sql, re.S)]
    assert len(pages) == 1, [s for s, _ in seen]
    return pages[0]


def test_page_queries_read_an_index_in_order(app: Flask, client: FlaskClient, db_engine: Engine,
                                             users: dict[str, int], calls: dict[str, int]) -> None:
    officer = api_as(client, "officer")
    form = ok(api_as(client, "founder").post("/applications", {"call_id": calls["T4"], "title": "计划"}), 201)
    _seed(db_engine, form["instance_id"], users["officer"])
    web_engine = app.extensions["rootball"].engine
    for scope, index in (("group", "ix_human_task_claimable"), ("mine", "ix_human_task_open_assignee"),
                         ("all", "ix_human_task_open_due")):
        path: str | None = f"/api/v1/tasks?scope={scope}"
        for page in ("first", "later"):
            assert path is not None
            with statements(web_engine) as seen:
                response = client.get(path, headers={"Authorization": f"Bearer {officer.token}"})
            assert len(ok(response)) == 50
            assert int(response.headers["X-Total-Count"]) >= TASKS[db_engine.dialect.name] // 10
            shown = _uses_index_in_order(db_engine, *_page_query(seen), index)
            print(f"\n-- {db_engine.dialect.name}: scope={scope}, {page} page\n{shown}")  # shown with -s
            path = next_link(response) if page == "first" else None
