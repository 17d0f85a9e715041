"""The mail outbox: rows written with the state that caused them, drained over SMTP by the scheduler.

Row states and the delivery policy (nothing is ever sent twice automatically):

- `pending` — waiting for `next_try_at`. Claiming a row adds one to `attempts` and moves
  `next_try_at` one lease ahead, so a scheduler killed before it touched the SMTP server leaves a
  row that simply becomes due again when the lease ends.
- `sending` — committed after the server said `354` and before the body goes out: from here the
  server may accept the message at any moment. A row found in `sending` after its lease is turned
  `uncertain`, never resent.
- `sent` — the server answered `250` to the body.
- `failed` — refused for good (5xx) or `max_attempts` reached; shown to the administrator.
- `uncertain` — the body went out but no answer came back (timeout, lost connection, the scheduler
  died). The administrator checks and either resends (`retry`; same Message-ID, so receiving
  clients can tell a duplicate) or confirms (`mark_sent`).

Each attempt's `attempts` value doubles as a claim token: a state change only applies to the
attempt that made it, so a late answer cannot overwrite a newer claim.

A pass sends everything due over one SMTP connection and writes one statement per message: the
`sending` mark, which must be committed before each body leaves, carries the outcomes of the
messages before it (`Ledger`). A scheduler killed between a `250` and that write leaves the row in
`sending`, so it turns `uncertain` like any interrupted delivery: never sent twice.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, CursorResult, Engine, and_, case, literal, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from engine.mailer import DeliveryFailed, DeliveryInDoubt, MailSettings, SmtpMailer
from engine.models import OutboxEmail, utcnow

STATES = ("pending", "sending", "sent", "failed", "uncertain")
INTERRUPTED = "发送过程中调度器中断，无法确定服务器是否已收到；请核实后重发或确认已送达"


@dataclass
class DrainReport:
    """What one outbox run did; `errors` keeps the first few messages for the log line."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    uncertain: int = 0
    disabled: bool = False
    connections: int = 0
    errors: list[str] = field(default_factory=list)

    def error(self, text: str) -> None:
        """Note one delivery problem (the first ten are kept)."""
        if len(self.errors) < 10:
            self.errors.append(text)


@dataclass(frozen=True)
class Claim:
    """A row taken for one delivery attempt."""

    id: int
    attempts: int
    message_id: str
    to_addr: str
    subject: str
    body: str


def message_id(key: str, settings: MailSettings) -> str:
    """A stable Message-ID for the mail identified by `key` (e.g. `reminder-12-3`)."""
    return f"<rootball-{key}@{settings.domain}>"


def new_row(*, to_addr: str, subject: str, body: str, key: str, settings: MailSettings, now: datetime,
            reminder_id: int | None = None) -> dict[str, Any]:
    """Column values of a pending outbox row, for bulk inserts."""
    return {"message_id": message_id(key, settings), "to_addr": to_addr, "subject": subject, "body": body,
            "state": "pending", "attempts": 0, "next_try_at": now, "reminder_id": reminder_id,
            "created_at": now}


