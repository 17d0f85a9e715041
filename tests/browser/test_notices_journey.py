"""Issue 9: a T2 application from submission to acceptance tells each role what happened, in the app and by
mail through a real SMTP server, and a repeated scheduler pass doubles nothing. The steps run through the
engine (as the users would); the notices are read in the browser at the key steps."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
import time_machine
from sqlalchemy import select

from engine import outbox, samples
from engine.lifecycle import Lifecycle, china
from engine.mailer import MailSettings
from engine.models import Notification, User
from engine.scheduling import run_pass
from tests.browser.conftest import LiveApp, People, Screenshots
from tests.scheduler.support import MailSink

REMINDER_SUBJECTS = ("【带土移植】待办任务", "【带土移植】督办")


@pytest.fixture
def sink() -> Iterator[MailSink]:
    server = MailSink()
    server.start()
    yield server
    server.stop()


class Journey:
    """What each user was told since the last check: notices in the database and mail at the SMTP server."""

    def __init__(self, live: LiveApp, people: People, sink: MailSink):
        self.live, self.people, self.sink = live, people, sink
        self.settings = MailSettings(smtp_url=sink.url, mail_from="带土移植系统 <rootball@gxkjt.example>",
                                     base_url=live.url, timeout=5.0)
        self.notes_seen = 0
        self.mails_seen = 0
        with live.sessions() as session:
            self.emails = {u.email: u.username for u in session.scalars(select(User))}
            self.names = {u.id: u.username for u in session.scalars(select(User))}

    def tick(self, when: datetime) -> None:
        """One scheduler pass as of `when`, sending its mail to the SMTP server."""
        with time_machine.travel(when, tick=False):
            report = run_pass(self.live.sessions, self.settings)
        assert report.mails_failed == 0 and not report.errors, report

    def told(self, when: datetime, expected: dict[str, list[str]]) -> None:
        """Exactly these notice titles went to these users since the last check, each also by mail."""
        with time_machine.travel(when, tick=False):
            outbox.drain(self.live.sessions, self.settings)
        with self.live.sessions() as session:
            rows = session.execute(select(Notification.id, Notification.user_id, Notification.title)
                                   .where(Notification.kind.is_not(None), Notification.id > self.notes_seen)
                                   .order_by(Notification.id)).tuples().all()
        if rows:
            self.notes_seen = rows[-1][0]
        notes: dict[str, list[str]] = {}
        for _id, user, title in rows:
            notes.setdefault(self.names[user], []).append(str(title))
        mails: dict[str, list[str]] = {}
        fresh = self.sink.messages[self.mails_seen:]
        self.mails_seen += len(fresh)
        for message in fresh:
            subject = str(message["Subject"])
            if not subject.startswith(REMINDER_SUBJECTS):
                mails.setdefault(self.emails[str(message["To"])], []).append(subject.removeprefix("【带土移植】"))
        assert notes == expected, notes
        assert mails == expected, mails

    def shows(self, user: str, when: datetime, *titles: str, shots: Screenshots | None = None) -> None:
        """`user`'s notification page lists `titles` (signing in again: the journey moves time by months)."""
        with self.live.clock(when):
            page = self.people(user)
            self.people.sign_in(user)
            page.goto(f"{self.live.url}/tasks/notifications")
            text = page.locator("main").inner_text()
            for title in titles:
                assert text.count(title) == 1, (user, title, text)
            if shots is not None:
                shots.take(page, f"notices-{user}")


