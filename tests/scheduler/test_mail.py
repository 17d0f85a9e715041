"""The outbox over a real SMTP server: down, slow, refusing; retried with back-off, never sent twice."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import Engine, event, select

from engine import operations, samples
from engine.errors import Conflict, NotAllowed
from engine.mailer import MailSettings
from engine.models import AuditEvent, OutboxEmail
from engine.runtime import Runtime
from engine.scenario import Scenario
from tests.scheduler.support import MailSink, china, outbox_states, tick

OVERDUE_DAY = date(2025, 10, 13)  # the tasks below are due Sep 30: each gets an overdue reminder and an escalation


def _overdue_tasks(play: Scenario, call_id: int, n: int) -> None:
    with time_machine.travel(china(date(2025, 9, 24), 10), tick=False):
        for _ in range(n):
            app_id = play.start(call_id, "founder")
            play.do(app_id, "application_form", "founder", samples.application("T4", city="柳州市"))


def _rows(runtime: Runtime) -> list[OutboxEmail]:
    with runtime.sessions() as session:
        return list(session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all())


def test_server_down_queues_mail_and_restart_delivers_each_once(
        runtime: Runtime, play: Scenario, calls: dict[str, int], sink: MailSink, settings: MailSettings) -> None:
    _overdue_tasks(play, calls["T4"], 3)
    sink.stop()
    at = china(OVERDUE_DAY, 9)
    report = tick(runtime, settings, at)
    assert sum(report.reminders_queued.values()) == 6 and report.mails_sent == 0
    assert report.mails_retrying == 1  # one knock on a closed door, the rest wait for the next pass
    first = _rows(runtime)[0]
    assert first.state == "pending" and first.attempts == 1 and "连接失败" in (first.last_error or "")
    assert first.next_try_at == at + timedelta(seconds=60)

    report = tick(runtime, settings, at + timedelta(seconds=30))  # still down, first row backing off
    assert report.mails_retrying == 1 and _rows(runtime)[0].attempts == 1
    report = tick(runtime, settings, at + timedelta(minutes=2))
    attempts = {row.id: row.attempts for row in _rows(runtime)}
    assert sorted(attempts.values()) == [0, 0, 0, 1, 1, 1]  # one new row tried per pass, none twice early
    assert all(row.state == "pending" for row in _rows(runtime))

    sink.start()
    report = tick(runtime, settings, at + timedelta(minutes=10))
    assert report.mails_sent == 6 and report.failures == 0
    for later in (11, 30, 600):
        assert tick(runtime, settings, at + timedelta(minutes=later)).mails_sent == 0
    ids = sink.message_ids()
    assert len(ids) == len(set(ids)) == 6
    assert set(ids) == {row.message_id for row in _rows(runtime)}
    assert set(outbox_states(runtime).values()) == {"sent"}


def test_backoff_doubles_until_the_mail_is_given_up(
        runtime: Runtime, play: Scenario, calls: dict[str, int], users: dict[str, int], sink: MailSink,
        settings: MailSettings) -> None:
    _overdue_tasks(play, calls["T4"], 1)
    sink.handler.data_reply = "451 4.3.0 请稍后再试"
    limited = replace(settings, max_attempts=4)
    now = china(OVERDUE_DAY, 9)
    tick(runtime, limited, now)
    waits = []
    for _ in range(6):
        rows = [r for r in _rows(runtime) if r.state == "pending"]
        if not rows:
            break
        due = min(r.next_try_at for r in rows)
        waits.append(round((due - now).total_seconds()))
        now = due
        tick(runtime, limited, now)
    assert waits == [60, 120, 240]  # per-row back-off (two rows, retried together)
    rows = _rows(runtime)
    assert {r.state for r in rows} == {"failed"} and {r.attempts for r in rows} == {4}
    assert all("451" in (r.last_error or "") for r in rows)
    assert sink.messages == []

    with runtime.sessions() as session:
        assert {r.id for r in operations.mail_failures(session)} == {r.id for r in rows}
        assert operations.outbox_counts(session)["failed"] == 2
    with pytest.raises(NotAllowed):
        operations.retry_mail(runtime.sessions, rows[0].id, users["officer"])
    sink.handler.data_reply = "250 OK"
    with time_machine.travel(now + timedelta(hours=1), tick=False):
        for row in rows:
            operations.retry_mail(runtime.sessions, row.id, users["admin"])
    tick(runtime, settings, now + timedelta(hours=1, minutes=1))
    assert len(sink.messages) == 2 and set(outbox_states(runtime).values()) == {"sent"}
    with pytest.raises(Conflict):
        operations.retry_mail(runtime.sessions, rows[0].id, users["admin"])
    with runtime.sessions() as session:
        assert len(session.scalars(select(AuditEvent).where(AuditEvent.action == "mail_retry")).all()) == 2


def test_permanent_refusal_fails_at_once(runtime: Runtime, play: Scenario, calls: dict[str, int], sink: MailSink,
                                         settings: MailSettings) -> None:
    _overdue_tasks(play, calls["T4"], 1)
    sink.handler.data_reply = "550 5.1.1 用户不存在"
    report = tick(runtime, settings, china(OVERDUE_DAY, 9))
    assert report.mails_failed == 2 and report.failures == 2
    assert {(r.state, r.attempts) for r in _rows(runtime)} == {("failed", 1)}


def test_slow_server_is_waited_for_and_a_lost_answer_is_never_resent(
        runtime: Runtime, play: Scenario, calls: dict[str, int], users: dict[str, int], sink: MailSink,
        settings: MailSettings) -> None:
    _overdue_tasks(play, calls["T4"], 1)
    at = china(OVERDUE_DAY, 9)
    sink.handler.delays = [0.5, 0.5]  # slower than usual, within the client's 2 s timeout
    report = tick(runtime, settings, at)
    assert report.mails_sent == 2 and len(sink.messages) == 2

    _overdue_tasks(play, calls["T4"], 1)
    sink.handler.delays = [3.0]  # the server takes the message but answers after the client gave up
    report = tick(runtime, settings, at + timedelta(minutes=1))
    assert report.mails_uncertain == 1 and report.mails_sent == 1
    uncertain = [r for r in _rows(runtime) if r.state == "uncertain"]
    assert len(uncertain) == 1 and "未收到服务器确认" in (uncertain[0].last_error or "")
    for minutes in (2, 30, 24 * 60):
        tick(runtime, settings, at + timedelta(minutes=minutes))
    ids = sink.message_ids()
    assert len(ids) == len(set(ids)) == 4  # the uncertain one arrived once and was not sent again
    assert outbox_states(runtime)[uncertain[0].message_id] == "uncertain"

    confirmed = operations.mark_mail_sent(runtime.sessions, uncertain[0].id, users["admin"])
    assert confirmed.state == "sent"
    with runtime.sessions() as session:
        assert operations.mail_failures(session) == []


def test_message_ids_are_stable_and_unique(runtime: Runtime, play: Scenario, calls: dict[str, int],
                                           sink: MailSink, settings: MailSettings) -> None:
    _overdue_tasks(play, calls["T4"], 2)
    tick(runtime, settings, china(OVERDUE_DAY, 9))
    rows = _rows(runtime)
    assert [str(m["Message-ID"]) for m in sorted(sink.messages, key=lambda m: str(m["Message-ID"]))] == sorted(
        r.message_id for r in rows)
    assert all(r.message_id.endswith("@gxkjt.example>") for r in rows)
    assert all(m["Auto-Submitted"] == "auto-generated" for m in sink.messages)


class OutboxWrites:
    """Counts the UPDATE statements sent to the outbox table."""

    def __init__(self, eng: Engine):
        self.count = 0
        event.listen(eng, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE OUTBOX_EMAIL"):
            self.count += 1


def test_a_pass_sends_over_one_connection_with_one_write_per_message(
        db_engine: Engine, runtime: Runtime, play: Scenario, calls: dict[str, int], sink: MailSink,
        settings: MailSettings) -> None:
    _overdue_tasks(play, calls["T4"], 6)
    writes = OutboxWrites(db_engine)
    report = tick(runtime, settings, china(OVERDUE_DAY, 9))
    assert report.mails_sent == 12 and report.failures == 0
    assert sink.handler.connections == 1
    # Per message one statement (its `sending` mark carries the previous one's `sent`), plus the
    # lease check, two claims (the second finds nothing left) and the last message's `sent`.
    assert writes.count == 12 + 4
    assert set(outbox_states(runtime).values()) == {"sent"}
    assert tick(runtime, settings, china(OVERDUE_DAY, 9, 1)).mails_sent == 0
    assert sink.handler.connections == 1  # a pass with nothing to send opens no connection
    _overdue_tasks(play, calls["T4"], 1)
    assert tick(runtime, settings, china(OVERDUE_DAY, 9, 2)).mails_sent == 2
    assert sink.handler.connections == 2


def test_a_dropped_connection_is_reopened_and_nothing_is_lost_or_sent_twice(
        runtime: Runtime, play: Scenario, calls: dict[str, int], sink: MailSink, settings: MailSettings) -> None:
    _overdue_tasks(play, calls["T4"], 5)
    sink.handler.per_connection = 3  # the relay closes the connection at the fourth MAIL
    report = tick(runtime, settings, china(OVERDUE_DAY, 9))
    assert report.mails_sent == 10 and report.failures == 0
    assert sink.handler.connections == 4
    ids = sink.message_ids()
    assert len(ids) == len(set(ids)) == 10
    assert {(r.state, r.attempts, r.last_error) for r in _rows(runtime)} == {("sent", 1, None)}


def test_a_refused_recipient_fails_alone_with_its_own_error(
        runtime: Runtime, play: Scenario, calls: dict[str, int], sink: MailSink, settings: MailSettings) -> None:
    _overdue_tasks(play, calls["T4"], 3)
    sink.handler.refused = {"officer@rootball.example"}  # the escalations
    report = tick(runtime, settings, china(OVERDUE_DAY, 9))
    assert (report.mails_sent, report.mails_failed) == (3, 3) and sink.handler.connections == 1
    rows = _rows(runtime)
    failed = [r for r in rows if r.state == "failed"]
    assert {r.to_addr for r in failed} == {"officer@rootball.example"}
    assert all("550" in (r.last_error or "") and r.attempts == 1 for r in failed)
    assert all(r.last_error is None and r.sent_at is not None for r in rows if r.state == "sent")
