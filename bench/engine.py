"""Engine benchmark: cost of starting and completing tasks, and bytes stored per instance.

Runs on SQLite and PostgreSQL (a throw-away server on loopback), for a linear chain of N user
tasks (N = 10, 50, 200) and for the whole T4 lifecycle, once with Rootball's state store (state
without spec, spec parsed once per version) and once with a baseline that stores the whole
serialized workflow, spec included, on every save and parses it back on every load.

    python -m bench.engine [--backends sqlite,postgresql] [--sizes 10,50,200] [--repeat 3]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from bench.chain import chain_bpmn
from engine import repository, serialization
from engine.db import make_engine, make_sessionmaker
from engine.models import HumanTask, ProcessInstance, User
from engine.runtime import Runtime, StateStore
from engine.sandbox import RestrictedEnvironment
from engine.sandbox.environment import safe_builtins
from engine.sandbox.helpers import HELPERS
from engine.seed import ensure_calls, ensure_users, init


class FullStateStore(StateStore):
    """Baseline: the stock serializer, spec embedded in every save and rebuilt on every load."""

    def dump(self, workflow: BpmnWorkflow) -> str:
        return serialization.dump_full(workflow)

    def load(self, session: Session, instance: ProcessInstance) -> BpmnWorkflow:
        return serialization.load_full(instance.state_json)


STORES: dict[str, Callable[[], StateStore]] = {"rootball": StateStore, "baseline": FullStateStore}


@dataclass
class Figures:
    """One measured row."""

    backend: str
    case: str
    store: str
    start_ms: float
    median_ms: float
    p95_ms: float
    bytes_per_instance: int
    mid_bytes: int = 0
    state_ms: float = 0.0

    def line(self) -> str:
        mid = (f"   halfway: stored {self.mid_bytes:9,d} B, state load+save {self.state_ms:6.2f} ms"
               if self.mid_bytes else "")
        return (f"{self.backend:10} {self.case:12} {self.store:9} start {self.start_ms:8.2f} ms   "
                f"completion median {self.median_ms:8.2f} ms  p95 {self.p95_ms:8.2f} ms   "
                f"stored {self.bytes_per_instance:9,d} B{mid}")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


@contextmanager
def database(backend: str) -> Iterator[Engine]:
    """A freshly initialized database of the given kind."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            eng = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
            _prepare(eng)
            yield eng
            eng.dispose()
        return
    from tests.pg import postgres_server

    with postgres_server() as base:
        admin = make_engine(f"{base}/postgres")
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("CREATE DATABASE bench"))
        admin.dispose()
        eng = make_engine(f"{base}/bench")
        _prepare(eng)
        yield eng
        eng.dispose()


def _prepare(eng: Engine) -> None:
    init(eng)
    with make_sessionmaker(eng).begin() as session:
        ensure_users(session, "bench-password")
        ensure_calls(session, datetime(2024, 1, 1, tzinfo=UTC), datetime(2030, 12, 31, tzinfo=UTC))


def _stored_bytes(runtime: Runtime, instance_id: int) -> int:
    with runtime.sessions() as session:
        instance = session.get(ProcessInstance, instance_id)
        assert instance is not None
        return len(instance.state_json.encode())


def bench_chain(eng: Engine, backend: str, n: int, store: str, repeat: int) -> Figures:
    """Start and complete a chain of n tasks `repeat` times."""
    runtime = Runtime(make_sessionmaker(eng), STORES[store]())
    key, data = chain_bpmn(n, f"chain_{n}")
    with runtime.sessions.begin() as session:
        repository.deploy(session, {f"{key}.bpmn": data}, fill_from_library=False)
        officer = session.scalar(select(User.id).where(User.username == "officer"))
    assert officer is not None
    starts, completions, sizes = [], [], []
    mid_bytes, state_ms = 0, 0.0
    for attempt in range(repeat):
        t0 = time.perf_counter()
        instance_id = runtime.start_instance(key, {"application_title": "benchmark"})
        starts.append(time.perf_counter() - t0)
        for done in range(n):
            if attempt == 0 and done == n // 2:
                mid_bytes, state_ms = _stored_bytes(runtime, instance_id), _state_io(runtime, instance_id)
            with runtime.sessions() as session:
                row = session.scalar(select(HumanTask.id).where(HumanTask.instance_id == instance_id,
                                                                HumanTask.state == "open"))
            assert row is not None
            t0 = time.perf_counter()
            runtime.complete_task(row, {"rectification_report": "完成"}, officer)
            completions.append(time.perf_counter() - t0)
        sizes.append(_stored_bytes(runtime, instance_id))
    return Figures(backend, f"chain N={n}", store, statistics.median(starts) * 1e3,
                   statistics.median(completions) * 1e3, p95(completions) * 1e3, max(sizes), mid_bytes, state_ms)


