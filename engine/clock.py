"""The engine's clock: the real time, or the time a computation runs "as of".

A dry run replays recorded lifecycles at the moments they happened, so that a timer that was due
then is due in the replay and one that was not is not. The moment is held in a context variable,
so one request's replay never moves another request's clock. SpiffWorkflow's timer events read
`datetime.now` from their module; `install` points that name at a `datetime` whose `now` consults
this clock (and is the real `datetime` in every other respect).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, tzinfo

from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer

_AS_OF: ContextVar[datetime | None] = ContextVar("rootball_as_of", default=None)


def now() -> datetime:
    """The current instant (aware, UTC), or the moment set by `as_of`."""
    moment = _AS_OF.get()
    return moment if moment is not None else datetime.now(UTC)


@contextmanager
def as_of(moment: datetime) -> Iterator[None]:
    """Run the block with the clock at `moment` (aware)."""
    if moment.tzinfo is None:
        raise ValueError("as_of needs an aware datetime")
    token = _AS_OF.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _AS_OF.reset(token)


class ClockDatetime(datetime):
    """`datetime` whose `now` is the engine clock's."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> ClockDatetime:  # type: ignore[override]
        moment = _AS_OF.get()
        if moment is None:
            moment = datetime.now(UTC)
        return cls.fromtimestamp(moment.timestamp(), tz)


def install() -> None:
    """Make SpiffWorkflow's timers read this clock."""
    spiff_timer.datetime = ClockDatetime  # type: ignore[misc]


install()
