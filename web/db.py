"""The request's database session and the engine services, reached through the current app."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from engine.db import make_engine, make_sessionmaker
from engine.runtime import Runtime


@dataclass
class Services:
    """What the web layer uses of the engine."""

    engine: Engine
    sessions: sessionmaker[Session]
    runtime: Runtime


def init_app(app: Flask) -> None:
    """Bind the database (lazily connected) to the app and close request sessions on teardown."""
    eng = make_engine(app.config["DATABASE_URL"])
    sessions = make_sessionmaker(eng)
    app.extensions["rootball"] = Services(eng, sessions, Runtime(sessions))
    app.teardown_appcontext(_close)


def services() -> Services:
    """The current app's engine services."""
    found: Services = current_app.extensions["rootball"]
    return found


def session() -> Session:
    """This request's session (read side; engine commands open their own transactions)."""
    if "db" not in g:
        g.db = services().sessions()
    found: Session = g.db
    return found


def _close(_exc: BaseException | None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()
