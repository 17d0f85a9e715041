"""The scheduler's timer job: fire every due BPMN timer, one instance per transaction."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import OperationalError

from engine import incidents
from engine.errors import Conflict, ScriptFailure
from engine.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass
class TimerReport:
    """What one timer job did."""

    fired: list[int] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)


def fire_due(runtime: Runtime, now: datetime) -> TimerReport:
    """Fire the timers due at `now`; an instance another pass holds is skipped, a failing one gets an incident."""
    report = TimerReport()
    after: tuple[datetime, int] | None = None
    while page := runtime.due_page(now, after=after):
        after = page[-1]
        for _, instance_id in page:
            try:
                if runtime.fire_timers(instance_id, due_by=now):
                    report.fired.append(instance_id)
            except Conflict:
                continue
            except ScriptFailure as e:  # the runtime has recorded the incident and set the instance aside
                report.failures.append({"instance_id": instance_id, "element_id": e.element_id, "error": e.reason})
            except OperationalError as e:
                # A deadlock with a user's command or a dropped connection: the timer stays due and
                # the next pass tries again.
                report.failures.append({"instance_id": instance_id, "error": str(e.orig), "transient": True})
            except Exception as e:  # one broken instance must not stop the pass for the others
                log.exception("timer of instance %s failed", instance_id)
                failure = ScriptFailure("", "", f"{type(e).__name__}：{e}")
                failure.instance_id = instance_id
                incidents.record(runtime.sessions, failure, "scheduler")
                report.failures.append({"instance_id": instance_id, "error": failure.reason})
    return report
