"""`rootball tick` killed at the worst moments of a pass; starting again sends nothing twice."""
from __future__ import annotations

import json
import os
import signal
import subprocess
from datetime import date, datetime, timedelta

import time_machine
from sqlalchemy import Engine

from engine import samples
from engine.mailer import MailSettings
from engine.runtime import Runtime
from engine.scenario import Scenario
from tests.scheduler.support import MailSink, china, cli_env, outbox_states, rootball

OVERDUE_DAY = date(2025, 10, 13)


def _overdue_tasks(play: Scenario, call_id: int, n: int) -> None:
    with time_machine.travel(china(date(2025, 9, 24), 10), tick=False):
        for _ in range(n):
            app_id = play.start(call_id, "founder")
            play.do(app_id, "application_form", "founder", samples.application("T4", city="柳州市"))


class Killer:
    """Kills the `rootball` process under test from inside the SMTP server, and waits until it is gone."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[str] | None = None

    def __call__(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=60)


def _tick(eng: Engine, settings: MailSettings, at: datetime, killer: Killer | None = None) -> dict[str, object]:
    proc = rootball(["tick", "--now", at.isoformat()], cli_env(eng, settings))
    if killer is not None:
        killer.proc = proc
    output, _ = proc.communicate(timeout=120)
    if killer is not None:
        assert proc.returncode == -signal.SIGKILL, output
        return {}
    assert proc.returncode == 0, output
    report: dict[str, object] = json.loads(output.strip().splitlines()[-1])
    return report


def test_killed_after_the_server_took_a_message(db_engine: Engine, runtime: Runtime, play: Scenario,
                                                calls: dict[str, int], sink: MailSink,
                                                settings: MailSettings) -> None:
    _overdue_tasks(play, calls["T4"], 2)
    at = china(OVERDUE_DAY, 9)
    killer = Killer()
    sink.handler.on_data = killer  # the server has the whole message; the client dies before the answer
    _tick(db_engine, settings, at, killer)
    assert len(sink.messages) == 1
    in_flight = sink.message_ids()[0]
    states = outbox_states(runtime)
    assert len(states) == 4 and states[in_flight] == "sending"

    report = _tick(db_engine, settings, at + timedelta(minutes=1))
    assert report["mails_sent"] == 0 and report["timers_fired"] == 0  # claims are still leased
    assert sum(report["reminders_queued"].values()) == 0  # type: ignore[attr-defined]

    report = _tick(db_engine, settings, at + timedelta(minutes=11))  # past the 10-minute lease
    assert report["mails_sent"] == 3 and report["mails_uncertain"] == 1
    _tick(db_engine, settings, at + timedelta(days=1))
    ids = sink.message_ids()
    assert len(ids) == len(set(ids)) == 4
    states = outbox_states(runtime)
    assert states.pop(in_flight) == "uncertain"
    assert set(states.values()) == {"sent"}


def test_killed_before_the_body_was_sent(db_engine: Engine, runtime: Runtime, play: Scenario,
                                         calls: dict[str, int], sink: MailSink, settings: MailSettings) -> None:
    _overdue_tasks(play, calls["T4"], 2)
    at = china(OVERDUE_DAY, 9)
    killer = Killer()
    sink.handler.on_rcpt = killer
    _tick(db_engine, settings, at, killer)
    assert sink.messages == []
    assert set(outbox_states(runtime).values()) == {"pending"}

    assert _tick(db_engine, settings, at + timedelta(minutes=5))["mails_sent"] == 0
    report = _tick(db_engine, settings, at + timedelta(minutes=11))
    assert report["mails_sent"] == 4 and report["failures"] == 0
    _tick(db_engine, settings, at + timedelta(minutes=30))
    ids = sink.message_ids()
    assert len(ids) == len(set(ids)) == 4
    assert set(outbox_states(runtime).values()) == {"sent"}


def test_killed_before_the_sent_mark_of_the_message_before(db_engine: Engine, runtime: Runtime, play: Scenario,
                                                           calls: dict[str, int], sink: MailSink,
                                                           settings: MailSettings) -> None:
    """A message's `sent` is written with the next message's `sending`: dying in between leaves it
    `sending`, so it turns uncertain and is never sent again."""
    _overdue_tasks(play, calls["T4"], 2)
    at = china(OVERDUE_DAY, 9)
    killer = Killer()
    sink.handler.on_data = lambda: setattr(sink.handler, "on_rcpt", killer)  # dies at the second message's RCPT
    _tick(db_engine, settings, at, killer)
    assert len(sink.messages) == 1
    delivered = sink.message_ids()[0]
    states = outbox_states(runtime)
    assert states.pop(delivered) == "sending" and set(states.values()) == {"pending"}

    report = _tick(db_engine, settings, at + timedelta(minutes=11))
    assert report["mails_sent"] == 3 and report["mails_uncertain"] == 1
    _tick(db_engine, settings, at + timedelta(days=1))
    ids = sink.message_ids()
    assert len(ids) == len(set(ids)) == 4
    assert outbox_states(runtime)[delivered] == "uncertain"
