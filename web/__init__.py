"""Rootball's web door: the Flask application factory."""
from __future__ import annotations

import os
import secrets
from typing import Any

from flask import Flask

from engine.db import default_url
from engine.signin import Throttle


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
        LOGIN_THROTTLE=Throttle(),
        OBJECTION_RATE_LIMIT=(5, 3600),  # objections per client address per hour
        UPLOAD_FOLDER=os.environ.get("ROOTBALL_UPLOAD_FOLDER"),
        BASE_URL=os.environ.get("ROOTBALL_BASE_URL") or "http://127.0.0.1:8000",
        PROXIES=int(os.environ.get("ROOTBALL_PROXIES") or 0),
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
        headers,
        home,
        inbox,
        notices,
        publicity,
        review,
        vendor,
    )
    from web.extensions import csrf
    from web.jsonbody import BoundedJSONProvider
    from web.numbers import BoundedIntConverter

    # Before any blueprint: every `<int:…>` route is compiled with the bounded converter.
    app.url_map.converters["int"] = BoundedIntConverter
    app.json = BoundedJSONProvider(app)
    db.init_app(app)
    headers.init_app(app)
    csrf.init_app(app)
    auth.init_app(app)
    errors.register(app)
    for area in (auth, home, inbox, applications, review, admin, dashboard, vendor, notices, publicity,
                 announcements):
        app.register_blueprint(area.bp)
    csrf.exempt(api.bp)  # the API authenticates with bearer tokens, not cookies
    app.register_blueprint(api.bp)
    return app
