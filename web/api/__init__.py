"""The JSON API under /api/v1 (bearer tokens; see API.md and GET /api/v1/openapi.json)."""
from __future__ import annotations

from flask import Blueprint
from werkzeug.wrappers import Response

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.after_request
def _challenge(response: Response) -> Response:
    """Tell clients refused for want of a token how to authenticate (RFC 6750)."""
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="rootball"'
    return response


from web.api import (  # noqa: E402,F401  (routes register on bp)
    admin,
    calendar,
    experts,
    insight,
    notices,
    openapi,
    programme,
    versioning,
    views,
)
