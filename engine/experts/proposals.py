"""Panel proposals of a call: drawn, stored as the officer saw them, swapped, and confirmed through the runtime."""
from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import audit
from engine.errors import Conflict, EngineError, FormInvalid, NotFound
from engine.experts import pool, rules
from engine.experts.conflicts import Screen
from engine.experts.draw import Draw, Panel, Request, run, seat
from engine.experts.pool import Applicant, Expert
from engine.models import Application, Call, HumanTask, PanelProposal, ProcessInstance, ReviewAssignment, utcnow

if TYPE_CHECKING:
    from engine.runtime import Runtime

ASSIGN_FORM = "expert_assignment"
REPLACE_FORM = "expert_replacement"
MAX_SEED = 2**31 - 1
STATE_LABELS = {"proposed": "待确认", "partial": "部分已确认", "confirmed": "已确认"}
STALE = "该申报已不在“遴选评审专家”环节（可能已由他人分派），请重新抽取"


@dataclass
class Candidate:
    """An expert of the library as a swap for one seat: eligible, or excluded with the reasons."""

    expert: Expert
    fit: str | None
    load: int  # panels of this proposal the expert already sits on
    reasons: list[str]


# -- reading what waits ---------------------------------------------------------------------------
def waiting_rows(session: Session, call_id: int) -> list[HumanTask]:
    """Open expert-assignment tasks of the call's applications, by application."""
    return list(session.scalars(
        select(HumanTask).join(Application, Application.id == HumanTask.application_id)
        .where(Application.call_id == call_id, HumanTask.form_key == ASSIGN_FORM, HumanTask.state == "open")
        .order_by(HumanTask.application_id, HumanTask.id)).all())


def task_values(session: Session, rows: list[HumanTask], key: str) -> dict[int, Any]:
    """A value of each open task's data (by row id), read from the stored states without restoring workflows."""
    states = dict(session.execute(select(ProcessInstance.id, ProcessInstance.state_json).where(
        ProcessInstance.id.in_({r.instance_id for r in rows}))).tuples().all())
    found: dict[int, Any] = {}
    for row in rows:
        state = json.loads(states.get(row.instance_id) or "{}")
        for tasks in [state.get("tasks", {}), *(sp.get("tasks", {}) for sp in state.get("subprocesses", {}).values())]:
            task = tasks.get(row.task_guid)
            if task is not None:
                found[row.id] = (task.get("data") or {}).get(key)
    return found


def seats_of(session: Session, rows: list[HumanTask], call: Call) -> dict[int, int]:
    """Experts each application's panel needs, by application: the number it started with (a changed call
    setting applies to later applications only)."""
    counts = task_values(session, rows, "expert_count")
    return {r.application_id or 0: value if isinstance(value := counts.get(r.id), int) and value > 0
            else call.expert_count for r in rows}


def _screen(session: Session, experts: list[Expert], avoid_same_city: bool) -> Screen:
    return Screen(experts, rules.load(session), pool.declared(session), avoid_same_city)


# -- drawing --------------------------------------------------------------------------------------
def draw_for_call(session: Session, call: Call, application_ids: list[int] | None, seed: int) -> Draw:
    """Panels for the call's applications waiting for experts (all of them when none are named)."""
    rows = {r.application_id: r for r in waiting_rows(session, call.id) if r.application_id is not None}
    wanted = sorted(set(application_ids)) if application_ids else sorted(rows)
    strangers = [a for a in wanted if a not in rows]
    if strangers:
        listed = "、".join(str(a) for a in strangers)
        raise FormInvalid({"application_ids": [f"申报 {listed} 不属于本批次，或不在“遴选评审专家”环节"]})
    if not wanted:
        raise FormInvalid({"application_ids": ["本批次没有等待遴选评审专家的申报"]})
    seats = seats_of(session, [rows[a] for a in wanted], call)
    requests = [Request(app, seats[app.application_id], min(call.field_quota, seats[app.application_id]))
                for app in pool.applicants(session, wanted)]
    experts = pool.library(session)
    return run(requests, experts, _screen(session, experts, call.avoid_same_city), seed)


