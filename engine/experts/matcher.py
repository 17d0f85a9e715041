"""Panels for many applications at once, as a minimum-cost flow (OR-Tools' SimpleMinCostFlow).

    source ─seats─▶ application ─quota (free) / rest (BIG)─▶ application's field node ─1─▶ field expert
                         └──────────────────────────────── BIG ─1─▶ other eligible expert
    expert ─1 per review left this year, the k-th at W·(used + k)─▶ sink

The flow is maximal first (every seat that can be filled is), then cheapest: BIG per seat beyond the
application's first `quota` field experts puts field coverage before everything else; the rising cost
of each further review of one expert (convex, so sum of squares) evens the load; a small cost prefers
experts whose primary field it is; and a seeded pseudo-random cost below every other step breaks ties,
so the same seed over the same inputs draws the same panels.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow

from engine.experts.pool import Expert

NOISE = 1 << 10  # tie-breaking costs are drawn from [0, NOISE)
FIT_COST = {"primary": 0, "secondary": NOISE, None: 2 * NOISE}
U64 = np.uint64


@dataclass(frozen=True)
class Want:
    """What one application asks of the draw: how many experts, of which at least `quota` of its field."""

    application_id: int
    field: str
    seats: int
    quota: int


class SolverFailed(RuntimeError):
    """The flow solver reported a status other than optimal (never expected on a well-formed graph)."""


def tie_breaks(seed: int, application_ids: NDArray[np.int64], expert_ids: NDArray[np.int64]) -> NDArray[np.int64]:
    """Seeded costs in [0, NOISE) per (application, expert), the same on every machine and library version.

    SplitMix64 over (seed, application, expert): a hash rather than a generator stream, so that a pair's
    cost does not depend on which other pairs the draw holds.
    """
    with np.errstate(over="ignore"):
        x = (U64(seed & 0xFFFFFFFFFFFFFFFF) * U64(0x9E3779B97F4A7C15)
             ^ application_ids.astype(U64) * U64(0xBF58476D1CE4E5B9)
             ^ expert_ids.astype(U64) * U64(0x94D049BB133111EB))
        x = x + U64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> U64(30))) * U64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> U64(27))) * U64(0x94D049BB133111EB)
        x = x ^ (x >> U64(31))
    return (x % U64(NOISE)).astype(np.int64)


def fit_levels(wants: Sequence[Want], experts: Sequence[Expert]) -> NDArray[np.int8]:
    """Per (application, expert): 0 the application's field is the expert's primary, 1 a secondary one, 2 neither."""
    fields = sorted({w.field for w in wants})
    index = {f: i for i, f in enumerate(fields)}
    by_field = np.full((len(experts), len(fields) + 1), 2, dtype=np.int8)
    for j, e in enumerate(experts):
        for position, f in enumerate(e.fields):
            if f in index and by_field[j, index[f]] == 2:
                by_field[j, index[f]] = 0 if position == 0 else 1
    columns = np.array([index[w.field] for w in wants], dtype=np.int64)
    levels: NDArray[np.int8] = by_field[:, columns].T
    return levels


def solve(wants: Sequence[Want], experts: Sequence[Expert], allowed: NDArray[np.bool_], seed: int) -> list[list[int]]:
    """Indexes into `experts` chosen for each of `wants`; `allowed[i, j]` says expert j may review application i."""
    n_apps, n_experts = allowed.shape
    if n_apps == 0 or n_experts == 0:
        return [[] for _ in wants]
    room = np.array([e.room for e in experts], dtype=np.int64)
    used = np.array([e.used for e in experts], dtype=np.int64)
    seats = np.array([w.seats for w in wants], dtype=np.int64)
    quota = np.minimum(np.array([w.quota for w in wants], dtype=np.int64), seats)
    allowed = allowed & (room > 0)[None, :]
    levels = fit_levels(wants, experts)
    w_step = 8 * 3 * NOISE * max(int(seats.max()), 1)
    big = w_step * (int((used + room).max()) + 2) * 2

    source, sink = 0, 1
    app_node = 2 + np.arange(n_apps, dtype=np.int64)
    field_node = 2 + n_apps + np.arange(n_apps, dtype=np.int64)
    expert_node = 2 + 2 * n_apps + np.arange(n_experts, dtype=np.int64)
    flow = min_cost_flow.SimpleMinCostFlow()

    def arcs(tails: NDArray[np.int64], heads: NDArray[np.int64], capacities: NDArray[np.int64],
             costs: NDArray[np.int64]) -> NDArray[np.int64]:
        keep = capacities > 0
        return np.asarray(flow.add_arcs_with_capacity_and_unit_cost(
            tails[keep], heads[keep], capacities[keep], costs[keep]))

    zeros = np.zeros(n_apps, dtype=np.int64)
    arcs(np.full(n_apps, source), app_node, seats, zeros)
    arcs(app_node, field_node, quota, zeros)
    arcs(app_node, field_node, seats - quota, np.full(n_apps, big))
    pairs_app, pairs_expert = np.nonzero(allowed)
    level = levels[pairs_app, pairs_expert]
    noise = tie_breaks(seed, np.array([w.application_id for w in wants], dtype=np.int64)[pairs_app],
                       np.array([e.user_id for e in experts], dtype=np.int64)[pairs_expert])
    fit_cost = np.array([FIT_COST["primary"], FIT_COST["secondary"], FIT_COST[None]], dtype=np.int64)[level]
    in_field = level < 2
    tails = np.where(in_field, field_node[pairs_app], app_node[pairs_app])
    costs = fit_cost + noise + np.where(in_field, 0, big)
    pair_arcs = arcs(tails, expert_node[pairs_expert], np.ones(len(pairs_app), dtype=np.int64), costs)
    # The k-th further review of an expert costs W·(used + k): never more units than they could be given.
    wanted_by = np.bincount(pairs_expert, minlength=n_experts)
    units = np.minimum(room, wanted_by)
    expert_of_unit = np.repeat(np.arange(n_experts, dtype=np.int64), units)
    k = np.arange(len(expert_of_unit), dtype=np.int64) - np.repeat(np.cumsum(units) - units, units) + 1
    arcs(expert_node[expert_of_unit], np.full(len(expert_of_unit), sink), np.ones(len(expert_of_unit), dtype=np.int64),
         w_step * (used[expert_of_unit] + k))
    total = int(seats.sum())
    flow.set_node_supply(source, total)
    flow.set_node_supply(sink, -total)
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise SolverFailed(f"min-cost flow status {status}")
    taken = np.asarray(flow.flows(pair_arcs)) > 0
    chosen: list[list[int]] = [[] for _ in wants]
    for i, j in zip(pairs_app[taken].tolist(), pairs_expert[taken].tolist(), strict=True):
        chosen[i].append(j)
    return [_field_first(panel, levels[i], experts) for i, panel in enumerate(chosen)]


def _field_first(panel: list[int], levels: NDArray[np.int8], experts: Sequence[Expert]) -> list[int]:
    return sorted(panel, key=lambda j: (int(levels[j]), experts[j].user_id))
