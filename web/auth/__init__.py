"""Sign-in and sign-out, the signed-in principal, and the role check every page uses."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import UserMixin, current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from engine import accounts, signin
from engine.errors import FormInvalid, TooManyAttempts
from engine.models import User
from web import db
from web.extensions import login
from web.redirects import local_path

bp = Blueprint("auth", __name__)
__all__ = ["Principal", "bp", "init_app", "login_required", "me", "role_required", "sign_in"]
F = TypeVar("F", bound=Callable[..., Any])


class Principal(UserMixin):  # type: ignore[misc]
    """The signed-in user as Flask-Login sees it; `.user` is the row in this request's session."""

    def __init__(self, user: User):
        self.user = user
        self.id = user.id

    def get_id(self) -> str:
        # The session keeps the user's auth_version too, so raising it ends every session signed before.
        return f"{self.user.id}:{self.user.auth_version}"


def init_app(app: Flask) -> None:
    """Bind Flask-Login."""
    login.init_app(app)

    @login.user_loader
    def load(session_id: str) -> Principal | None:
        user_id, _, version = session_id.partition(":")
        if not user_id.isdecimal() or not version.isdecimal() or len(user_id) > 18 or len(version) > 18:
            return None
        user = db.session().get(User, int(user_id))
        if user is None or not user.active or user.auth_version != int(version):
            return None
        return Principal(user)


def me() -> User:
    """The signed-in user (call only behind login_required)."""
    return cast(Principal, current_user).user


def role_required(*roles: str) -> Callable[[F], F]:
    """Allow the view only to users holding one of `roles`."""

    def decorate(view: F) -> F:
        @wraps(view)
        @login_required  # type: ignore[misc]
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not me().roles & set(roles):
                abort(403)
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorate


def sign_in(username: str, password: str) -> User | None:
    """Check a password from this request's client, recording the attempt; TooManyAttempts while it must wait."""
    session = db.session()
    try:
        user = signin.authenticate(session, current_app.config["LOGIN_THROTTLE"], username, password,
                                   request.remote_addr)
    finally:
        session.commit()
    return user


def _login_form(username: str, status: int = 200, retry_after: int | None = None) -> ResponseReturnValue:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return render_template("auth/login.html", username=username), status, headers


@bp.route("/login", methods=["GET", "POST"], endpoint="login")
def login_page() -> ResponseReturnValue:
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        try:
            user = sign_in(username, request.form.get("password", ""))
        except TooManyAttempts as e:
            flash(str(e), "danger")
            return _login_form(username, 429, e.retry_after)
        if user is None:
            flash("用户名或密码错误", "danger")
            return _login_form(username, 401)
        login_user(Principal(user))
        return redirect(local_path(request.args.get("next")) or url_for("home.index"))
    return _login_form("")


@bp.post("/logout")
@login_required  # type: ignore[misc]
def logout() -> Response:
    # Signing out ends this user's sessions everywhere: a copy of the cookie must not outlive it.
    accounts.end_sessions(me())
    db.session().commit()
    logout_user()
    flash("已退出登录", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required  # type: ignore[misc]
def password() -> ResponseReturnValue:
    """Change my password (the current one first); my other sessions and API tokens end."""
    if request.method == "GET":
        return render_template("auth/password.html", errors={})
    user, form = me(), request.form
    errors: dict[str, list[str]] = {}
    try:
        if sign_in(user.username, form.get("current", "")) is None:
            errors["current"] = ["当前密码不正确"]
    except TooManyAttempts as e:
        return render_template("auth/password.html", errors={"current": [str(e)]}), 429, {
            "Retry-After": str(e.retry_after)}
    if form.get("password", "") != form.get("confirm", ""):
        errors["confirm"] = ["两次输入的新密码不一致"]
    if not errors:
        try:
            with db.services().sessions.begin() as session:
                accounts.set_password(session, user.id, form.get("password", ""), actor_id=user.id)
        except FormInvalid as e:
            errors.update({k: [str(m) for m in v] if isinstance(v, list) else [str(v)] for k, v in e.errors.items()})
    if errors:
        return render_template("auth/password.html", errors=errors), 422
    session = db.session()
    session.refresh(user)
    login_user(Principal(user))  # this session goes on under the new auth_version
    flash("密码已修改；其他设备上的登录和 API 访问令牌均已失效", "info")
    return redirect(url_for("home.index"))