def _state_io(runtime: Runtime, instance_id: int, rounds: int = 20) -> float:
    """Median ms to restore an instance's workflow from its row and serialize it back (no database I/O)."""
    timings = []
    with runtime.sessions() as session:
        instance = session.get(ProcessInstance, instance_id)
        assert instance is not None
        for _ in range(rounds):
            t0 = time.perf_counter()
            runtime.store.dump(runtime.store.load(session, instance))
            timings.append(time.perf_counter() - t0)
    return statistics.median(timings) * 1e3


def bench_t4(eng: Engine, backend: str, store: str, repeat: int) -> Figures:
    """The whole T4 lifecycle, application to acceptance, timers moved by time travel."""
    from engine.lifecycle import play_t4_happy_path

    runtime = Runtime(make_sessionmaker(eng), STORES[store]())
    starts, completions, sizes = [], [], []
    for _ in range(repeat):
        timing = play_t4_happy_path(runtime)
        starts.append(timing.start)
        completions += timing.completions
        sizes.append(_stored_bytes(runtime, timing.instance_id))
    return Figures(backend, "T4 lifecycle", store, statistics.median(starts) * 1e3,
                   statistics.median(completions) * 1e3, p95(completions) * 1e3, max(sizes))


class Stopwatch:
    """Adds up the time an environment spends in process code."""

    def __init__(self) -> None:
        self.spent = 0.0
        self.calls = 0

    def around(self, run: Callable[[], Any]) -> Any:
        t0 = time.perf_counter()
        try:
            return run()
        finally:
            self.spent += time.perf_counter() - t0
            self.calls += 1


def _timed(base: type[TaskDataEnvironment], watch: Stopwatch, *args: Any) -> PythonScriptEngine:
    class Timed(base):  # type: ignore[misc, valid-type]
        def evaluate(self, expression: str, context: dict[str, Any], external_context: Any = None) -> Any:
            return watch.around(lambda: super(Timed, self).evaluate(expression, context, external_context))

        def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> Any:
            return watch.around(lambda: super(Timed, self).execute(script, context, external_context))

    return PythonScriptEngine(environment=Timed(*args))


def bench_sandbox(eng: Engine, backend: str) -> None:
    """What checking and budgeting process code costs per completion of the T4 lifecycle.

    The same lifecycle runs once in the sandbox and once with SpiffWorkflow's own environment
    (same builtins and helpers, no check, no rewrite, no budget); the time spent inside process
    code is added up for both, so the difference is the sandbox's own cost.
    """
    from engine.lifecycle import play_t4_happy_path

    spent = {}
    for name, base, args in (("sandbox", RestrictedEnvironment, ()),
                             ("unguarded", TaskDataEnvironment, ({"__builtins__": safe_builtins(), **HELPERS},))):
        watch = Stopwatch()
        timing = play_t4_happy_path(Runtime(make_sessionmaker(eng), StateStore(), _timed(base, watch, *args)))
        steps = len(timing.completions) + 1  # the start runs process code too
        spent[name] = (watch.spent / steps * 1e3, watch.calls / steps, (sum(timing.completions) + timing.start)
                       / steps * 1e3)
    (ours, evaluations, total), (plain, _, _) = spent["sandbox"], spent["unguarded"]
    print(f"{backend:10} sandbox: process code {ours:.3f} ms per completion ({evaluations:.1f} evaluations) vs "
          f"{plain:.3f} ms unguarded; the check and the budget cost {ours - plain:.3f} ms = "
          f"{(ours - plain) / total * 100:.2f} % of a {total:.1f} ms completion (aim < 5 %)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--sizes", default="10,50,200")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    for backend in args.backends.split(","):
        with database(backend) as eng:
            rows = []
            for n in sizes:
                for store in STORES:
                    rows.append(bench_chain(eng, backend, n, store, args.repeat))
                    print(rows[-1].line(), flush=True)
            for store in STORES:
                rows.append(bench_t4(eng, backend, store, args.repeat))
                print(rows[-1].line(), flush=True)
            summarize(backend, rows, sizes)
            bench_sandbox(eng, backend)


def summarize(backend: str, rows: list[Figures], sizes: list[int]) -> None:
    """The two ratios the engine aims for."""
    by = {(r.case, r.store): r for r in rows}
    small, large = f"chain N={sizes[0]}", f"chain N={sizes[-1]}"
    ours_growth = by[(large, "rootball")].median_ms / by[(small, "rootball")].median_ms
    speedup = by[(large, "baseline")].median_ms / by[(large, "rootball")].median_ms
    state = by[(large, "baseline")].state_ms / by[(large, "rootball")].state_ms
    print(f"{backend:10} per-completion cost N={sizes[-1]} / N={sizes[0]}: {ours_growth:.2f}x (aim ≤ 2x); "
          f"baseline / rootball at N={sizes[-1]}: {speedup:.1f}x per completion (aim ≥ 5x), "
          f"{state:.1f}x for the state load+save alone", flush=True)


if __name__ == "__main__":
    main()
