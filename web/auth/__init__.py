"""Sign-in and sign-out, the signed-in principal, and the role check every page uses."""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_login import UserMixin, current_user, login_required, login_user, logout_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from engine.models import LoginAttempt, User, utcnow
from engine.passwords import check_password
from web import db
from web.extensions import login
from web.redirects import local_path

bp = Blueprint("auth", __name__)
__all__ = ["Principal", "bp", "init_app", "login_required", "me", "role_required"]
F = TypeVar("F", bound=Callable[..., Any])


class Principal(UserMixin):  # type: ignore[misc]
    """The signed-in user as Flask-Login sees it; `.user` is the row in this request's session."""

    def __init__(self, user: User):
        self.user = user
        self.id = user.id

    def get_id(self) -> str:
        return str(self.id)


def init_app(app: Flask) -> None:
    """Bind Flask-Login."""
    login.init_app(app)

    @login.user_loader
    def load(user_id: str) -> Principal | None:
        user = db.session().get(User, int(user_id))
        return Principal(user) if user is not None and user.active else None


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


def too_many_attempts(username: str) -> bool:
    """True when the recent failed attempts for `username` reach the configured limit."""
    from flask import current_app

    limit, seconds = current_app.config["LOGIN_RATE_LIMIT"]
    since = utcnow() - timedelta(seconds=seconds)
    failures = db.session().scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.username == username, LoginAttempt.success.is_(False), LoginAttempt.at >= since))
    return bool(failures and failures >= limit)


def authenticate(username: str, password: str) -> User | None:
    """Check a password, recording the attempt; None when wrong or rate-limited."""
    session = db.session()
    user = session.scalar(select(User).where(User.username == username))
    ok = user is not None and user.active and check_password(user.password_hash, password)
    session.add(LoginAttempt(username=username, remote_addr=request.remote_addr, success=ok, at=utcnow()))
    session.commit()
    return user if ok else None


@bp.route("/login", methods=["GET", "POST"], endpoint="login")
def login_page() -> Response | str | tuple[str, int]:
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        if too_many_attempts(username):
            flash("登录失败次数过多，请 5 分钟后再试", "danger")
            return render_template("auth/login.html", username=username), 429
        user = authenticate(username, password)
        if user is None:
            flash("用户名或密码错误", "danger")
            return render_template("auth/login.html", username=username), 401
        login_user(Principal(user))
        return redirect(local_path(request.args.get("next")) or url_for("home.index"))
    return render_template("auth/login.html", username="")




@bp.post("/logout")
@login_required  # type: ignore[misc]
def logout() -> Response:
    logout_user()
    flash("已退出登录", "info")
    return redirect(url_for("auth.login"))
