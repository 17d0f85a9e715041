"""Administration: process versions (modeler, validate, deploy, diff), instance viewer, users, calls, holidays."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from web.admin import (  # noqa: E402,F401  (routes register on bp)
    calendar,
    calls,
    experts,
    instances,
    migrations,
    notices,
    operations,
    people,
    processes,
    reference,
)
