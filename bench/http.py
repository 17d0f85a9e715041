"""HTTP benchmark: the inbox and task completions under 1–16 concurrent clients, gunicorn on PostgreSQL.

Starts its own PostgreSQL (on loopback, fsync off), seeds `--tasks` open tasks (see
`bench.inbox_volume`), serves the app with `rootball serve --workers N` and drives it with a
bounded number of client threads, each on its own keep-alive-capable connection, for `--seconds`
per measurement. Measured, each at every client count:

- the API inbox as the officer: `scope=mine` and `scope=group`, the first page and a later page
  (reached by following the `Link` headers);
- the web inbox page (可领取, signed in with a session cookie);
- task completions through the API (`POST /tasks/{id}/complete`), each client on its own instances.

It prints p50/p95/p99 latency, requests per second, the mean response size and the load average
before and after. Client and server share the machine: read the figures with its load in mind.
Ctrl-C (or SIGTERM) stops gunicorn and PostgreSQL before exiting.

    python -m bench.http [--tasks 10000] [--workers 4] [--clients 1,2,4,8,16] [--seconds 3]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from sqlalchemy import Engine, text

from bench.engine import database
from bench.inbox_volume import CHAIN, populate
from engine.db import make_sessionmaker

PASSWORD = "bench-password"  # set by bench.engine.database
ROOTBALL = str(Path(sys.executable).parent / "rootball")
LATER_PAGE = 20  # "a later page": the 20th, reached by following the Link headers


class Client:
    """One client: a connection to the server (reopened when the server closes it) and a cookie."""

    def __init__(self, base: str, token: str | None = None, cookie: str | None = None):
        url = urlsplit(base)
        self.conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port or 80, timeout=120)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        if cookie:
            self.headers["Cookie"] = cookie

    def request(self, method: str, path: str, body: Any = None, form: dict[str, str] | None = None
                ) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body of one request."""
        headers = dict(self.headers)
        payload: bytes | None = None
        if body is not None:
            payload, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        elif form is not None:
            payload, headers["Content-Type"] = urlencode(form).encode(), "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=payload, headers=headers)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            self.conn.close()  # a worker closed an idle kept-alive connection: once more on a fresh one
            self.conn.request(method, path, body=payload, headers=headers)
            response = self.conn.getresponse()
        data = response.read()
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    def close(self) -> None:
        self.conn.close()


@dataclass
class Run:
    """One measurement: a scenario at a number of clients."""

    scenario: str
    clients: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    failed: int = 0
    errors: list[str] = field(default_factory=list)  # the first few
    lock: threading.RLock = field(default_factory=threading.RLock)

    def record(self, started: float, status: int, size: int, ok: set[int], what: str) -> None:
        elapsed = time.perf_counter() - started
        with self.lock:
            self.latencies.append(elapsed)
            self.sizes.append(size)
            if status not in ok:
                self.error(f"{what}: HTTP {status}")

    def error(self, text: str) -> None:
        with self.lock:
            self.failed += 1
            if len(self.errors) < 3:
                self.errors.append(text)

    def line(self) -> str:
        if not self.latencies:
            return f"{self.scenario:26} {self.clients:3d} clients   no requests {'; '.join(self.errors)}"
        ms = sorted(x * 1000 for x in self.latencies)
        failed = f"   {self.failed} failed ({'; '.join(self.errors)})" if self.failed else ""
        return (f"{self.scenario:26} {self.clients:3d} clients {len(ms):6d} req {len(ms) / self.seconds:8.1f} req/s"
                f"   p50 {_pct(ms, 50):7.1f}  p95 {_pct(ms, 95):7.1f}  p99 {_pct(ms, 99):7.1f} ms"
                f"   {statistics.fmean(self.sizes):9,.0f} B{failed}")


