"""Reminders arrive on the right Chinese working days, once per (task, kind), by mail and in the app."""
from __future__ import annotations

import threading
from datetime import date

import pytest
import time_machine
from sqlalchemy import func, select

from engine import calendar, deadlines, notify, samples
from engine.errors import NotAllowed
from engine.mailer import MailSettings
from engine.models import AuditEvent, HumanTask, Notification, Reminder
from engine.runtime import Runtime
from engine.scenario import Scenario
from tests.scheduler.support import MailSink, china, days, reminder_of, tick


def _recommendation(play: Scenario, call_id: int, at: date) -> HumanTask:
    """A T4 application submitted at 10:00 on `at`; returns its recommendation task (P5WD, 柳州市)."""
    with time_machine.travel(china(at, 10), tick=False):
        app_id = play.start(call_id, "founder")
        play.do(app_id, "application_form", "founder", samples.application("T4", city="柳州市"))
    return play.task(app_id, "recommendation")


def test_reminders_follow_working_days_across_national_day(
        runtime: Runtime, play: Scenario, calls: dict[str, int], users: dict[str, int],
        sink: MailSink, settings: MailSettings) -> None:
    # 2025: Oct 1–8 off; Sun Sep 28 and Sat Oct 11 are make-up working days.
    early = _recommendation(play, calls["T4"], date(2025, 9, 24))
    late = _recommendation(play, calls["T4"], date(2025, 9, 25))
    assert early.due_at == calendar.end_of_day_utc(date(2025, 9, 30))  # 25, 26, 28 (make-up), 29, 30
    assert late.due_at == calendar.end_of_day_utc(date(2025, 10, 9))  # 26, 28, 29, 30, Oct 9

    arrivals: list[tuple[date, int, str, str]] = []
    for day in days(date(2025, 9, 24), date(2025, 10, 17)):
        seen = len(sink.messages)
        for hour in (0, 9, 17):
            report = tick(runtime, settings, china(day, hour, 5))
            assert report.errors == [] and report.mail_errors == []
        for message in sink.messages[seen:]:
            arrivals.append((day, *reminder_of(runtime, str(message["Message-ID"]))))

    recommender, officer = "liuzhou@rootball.example", "officer@rootball.example"
    assert sorted(arrivals) == sorted([
        (date(2025, 9, 26), early.id, "before_due", recommender),   # 3 working days before Sep 30
        (date(2025, 9, 28), late.id, "before_due", recommender),    # a Sunday, but a make-up working day
        (date(2025, 9, 30), early.id, "due_today", recommender),
        (date(2025, 10, 9), early.id, "overdue", recommender),      # overdue since Oct 1, reminded after the holiday
        (date(2025, 10, 9), late.id, "due_today", recommender),
        (date(2025, 10, 10), late.id, "overdue", recommender),
        (date(2025, 10, 11), early.id, "escalation", officer),      # Saturday make-up day: 3rd working day overdue
        (date(2025, 10, 13), late.id, "escalation", officer),
    ])
    assert len(set(sink.message_ids())) == len(sink.messages) == 8

    first = next(m for m in sink.messages if reminder_of(runtime, str(m["Message-ID"]))[1] == "before_due")
    assert "到期" in str(first["Subject"]) and "推荐" in str(first["Subject"])
    assert str(first["From"]).endswith("<rootball@gxkjt.example>")
    body = first.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "柳州市科技局，您好" in text and "还有3个工作日到期" in text
    assert f"https://rootball.example/tasks/{early.id}" in text or f"https://rootball.example/tasks/{late.id}" in text

    with runtime.sessions() as session:
        assert notify.unread_count(session, users["liuzhou"]) == 6
        assert notify.unread_count(session, users["officer"]) == 2
        links = {n.link for n in notify.unread(session, users["officer"])}
    assert links == {f"/tasks/{early.id}", f"/tasks/{late.id}"}
    assert notify.mark_read(runtime.sessions, users["officer"]) == 2


def test_no_reminders_on_days_off_nor_before_eight(runtime: Runtime, play: Scenario, calls: dict[str, int],
                                                   sink: MailSink, settings: MailSettings) -> None:
    task = _recommendation(play, calls["T4"], date(2025, 9, 24))
    for day in days(date(2025, 10, 1), date(2025, 10, 8)):
        report = tick(runtime, settings, china(day, 9))
        assert sum(report.reminders_queued.values()) == 0
    assert sink.messages == []
    assert sum(tick(runtime, settings, china(date(2025, 10, 9), 7, 59)).reminders_queued.values()) == 0
    report = tick(runtime, settings, china(date(2025, 10, 9), 8))
    assert report.reminders_queued["overdue"] == 1 and report.mails_sent == 1
    assert reminder_of(runtime, sink.message_ids()[0]) == (task.id, "overdue", "liuzhou@rootball.example")


