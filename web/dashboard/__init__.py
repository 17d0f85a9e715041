"""The programme dashboard (officers and administrators)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

from web.dashboard import talent, views  # noqa: E402,F401  (routes register on bp)
