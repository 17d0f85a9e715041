"""Users and their role grants: list, create, grant, revoke, deactivate."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from engine import accounts, keyset
from engine.errors import FormInvalid
from engine.models import GUANGXI_CITIES, ROLES, Organization, User
from web import db
from web.admin import bp
from web.admin.common import command, flash_invalid
from web.auth import me, role_required
from web.numbers import bounded_int

PAGE_SIZE = 50
# The columns the list sorts by (`-` before a key: descending); each ends on the unique id for keyset paging.
SORTS = {"username": (User.username, User.id), "display_name": (User.display_name, User.id), "id": (User.id,)}


@bp.get("/users")
@role_required("admin")
def users() -> str:
    """The users, searched by name, username, e-mail or organisation and by role, a page at a time."""
    session = db.session()
    q = request.args.get("q", "").strip()[:100]
    role = request.args.get("role", "").strip()
    role = role if role in ROLES else ""
    sort = request.args.get("sort", "").strip()
    sort = sort if sort.lstrip("-") in SORTS else "username"
    order = keyset.Order(SORTS[sort.lstrip("-")], descending=sort.startswith("-"))
    page = keyset.page(session, accounts.search(q, role), order, limit=PAGE_SIZE,
                       cursor=request.args.get("cursor") or None)
    args = {k: v for k, v in {"q": q, "role": role, "sort": sort}.items() if v}
    organizations = session.scalars(select(Organization).order_by(Organization.name)).all()
    return render_template("admin/users.html", people=page.rows, page=page, q=q, role=role, sort=sort, args=args,
                           organizations=organizations, roles=ROLES, role_labels=accounts.ROLE_LABELS,
                           cities=GUANGXI_CITIES)


def _back() -> Response:
    return redirect(url_for("admin.users"))


@bp.post("/users")
@role_required("admin")
def create_user() -> Response:
    form = request.form
    role = form.get("role", "")
    try:
        with command() as session:
            user = accounts.create_user(
                session, username=form.get("username", ""), display_name=form.get("display_name", ""),
                password=form.get("password", ""), email=form.get("email"),
                organization_id=form.get("organization_id", type=bounded_int), actor_id=me().id)
            if role:
                accounts.grant_role(session, user.id, role, form.get("scope"), actor_id=me().id)
            username = user.username
    except FormInvalid as e:
        flash_invalid(e)
        return _back()
    flash(f"已创建用户 {username}", "info")
    return _back()


@bp.post("/users/<int:user_id>/grants")
@role_required("admin")
def grant(user_id: int) -> Response:
    try:
        with command() as session:
            accounts.grant_role(session, user_id, request.form.get("role", ""), request.form.get("scope"),
                                actor_id=me().id)
    except FormInvalid as e:
        flash_invalid(e)
        return _back()
    flash("已授予角色", "info")
    return _back()


@bp.post("/users/<int:user_id>/grants/<int:grant_id>/revoke")
@role_required("admin")
def revoke(user_id: int, grant_id: int) -> Response:
    with command() as session:
        accounts.revoke_role(session, user_id, grant_id, actor_id=me().id)
    flash("已撤销角色", "info")
    return _back()


@bp.post("/users/<int:user_id>/active")
@role_required("admin")
def set_active(user_id: int) -> Response:
    active = request.form.get("active") == "1"
    with command() as session:
        user = accounts.set_active(session, user_id, active, actor_id=me().id)
        username = user.username
    flash(f"已{'启用' if active else '停用'}用户 {username}", "info")
    return _back()


@bp.post("/users/<int:user_id>/password")
@role_required("admin")
def reset_password(user_id: int) -> Response:
    """Set a user's password; their sessions and API tokens end (an administrator's own: sign in again)."""
    try:
        with command() as session:
            username = accounts.set_password(session, user_id, request.form.get("password", ""),
                                             actor_id=me().id).username
    except FormInvalid as e:
        flash_invalid(e)
        return _back()
    flash(f"已重设用户 {username} 的密码；其登录和 API 访问令牌均已失效", "info")
    return _back()
