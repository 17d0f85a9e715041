"""Scheduler test support: a real SMTP server on loopback, time helpers, `rootball` subprocesses."""
from __future__ import annotations

import asyncio
import email
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, select

from engine.mailer import MailSettings
from engine.models import OutboxEmail, Reminder
from engine.runtime import Runtime
from engine.scheduling import PassReport, run_pass

CHINA = ZoneInfo("Asia/Shanghai")
ROOTBALL = str(Path(sys.executable).parent / "rootball")


def china(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """An instant on a China-time wall clock."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Handler:
    """Collects every message the server accepts; hooks let a test act at RCPT or DATA, refuse recipients,
    and end a connection after so many messages, as mail relays with a per-connection quota do."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.on_rcpt: Callable[[], None] | None = None
        self.on_data: Callable[[], None] | None = None
        self.delays: list[float] = []
        self.data_reply = "250 OK"
        self.refused: set[str] = set()
        self.per_connection: int | None = None
        self.connections = 0  # EHLO greetings: one per SMTP session
        self._started: dict[int, int] = {}  # id(session) -> MAIL commands seen
        self.lock = threading.Lock()

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str,
                          responses: list[str]) -> list[str]:
        with self.lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        count = self._started[id(session)] = self._started.get(id(session), 0) + 1
        if self.per_connection is not None and count > self.per_connection:
            server.transport.close()
            return "421 4.7.0 本连接的邮件数已达上限"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.on_rcpt is not None:
            hook, self.on_rcpt = self.on_rcpt, None
            hook()
        if address in self.refused:
            return "550 5.1.1 用户不存在"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if not self.data_reply.startswith("250"):
            return self.data_reply
        message = email.message_from_bytes(envelope.original_content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append(message)
        if self.on_data is not None:
            hook, self.on_data = self.on_data, None
            hook()
        if self.delays:
            await asyncio.sleep(self.delays.pop(0))
        return "250 OK"


class MailSink:
    """A real SMTP server (aiosmtpd) on a fixed loopback port that can be stopped and started again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.handler = Handler()
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        with self.handler.lock:
            return list(self.handler.messages)

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages]


def tick(runtime: Runtime, settings: MailSettings, at: datetime) -> PassReport:
    """One scheduler pass with the clock at `at`."""
    with time_machine.travel(at, tick=False):
        return run_pass(runtime.sessions, settings)


def reminder_of(runtime: Runtime, message_id: str) -> tuple[int, str, str]:
    """(task id, reminder kind, recipient) behind an outbox Message-ID."""
    with runtime.sessions() as session:
        row = session.execute(
            select(Reminder.human_task_id, Reminder.kind, OutboxEmail.to_addr)
            .join(OutboxEmail, OutboxEmail.reminder_id == Reminder.id)
            .where(OutboxEmail.message_id == message_id)).one()
        return row[0], row[1], row[2]


def outbox_states(runtime: Runtime) -> dict[str, str]:
    """Message-ID → state of every outbox row."""
    with runtime.sessions() as session:
        return dict(session.execute(select(OutboxEmail.message_id, OutboxEmail.state)).tuples().all())


def database_url(eng: Engine) -> str:
    return eng.url.render_as_string(hide_password=False)


def cli_env(eng: Engine, settings: MailSettings, **extra: str) -> dict[str, str]:
    """Environment for a `rootball` subprocess on the test database and the test SMTP server."""
    env = dict(os.environ)
    env.update({"ROOTBALL_DATABASE_URL": database_url(eng), "ROOTBALL_SMTP_URL": settings.smtp_url or "",
                "ROOTBALL_MAIL_FROM": settings.mail_from, "ROOTBALL_BASE_URL": settings.base_url,
                "ROOTBALL_SMTP_TIMEOUT": str(settings.timeout), "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


def rootball(args: list[str], env: dict[str, str], **kwargs: Any) -> subprocess.Popen[str]:
    """Start the `rootball` command as a separate process."""
    return subprocess.Popen([ROOTBALL, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, **kwargs)


def days(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)
