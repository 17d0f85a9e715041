"""The small behaviours moved out of inline handlers (the Content-Security-Policy allows none) still work."""
from __future__ import annotations

from playwright.sync_api import Dialog
from sqlalchemy import select

from engine.models import Application, HumanTask
from tests.browser.conftest import LiveApp, People
from tests.browser.support import start_application


def test_withdrawal_asks_first_and_a_refusal_keeps_the_application(live: LiveApp, people: People) -> None:
    founder = people("founder")
    app_id = start_application(founder, live, "T4", "先问一声再撤回")
    founder.goto(f"{live.url}/applications/{app_id}")
    form = founder.locator("form[data-confirm]", has=founder.locator("textarea[name=reason]")).first
    form.locator("textarea[name=reason]").fill("团队调整")
    form.locator("input[name=confirm]").check()
    asked: list[str] = []

    def answer(accept: bool):  # type: ignore[no-untyped-def]
        def handle(dialog: Dialog) -> None:
            asked.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()
        return handle

    founder.once("dialog", answer(False))
    form.locator("button[type=submit]").click()
    founder.wait_for_timeout(300)  # a refused confirm leaves the page where it is
    assert asked == ["确定撤回该申报？撤回后不能恢复。"] and founder.url.endswith(f"/applications/{app_id}")
    assert "已撤回" not in founder.inner_text("main")
    with live.sessions() as session:  # dismissing the dialog kept the application and its open form
        kept = session.get(Application, app_id)
        assert kept is not None and kept.status == "draft" and kept.stage == "application"
        assert session.scalar(select(HumanTask.id).where(HumanTask.application_id == app_id,
                                                         HumanTask.state == "open")) is not None
    founder.reload()
    assert form.locator("input[name=confirm]").count() == 1  # still offered
    form.locator("textarea[name=reason]").fill("团队调整")
    form.locator("input[name=confirm]").check()
    founder.once("dialog", answer(True))
    with founder.expect_navigation():
        form.locator("button[type=submit]").click()
    assert len(asked) == 2 and "申报已撤回" in founder.inner_text(".flash")
    assert "团队调整" in founder.inner_text(".closing-reason")
    assert founder.locator("li[data-stage=recommendation].done").count() == 0
    assert people.policy_violations == []