def propose(session: Session, call_id: int, application_ids: list[int] | None, seed: int | None,
            actor_id: int) -> PanelProposal:
    """Draw and store a proposal; a seed not given is chosen at random (and recorded)."""
    call = session.get(Call, call_id)
    if call is None:
        raise NotFound(f"申报批次 {call_id} 不存在")
    seed = secrets.randbelow(MAX_SEED + 1) if seed is None else seed
    drawn = draw_for_call(session, call, application_ids, seed)
    proposal = PanelProposal(
        call_id=call.id, seed=seed, expert_count=call.expert_count, field_quota=call.field_quota,
        avoid_same_city=call.avoid_same_city, inputs_digest=drawn.digest,
        panels=[asdict(p) for p in drawn.panels], swaps=[], state="proposed", created_by=actor_id,
        created_at=utcnow())
    session.add(proposal)
    session.flush()
    audit.record(session, "panels_proposed", actor_id=actor_id, data={
        "proposal_id": proposal.id, "call_id": call.id, "seed": seed, "digest": drawn.digest,
        "applications": [p.application_id for p in drawn.panels],
        "unmet": [p.application_id for p in drawn.panels if p.unmet]})
    return proposal


def loads(proposal: PanelProposal) -> dict[int, int]:
    """Panels of the proposal per expert."""
    found: dict[int, int] = {}
    for panel in proposal.panels:
        for s in panel["experts"]:
            found[s["user_id"]] = found.get(s["user_id"], 0) + 1
    return found


def get(session: Session, proposal_id: int) -> PanelProposal:
    proposal = session.get(PanelProposal, proposal_id)
    if proposal is None:
        raise NotFound(f"专家抽取方案 {proposal_id} 不存在")
    return proposal


def _panel(proposal: PanelProposal, application_id: int) -> dict[str, Any]:
    for panel in proposal.panels:
        if panel["application_id"] == application_id:
            return dict(panel)
    raise NotFound(f"方案 {proposal.id} 中没有申报 {application_id}")


def confirmed_ids(proposal: PanelProposal) -> set[int]:
    return set((proposal.outcome or {}).get("confirmed", []))


# -- swapping -------------------------------------------------------------------------------------
def candidates(session: Session, proposal: PanelProposal, application_id: int) -> tuple[list[Candidate],
                                                                                        list[Candidate]]:
    """(eligible, excluded) experts for a seat of one application of the proposal, best first."""
    panel = _panel(proposal, application_id)
    applicant = _applicant(session, application_id)
    experts = pool.library(session)
    excluded = _screen(session, experts, proposal.avoid_same_city).exclusions(applicant)
    load = loads(proposal)
    on_panel = {s["user_id"] for s in panel["experts"]}
    eligible, blocked = [], []
    for e in experts:
        if e.user_id in on_panel:
            continue
        taken = load.get(e.user_id, 0)
        fit = e.fit(applicant.field)
        if e.user_id in excluded:
            blocked.append(Candidate(e, fit, taken, excluded[e.user_id]))
        elif e.user_id in applicant.seated:
            blocked.append(Candidate(e, fit, taken, ["已在本申报的评审组中（含已声明回避的专家）"]))
        elif e.used + taken >= e.yearly_cap:
            full = f"本年度评审任务已满（{e.used + taken}/{e.yearly_cap}，含本方案）"
            blocked.append(Candidate(e, fit, taken, [full]))
        else:
            eligible.append(Candidate(e, fit, taken, seat(e, applicant.field, taken + 1).reasons))
    rank = {"primary": 0, "secondary": 1, None: 2}
    eligible.sort(key=lambda c: (rank[c.fit], c.expert.used + c.load, c.expert.user_id))
    blocked.sort(key=lambda c: c.expert.user_id)
    return eligible, blocked


def _applicant(session: Session, application_id: int) -> Applicant:
    found = pool.applicants(session, [application_id])
    if not found:
        raise NotFound(f"申报 {application_id} 不存在")
    return found[0]


def swap(session: Session, proposal_id: int, application_id: int, out_id: int, in_id: int,
         actor_id: int) -> PanelProposal:
    """Put expert `in_id` on an application's proposed panel instead of `out_id`."""
    proposal = get(session, proposal_id)
    if proposal.state == "confirmed" or application_id in confirmed_ids(proposal):
        raise Conflict("该申报的评审专家已确认，不能再替换")
    panel = _panel(proposal, application_id)
    if out_id not in {s["user_id"] for s in panel["experts"]}:
        raise FormInvalid({"out": ["该专家不在本申报的拟选名单中"]})
    eligible, blocked = candidates(session, proposal, application_id)
    chosen = next((c for c in eligible if c.expert.user_id == in_id), None)
    if chosen is None:
        why = next((c.reasons for c in blocked if c.expert.user_id == in_id), None)
        text = "不能选择该专家：" + "；".join(why) if why else "该专家不在专家库中或已在拟选名单中"
        raise FormInvalid({"in": [text]})
    replaced = asdict(seat(chosen.expert, panel["field"], chosen.load + 1))
    replaced["reasons"].append("由经办人替换选定")
    panel["experts"] = [replaced if s["user_id"] == out_id else s for s in panel["experts"]]
    proposal.panels = [panel if p["application_id"] == application_id else p for p in proposal.panels]
    entry = {"application_id": application_id, "out": out_id, "in": in_id, "by": actor_id, "at": utcnow().isoformat()}
    proposal.swaps = [*proposal.swaps, entry]
    audit.record(session, "panel_swapped", actor_id=actor_id, application_id=application_id,
                 data={"proposal_id": proposal.id, "out": out_id, "in": in_id})
    return proposal


