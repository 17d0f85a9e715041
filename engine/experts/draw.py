"""One draw: screen every application against the library, solve, and explain each panel in Chinese."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import numpy as np

from engine.experts.conflicts import Screen
from engine.experts.matcher import Want, fit_levels, solve
from engine.experts.pool import Applicant, Expert

FIT_LABELS = {"primary": "主要领域", "secondary": "兼顾领域"}


@dataclass
class Seat:
    """An expert on a proposed panel, and why."""

    user_id: int
    name: str
    organization: str
    city: str
    fields: list[str]
    fit: str | None
    reasons: list[str]
    used: int  # reviews already assigned this year when drawn
    cap: int


@dataclass
class Panel:
    """The experts proposed for one application, and what could not be met."""

    application_id: int
    title: str
    field: str
    seats: int
    quota: int
    experts: list[Seat]
    unmet: str | None
    excluded: int  # experts of the library screened out by the conflict rules


@dataclass
class Draw:
    """Every panel of one draw with the load it gives each expert."""

    seed: int
    panels: list[Panel]
    load: dict[int, int] = field(default_factory=dict)  # panels of this draw per expert
    year_load: dict[int, int] = field(default_factory=dict)  # with the reviews already assigned this year
    digest: str = ""


@dataclass(frozen=True)
class Request:
    """An application of the draw with its seats and field quota (replacements ask for fewer)."""

    applicant: Applicant
    seats: int
    quota: int


def seat(expert: Expert, field_name: str, proposed_load: int) -> Seat:
    """An expert as proposed for an application of `field_name`, with the reasons shown to the officer."""
    fit = expert.fit(field_name)
    reasons = [f"{FIT_LABELS[fit]}：{field_name}" if fit else f"非“{field_name or '未填'}”领域，用于补足人数",
               "与申报单位及团队成员无回避关系",
               f"本年度评审 {expert.used + proposed_load}/{expert.yearly_cap} 项（含本次）"]
    return Seat(expert.user_id, expert.label, expert.organization, expert.city, list(expert.fields), fit, reasons,
                expert.used, expert.yearly_cap)


def run(requests: list[Request], experts: list[Expert], screen: Screen, seed: int) -> Draw:
    """Screen, solve and explain."""
    index = {e.user_id: j for j, e in enumerate(experts)}
    allowed = np.ones((len(requests), len(experts)), dtype=bool)
    excluded_counts = []
    for i, request in enumerate(requests):
        excluded = screen.exclusions(request.applicant)
        excluded_counts.append(len(excluded))
        blocked = [index[e] for e in (set(excluded) | request.applicant.seated) if e in index]
        allowed[i, blocked] = False
    wants = [Want(r.applicant.application_id, r.applicant.field, r.seats, r.quota) for r in requests]
    chosen = solve(wants, experts, allowed, seed)
    load: dict[int, int] = {}
    for panel in chosen:
        for j in panel:
            load[experts[j].user_id] = load.get(experts[j].user_id, 0) + 1
    levels = fit_levels(wants, experts) if experts and wants else None
    panels = []
    for i, (request, panel) in enumerate(zip(requests, chosen, strict=True)):
        app = request.applicant
        seats = [seat(experts[j], app.field, load[experts[j].user_id]) for j in panel]
        unmet = explain(request, allowed[i], levels[i] if levels is not None else None, experts, seats)
        panels.append(Panel(app.application_id, app.title, app.field, request.seats, request.quota, seats, unmet,
                            excluded_counts[i]))
    year_load = {e.user_id: e.used + load[e.user_id] for e in experts if e.user_id in load}
    return Draw(seed, panels, load, year_load, digest(requests, experts, screen))


def explain(request: Request, allowed: np.ndarray, levels: np.ndarray | None, experts: list[Expert],
            seats: list[Seat]) -> str | None:
    """Why a panel is short of experts or of experts of its field, or None when it is not."""
    app = request.applicant
    name = app.field or "未填"
    notes = []
    if len(seats) < request.seats:
        free = [j for j in np.flatnonzero(allowed)]
        roomy = [j for j in free if experts[j].room > 0]
        if len(free) < request.seats:
            why = f"专家库中仅有 {len(free)} 名无回避专家"
        elif len(roomy) < request.seats:
            why = f"{len(free)} 名无回避专家中仅 {len(roomy)} 名本年度尚有评审余量"
        else:
            why = "无回避且有余量的专家已分派给本批次其他申报"
        notes.append(f"需 {request.seats} 名评审专家，只配到 {len(seats)} 名：{why}")
    in_field = sum(1 for s in seats if s.fit)
    if in_field < min(request.quota, len(seats) or request.quota):
        field_free = [j for j in np.flatnonzero(allowed) if levels is not None and levels[j] < 2]
        field_roomy = [j for j in field_free if experts[j].room > 0]
        if len(field_free) < request.quota:
            why = f"{name}领域仅有 {len(field_free)} 名无回避专家"
        elif len(field_roomy) < request.quota:
            why = f"{name}领域 {len(field_free)} 名无回避专家中仅 {len(field_roomy)} 名本年度尚有评审余量"
        else:
            why = f"{name}领域的专家已分派给本批次其他同领域申报"
        notes.append(f"本领域专家要求 {request.quota} 名，已放宽为 {in_field} 名：{why}")
    return "；".join(notes) or None


def digest(requests: list[Request], experts: list[Expert], screen: Screen) -> str:
    """SHA-256 of everything the draw depends on besides the seed."""
    payload = {
        "applications": [[r.applicant.application_id, r.applicant.field, r.applicant.city,
                          r.applicant.organization, [[m.name, m.institution, m.role] for m in r.applicant.team],
                          sorted(r.applicant.seated), r.seats, r.quota] for r in requests],
        "experts": [[e.user_id, e.label, e.organization, e.city, list(e.fields), e.yearly_cap, e.used]
                    for e in experts],
        "declared": {str(k): sorted(v) for k, v in sorted(screen.declared.items())},
        "rules": screen.rules.sha256, "avoid_same_city": screen.avoid_same_city,
    }
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()

