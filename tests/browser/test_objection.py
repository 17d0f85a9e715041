"""Issue 9: an anonymous visitor files a named objection on the public 公示 page, the officer upholds it in the
inbox, the application ends as not awarded, and the objector's reply arrives by mail (a real SMTP server)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import Browser

from engine import outbox
from engine.lifecycle import Lifecycle, china
from engine.mailer import MailSettings
from tests.browser.conftest import LiveApp, People, Screenshots
from tests.browser.support import open_task, submit_form
from tests.scheduler.support import MailSink

TITLE = "高端装备智能制造关键技术团队引进"
IN_PUBLICITY = china(2025, 9, 29, 10, 0)


@pytest.fixture
def sink() -> Iterator[MailSink]:
    server = MailSink()
    server.start()
    yield server
    server.stop()


def test_a_visitor_s_objection_is_upheld_and_answered(live: LiveApp, people: People, browser: Browser,
                                                      sink: MailSink, shots: Screenshots, tmp_path: Path) -> None:
    lc = Lifecycle(live.runtime, "T2")
    lc.to_expert_review(china(2025, 9, 1, 9, 0))
    with time_machine.travel(china(2025, 9, 1, 9, 0), tick=False):
        lc.score()
    with time_machine.travel(china(2025, 9, 26, 10, 0), tick=False):
        lc.award()
    evidence = tmp_path / "学历证明.pdf"
    evidence.write_bytes(b"%PDF-1.4 evidence of the objection")

    visitor = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    with live.clock(IN_PUBLICITY):
        visitor.goto(f"{live.url}/publicity/")
        row = visitor.locator("tr", has_text=TITLE)
        assert "核心成员1" in row.inner_text() and "5个工作日" in row.inner_text()
        shots.take(visitor, "public-list")
        with visitor.expect_navigation():
            row.get_by_role("link", name="提出异议").click()
        visitor.fill("#f-name", "王明")
        visitor.fill("#f-organization", "广西大学")
        visitor.fill("#f-phone", "0771-5550100")
        visitor.fill("#f-email", "wangming@example.cn")
        visitor.fill("#f-reason", "团队带头人的学历信息与事实不符，附学历证明。")
        visitor.set_input_files("input[name=attachment]", str(evidence))
        with visitor.expect_navigation():
            visitor.click("form.objection-form button[type=submit]")
        assert "不受理匿名" in visitor.content()  # refused until the facts are confirmed as true
        visitor.check("#f-truthful")
        visitor.set_input_files("input[name=attachment]", str(evidence))
        with visitor.expect_navigation():
            visitor.click("form.objection-form button[type=submit]")
        assert "您的异议已受理" in visitor.locator(".flash").inner_text()
        shots.take(visitor, "objection-filed")

        officer = people("officer")
        open_task(officer, TITLE, "异议核查")
        section = officer.locator("section.objection")
        assert "王明（广西大学）" in section.inner_text() and "学历证明.pdf" in section.inner_text()
        shots.take(officer, "objection-review")
        submit_form(officer, {"decision": "reject", "finding": "经核查，团队带头人学历信息不实，异议成立。",
                              "reply": "您反映的问题经核查属实，该项目不予立项。感谢您的监督。"})
        applicant = people("applicant")
        applicant.goto(f"{live.url}/tasks/notifications")
        assert "异议成立，不予立项" in applicant.locator("main").inner_text()
        assert "王明" not in applicant.locator("main").inner_text()
        visitor.goto(f"{live.url}/publicity/")
        assert TITLE not in visitor.locator("main").inner_text()
    assert lc.status() == ("rejected", "closed")

    settings = MailSettings(smtp_url=sink.url, mail_from="带土移植系统 <rootball@gxkjt.example>", base_url=live.url)
    with time_machine.travel(china(2025, 9, 29, 12, 0), tick=False):
        outbox.drain(live.sessions, settings)
    replies = [m for m in sink.messages if m["To"] == "wangming@example.cn"]
    assert len(replies) == 1
    body = replies[0].get_content()
    assert "异议成立，不予立项" in body and "感谢您的监督" in body and "王明" in body
    visitor.context.close()
