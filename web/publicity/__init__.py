"""The public publicity pages (公示, no sign-in): the current list, closed lists by year, the objection form;
and, for officers, an objection's attachment."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError
from werkzeug.wrappers import Response

import forms
from engine import publicity
from engine.errors import Conflict, FormInvalid, NotFound
from engine.models import Application, Objection
from web import attachments, db
from web.auth import role_required
from web.forms_render import flatten_errors

bp = Blueprint("publicity", __name__, url_prefix="/publicity")
FIELDS = ("name", "organization", "phone", "email", "reason")


@bp.get("/")
def index() -> str:
    """Applications in publicity now, or the closed list of `?year=`."""
    session = db.session()
    year = request.args.get("year", type=int)
    entries = publicity.closed(session, year) if year else publicity.current(session)
    return render_template("publicity/index.html", entries=entries, year=year, years=publicity.years(session))


def _form(app: Application, values: dict[str, str], errors: dict[str, list[str]], status: int = 200,
          ended: str | None = None) -> ResponseReturnValue:
    fields = {f.name: f for f in forms.fields_of("objection")}
    return render_template("publicity/objection.html", app=app, values=values, errors=errors, fields=fields,
                           accept=attachments.ACCEPT, upload_rules=attachments.RULES, ended=ended), status


def _public_app(app_id: int) -> tuple[Application, str | None]:
    """An application that was put to publicity, and why objections are closed (None while open); else 404."""
    app = db.session().get(Application, app_id)
    if app is None:
        abort(404)
    try:
        publicity.ensure_open(db.session(), app_id)
    except NotFound:
        abort(404)
    except Conflict as e:
        return app, str(e)
    return app, None


@bp.get("/<int:app_id>/objection")
def objection_form(app_id: int) -> ResponseReturnValue:
    """The objection form for one application in publicity."""
    app, ended = _public_app(app_id)
    return _form(app, {}, {}, ended=ended)


@bp.post("/<int:app_id>/objection")
def file_objection(app_id: int) -> ResponseReturnValue:
    """File a named objection with an optional attachment; refused after the period, and when too frequent."""
    app, ended = _public_app(app_id)
    values = {name: request.form.get(name, "").strip() for name in FIELDS}
    fields = {**values, "truthful": request.form.get("truthful") == "yes"}
    limit, seconds = current_app.config["OBJECTION_RATE_LIMIT"]
    if publicity.too_many(db.session(), request.remote_addr, limit, seconds):
        return _form(app, values, {"_schema": ["提交异议过于频繁，请稍后再试"]}, 429)
    if ended:
        return _form(app, values, {}, 409, ended=ended)
    try:
        forms.load("objection", fields)
    except ValidationError as e:
        return _form(app, values, flatten_errors(e.normalized_messages()), 422)
    upload = request.files.get("attachment")
    stored = None
    try:
        if upload is not None and upload.filename:
            stored = attachments.store(upload)
    except attachments.UploadRejected as e:
        return _form(app, values, {"attachment": [str(e)]}, 422)
    kept = publicity.Upload(stored.filename, stored.content_type, stored.size, stored.sha256,
                            stored.storage_key) if stored else None
    try:
        made = publicity.file_objection(db.services().runtime, app_id, fields, request.remote_addr, kept)
    except (Conflict, FormInvalid) as e:
        if stored:
            attachments.discard([stored])
        if isinstance(e, FormInvalid):
            return _form(app, values, flatten_errors(e.errors), 422)
        return _form(app, values, {}, 409, ended=str(e))
    flash(f"您的异议已受理（受理编号 {made}），核查结果将发送至 {values['email']}。", "info")
    return redirect(url_for("publicity.index"))


@bp.get("/objections/<int:objection_id>/attachment")
@role_required("officer", "admin")
def objection_attachment(objection_id: int) -> Response:
    """An objection's attachment, for the Department only."""
    row = db.session().get(Objection, objection_id)
    if row is None or not row.storage_key:
        abort(404)
    return attachments.send_stored(row.storage_key, row.content_type or "application/octet-stream",
                                   row.filename or "附件")
