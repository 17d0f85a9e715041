"""Scheduler fixtures: a real SMTP server on loopback, mail settings pointing at it, the timer process."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.timer_process import timer_bpmn
from engine import repository
from engine.db import make_sessionmaker
from engine.mailer import MailSettings
from engine.models import NoticeSetting
from engine.notices import KINDS
from engine.runtime import Runtime
from tests.scheduler.support import MailSink


@pytest.fixture(autouse=True)
def reminders_only(request: pytest.FixtureRequest) -> None:
    """These tests count reminder mail: the notices that commands write are switched off here
    (tests/engine/test_notices.py and the browser journey cover them)."""
    if "db_engine" in request.fixturenames:
        with make_sessionmaker(request.getfixturevalue("db_engine")).begin() as session:
            session.add_all(NoticeSetting(kind=kind, enabled=False) for kind in KINDS)


@pytest.fixture
def sink() -> Iterator[MailSink]:
    server = MailSink()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def settings(sink: MailSink) -> MailSettings:
    return MailSettings(smtp_url=sink.url, mail_from="带土移植系统 <rootball@gxkjt.example>",
                        base_url="https://rootball.example", timeout=2.0)


@pytest.fixture
def wake_up(runtime: Runtime) -> str:
    """Deploys the timer test process; returns its key."""
    key, data = timer_bpmn()
    with runtime.sessions.begin() as session:
        repository.deploy(session, {f"{key}.bpmn": data}, fill_from_library=False)
    return key
