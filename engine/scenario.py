"""Plays an application through its tasks by name, as the right users (demo data, tests, benchmarks)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.models import Application, HumanTask
from engine.runtime import Runtime


class Scenario:
    """Finds an application's open task by its BPMN id and completes it as a given user."""

    def __init__(self, runtime: Runtime, users: dict[str, int]):
        self.runtime = runtime
        self.users = users

    def open_tasks(self, app_id: int) -> list[HumanTask]:
        """The application's open inbox rows, oldest first."""
        with self.runtime.sessions() as session:
            return list(session.scalars(select(HumanTask).where(
                HumanTask.application_id == app_id, HumanTask.state == "open").order_by(HumanTask.id)).all())

    def task(self, app_id: int, spec_name: str, assignee: str | None = None) -> HumanTask:
        """The open task named `spec_name` (for `assignee`, when several are open)."""
        rows = [r for r in self.open_tasks(app_id) if r.spec_name == spec_name]
        if assignee is not None:
            rows = [r for r in rows if r.assignee_id in (None, self.users[assignee])]
        if not rows:
            names = [r.spec_name for r in self.open_tasks(app_id)]
            raise LookupError(f"no open task {spec_name!r} on application {app_id}; open: {names}")
        return rows[0]

    def do(self, app_id: int, spec_name: str, user: str, data: dict[str, Any]) -> list[HumanTask]:
        """Claim (when it is a group task) and complete the task as `user`."""
        row = self.task(app_id, spec_name, user)
        uid = self.users[user]
        if row.assignee_id is None:
            self.runtime.claim(row.id, uid)
        return self.runtime.complete_task(row.id, data, uid)

    def start(self, call_id: int, user: str, title: str = "演示申报") -> int:
        """Start an application as `user`; returns its id."""
        return self.runtime.start_application(call_id, title, self.users[user]).id

    def application(self, app_id: int) -> Application:
        """A fresh copy of the application row."""
        with self.runtime.sessions() as session:
            app = session.get(Application, app_id)
            assert app is not None
            return app
