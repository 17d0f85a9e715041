"""Administration: process versions (modeler, validate, deploy, diff), instance viewer, users, calls."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from web.admin import (  # noqa: E402,F401  (routes register on bp)
    calls,
    instances,
    notices,
    operations,
    people,
    processes,
)