def test_claimed_task_reminds_only_the_assignee(runtime: Runtime, play: Scenario, calls: dict[str, int],
                                                users: dict[str, int], sink: MailSink,
                                                settings: MailSettings) -> None:
    task = _recommendation(play, calls["T4"], date(2025, 9, 24))
    with runtime.sessions.begin() as session:
        # a second recommender for the city, so candidates and assignee differ
        from engine.models import RoleGrant

        session.add(RoleGrant(user_id=users["nanning"], role="recommender", scope="柳州市"))
    tick(runtime, settings, china(date(2025, 9, 26), 9))
    assert sorted(reminder_of(runtime, m)[2] for m in sink.message_ids()) == [
        "liuzhou@rootball.example", "nanning@rootball.example"]
    runtime.claim(task.id, users["nanning"])
    tick(runtime, settings, china(date(2025, 9, 30), 9))
    assert sorted(reminder_of(runtime, m)[1:] for m in sink.message_ids()[2:]) == [
        ("due_today", "nanning@rootball.example")]


def test_overdue_task_escalates_exactly_once_even_with_concurrent_passes(
        runtime: Runtime, play: Scenario, calls: dict[str, int], sink: MailSink, settings: MailSettings) -> None:
    task = _recommendation(play, calls["T4"], date(2025, 9, 24))
    at = china(date(2025, 10, 11), 9)
    with time_machine.travel(at, tick=False):
        from engine.scheduling import run_pass

        barrier = threading.Barrier(4)
        reports = []

        def one() -> None:
            barrier.wait()
            reports.append(run_pass(runtime.sessions, settings))

        threads = [threading.Thread(target=one) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    for day in days(date(2025, 10, 11), date(2025, 10, 31)):
        tick(runtime, settings, china(day, 9))
    kinds = sorted(reminder_of(runtime, m)[1] for m in sink.message_ids())
    assert kinds == ["escalation", "overdue"]
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Reminder)
                              .where(Reminder.human_task_id == task.id, Reminder.kind == "escalation")) == 1
        assert session.scalar(select(func.count()).select_from(Notification)) == 2


def test_administrator_moves_deadlines_and_reminders_follow(
        runtime: Runtime, play: Scenario, calls: dict[str, int], users: dict[str, int], sink: MailSink,
        settings: MailSettings) -> None:
    task = _recommendation(play, calls["T4"], date(2025, 9, 24))
    new_due = calendar.end_of_day_utc(date(2025, 10, 17))
    with pytest.raises(NotAllowed):
        deadlines.move_task_due(runtime.sessions, task.id, new_due, users["officer"])
    with time_machine.travel(china(date(2025, 9, 25), 11), tick=False):
        moved = deadlines.move_task_due(runtime.sessions, task.id, new_due, users["admin"], "国庆假期顺延")
    assert moved.due_at == new_due
    for day in days(date(2025, 9, 25), date(2025, 10, 17)):
        tick(runtime, settings, china(day, 9))
    arrivals = sorted(reminder_of(runtime, m)[1] for m in sink.message_ids())
    assert arrivals == ["before_due", "due_today"]
    with runtime.sessions() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "task_due_changed")).one()
        assert event.actor_id == users["admin"] and event.data_diff is not None
        assert event.data_diff["reason"] == "国庆假期顺延"

    closes = calendar.end_of_day_utc(date(2031, 3, 31))
    call = deadlines.change_call_deadline(runtime.sessions, calls["T4"], closes, users["admin"], "延长申报")
    assert call.closes_at == closes
    with runtime.sessions() as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "call_deadline_changed")).one()


def test_users_who_chose_in_app_only_get_reminders_without_mail(runtime: Runtime, play: Scenario,
                                                                calls: dict[str, int], users: dict[str, int],
                                                                sink: MailSink, settings: MailSettings) -> None:
    from engine.models import NoticePreference

    with runtime.sessions.begin() as session:
        session.add(NoticePreference(user_id=users["liuzhou"], by_email=False))
    _recommendation(play, calls["T4"], date(2025, 9, 24))
    tick(runtime, settings, china(date(2025, 9, 26), 9))
    assert sink.message_ids() == []
    with runtime.sessions() as session:
        assert session.scalar(select(func.count(Notification.id)).where(
            Notification.user_id == users["liuzhou"], Notification.kind.is_(None))) == 1
