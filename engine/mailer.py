"""Mail settings and an SMTP client that knows whether a failed delivery may have reached the server.

A delivery has one point of no return: once the message body has started to travel after the
server's `354`, the server may accept it even if we never read its answer. Failures before that
point are `DeliveryFailed` (nothing was delivered; safe to retry); failures after it are
`DeliveryInDoubt` (the message may have been delivered; never retried automatically).
"""
from __future__ import annotations

import os
import re
import smtplib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import parseaddr
from types import TracebackType
from urllib.parse import unquote, urlsplit

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
DEFAULT_MAIL_FROM = "noreply@rootball.local"
_LEADING_DOT = re.compile(rb"(?m)^\.")


@dataclass(frozen=True)
class MailSettings:
    """Where and how mail is sent, and the links it carries; read from `ROOTBALL_*` variables."""

    smtp_url: str | None = None
    mail_from: str = DEFAULT_MAIL_FROM
    base_url: str = DEFAULT_BASE_URL
    timeout: float = 30.0
    max_attempts: int = 8
    backoff_seconds: float = 60.0
    backoff_max_seconds: float = 6 * 3600.0
    # A claimed or in-flight row is left alone this long; it must exceed the longest delivery.
    lease_seconds: float = 600.0
    batch: int = 50
    budget_seconds: float = 40.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> MailSettings:
        """Settings from the environment (`ROOTBALL_SMTP_URL`, `ROOTBALL_MAIL_FROM`, `ROOTBALL_BASE_URL` …)."""
        env = os.environ if env is None else env

        def number(name: str, default: float) -> float:
            return float(env[name]) if env.get(name) else default

        return cls(
            smtp_url=env.get("ROOTBALL_SMTP_URL") or None,
            mail_from=env.get("ROOTBALL_MAIL_FROM") or DEFAULT_MAIL_FROM,
            base_url=(env.get("ROOTBALL_BASE_URL") or DEFAULT_BASE_URL).rstrip("/"),
            timeout=number("ROOTBALL_SMTP_TIMEOUT", cls.timeout),
            max_attempts=int(number("ROOTBALL_MAIL_MAX_ATTEMPTS", cls.max_attempts)),
            backoff_seconds=number("ROOTBALL_MAIL_BACKOFF", cls.backoff_seconds),
            lease_seconds=number("ROOTBALL_MAIL_LEASE", cls.lease_seconds),
        )

    @property
    def domain(self) -> str:
        """The sender's domain, used on the right of every Message-ID."""
        return parseaddr(self.mail_from)[1].rpartition("@")[2] or "rootball.local"

    @property
    def envelope_sender(self) -> str:
        """The bare address of `mail_from`, for the SMTP envelope."""
        return parseaddr(self.mail_from)[1] or self.mail_from

    def backoff(self, attempts: int) -> float:
        """Seconds to wait after the `attempts`-th failed attempt: doubling, capped."""
        return min(self.backoff_seconds * 2 ** max(attempts - 1, 0), self.backoff_max_seconds)


class DeliveryFailed(Exception):
    """The server did not take the message; `permanent` when it refused it for good (5xx)."""

    def __init__(self, reason: str, permanent: bool = False, connection: bool = False):
        super().__init__(reason)
        self.permanent = permanent
        self.connection = connection


class DeliveryInDoubt(Exception):
    """The body was on its way when the exchange broke: the server may have accepted it."""


@dataclass(frozen=True)
class SmtpTarget:
    """A parsed `smtp://`, `smtp+starttls://` or `smtps://` URL."""

    host: str
    port: int
    tls: str
    username: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> SmtpTarget:
        """Parse `smtp[s|+starttls]://[user:password@]host[:port]`."""
        parts = urlsplit(url)
        defaults = {"smtp": (25, "none"), "smtp+starttls": (587, "starttls"), "smtps": (465, "ssl")}
        if parts.scheme not in defaults or not parts.hostname:
            raise ValueError(f"ROOTBALL_SMTP_URL 无效：{url}（应为 smtp://主机:端口）")
        port, tls = defaults[parts.scheme]
        return cls(parts.hostname, parts.port or port, tls,
                   unquote(parts.username) if parts.username else None,
                   unquote(parts.password) if parts.password else None)


