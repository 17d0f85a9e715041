"""Keeping the expert library: add or update an expert (creating the user when the username is new)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import audit
from engine.accounts import USERNAME
from engine.errors import FormInvalid, NotFound
from engine.models import GUANGXI_CITIES, ExpertProfile, Organization, RoleGrant, User, utcnow
from engine.passwords import hash_password
from forms.choices import TECH_FIELDS

MAX_CAP = 200
DEFAULT_CAP = 20
MAX_FIELDS = 4


@dataclass(frozen=True)
class Entry:
    """One expert as an administrator gives them (the API body, a form, a spreadsheet row)."""

    username: str
    name: str
    organization: str
    city: str
    fields: tuple[str, ...]  # the first is the primary field
    title: str = ""
    yearly_cap: int = DEFAULT_CAP
    active: bool = True
    email: str | None = None
    password: str | None = None


def check(entry: Entry) -> dict[str, list[str]]:
    """Per-field problems of an entry (empty when it can be saved)."""
    errors: dict[str, list[str]] = {}
    if not USERNAME.match(entry.username):
        errors["username"] = ["用户名须为 3–80 位字母、数字或 _ . -"]
    if not entry.name.strip() or len(entry.name) > 100:
        errors["name"] = ["请填写姓名（不超过100字）"]
    if not entry.organization.strip() or len(entry.organization) > 200:
        errors["organization"] = ["请填写工作单位（不超过200字）"]
    if not entry.city.strip() or len(entry.city) > 20:
        errors["city"] = ["请填写所在城市（不超过20字）"]
    unknown = [f for f in entry.fields if f not in TECH_FIELDS]
    if not entry.fields:
        errors["fields"] = ["请至少填写一个技术领域（第一个为主要领域）"]
    elif unknown:
        errors["fields"] = [f"未知的技术领域：{'、'.join(unknown)}（可选：{'、'.join(TECH_FIELDS)}）"]
    elif len(set(entry.fields)) != len(entry.fields) or len(entry.fields) > MAX_FIELDS:
        errors["fields"] = [f"技术领域不能重复，最多 {MAX_FIELDS} 个"]
    if len(entry.title) > 50:
        errors["title"] = ["职称不超过50字"]
    if not 1 <= entry.yearly_cap <= MAX_CAP:
        errors["yearly_cap"] = [f"年度评审上限须在 1–{MAX_CAP} 之间"]
    if entry.password is not None and len(entry.password) < 8:
        errors["password"] = ["密码至少 8 位"]
    return errors


def save(session: Session, entry: Entry, actor_id: int | None) -> ExpertProfile:
    """Add the expert to the library or update them; FormInvalid with per-field messages when invalid."""
    errors = check(entry)
    if errors:
        raise FormInvalid(errors)
    org = _organization(session, entry.organization.strip(), entry.city.strip())
    user = session.scalar(select(User).where(User.username == entry.username))
    created = user is None
    if user is None:
        user = User(username=entry.username, display_name=entry.name.strip(), email=entry.email or None,
                    password_hash=hash_password(entry.password) if entry.password else "", active=True)
        session.add(user)
    user.display_name, user.organization_id = entry.name.strip(), org.id
    if entry.email:
        user.email = entry.email
    if not any(g.role == "expert" for g in user.grants):
        user.grants.append(RoleGrant(role="expert", scope=None))
    session.flush()
    profile = session.scalar(select(ExpertProfile).where(ExpertProfile.user_id == user.id))
    if profile is None:
        profile = ExpertProfile(user_id=user.id, created_at=utcnow())
        session.add(profile)
    profile.city, profile.title, profile.fields = entry.city.strip(), entry.title.strip(), list(entry.fields)
    profile.yearly_cap, profile.active, profile.updated_at = entry.yearly_cap, entry.active, utcnow()
    session.flush()
    audit.record(session, "expert_saved", actor_id=actor_id, data={
        "user_id": user.id, "username": user.username, "created_user": created, "organization": org.name,
        "city": profile.city, "fields": profile.fields, "yearly_cap": profile.yearly_cap, "active": profile.active})
    return profile


def set_active(session: Session, profile_id: int, active: bool, actor_id: int | None) -> ExpertProfile:
    """Put an expert back in the draw, or keep them out of it (their account stays as it is)."""
    profile = session.get(ExpertProfile, profile_id)
    if profile is None:
        raise NotFound(f"专家 {profile_id} 不在专家库中")
    if profile.active != active:
        profile.active, profile.updated_at = active, utcnow()
        audit.record(session, "expert_activated" if active else "expert_deactivated", actor_id=actor_id,
                     data={"user_id": profile.user_id})
    return profile


def _organization(session: Session, name: str, city: str) -> Organization:
    org = session.scalar(select(Organization).where(Organization.name == name))
    if org is None:
        org = Organization(name=name, city=city if city in GUANGXI_CITIES else None, kind="institution")
        session.add(org)
        session.flush()
    return org


def entries(session: Session) -> list[tuple[ExpertProfile, User, str]]:
    """The library for its page and the API: (profile, user, organisation name), active first."""
    rows = session.execute(
        select(ExpertProfile, User, Organization.name).join(User, User.id == ExpertProfile.user_id)
        .outerjoin(Organization, Organization.id == User.organization_id)
        .order_by(ExpertProfile.active.desc(), User.username)).tuples().all()
    return [(p, u, org or "") for p, u, org in rows]


def as_dict(profile: ExpertProfile, user: User, organization: str) -> dict[str, Any]:
    """An expert as the API shows them."""
    return {"id": profile.id, "user_id": user.id, "username": user.username, "name": user.display_name,
            "organization": organization, "city": profile.city, "fields": list(profile.fields or []),
            "title": profile.title, "yearly_cap": profile.yearly_cap, "active": profile.active and user.active}