# -- confirming -----------------------------------------------------------------------------------
def message(error: EngineError) -> str:
    """An engine error as one line for the officer."""
    if isinstance(error, FormInvalid):
        texts = [str(m) for messages in error.errors.values()
                 for m in (messages if isinstance(messages, list) else [messages])]
        return "；".join(texts) or str(error)
    return str(error)


def confirm(runtime: Runtime, proposal_id: int, swaps: list[dict[str, int]], actor_id: int
            ) -> tuple[list[int], list[dict[str, Any]]]:
    """Apply swaps, then complete each application's assignment task with its panel, one transaction each.

    Returns (confirmed application ids, [{application_id, error}]); one failure leaves the others done.
    """
    with runtime.sessions() as session:
        if get(session, proposal_id).state == "confirmed":
            raise Conflict("该方案已全部确认")
    failed: dict[int, str] = {}
    for s in swaps:
        try:
            with runtime.sessions.begin() as session:
                swap(session, proposal_id, s["application_id"], s["out"], s["in"], actor_id)
        except EngineError as e:
            failed[s["application_id"]] = f"替换未成功：{message(e)}"
    with runtime.sessions() as session:
        proposal = get(session, proposal_id)
        done_before, panels = confirmed_ids(proposal), list(proposal.panels)
    confirmed: list[int] = []
    for panel in panels:
        app_id = panel["application_id"]
        if app_id in done_before or app_id in failed:
            continue
        experts = [s["user_id"] for s in panel["experts"]]
        if len(experts) < panel["seats"]:
            failed[app_id] = f"评审专家不足，不能确认：{panel['unmet'] or '请先补足人数'}"
            continue
        try:
            _complete(runtime, app_id, experts, actor_id)
        except EngineError as e:
            failed[app_id] = message(e)
            continue
        confirmed.append(app_id)
    outcome = [{"application_id": a, "error": e} for a, e in failed.items()]
    with runtime.sessions.begin() as session:
        proposal = get(session, proposal_id)
        everything = sorted(done_before | set(confirmed))
        proposal.outcome = {"confirmed": everything, "failed": outcome}
        proposal.state = "confirmed" if len(everything) == len(proposal.panels) else "partial"
        proposal.confirmed_by, proposal.confirmed_at = actor_id, utcnow()
        audit.record(session, "panels_confirmed", actor_id=actor_id,
                     data={"proposal_id": proposal.id, "confirmed": confirmed, "failed": outcome})
    return confirmed, outcome


def _complete(runtime: Runtime, application_id: int, experts: list[int], actor_id: int) -> None:
    with runtime.sessions() as session:
        row = session.scalar(select(HumanTask).where(
            HumanTask.application_id == application_id, HumanTask.form_key == ASSIGN_FORM,
            HumanTask.state == "open").order_by(HumanTask.id.desc()).limit(1))
    if row is None:
        raise Conflict(STALE)
    runtime.complete_task(row.id, {"experts": experts}, actor_id)


# -- one application's form -----------------------------------------------------------------------
def exclusions(session: Session, app: Application) -> dict[int, list[str]]:
    """Library experts who must stand aside from `app`, with the reasons (the call's same-city setting applies)."""
    experts = pool.library(session)
    return _screen(session, experts, app.call.avoid_same_city).exclusions(_applicant(session, app.id))


def suggest(session: Session, app: Application, seats: int) -> Panel:
    """The best eligible experts for one application's assignment or replacement form, drawn the same way.

    The seed is the application's and its panel's size so far, so the page shows the same proposal
    until the panel changes.
    """
    applicant = _applicant(session, app.id)
    kept = session.scalars(select(ReviewAssignment.expert_id).where(
        ReviewAssignment.application_id == app.id, ReviewAssignment.conflict.isnot(True))).all()
    experts = pool.library(session)
    by_id = {e.user_id: e for e in experts}
    in_field = sum(1 for e in kept if e in by_id and by_id[e].fit(applicant.field))
    quota = max(min(app.call.field_quota - in_field, seats), 0)
    seed = (app.id * 7919 + len(applicant.seated)) % (MAX_SEED + 1)
    drawn = run([Request(applicant, seats, quota)], experts, _screen(session, experts, app.call.avoid_same_city),
                seed)
    return drawn.panels[0]