def test_t2_from_submission_to_acceptance_tells_every_role(live: LiveApp, people: People, sink: MailSink,
                                                          shots: Screenshots) -> None:
    journey = Journey(live, people, sink)
    lc = Lifecycle(live.runtime, "T2")
    title = "高端装备智能制造关键技术团队引进"
    day = china(2025, 9, 1, 9, 0)
    with time_machine.travel(day, tick=False):
        lc.apply()
    journey.told(day, {"applicant": [f"申报已提交：{title}"], "nanning": [f"新的申报待推荐：{title}"]})
    journey.shows("nanning", day, f"新的申报待推荐：{title}", shots=shots)

    with time_machine.travel(day, tick=False):
        lc.recommend("return")
    journey.told(day, {"applicant": [f"申报被退回修改：{title}"]})
    with live.clock(day):
        page = people("applicant")
        page.goto(f"{live.url}/tasks/notifications")
        with page.expect_navigation():
            page.locator("li", has_text="申报被退回修改").get_by_role("button", name="查看").click()
        assert "/tasks/" in page.url and "请补充材料" in page.locator(".returned-banner").inner_text()
        shots.take(page, "applicant-returned-task")

    with time_machine.travel(day, tick=False):
        lc.do("application_form", "applicant", samples.application("T2"))
        lc.recommend()
        lc.formal()
        lc.assign()
    journey.told(day, {
        "applicant": [f"申报已提交：{title}", f"申报进入形式审查：{title}", f"申报进入专家评审：{title}"],
        "nanning": [f"修改后的申报待推荐：{title}"], "officer": [f"申报待形式审查：{title}"],
        **{e: [f"评审邀请：{title}"] for e in ("expert1", "expert2", "expert3", "expert4", "expert6")}})
    journey.shows("expert1", day, f"评审邀请：{title}")

    with time_machine.travel(day, tick=False):
        lc.do("expert_score", "expert3", samples.CONFLICT)
        for expert in ("expert1", "expert2", "expert4", "expert6"):
            lc.do("expert_score", expert, samples.score(85.0))
    journey.told(day, {"expert3": [f"已解除评审任务：{title}"], "officer": [f"专家声明回避，请补选：{title}"]})
    with time_machine.travel(day, tick=False):
        lc.do("replace_experts", "officer", {"replacements": [lc.users["expert7"]]})
        lc.do("expert_score", "expert7", samples.score(90.0))
    journey.told(day, {"expert7": [f"评审邀请：{title}"], "officer": [f"专家评分已全部提交：{title}"]})
    journey.shows("officer", day, f"专家声明回避，请补选：{title}", f"专家评分已全部提交：{title}")

    award_day = china(2025, 9, 26, 10, 0)
    with time_machine.travel(award_day, tick=False):
        lc.award()
    journey.told(award_day, {"applicant": [f"拟立项并公示：{title}"]})
    journey.shows("applicant", award_day, "公示期至2025年10月10日 23:59")

    after = china(2025, 10, 11, 9, 0)
    journey.tick(after)
    journey.tick(after)  # a second pass at the same moment tells nobody again
    journey.told(after, {"applicant": [f"正式立项，请签订任务书：{title}"]})
    with time_machine.travel(china(2025, 10, 20, 10, 0), tick=False):
        lc.sign("2025-10-20")
    journey.told(china(2025, 10, 20, 10, 0), {"officer": [f"任务书已签订，请确认：{title}"],
                                              "applicant": [f"任务书已确认：{title}"]})

    midterm = china(2027, 4, 21, 9, 0)
    journey.tick(midterm)
    journey.tick(midterm)
    with time_machine.travel(midterm, tick=False):
        lc.midterm()
    journey.told(midterm, {"applicant": [f"请提交中期报告：{title}", f"中期检查通过：{title}"],
                           "officer": [f"中期报告已提交：{title}"]})
    journey.shows("applicant", midterm, f"请提交中期报告：{title}", f"中期检查通过：{title}")

    due = china(2028, 10, 21, 9, 0)
    journey.tick(due)
    with time_machine.travel(due, tick=False):
        lc.accept("extend", extension_months=6)
    journey.told(due, {"applicant": [f"请提交验收报告：{title}", f"同意延期验收：{title}"],
                       "officer": [f"验收报告已提交：{title}"]})
    extended = china(2029, 4, 21, 9, 0)
    journey.tick(extended)
    journey.tick(extended)
    with time_machine.travel(extended, tick=False):
        lc.accept()
    journey.told(extended, {"applicant": [f"请提交验收报告：{title}", f"验收通过：{title}"],
                            "officer": [f"验收报告已提交：{title}"]})
    assert lc.status() == ("accepted", "closed")
    journey.shows("applicant", extended, f"验收通过：{title}", "同意延期验收", shots=shots)
    ids = sink.message_ids()
    assert len(ids) == len(set(ids))
