"""Rootball's web door: the Flask application factory."""
from __future__ import annotations

import os
import secrets
from typing import Any

from flask import Flask

from engine.db import default_url


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app; `config` overrides settings (tests pass DATABASE_URL, TESTING…)."""
    app = Flask(__name__, instance_relative_config=False)
    app.config.update(
        DATABASE_URL=os.environ.get("ROOTBALL_DATABASE_URL") or None,
        SECRET_KEY=os.environ.get("ROOTBALL_SECRET_KEY") or secrets.token_hex(32),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=25 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
        LOGIN_RATE_LIMIT=(5, 300),
        OBJECTION_RATE_LIMIT=(5, 3600),  # objections per client address per hour
        UPLOAD_FOLDER=os.environ.get("ROOTBALL_UPLOAD_FOLDER"),
    )
    app.config.update(config or {})
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = default_url()

    from web import (
        admin,
        announcements,
        api,
        applications,
        auth,
        dashboard,
        db,
        errors,
        home,
        inbox,
        notices,
        publicity,
        review,
        vendor,
    )
    from web.extensions import csrf

    db.init_app(app)
    csrf.init_app(app)
    auth.init_app(app)
    errors.register(app)
    for area in (auth, home, inbox, applications, review, admin, dashboard, vendor, notices, publicity,
                 announcements):
        app.register_blueprint(area.bp)
    csrf.exempt(api.bp)  # the API authenticates with bearer tokens, not cookies
    app.register_blueprint(api.bp)
    return app
