"""Calls for applications (申报批次): created, edited, opened and closed by administrators; audited."""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy.orm import Session

from engine import audit
from engine.calendar import CHINA, END_OF_DAY
from engine.deadlines import follow_call_deadline
from engine.errors import FormInvalid, NotFound
from engine.models import TRACKS, Call
from engine.seed import TRACK_PROCESSES
from forms.inputs import text_problems

MAX_EXPERTS = 15
MAX_GUIDE = 20000
STATUS_LABELS = {"open": "受理中", "closed": "已关闭"}


def day_start(day: date) -> datetime:
    """00:00 of a China calendar day, as an aware datetime."""
    return datetime.combine(day, time(0, 0), tzinfo=CHINA)


def day_end(day: date) -> datetime:
    """23:59:59 of a China calendar day (a deadline on that day)."""
    return datetime.combine(day, END_OF_DAY, tzinfo=CHINA)


def _check(title: str, guide: str, opens_at: datetime, closes_at: datetime, expert_count: int,
           field_quota: int = 0) -> None:
    errors: dict[str, list[str]] = {}
    if not 0 <= field_quota <= expert_count:
        errors["field_quota"] = ["本领域专家人数须在 0 到评审专家人数之间"]
    if not title.strip():
        errors["title"] = ["请填写批次名称"]
    elif problems := text_problems(title, max_length=200):
        errors["title"] = problems
    if problems := text_problems(guide, max_length=MAX_GUIDE, multiline=True):
        errors["guide"] = problems
    if closes_at <= opens_at:
        errors["closes_at"] = ["截止时间须晚于开始时间"]
    if not 1 <= expert_count <= MAX_EXPERTS:
        errors["expert_count"] = [f"每项申报的评审专家人数须在 1–{MAX_EXPERTS} 之间"]
    elif expert_count % 2 == 0:
        errors["expert_count"] = ["评审专家人数应为奇数"]
    if errors:
        raise FormInvalid(errors)


def create_call(
    session: Session, *, track: str, title: str, guide: str, opens_at: datetime, closes_at: datetime,
    expert_count: int = 5, field_quota: int = 2, avoid_same_city: bool = True, actor_id: int | None = None,
) -> Call:
    """A new open call on `track`, run by the track's process."""
    if track not in TRACKS:
        raise FormInvalid({"track": [f"未知举措：{track}"]})
    _check(title, guide, opens_at, closes_at, expert_count, field_quota)
    call = Call(track=track, process_key=TRACK_PROCESSES[track], title=title.strip(), guide=guide.strip(),
                opens_at=opens_at, closes_at=closes_at, expert_count=expert_count, field_quota=field_quota,
                avoid_same_city=avoid_same_city, status="open")
    session.add(call)
    session.flush()
    audit.record(session, "call_created", actor_id=actor_id,
                 data={"call_id": call.id, "track": track, "title": call.title})
    return call


def update_call(
    session: Session, call_id: int, *, title: str, guide: str, closes_at: datetime, expert_count: int,
    field_quota: int | None = None, avoid_same_city: bool | None = None, actor_id: int | None = None,
) -> Call:
    """Change a call's title, guide, deadline, experts per application (running ones keep theirs) and how
    panels are drawn (field quota, same-city 回避)."""
    call = _call(session, call_id)
    field_quota = call.field_quota if field_quota is None else field_quota
    avoid_same_city = call.avoid_same_city if avoid_same_city is None else avoid_same_city
    _check(title, guide, call.opens_at, closes_at, expert_count, field_quota)
    before = {"title": call.title, "closes_at": call.closes_at.isoformat(), "expert_count": call.expert_count,
              "field_quota": call.field_quota, "avoid_same_city": call.avoid_same_city}
    if closes_at != call.closes_at:
        follow_call_deadline(session, call.id, call.closes_at, closes_at)
    call.title, call.guide, call.closes_at, call.expert_count = title.strip(), guide.strip(), closes_at, expert_count
    call.field_quota, call.avoid_same_city = field_quota, avoid_same_city
    after = {"title": call.title, "closes_at": call.closes_at.isoformat(), "expert_count": call.expert_count,
             "field_quota": call.field_quota, "avoid_same_city": call.avoid_same_city}
    diff = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    audit.record(session, "call_updated", actor_id=actor_id, data={"call_id": call.id, **diff})
    return call


def set_status(session: Session, call_id: int, status: str, actor_id: int | None = None) -> Call:
    """Open or close a call for new applications."""
    if status not in STATUS_LABELS:
        raise FormInvalid({"status": [f"未知状态：{status}"]})
    call = _call(session, call_id)
    if call.status != status:
        call.status = status
        audit.record(session, "call_opened" if status == "open" else "call_closed", actor_id=actor_id,
                     data={"call_id": call.id})
    return call


def _call(session: Session, call_id: int) -> Call:
    call = session.get(Call, call_id)
    if call is None:
        raise NotFound(f"申报批次 {call_id} 不存在")
    return call
