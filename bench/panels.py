"""Panel drawing benchmark: the time to propose panels for a whole call.

For each size, a fresh database gets a generated library (three experts to an institution, half of
them in Guangxi) and a call of applications waiting for expert assignment whose teams work partly at
institutions of the library; then the draw runs as `POST /calls/{id}/panels` runs it (read the library
and applications, screen conflicts under the deployed table, solve the min-cost flow, explain), twice
with different seeds. Printed: the best of the runs in total and for the solver alone, the flow graph's
size, field coverage and the spread of load.

    python -m bench.panels [--backends sqlite,postgresql] [--sizes 100x300,500x1000,2000x3000] [--repeat 2]
"""
from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from typing import Any

from sqlalchemy import select

from bench.engine import database
from engine.experts import draw, matcher, proposals, synthetic
from engine.models import Call


def timed_solver() -> list[float]:
    """Time the solver alone from now on (the draw looks it up in its module); returns the timings."""
    timings: list[float] = []

    def solve(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return matcher.solve(*args, **kwargs)
        finally:
            timings.append(time.perf_counter() - started)

    draw.solve = solve  # type: ignore[assignment]
    return timings


def run(backend: str, applications: int, experts: int, repeat: int) -> dict[str, Any]:
    with database(backend) as eng:
        from engine.db import make_sessionmaker

        sessions = make_sessionmaker(eng)
        with sessions.begin() as session:
            library = synthetic.library(session, experts)
            call = session.scalars(select(Call).where(Call.track == "T1")).one()
            synthetic.applications(session, call, synthetic.applicant_id(session), applications, library.institutions)
        solver = timed_solver()
        totals = []
        try:
            for seed in range(repeat):
                with sessions() as session:
                    call = session.scalars(select(Call).where(Call.track == "T1")).one()
                    started = time.perf_counter()
                    drawn = proposals.draw_for_call(session, call, None, seed)
                    totals.append(time.perf_counter() - started)
        finally:
            draw.solve = matcher.solve
    seats = [len(p.experts) for p in drawn.panels]
    field = [sum(1 for s in p.experts if s.fit) for p in drawn.panels]
    load = Counter(drawn.load)
    counts = [load.get(u, 0) for u in library.user_ids]
    return {"total": min(totals), "solve": min(solver), "staffed": sum(1 for p in drawn.panels if p.unmet is None),
            "seats": sum(seats), "field_min": min(field), "field_mean": statistics.mean(field),
            "load_min": min(counts), "load_max": max(counts), "load_sd": statistics.pstdev(counts)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite")
    parser.add_argument("--sizes", default="100x300,500x1000,2000x3000", help="applications x experts, comma-separated")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    print(f"{'backend':<11}{'apps':>6}{'experts':>9}{'propose s':>11}{'solver s':>10}{'fully met':>11}"
          f"{'field experts/panel':>21}{'load min–max (sd)':>20}")
    for backend in args.backends.split(","):
        for size in args.sizes.split(","):
            apps, experts = (int(n) for n in size.split("x"))
            r = run(backend, apps, experts, args.repeat)
            print(f"{backend:<11}{apps:>6}{experts:>9}{r['total']:>11.2f}{r['solve']:>10.2f}"
                  f"{r['staffed']:>7}/{apps:<4}{r['field_min']:>10} min, {r['field_mean']:.2f} mean"
                  f"{r['load_min']:>8}–{r['load_max']} ({r['load_sd']:.2f})", flush=True)


if __name__ == "__main__":
    main()
