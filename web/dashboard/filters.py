"""The filters of the dashboard, the talent map and their exports: GET `year`, `track`, `call_id`, checked."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar import CHINA
from engine.errors import FormInvalid
from engine.models import TRACKS, Call
from engine.scope import FIRST_YEAR, LAST_YEAR, Scope
from web.numbers import bounded_int


def _number(args: Any, name: str) -> int | None:
    """None when blank; ValueError when not a whole number within the database's range."""
    text = str(args.get(name) or "").strip()
    return bounded_int(text) if text else None


def scope_of(session: Session, args: Any) -> Scope:
    """The scope the request asks for (blank parameters ignored); FormInvalid with a Chinese message per field."""
    errors: dict[str, list[str]] = {}
    try:
        year = _number(args, "year")
        if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
            raise ValueError(year)
    except ValueError:
        year = None
        errors["year"] = [f"年度应为 {FIRST_YEAR}–{LAST_YEAR} 之间的年份"]
    track = str(args.get("track") or "").strip() or None
    if track is not None and track not in TRACKS:
        errors["track"] = ["请选择 T1–T5 中的一类举措"]
    try:
        call_id = _number(args, "call_id")
    except ValueError:
        call_id = -1
    if call_id is not None and (call_id < 1 or session.get(Call, call_id) is None):
        errors["call_id"] = ["申报批次不存在"]
    if errors:
        raise FormInvalid(errors)
    return Scope(year=year, track=track, call_id=call_id)


def choices(session: Session) -> dict[str, Any]:
    """What the filter form offers: the years calls were opened in, the tracks and the calls."""
    calls = session.scalars(select(Call).order_by(Call.opens_at.desc(), Call.id.desc())).all()
    years = sorted({c.opens_at.astimezone(CHINA).year for c in calls} | {2021, 2022, 2023, 2024, 2025}, reverse=True)
    return {"years": years, "tracks": TRACKS, "calls": [(c.id, f"{c.track} · {c.title}") for c in calls]}