def _pct(ordered: list[float], p: int) -> float:
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def drive(run: Run, seconds: float, work: Callable[[int, Run, threading.Event], None]) -> Run:
    """Run `work(client number, run, stop)` in `run.clients` threads for `seconds`."""
    stop = threading.Event()
    threads = [threading.Thread(target=work, args=(n, run, stop), daemon=True) for n in range(run.clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    try:
        while time.perf_counter() < started + seconds:
            time.sleep(0.05)
    finally:  # also on Ctrl-C: let the clients finish their request while the server is still up
        stop.set()
        for t in threads:
            while t.is_alive():
                t.join(0.1)
    run.seconds = time.perf_counter() - started
    return run


def _timed(run: Run, client: Client, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
    """One request, its latency and size recorded; a broken connection counts as a failure (status 0)."""
    started = time.perf_counter()
    try:
        status, _headers, data = client.request(method, path, body)
    except (OSError, http.client.HTTPException) as e:
        run.error(f"{method} {path}: {type(e).__name__}")
        client.close()
        return 0, b""
    run.record(started, status, len(data), {200}, f"{method} {path}")
    return status, data


def getter(base: str, path: str, **auth: str) -> Callable[[int, Run, threading.Event], None]:
    """Clients that GET `path` over and over."""
    def work(_n: int, run: Run, stop: threading.Event) -> None:
        client = Client(base, **auth)
        try:
            while not stop.is_set():
                _timed(run, client, "GET", path)
        finally:
            client.close()
    return work


def completer(base: str, token: str, pool: queue.Queue[int]) -> Callable[[int, Run, threading.Event], None]:
    """Clients that complete chain tasks, each following its own instance to the next task."""
    def work(_n: int, run: Run, stop: threading.Event) -> None:
        client = Client(base, token=token)
        task: int | None = None
        try:
            while not stop.is_set():
                if task is None:
                    try:
                        task = pool.get_nowait()
                    except queue.Empty:
                        run.error("completion pool used up: raise --pool or lower --seconds")
                        return
                status, body = _timed(run, client, "POST", f"/api/v1/tasks/{task}/complete",
                                      {"data": {"rectification_report": "已完成"}})
                following = json.loads(body).get("next", []) if status == 200 else []
                task = following[0]["id"] if following else None
        finally:
            client.close()
    return work


def later_page(base: str, token: str, path: str, pages: int) -> tuple[str, int]:
    """The path of the `pages`-th page (or the last one there is) by following the Link headers."""
    client = Client(base, token=token)
    reached = 1
    try:
        while reached < pages:
            _status, headers, _body = client.request("GET", path)
            link = re.fullmatch(r'<([^>]+)>; rel="next"', headers.get("link", ""))
            if not link:
                break
            url = urlsplit(link.group(1))
            path, reached = f"{url.path}?{url.query}", reached + 1
    finally:
        client.close()
    return path, reached


def api_token(base: str) -> str:
    status, _headers, body = Client(base).request("POST", "/api/v1/auth/token",
                                                  body={"username": "officer", "password": PASSWORD})
    assert status == 200, body
    token: str = json.loads(body)["token"]
    return token


def web_cookie(base: str) -> str:
    """A signed-in session cookie for the officer (through the login form and its CSRF token)."""
    client = Client(base)
    _status, headers, body = client.request("GET", "/login")
    cookie = SimpleCookie(headers.get("set-cookie", ""))
    csrf = re.search(rb'name="csrf_token" value="([^"]+)"', body)
    assert csrf, "no CSRF token on the login page"
    client.headers["Cookie"] = "; ".join(f"{k}={m.value}" for k, m in cookie.items())
    status, headers, _body = client.request("POST", "/login", form={
        "username": "officer", "password": PASSWORD, "csrf_token": csrf.group(1).decode()})
    assert status == 302, f"login failed: {status}"
    cookie.load(headers.get("set-cookie", ""))
    client.close()
    return "; ".join(f"{k}={m.value}" for k, m in cookie.items())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def gunicorn(eng: Engine, workers: int) -> Iterator[str]:
    """`rootball serve` on a free loopback port in its own process group; yields the base URL; stops it."""
    port = _free_port()
    env = {**os.environ, "ROOTBALL_DATABASE_URL": eng.url.render_as_string(hide_password=False),
           "ROOTBALL_SECRET_KEY": secrets.token_hex(32)}
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen([ROOTBALL, "serve", "--host", "127.0.0.1", "--port", str(port),
                                   "--workers", str(workers)], env=env, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
        try:
            _wait_for(port, server, log)
            yield f"http://127.0.0.1:{port}"
        finally:
            _stop(server)


def _wait_for(port: int, server: subprocess.Popen[bytes], log: Any) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"gunicorn exited:\n{log.read().decode(errors='replace')[-3000:]}")
        try:
            status, _h, _b = Client(f"http://127.0.0.1:{port}").request("GET", "/login")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 60 s")


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=30)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def seed(eng: Engine, tasks: int, pool: int) -> list[int]:
    """Seed and analyze; returns the completion pool's first tasks."""
    started = time.perf_counter()
    volume = populate(make_sessionmaker(eng), tasks, pool, random.Random(13))
    with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    print(f"seeded {tasks:,d} open tasks and {pool} instances of a {CHAIN}-task chain "
          f"in {time.perf_counter() - started:.1f} s", flush=True)
    return volume.pool


def measure(base: str, pool_tasks: list[int], levels: list[int], seconds: float) -> None:
    token, cookie = api_token(base), web_cookie(base)
    scenarios: list[tuple[str, Callable[[int, Run, threading.Event], None]]] = []
    for scope in ("mine", "group"):
        first = f"/api/v1/tasks?scope={scope}"
        later, reached = later_page(base, token, first, LATER_PAGE)
        scenarios += [(f"api {scope} page 1", getter(base, first, token=token)),
                      (f"api {scope} page {reached}", getter(base, later, token=token))]
    scenarios.append(("web 可领取 page 1", getter(base, "/tasks/?tab=group", cookie=cookie)))
    pool: queue.Queue[int] = queue.Queue()
    for task in pool_tasks:
        pool.put(task)
    scenarios.append(("api complete task", completer(base, token, pool)))
    for name, work in scenarios:
        drive(Run(name, max(levels)), min(1.0, seconds), work)  # warm every worker and connection
        for clients in levels:
            print(drive(Run(name, clients), seconds, work).line(), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", default="1,2,4,8,16")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--pool", type=int, default=120, help="chain instances to complete tasks on")
    args = parser.parse_args()
    levels = [int(c) for c in args.clients.split(",")]
    for sig in (signal.SIGINT, signal.SIGTERM):  # both clean up like Ctrl-C, even when started in the background
        signal.signal(sig, signal.default_int_handler)
    print(f"start: {load()}", flush=True)
    try:
        with database("postgresql") as eng:
            pool = seed(eng, args.tasks, args.pool)
            with gunicorn(eng, args.workers) as base:
                print(f"gunicorn: {args.workers} workers at {base}; {args.seconds:g} s per measurement", flush=True)
                measure(base, pool, levels, args.seconds)
    except KeyboardInterrupt:
        print("interrupted: gunicorn and PostgreSQL stopped", flush=True)
        sys.exit(130)
    finally:
        print(f"end: {load()}", flush=True)


if __name__ == "__main__":
    main()
