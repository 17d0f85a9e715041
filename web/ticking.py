"""One scheduler pass (`rootball tick`) and the long-running scheduler (`rootball scheduler`)."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import time_machine
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from engine.scheduling import Scheduler, SchedulerSettings, run_pass


def run_tick(sessions: sessionmaker[Session], now: datetime | None = None) -> dict[str, Any]:
    """One pass (timers, reminders, mail) as of `now`; the whole pass sees `now` as the current time."""
    if now is None:
        return run_pass(sessions).as_dict()
    with time_machine.travel(now, tick=False):
        return run_pass(sessions).as_dict()


def run_forever(eng: Engine, settings: SchedulerSettings | None = None, start_at: datetime | None = None) -> None:
    """Run the scheduler until stopped; `start_at` makes its clock start there (rehearsals)."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    if start_at is None:
        Scheduler(eng, settings).run()
        return
    with time_machine.travel(start_at, tick=True):
        Scheduler(eng, settings).run()
