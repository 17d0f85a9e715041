"""Which applications a figure counts: an award year (China time), a track and a call, each optional."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select

from engine.calendar import CHINA
from engine.models import Application

FIRST_YEAR, LAST_YEAR = 2000, 2099  # the years a filter may name


@dataclass(frozen=True)
class Scope:
    """The filters of the dashboard and the talent map; an empty scope counts everything."""

    year: int | None = None
    track: str | None = None
    call_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"year": self.year, "track": self.track, "call_id": self.call_id}

    def query(self) -> dict[str, str]:
        """The scope as GET parameters (for links to the export and the other page)."""
        return {key: str(value) for key, value in self.as_dict().items() if value is not None}

    def same_call_and_track(self, stmt: Select[Any]) -> Select[Any]:
        """Restrict a query over Application to the scope's track and call."""
        if self.track:
            stmt = stmt.where(Application.track == self.track)
        if self.call_id:
            stmt = stmt.where(Application.call_id == self.call_id)
        return stmt

    def awarded_in_year(self, stmt: Select[Any]) -> Select[Any]:
        """Restrict to the scope and to awards made in its year (a Beijing calendar year)."""
        stmt = self.same_call_and_track(stmt)
        if self.year:
            start, end = _year_bounds(self.year)
            stmt = stmt.where(Application.awarded_at >= start, Application.awarded_at < end)
        return stmt

    def created_in_year(self, stmt: Select[Any]) -> Select[Any]:
        """Restrict to the scope and to applications started in its year (for the pipeline)."""
        stmt = self.same_call_and_track(stmt)
        if self.year:
            start, end = _year_bounds(self.year)
            stmt = stmt.where(Application.created_at >= start, Application.created_at < end)
        return stmt


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    return (datetime.combine(date(year, 1, 1), datetime.min.time(), tzinfo=CHINA),
            datetime.combine(date(year + 1, 1, 1), datetime.min.time(), tzinfo=CHINA))
