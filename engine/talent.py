"""The talent heat map and portrait (人才热力图、人才画像): awarded teams and the core members they brought in, by
Guangxi city and by field, and the core members by field, title, origin and age band, from the filed forms."""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine import filed, stats
from engine.calendar import CHINA
from engine.models import GUANGXI_CITIES
from engine.scope import Scope
from forms.choices import TECH_FIELDS

ORIGINS = {"elsewhere_in_china": "国内区外", "abroad": "境外", "guangxi": "广西区内"}
# Before members carried a work location, the form asked only whether they came from China or abroad.
REGION_ORIGINS = {"domestic": "国内区外", "overseas": "境外"}
UNKNOWN = "未填写"
AGE_BANDS = ((35, "35岁及以下"), (45, "36–45岁"), (55, "46–55岁"), (200, "56岁及以上"))


def _origin(member: dict[str, Any]) -> str:
    return ORIGINS.get(str(member.get("work_location") or "")) or REGION_ORIGINS.get(
        str(member.get("region") or ""), UNKNOWN)


def _age(member: dict[str, Any], at: datetime) -> int | None:
    """The member's age when the team was awarded, where the form recorded a birth year or an age."""
    for key in ("birth_year", "age"):
        value = member.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return at.astimezone(CHINA).year - value if key == "birth_year" else value
    return None


def _band(age: int) -> str:
    return next(label for limit, label in AGE_BANDS if age <= limit)


def _core(form: dict[str, Any]) -> list[dict[str, Any]]:
    team = form.get("team")
    return [m for m in team if isinstance(m, dict) and m.get("role") == "core"] if isinstance(team, list) else []


def figures(session: Session, scope: Scope | None = None) -> dict[str, Any]:
    """Per city: awarded teams, core members brought in (working outside Guangxi when applying) and teams per
    field; the portrait of all awarded teams' core members. Every city and field is listed, zeros included."""
    cities: dict[str, dict[str, Any]] = {
        city: {"teams": 0, "members": 0, "fields": dict.fromkeys(TECH_FIELDS, 0)} for city in GUANGXI_CITIES}
    by_field: Counter[str] = Counter()
    by_title: Counter[str] = Counter()
    by_origin: Counter[str] = Counter()
    by_age: Counter[str] = Counter()
    teams = members = 0
    for app in stats.awarded(session, scope):
        # Teams recorded from before the system (engine.demo_history) carry their team in the summary.
        form = filed.application_form(session, app.id) or dict(app.summary or {})
        field = str(form.get("field") or (app.summary or {}).get("field") or UNKNOWN)
        core = _core(form)
        brought = [m for m in core if _origin(m) != ORIGINS["guangxi"]]
        teams += 1
        members += len(brought)
        place = cities.get(app.city or "")
        if place is not None:
            place["teams"] += 1
            place["members"] += len(brought)
            place["fields"][field] = place["fields"].get(field, 0) + 1
        for member in core:
            by_field[field] += 1
            by_title[str(member.get("title") or "").strip() or UNKNOWN] += 1
            by_origin[_origin(member)] += 1
            age = _age(member, app.awarded_at) if app.awarded_at else None
            if age is not None:
                by_age[_band(age)] += 1
    return {
        "filters": (scope or Scope()).as_dict(),
        "teams": teams,
        "members": members,
        "cities": cities,
        "fields": list(TECH_FIELDS),
        "portrait": {
            "by_field": {f: by_field[f] for f in TECH_FIELDS if by_field[f]} | {
                f: n for f, n in by_field.items() if f not in TECH_FIELDS},
            "by_title": dict(by_title.most_common()),
            "by_origin": {label: by_origin[label] for label in (*ORIGINS.values(), UNKNOWN) if by_origin[label]},
            "by_age": {label: by_age[label] for _, label in AGE_BANDS if by_age[label]},
            "age_recorded": bool(by_age),
        },
    }
