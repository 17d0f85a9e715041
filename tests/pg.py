"""A throw-away PostgreSQL server on loopback for the test session."""
from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise RuntimeError(f"PostgreSQL binary {name!r} not found; install the PostgreSQL server package")


def _as_postgres(args: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return args
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        subprocess.run(["useradd", "-r", "postgres"], check=True)
    return ["runuser", "-u", "postgres", "--", *args]


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a cluster with fsync off on a free loopback port; yield its base URL; stop it."""
    root = Path(tempfile.mkdtemp(prefix="rootball-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres") if _has_user("postgres") else None
    port = _free_port()
    data = root / "data"
    subprocess.run(_as_postgres([_binary("initdb"), "-D", str(data), "-A", "trust", "-U", "rootball",
                                 "-E", "UTF8", "--locale=C"]), check=True, capture_output=True)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    subprocess.run(_as_postgres([
        _binary("pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", "-o",
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
        f"-c full_page_writes=off -c max_connections=200",
        "start"]), check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://rootball@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_postgres([_binary("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "-r", name], check=True)
    return True
