"""The programme dashboard: progress to the 100-team target, by track, city and year, and the pipeline."""
from __future__ import annotations

from flask import jsonify, render_template
from flask.typing import ResponseReturnValue

from engine import stats
from engine.models import TRACKS
from web import db
from web.auth import role_required
from web.dashboard import bp
from web.display import STAGE_LABELS


@bp.get("/")
@role_required("officer", "admin")
def index() -> str:
    return render_template("dashboard/index.html", data=stats.progress(db.session()), tracks=TRACKS,
                           stage_labels=STAGE_LABELS)


@bp.get("/data.json")
@role_required("officer", "admin")
def data() -> ResponseReturnValue:
    """The dashboard's numbers, with the Chinese labels and the lifecycle order of stages the charts show."""
    numbers = stats.progress(db.session())
    return jsonify({**numbers, "stage_order": list(numbers["pipeline"]),
                    "labels": {"tracks": TRACKS, "stages": STAGE_LABELS}})
