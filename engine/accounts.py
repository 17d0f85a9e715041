"""User accounts and role grants, managed by administrators; every change is audited."""
from __future__ import annotations

import re

from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session

from engine import audit
from engine.errors import Conflict, FormInvalid, NotAllowed, NotFound
from engine.models import GUANGXI_CITIES, ROLES, ApiToken, Organization, RoleGrant, User, utcnow
from engine.passwords import hash_password
from forms.inputs import text_problems

USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,80}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 256
ROLE_LABELS = {"applicant": "申报单位", "recommender": "推荐单位", "officer": "科技厅经办人", "expert": "评审专家",
               "admin": "系统管理员"}


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"用户 {user_id} 不存在")
    return user


def create_user(
    session: Session, *, username: str, display_name: str, password: str, email: str | None = None,
    organization_id: int | None = None, actor_id: int | None = None,
) -> User:
    """A new active user with a hashed password; raises FormInvalid with per-field messages."""
    username, display_name = username.strip(), display_name.strip()
    errors: dict[str, list[str]] = {}
    if not USERNAME.match(username):
        errors["username"] = ["用户名须为 3–80 位字母、数字或 _ . -"]
    elif session.scalar(select(User.id).where(User.username == username)) is not None:
        errors["username"] = ["该用户名已存在"]
    if not display_name:
        errors["display_name"] = ["请填写姓名或单位名称"]
    for name, value, limit in (("display_name", display_name, 100), ("email", email or "", 200)):
        if problems := text_problems(value, max_length=limit):
            errors[name] = problems
    if len(password) < MIN_PASSWORD:
        errors["password"] = [f"密码至少 {MIN_PASSWORD} 位"]
    elif len(password) > MAX_PASSWORD:
        errors["password"] = [f"密码不能超过 {MAX_PASSWORD} 位"]
    if organization_id is not None and session.get(Organization, organization_id) is None:
        errors["organization_id"] = ["所选单位不存在"]
    if errors:
        raise FormInvalid(errors)
    user = User(username=username, display_name=display_name, email=(email or "").strip() or None,
                password_hash=hash_password(password), organization_id=organization_id, active=True)
    session.add(user)
    session.flush()
    audit.record(session, "user_created", actor_id=actor_id, data={"user_id": user.id, "username": username})
    return user


def check_grant(role: str, scope: str | None) -> str | None:
    """The normalized scope of a grant, or FormInvalid when the role or scope is not allowed."""
    scope = (scope or "").strip() or None
    if role not in ROLES:
        raise FormInvalid({"role": [f"未知角色：{role}"]})
    if role == "recommender" and scope not in GUANGXI_CITIES:
        raise FormInvalid({"scope": ["推荐单位须指定所辖设区市"]})
    if role != "recommender" and scope is not None:
        raise FormInvalid({"scope": ["只有推荐单位的角色需要范围"]})
    return scope


def grant_role(session: Session, user_id: int, role: str, scope: str | None, actor_id: int | None = None) -> RoleGrant:
    """Give `role` (with `scope`) to a user; Conflict when the user already has it."""
    user = _user(session, user_id)
    scope = check_grant(role, scope)
    if any(g.role == role and g.scope == scope for g in user.grants):
        raise Conflict("该用户已拥有此角色")
    grant = RoleGrant(role=role, scope=scope)
    user.grants.append(grant)
    session.flush()
    audit.record(session, "role_granted", actor_id=actor_id,
                 data={"user_id": user.id, "username": user.username, "role": role, "scope": scope})
    return grant


def revoke_role(session: Session, user_id: int, grant_id: int, actor_id: int | None = None) -> None:
    """Take a grant away; an administrator cannot take away their own admin role."""
    user = _user(session, user_id)
    grant = next((g for g in user.grants if g.id == grant_id), None)
    if grant is None:
        raise NotFound("该角色授权不存在")
    if grant.role == "admin" and user.id == actor_id:
        raise NotAllowed("不能撤销自己的管理员角色")
    user.grants.remove(grant)
    session.flush()
    audit.record(session, "role_revoked", actor_id=actor_id,
                 data={"user_id": user.id, "username": user.username, "role": grant.role, "scope": grant.scope})


def set_active(session: Session, user_id: int, active: bool, actor_id: int | None = None) -> User:
    """Deactivate (no more sign-in, every session and API token ended) or reactivate a user.

    Nobody deactivates themselves. A reactivated user signs in afresh: what was ended stays ended.
    """
    user = _user(session, user_id)
    if not active and user.id == actor_id:
        raise NotAllowed("不能停用自己的账号")
    if user.active != active:
        user.active = active
        if not active:
            end_sessions(user)
            revoke_tokens(session, user)
        audit.record(session, "user_activated" if active else "user_deactivated", actor_id=actor_id,
                     data={"user_id": user.id, "username": user.username})
    return user


def set_password(session: Session, user_id: int, password: str, actor_id: int | None = None) -> User:
    """Give a user a new password; their sessions and API tokens end (the caller signs the actor in again)."""
    user = _user(session, user_id)
    if len(password) < MIN_PASSWORD:
        raise FormInvalid({"password": [f"密码至少 {MIN_PASSWORD} 位"]})
    if len(password) > MAX_PASSWORD:
        raise FormInvalid({"password": [f"密码不能超过 {MAX_PASSWORD} 位"]})
    user.password_hash = hash_password(password)
    end_sessions(user)
    revoke_tokens(session, user)
    audit.record(session, "password_changed", actor_id=actor_id, data={"user_id": user.id, "username": user.username})
    return user


def end_sessions(user: User) -> None:
    """Every browser session signed in before now stops working (the caller commits)."""
    user.auth_version += 1


def revoke_tokens(session: Session, user: User) -> int:
    """End every API token of the user now; how many were still valid."""
    now = utcnow()
    result = session.execute(update(ApiToken).where(
        ApiToken.user_id == user.id, or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now))
        .values(expires_at=now))
    return int(getattr(result, "rowcount", 0) or 0)


def search(q: str = "", role: str = "") -> Select[tuple[User]]:
    """Users whose username, name, e-mail or organisation holds `q`, holding `role` when given (unordered)."""
    stmt = select(User).outerjoin(Organization, Organization.id == User.organization_id)
    if q:
        stmt = stmt.where(or_(User.username.icontains(q, autoescape=True),
                              User.display_name.icontains(q, autoescape=True),
                              User.email.icontains(q, autoescape=True),
                              Organization.name.icontains(q, autoescape=True)))
    if role:
        stmt = stmt.where(User.id.in_(select(RoleGrant.user_id).where(RoleGrant.role == role)))
    return stmt
