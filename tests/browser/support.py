"""Steps the browser scenarios share: starting an application in the portal, finding rows, working a task."""
from __future__ import annotations

from playwright.sync_api import Page
from sqlalchemy import select

from engine.models import Application, ProcessInstance, ProcessVersion
from tests.browser.conftest import LiveApp


def start_application(page: Page, live: LiveApp, track: str, title: str) -> int:
    """Start an application on `track`'s open call from the portal; returns its id."""
    page.goto(f"{live.url}/applications/")
    call = page.locator("article.call", has=page.locator(f"input[name=call_id][value='{live.calls[track]}']"))
    call.locator("input[name=title]").fill(title)
    with page.expect_navigation():
        call.locator("button[type=submit]").click()
    with live.sessions() as session:
        app_id = session.scalar(select(Application.id).where(Application.title == title))
    assert app_id is not None, f"application {title!r} was not created"
    return app_id


def instance_of(live: LiveApp, app_id: int) -> tuple[int, int]:
    """(instance id, version number) of an application."""
    with live.sessions() as session:
        row = session.execute(select(ProcessInstance.id, ProcessVersion.version)
                              .join(ProcessVersion, ProcessVersion.id == ProcessInstance.version_id)
                              .where(ProcessInstance.application_id == app_id)).one()
        return row[0], row[1]


Value = str | bool | list[str]


def fill(page: Page, fields: dict[str, Value]) -> None:
    """Fill form fields by HTML name: text inputs, selects, yes/no radios (bool) and checkboxes (list)."""
    for name, value in fields.items():
        if isinstance(value, bool):
            page.check(f"input[type=radio][name='{name}'][value='{'true' if value else 'false'}']")
        elif isinstance(value, list):
            for option in value:
                page.check(f"input[type=checkbox][name='{name}'][value='{option}']")
        else:
            target = page.locator(f"#f-{name}")
            if target.evaluate("e => e.tagName") == "SELECT":
                target.select_option(value)
            else:
                target.fill(value)


def submit_form(page: Page, fields: dict[str, Value], button: str = "form.task-form button[value=submit]") -> None:
    """Fill a task form and submit it, waiting for the next page."""
    fill(page, fields)
    with page.expect_navigation():
        page.click(button)


def open_task(page: Page, application: str, task_title: str) -> None:
    """Open a task of `application` from the signed-in user's inbox: 我的待办 first, then 可领取."""
    for tab in ("mine", "group"):
        with page.expect_navigation():
            page.click(f"header a[data-nav={tab}]")
        row = page.locator("tr[data-task-id]", has_text=application).filter(has_text=task_title)
        if row.count():
            with page.expect_navigation():
                row.first.get_by_role("link", name="办理").click()
            return
    raise AssertionError(f"no task {task_title!r} of {application!r} in the inbox of {page.url}")