def wire_bytes(message: EmailMessage) -> bytes:
    """The message as sent after DATA: CRLF lines, leading dots doubled, ending in `.`."""
    data = _LEADING_DOT.sub(b"..", message.as_bytes(policy=SMTP_POLICY))
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


class SmtpMailer:
    """Sends messages one SMTP transaction each over one connection, reopened when the server drops it
    (a context manager)."""

    def __init__(self, settings: MailSettings):
        if not settings.smtp_url:
            raise ValueError("未配置 ROOTBALL_SMTP_URL")
        self.settings = settings
        self.target = SmtpTarget.parse(settings.smtp_url)
        self._smtp: smtplib.SMTP | None = None
        self.opened = 0  # connections opened so far

    def __enter__(self) -> SmtpMailer:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Say QUIT when the connection is healthy; drop it either way."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    def _reset(self) -> None:
        if self._smtp is None:
            return
        try:
            self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        t = self.target
        smtp: smtplib.SMTP
        if t.tls == "ssl":
            smtp = smtplib.SMTP_SSL(t.host, t.port, timeout=self.settings.timeout)
        else:
            smtp = smtplib.SMTP(t.host, t.port, timeout=self.settings.timeout)
        try:
            smtp.ehlo()
            if t.tls == "starttls":
                smtp.starttls()
                smtp.ehlo()
            if t.username:
                smtp.login(t.username, t.password or "")
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp
        self.opened += 1
        return smtp

    def send(self, message: EmailMessage, sender: str, recipient: str, before_body: Callable[[], bool]) -> None:
        """Deliver one message; `before_body` runs after the server's 354 and may cancel by returning False.

        A connection the server dropped while idle or after its per-session quota (421, or simply
        gone) is replaced once; nothing of this message has been sent at that point.
        Raises DeliveryFailed when the server certainly did not take the message, DeliveryInDoubt when
        it may have.
        """
        payload = wire_bytes(message)
        reused = self._smtp is not None
        try:
            smtp = self._open_data(sender, recipient)
        except DeliveryFailed as e:
            if not (e.connection and reused):
                raise
            smtp = self._open_data(sender, recipient)
        try:
            proceed = before_body()
        except BaseException:
            self._drop()
            raise
        if not proceed:
            # Abandoning the connection mid-DATA makes the server discard the unfinished message.
            self._drop()
            raise DeliveryFailed("发送前状态已变化，已放弃本次发送")
        try:
            smtp.send(payload)
            code, reply = smtp.getreply()
        except (smtplib.SMTPException, OSError) as e:
            self._drop()
            raise DeliveryInDoubt(f"邮件正文发出后未收到服务器确认：{_describe(e)}") from e
        if code != 250:
            raise DeliveryFailed(f"服务器拒收：{code} {reply.decode(errors='replace')}", permanent=code >= 500)

    def _open_data(self, sender: str, recipient: str) -> smtplib.SMTP:
        """MAIL, RCPT and DATA up to the server's 354, on the open connection or a new one."""
        try:
            smtp = self._connection()
            _expect(smtp.mail(sender), (250,))
            _expect(smtp.rcpt(recipient), (250, 251))
            _expect(smtp.docmd("DATA"), (354,))
        except DeliveryFailed as e:
            self._drop() if e.connection else self._reset()
            raise
        except (smtplib.SMTPException, OSError) as e:
            self._drop()
            raise DeliveryFailed(f"SMTP 连接失败：{_describe(e)}", connection=True) from e
        return smtp


def _expect(answer: tuple[int, bytes], ok: tuple[int, ...]) -> None:
    code, reply = answer
    if code in ok:
        return
    if code in (-1, 421):
        raise DeliveryFailed(f"SMTP 服务器断开：{code} {reply.decode(errors='replace')}", connection=True)
    raise DeliveryFailed(f"服务器拒收：{code} {reply.decode(errors='replace')}", permanent=code >= 500)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
