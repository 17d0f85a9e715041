"""Officers draw panels for a call's applications at once, review the proposal, swap experts, and confirm."""
from __future__ import annotations

import re
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from werkzeug.wrappers import Response

from engine.errors import Conflict, FormInvalid, NotFound
from engine.experts import pool, proposals
from engine.models import Application, Call, PanelProposal, User
from web import db
from web.admin.common import command, flash_invalid
from web.auth import me, role_required
from web.numbers import bounded_int
from web.review import bp

OFFICERS = ("officer", "admin")


def _calls() -> list[tuple[Call, int]]:
    session = db.session()
    calls = session.scalars(select(Call).order_by(Call.status.desc(), Call.track, Call.id)).all()
    return [(c, len(proposals.waiting_rows(session, c.id))) for c in calls]


@bp.get("/panels")
@role_required(*OFFICERS)
def panels() -> str:
    """Choose a call and its applications waiting for experts; earlier proposals of the call."""
    session = db.session()
    calls = _calls()
    chosen = request.args.get("call_id", type=bounded_int) or next((c.id for c, n in calls if n), None) or (
        calls[0][0].id if calls else None)
    call = session.get(Call, chosen) if chosen else None
    rows = proposals.waiting_rows(session, call.id) if call else []
    apps = {a.id: a for a in session.scalars(select(Application).where(
        Application.id.in_([r.application_id for r in rows])))}
    forms = pool.submissions(session, list(apps))
    history: list[PanelProposal] = []
    if call is not None:
        history = list(session.scalars(select(PanelProposal).where(PanelProposal.call_id == call.id)
                                       .order_by(PanelProposal.id.desc()).limit(20)).all())
    return render_template("review/panels.html", calls=calls, call=call, rows=rows, apps=apps, forms=forms,
                           history=history, states=proposals.STATE_LABELS)


@bp.post("/panels")
@role_required(*OFFICERS)
def draw() -> ResponseReturnValue:
    call_id = request.form.get("call_id", type=bounded_int) or 0
    ids = [int(v) for v in request.form.getlist("application_ids") if re.fullmatch(r"[0-9]{1,9}", v)]
    seed_text = request.form.get("seed", "").strip()
    if not ids:
        flash("请至少选择一项申报", "danger")
        return redirect(url_for("review.panels", call_id=call_id))
    if seed_text and not (re.fullmatch(r"[0-9]{1,20}", seed_text) and int(seed_text) <= proposals.MAX_SEED):
        flash(f"随机种子须为 0–{proposals.MAX_SEED} 的整数，或留空由系统生成", "danger")
        return redirect(url_for("review.panels", call_id=call_id))
    try:
        with command() as session:
            proposal = proposals.propose(session, call_id, ids, int(seed_text) if seed_text else None, me().id)
            proposal_id = proposal.id
    except FormInvalid as e:
        flash_invalid(e)
        return redirect(url_for("review.panels", call_id=call_id))
    except NotFound as e:
        flash(str(e), "danger")
        return redirect(url_for("review.panels", call_id=call_id))
    return redirect(url_for("review.proposal", proposal_id=proposal_id))


def _proposal(proposal_id: int) -> PanelProposal:
    found = db.session().get(PanelProposal, proposal_id)
    if found is None:
        abort(404)
    return found


def load_table(proposal: PanelProposal) -> list[dict[str, Any]]:
    """Each expert of the proposal: panels in it, reviews this year with it, cap; busiest first."""
    seats: dict[int, dict[str, Any]] = {}
    for panel in proposal.panels:
        for s in panel["experts"]:
            row = seats.setdefault(s["user_id"], {**s, "panels": 0})
            row["panels"] += 1
    return sorted(seats.values(), key=lambda r: (-r["panels"], r["user_id"]))


@bp.get("/panels/<int:proposal_id>")
@role_required(*OFFICERS)
def proposal(proposal_id: int) -> str:
    found = _proposal(proposal_id)
    session = db.session()
    call = session.get(Call, found.call_id)
    author = session.get(User, found.created_by)
    confirmed = proposals.confirmed_ids(found)
    failed = {f["application_id"]: f["error"] for f in (found.outcome or {}).get("failed", [])}
    return render_template("review/proposal.html", proposal=found, call=call, author=author, loads=load_table(found),
                           confirmed=confirmed, failed=failed, states=proposals.STATE_LABELS)


@bp.get("/panels/<int:proposal_id>/applications/<int:application_id>")
@role_required(*OFFICERS)
def candidates(proposal_id: int, application_id: int) -> str:
    found = _proposal(proposal_id)
    panel = next((p for p in found.panels if p["application_id"] == application_id), None)
    if panel is None:
        abort(404)
    eligible, blocked = proposals.candidates(db.session(), found, application_id)
    return render_template("review/candidates.html", proposal=found, panel=panel, eligible=eligible, blocked=blocked,
                           confirmed=application_id in proposals.confirmed_ids(found))


@bp.post("/panels/<int:proposal_id>/applications/<int:application_id>/swap")
@role_required(*OFFICERS)
def swap(proposal_id: int, application_id: int) -> Response:
    out_id, in_id = request.form.get("out", type=bounded_int), request.form.get("in", type=bounded_int)
    back = redirect(url_for("review.candidates", proposal_id=proposal_id, application_id=application_id))
    if out_id is None or in_id is None:
        flash("请选择要换下的专家和替换的专家", "danger")
        return back
    try:
        with command() as session:
            proposals.swap(session, proposal_id, application_id, out_id, in_id, me().id)
    except FormInvalid as e:
        flash_invalid(e)
        return back
    except Conflict as e:
        flash(str(e), "danger")
        return back
    flash("已替换专家", "info")
    return redirect(url_for("review.proposal", proposal_id=proposal_id) + f"#app-{application_id}")


@bp.post("/panels/<int:proposal_id>/confirm")
@role_required(*OFFICERS)
def confirm(proposal_id: int) -> Response:
    _proposal(proposal_id)
    try:
        confirmed, failed = proposals.confirm(db.services().runtime, proposal_id, [], me().id)
    except Conflict as e:
        flash(str(e), "danger")
        return redirect(url_for("review.proposal", proposal_id=proposal_id))
    if confirmed:
        flash(f"已确认 {len(confirmed)} 项申报的评审专家，专家待办中已出现评审任务", "info")
    if failed:
        flash(f"{len(failed)} 项申报未能确认，原因见下方", "danger")
    return redirect(url_for("review.proposal", proposal_id=proposal_id))
