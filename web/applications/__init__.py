"""The applicant portal and the officers' application views."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("applications", __name__, url_prefix="/applications")

from web.applications import documents, files, views  # noqa: E402,F401  (routes register on bp)
