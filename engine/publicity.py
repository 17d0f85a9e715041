"""The public side of an award: publicity periods (公示) as the process opens and closes them, the public
list, and objections from named members of the public, delivered to the process as `objection_filed`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import calendar, filed
from engine.errors import Conflict, NotFound
from engine.models import TRACKS, Application, Objection, Publicity, utcnow

if TYPE_CHECKING:
    from engine.happened import Happened
    from engine.runtime import Runtime

OBJECTION_MESSAGE = "objection_filed"
NOT_LISTED = "该项目不在公示名单中"
OUTCOMES = {"approve": "dismissed", "reject": "upheld"}


def sync(happened: Happened) -> None:
    """Open a publicity period when the application enters the publicity stage, close it when it leaves;
    record the outcome of an objection the officer decided in this command."""
    app, session = happened.application, happened.session
    if app is None:
        return
    current = session.scalar(select(Publicity).where(Publicity.application_id == app.id,
                                                     Publicity.closed_at.is_(None)))
    if app.stage == "publicity" and current is None:
        ends = happened.data.get("publicity_ends_at")
        ends_at = datetime.fromisoformat(ends) if isinstance(ends, str) else happened.now + timedelta(days=7)
        session.add(Publicity(application_id=app.id, starts_at=happened.now, ends_at=ends_at))
    elif app.stage != "publicity" and current is not None:
        current.closed_at, current.outcome = happened.now, app.status
    for task in happened.ran:
        if task.task_spec.bpmn_id == "objection_review":
            _decided(session, task.data, happened.now)


def _decided(session: Session, data: dict[str, Any], now: datetime) -> None:
    found = data.get("objection")
    objection: dict[str, Any] = found if isinstance(found, dict) else {}
    row = session.get(Objection, objection.get("objection_id")) if objection.get("objection_id") else None
    if row is not None and row.outcome is None:
        row.outcome = OUTCOMES.get(str(data.get("decision")), str(data.get("decision")))
        row.reply = str(data.get("reply") or data.get("finding") or "")
        row.decided_at = now


@dataclass(frozen=True)
class Entry:
    """One application on the public list."""

    application_id: int
    track: str
    track_name: str
    call_title: str
    organization: str
    leader: str
    title: str
    funding_wan: float | None
    starts_at: datetime
    ends_at: datetime
    closed_at: datetime | None
    outcome: str | None

    @property
    def working_days(self) -> int:
        """Working days the period lasts (its first day not counted, its last day counted)."""
        return calendar.working_days_between(calendar.china_date(self.starts_at), calendar.china_date(self.ends_at))


def _entries(session: Session, rows: list[tuple[Publicity, Application]]) -> list[Entry]:
    result = []
    for period, app in rows:
        funding = (app.summary or {}).get("funding_wan")
        result.append(Entry(
            app.id, app.track, TRACKS.get(app.track, app.track), app.call.title,
            app.organization.name if app.organization else "", filed.leader(filed.application_form(session, app.id)),
            app.title, float(funding) if isinstance(funding, int | float) else None, period.starts_at,
            period.ends_at, period.closed_at, period.outcome))
    return result


def current(session: Session) -> list[Entry]:
    """Applications in publicity now, the period ending soonest first."""
    rows = session.execute(select(Publicity, Application).join(Application, Application.id == Publicity.application_id)
                           .where(Publicity.closed_at.is_(None))
                           .order_by(Publicity.ends_at, Publicity.id)).tuples().all()
    return _entries(session, list(rows))


def closed(session: Session, year: int) -> list[Entry]:
    """Publicity periods that began in `year` (China time) and have ended, in order of their start."""
    start = calendar.start_of_day_utc(date(year, 1, 1))
    end = calendar.start_of_day_utc(date(year + 1, 1, 1))
    rows = session.execute(select(Publicity, Application).join(Application, Application.id == Publicity.application_id)
                           .where(Publicity.closed_at.is_not(None), Publicity.starts_at >= start,
                                  Publicity.starts_at < end)
                           .order_by(Publicity.starts_at, Publicity.id)).tuples().all()
    return _entries(session, list(rows))


def years(session: Session) -> list[int]:
    """Years with closed publicity lists, newest first."""
    starts = session.scalars(select(Publicity.starts_at).where(Publicity.closed_at.is_not(None))).all()
    return sorted({calendar.china_date(s).year for s in starts}, reverse=True)


def too_many(session: Session, client_addr: str | None, limit: int, seconds: int) -> bool:
    """True when the client address filed `limit` objections within the last `seconds`."""
    since = utcnow() - timedelta(seconds=seconds)
    count = session.scalar(select(func.count(Objection.id)).where(
        Objection.client_addr == client_addr, Objection.created_at >= since)) or 0
    return count >= limit


@dataclass(frozen=True)
class Upload:
    """An attachment already checked and stored by the web door."""

    filename: str
    content_type: str
    size: int
    sha256: str
    storage_key: str


def file_objection(runtime: Runtime, application_id: int, fields: dict[str, Any], client_addr: str | None,
                   upload: Upload | None = None) -> int:
    """Record a named objection and send `objection_filed` to the application's process in one transaction;
    returns the objection's id. Outside the publicity period: Conflict naming the day it ended."""
    made: list[int] = []

    def attach(session: Session, app: Application) -> dict[str, Any]:
        period = _open_period(session, app)
        row = Objection(application_id=app.id, publicity_id=period.id, client_addr=client_addr,
                        created_at=utcnow(), **{k: fields[k] for k in ("name", "organization", "phone", "email",
                                                                       "reason")})
        if upload is not None:
            row.filename, row.content_type, row.size = upload.filename, upload.content_type, upload.size
            row.sha256, row.storage_key = upload.sha256, upload.storage_key
        session.add(row)
        session.flush()
        made.append(row.id)
        return {"objection_id": row.id, "attachment": upload.filename if upload else None}

    runtime.send_message(application_id, OBJECTION_MESSAGE, fields, None, attach=attach)
    return made[0]


def ensure_open(session: Session, application_id: int) -> Publicity:
    """The application's open publicity period, or Conflict/NotFound with the reason (before any upload is kept)."""
    app = session.get(Application, application_id)
    if app is None:
        raise NotFound(NOT_LISTED)
    return _open_period(session, app)


def _open_period(session: Session, app: Application) -> Publicity:
    period = session.scalar(select(Publicity).where(Publicity.application_id == app.id)
                            .order_by(Publicity.id.desc()).limit(1))
    if period is None:
        raise NotFound(NOT_LISTED)
    now = utcnow()
    if period.closed_at is not None or period.ends_at <= now:
        ended = min(filter(None, (period.closed_at, period.ends_at)))
        local = ended.astimezone(calendar.CHINA)
        raise Conflict(f"该项目公示期已于{local.year}年{local.month}月{local.day}日 {local:%H:%M}结束，不再受理异议")
    return period