def compose(claim: Claim, settings: MailSettings, now: datetime) -> EmailMessage:
    """The e-mail for a claimed row, carrying the row's Message-ID."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = claim.to_addr
    message["Subject"] = claim.subject
    message["Message-ID"] = claim.message_id
    message["Date"] = format_datetime(now)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(claim.body, charset="utf-8", cte="quoted-printable")
    return message


def expire_leases(session: Session, now: datetime) -> int:
    """Turn rows left in `sending` past their lease into `uncertain`; returns how many."""
    result = session.execute(
        update(OutboxEmail).where(OutboxEmail.state == "sending", OutboxEmail.next_try_at <= now)
        .values(state="uncertain", last_error=INTERRUPTED)
        .execution_options(synchronize_session=False))
    return _count(result)


def claim(sessions: sessionmaker[Session], now: datetime, settings: MailSettings, limit: int) -> list[Claim]:
    """Take up to `limit` due pending rows, skipping rows another scheduler is taking (PostgreSQL)."""
    due = (select(OutboxEmail.id)
           .where(OutboxEmail.state == "pending", OutboxEmail.next_try_at <= now)
           .order_by(OutboxEmail.next_try_at, OutboxEmail.id).limit(limit)
           .with_for_update(skip_locked=True))
    stmt = (update(OutboxEmail).where(OutboxEmail.id.in_(due.scalar_subquery()))
            .values(attempts=OutboxEmail.attempts + 1, next_try_at=now + _lease(settings))
            .returning(OutboxEmail.id, OutboxEmail.attempts, OutboxEmail.message_id, OutboxEmail.to_addr,
                       OutboxEmail.subject, OutboxEmail.body))
    with sessions.begin() as session:
        rows = session.execute(stmt, execution_options={"synchronize_session": False}).all()
    # Mail that has failed before goes after fresh mail, so one bad row cannot hold up the rest.
    return sorted((Claim(*row) for row in rows), key=lambda c: (c.attempts, c.id))


def drain(sessions: sessionmaker[Session], settings: MailSettings, now: datetime | None = None) -> DrainReport:
    """Send due outbox mail until none is due, the server fails, or the time budget is spent."""
    now = now or utcnow()
    report = DrainReport()
    with sessions.begin() as session:
        report.uncertain += expire_leases(session, now)
    if not settings.smtp_url:
        report.disabled = True
        return report
    started = time.monotonic()
    with sessions() as session:
        bind = session.get_bind()
    assert isinstance(bind, Engine)
    mailer = SmtpMailer(settings)
    # One database connection for the pass's writes, as one SMTP connection for its mail.
    with bind.connect() as connection, mailer:
        ledger = Ledger(connection)
        try:
            while time.monotonic() - started < settings.budget_seconds:
                batch = claim(sessions, now, settings, settings.batch)
                if not batch:
                    break
                for index, item in enumerate(batch):
                    if time.monotonic() - started >= settings.budget_seconds:
                        release(sessions, batch[index:])
                        return report
                    if not _deliver(ledger, mailer, item, settings, now, report):
                        # The server is unreachable: leave the rest for a later pass instead of
                        # knocking once per row.
                        release(sessions, batch[index + 1:])
                        return report
        finally:
            ledger.write()
            report.connections = mailer.opened
    return report


class Ledger:
    """The outcomes of a pass's attempts, written together with the next `sending` mark, or at the end
    (so `sent_at` is when the mark is written: at most one message after the server's 250)."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self.sent: list[Claim] = []
        self.others: list[tuple[Claim, tuple[str, ...], dict[str, Any]]] = []

    def mark_sending(self, item: Claim, lease_until: datetime) -> bool:
        """Commit `item` as `sending` (with the outcomes noted so far); False when the row is no longer ours."""
        here = OutboxEmail.id == item.id
        rows = [_attempt(item, ("pending",)), *(_attempt(c, ("sending", "uncertain")) for c in self.sent)]
        # One statement for this row and the ones sent before it.
        stmt = update(OutboxEmail).where(or_(*rows)).values(
            state=case((here, "sending"), else_="sent"),
            next_try_at=case((here, _moment(lease_until)), else_=OutboxEmail.next_try_at),
            sent_at=case((here, OutboxEmail.sent_at), else_=_moment(utcnow())),
            last_error=case((here, OutboxEmail.last_error), else_=None),
        ).returning(OutboxEmail.id)
        with self.connection.begin():
            self._write_others()
            changed = self.connection.execute(stmt).scalars().all()
        self.sent = []
        return item.id in changed

    def note_sent(self, item: Claim) -> None:
        """The server answered 250 to the body."""
        self.sent.append(item)

    def note(self, item: Claim, from_states: tuple[str, ...], **values: Any) -> None:
        """Any other outcome (retry, failure, uncertain), with its own values."""
        self.others.append((item, from_states, values))

    def write(self) -> None:
        """Write whatever is noted."""
        if not self.sent and not self.others:
            return
        with self.connection.begin():
            self._write_others()
            if self.sent:
                self.connection.execute(update(OutboxEmail).where(or_(*(_attempt(c, ("sending", "uncertain"))
                                                                        for c in self.sent)))
                                        .values(state="sent", sent_at=utcnow(), last_error=None))
        self.sent = []

    def _write_others(self) -> None:
        for item, from_states, values in self.others:
            self.connection.execute(update(OutboxEmail).where(_attempt(item, from_states)).values(**values))
        self.others = []


def _moment(value: datetime) -> Any:
    return literal(value, OutboxEmail.next_try_at.type)


def _attempt(item: Claim, states: tuple[str, ...]) -> ColumnElement[bool]:
    """The row of this attempt, while in one of `states`."""
    return and_(OutboxEmail.id == item.id, OutboxEmail.attempts == item.attempts, OutboxEmail.state.in_(states))


def _deliver(ledger: Ledger, mailer: SmtpMailer, item: Claim, settings: MailSettings, now: datetime,
             report: DrainReport) -> bool:
    """One attempt; False when the server could not be reached."""
    try:
        mailer.send(compose(item, settings, utcnow()), settings.envelope_sender, item.to_addr,
                    lambda: ledger.mark_sending(item, now + _lease(settings)))
    except DeliveryInDoubt as e:
        ledger.note(item, ("sending",), state="uncertain", last_error=str(e))
        report.uncertain += 1
        report.error(f"{item.message_id}: {e}")
        return True
    except DeliveryFailed as e:
        give_up = e.permanent or item.attempts >= settings.max_attempts
        ledger.note(item, ("pending", "sending"), state="failed" if give_up else "pending",
                    last_error=str(e), next_try_at=now + timedelta(seconds=settings.backoff(item.attempts)))
        if give_up:
            report.failed += 1
        else:
            report.retrying += 1
        report.error(f"{item.message_id}: {e}")
        return not e.connection
    ledger.note_sent(item)
    report.sent += 1
    return True


def release(sessions: sessionmaker[Session], items: list[Claim]) -> None:
    """Give back claimed rows that were not attempted, without counting an attempt."""
    with sessions.begin() as session:
        for item in items:
            session.execute(
                update(OutboxEmail)
                .where(OutboxEmail.id == item.id, OutboxEmail.attempts == item.attempts,
                       OutboxEmail.state == "pending")
                .values(attempts=item.attempts - 1, next_try_at=utcnow())
                .execution_options(synchronize_session=False))


def _lease(settings: MailSettings) -> timedelta:
    return timedelta(seconds=settings.lease_seconds)


def _count(result: Any) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)
