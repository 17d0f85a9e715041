"""Notices from the notice table: who is told what at each event, once, and only when the command commits."""
from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from engine import samples
from engine.lifecycle import Lifecycle, china
from engine.mailer import MailSettings
from engine.models import Application, NoticeEvent, NoticePreference, NoticeSetting, Notification, OutboxEmail
from engine.runtime import Runtime

SEP = china(2025, 9, 1, 9, 0)


def at(moment: datetime) -> time_machine.travel:
    return time_machine.travel(moment, tick=False)


def told(runtime: Runtime, lc: Lifecycle) -> list[tuple[str, str]]:
    """(kind, username) of every notice written so far, in order."""
    names = {v: k for k, v in lc.users.items()}
    with runtime.sessions() as session:
        rows = session.execute(select(Notification.kind, Notification.user_id).where(Notification.kind.is_not(None))
                               .order_by(Notification.id)).tuples().all()
    return [(kind or "", names[user]) for kind, user in rows]


def test_each_role_is_told_at_each_step_of_a_return_and_a_conflict(runtime: Runtime) -> None:
    lc = Lifecycle(runtime, "T2")
    with at(SEP):
        lc.apply()
        assert told(runtime, lc) == [("submitted", "applicant"), ("to_recommend", "nanning")]
        lc.recommend("return")
        lc.do("application_form", "applicant", samples.application("T2"))
        lc.recommend()
        lc.formal("return")
    assert told(runtime, lc)[2:] == [
        ("returned", "applicant"), ("submitted", "applicant"), ("corrected_back", "nanning"),
        ("recommended", "applicant"), ("arrived", "officer"), ("returned", "applicant")]
    with runtime.sessions() as session:
        note = session.scalars(select(Notification).where(Notification.kind == "returned")
                               .order_by(Notification.id.desc())).first()
        assert note is not None
        assert "请补充团队成员证明材料" in note.text and "2025年9月15日" in note.text  # 10 working days
        assert note.link is not None and note.link.startswith("/tasks/")
    with at(SEP):
        lc.do("correction", "applicant", samples.application("T2"))
        lc.formal()
        lc.assign()
        lc.do("expert_score", "expert3", samples.CONFLICT)
    tail = told(runtime, lc)[9:]
    assert ("expert_review_started", "applicant") in tail
    assert [u for k, u in tail if k == "expert_assigned"] == ["expert1", "expert2", "expert3", "expert4", "expert6"]
    assert tail[-1] == ("expert_released", "expert3")  # the replacement task opens only once the round is in


def test_a_rolled_back_command_tells_nobody(runtime: Runtime) -> None:
    lc = Lifecycle(runtime, "T2")
    with at(SEP):
        lc.app_id = lc.play.start(lc.call_id, "applicant", "申报")
        with runtime.sessions.begin() as session:  # the mail of the next notice is taken: its insert fails
            session.add(OutboxEmail(message_id=f"<rootball-notice-1-{lc.users['applicant']}@{runtime.mail.domain}>",
                                    to_addr="x@example.cn", subject="占位", body="", state="sent"))
        with pytest.raises(IntegrityError):
            lc.do("application_form", "applicant", samples.application("T2"))
        assert told(runtime, lc) == []
        assert lc.status() == ("draft", "application")
        with runtime.sessions.begin() as session:
            session.execute(OutboxEmail.__table__.delete())
        lc.do("application_form", "applicant", samples.application("T2"))
    assert told(runtime, lc) == [("submitted", "applicant"), ("to_recommend", "nanning")]


def test_timers_tell_once_however_often_the_scheduler_passes(runtime: Runtime) -> None:
    lc = Lifecycle(runtime, "T2")
    lc.to_expert_review(SEP)
    with at(SEP):
        lc.score()
    with at(china(2025, 9, 26, 10, 0)):
        lc.award()
    with runtime.sessions() as session:
        ends = session.scalars(select(Notification.text).where(Notification.kind == "publicity_started")).one()
    assert "公示期至2025年10月10日 23:59" in ends and "200" in ends
    for _ in range(3):
        lc.tick(china(2025, 10, 11, 9, 0))
    counts = dict((k, told(runtime, lc).count((k, "applicant"))) for k in ("contract_due", "publicity_started"))
    assert counts == {"contract_due": 1, "publicity_started": 1}
    with runtime.sessions() as session:
        keys = session.scalars(select(NoticeEvent.key)).all()
        assert len(keys) == len(set(keys))


def test_switched_off_kinds_and_in_app_only_users(runtime: Runtime) -> None:
    lc = Lifecycle(runtime, "T2")
    with runtime.sessions.begin() as session:
        session.add(NoticeSetting(kind="to_recommend", enabled=False))
        session.add(NoticePreference(user_id=lc.users["applicant"], by_email=False))
    with at(SEP):
        lc.apply()
    assert told(runtime, lc) == [("submitted", "applicant")]
    with runtime.sessions() as session:
        assert session.scalar(select(func.count(OutboxEmail.id))) == 0
        # the event is on record although nobody was told of it
        assert session.scalar(select(func.count(NoticeEvent.id)).where(NoticeEvent.kind == "to_recommend")) == 1


def test_withdrawal_deemed_after_the_correction_deadline(runtime: Runtime) -> None:
    lc = Lifecycle(runtime, "T2")
    with at(SEP):
        lc.apply()
        lc.recommend()
        lc.formal("return")
    lc.tick(china(2025, 9, 20, 9, 0))
    assert lc.status() == ("withdrawn", "closed")
    assert told(runtime, lc)[-1] == ("deemed_withdrawn", "applicant")


def test_mail_links_and_message_ids_come_from_the_runtime_settings(runtime: Runtime) -> None:
    mailing = Runtime(runtime.sessions, mail=MailSettings(base_url="https://kjt.example", mail_from="x@kjt.example"))
    lc = Lifecycle(mailing, "T2")
    with at(SEP):
        lc.apply()
    with runtime.sessions() as session:
        app = session.get(Application, lc.app_id)
        mail = session.scalars(select(OutboxEmail).where(OutboxEmail.to_addr == "applicant@rootball.example")).one()
    assert app is not None and mail.message_id.endswith("@kjt.example>")
    assert f"https://kjt.example/applications/{app.id}" in mail.body
    assert mail.subject.startswith("【带土移植】申报已提交")
