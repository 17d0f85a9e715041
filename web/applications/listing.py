"""The application list every role sees (scoped by the access rules), its filters and its Excel export."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import Session

from engine.access import can_see_application, oversees, visible_summary
from engine.models import TRACKS, Application, Organization, ReviewAssignment, User
from web.display import STAGE_LABELS, local, status_label
from web.numbers import bounded_int

TEXT_FILTERS = ("track", "status", "stage", "city")
# The columns the list sorts by (`?sort=title` ascending, `?sort=-title` descending); anything else is ignored.
SORTS: dict[str, Any] = {
    "id": Application.id, "title": Application.title, "track": Application.track, "organization": Organization.name,
    "city": Application.city,
    "submitted_at": Application.submitted_at,
}
PAGE_SIZE = 50
EXPORT_LIMIT = 20000


@dataclass(frozen=True)
class Filters:
    """The list's filters as given in the query string."""

    track: str = ""
    status: str = ""
    stage: str = ""
    city: str = ""
    call_id: int | None = None
    q: str = ""
    sort: str = ""

    @classmethod
    def from_args(cls, args: Any) -> Filters:
        """Read the filters from request arguments (unknown or blank values are ignored)."""
        sort = args.get("sort", "").strip()
        return cls(**{k: args.get(k, "").strip() for k in TEXT_FILTERS}, q=args.get("q", "").strip()[:100],
                   call_id=args.get("call_id", type=bounded_int), sort=sort if sort.lstrip("-") in SORTS else "")

    def sorted_by(self, column: str) -> str:
        """The `sort` value a column's heading links to: ascending first, then the reverse."""
        return f"-{column}" if self.sort == column else column

    def as_args(self) -> dict[str, Any]:
        """The non-blank filters, for links."""
        return {k: v for k, v in self.__dict__.items() if v not in ("", None)}


def _scope(user: User) -> Any:
    """An SQL pre-filter matching at least every application `user` may see (refined by can_see_application)."""
    if oversees(user):
        return None
    clauses: list[Any] = [Application.applicant_user_id == user.id]
    if user.has_role("applicant") and user.organization_id is not None:
        clauses.append(Application.organization_id == user.organization_id)
    cities = [g.scope for g in user.grants if g.role == "recommender" and g.scope]
    if cities:
        clauses.append(Application.city.in_(cities) & Application.submitted_at.is_not(None))
    if user.has_role("expert"):
        clauses.append(Application.id.in_(select(ReviewAssignment.application_id).where(
            ReviewAssignment.expert_id == user.id,
            or_(ReviewAssignment.conflict.is_(None), ReviewAssignment.conflict.is_(False)))))
    return or_(*clauses) if clauses else false()


def query(user: User, filters: Filters) -> Select[tuple[Application]]:
    """Applications matching `filters` within `user`'s scope, newest first unless sorted by a column."""
    stmt = select(Application).outerjoin(Organization, Organization.id == Application.organization_id)
    scope = _scope(user)
    if scope is not None:
        stmt = stmt.where(scope)
    for key in TEXT_FILTERS:
        if getattr(filters, key):
            stmt = stmt.where(getattr(Application, key) == getattr(filters, key))
    if filters.call_id:
        stmt = stmt.where(Application.call_id == filters.call_id)
    if filters.q:
        stmt = stmt.where(or_(Application.title.icontains(filters.q, autoescape=True),
                              Organization.name.icontains(filters.q, autoescape=True)))
    if not filters.sort:
        return stmt.order_by(Application.id.desc())
    column = SORTS[filters.sort.lstrip("-")]
    if filters.sort.startswith("-"):
        return stmt.order_by(column.desc().nulls_last(), Application.id.desc())
    return stmt.order_by(column.asc().nulls_last(), Application.id.asc())


def visible(session: Session, user: User, filters: Filters, *, offset: int = 0,
            limit: int = PAGE_SIZE) -> list[Application]:
    """One page of the list, every row checked with the engine's access rule."""
    rows = session.scalars(query(user, filters).offset(offset).limit(limit)).unique().all()
    return [a for a in rows if can_see_application(session, user, a)]


COLUMNS: list[tuple[str, int]] = [
    ("编号", 8), ("申报名称", 40), ("举措", 28), ("申报单位", 30), ("所在地市", 12), ("申报批次", 40), ("当前阶段", 12),
    ("状态", 12), ("提交时间", 18), ("立项时间", 18)]
# Summary columns, each present only when the user may see that field on some row (engine.access rules).
SUMMARY_COLUMNS: list[tuple[str, str, int]] = [
    ("expert_mean", "专家评审平均分", 14), ("funding_wan", "资助经费（万元）", 16)]


def export(session: Session, user: User, applications: list[Application]) -> bytes:
    """The list as an Excel workbook with Chinese headers; summary figures only where `user` may see them."""
    summaries = [visible_summary(session, user, a) for a in applications]
    extra = [(key, label, width) for key, label, width in SUMMARY_COLUMNS if any(key in s for s in summaries)]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "申报列表"
    sheet.append([label for label, _ in COLUMNS] + [label for _, label, _ in extra])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for a, summary in zip(applications, summaries, strict=True):
        sheet.append([_cell(sheet, value) for value in (
            a.id, a.title, f"{a.track} {TRACKS.get(a.track, '')}", a.organization.name if a.organization else "",
            a.city or "", a.call.title, STAGE_LABELS.get(a.stage, a.stage), status_label(a),
            _when(a.submitted_at), _when(a.awarded_at), *(summary.get(key) for key, _, _ in extra),
        )])
    widths = [width for _, width in COLUMNS] + [width for _, _, width in extra]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    out = BytesIO()
    book.save(out)
    return out.getvalue()


# Characters a spreadsheet cannot hold; older rows may carry them from before input refused them.
_UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def _cell(sheet: Any, value: object) -> object:
    """A number as a number; anything else as a text cell that Excel never evaluates as a formula."""
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)):
        return value
    text = _UNWRITABLE.sub("", str(value))
    cell = Cell(sheet, value=None)
    cell.value = text
    cell.data_type = "s"  # openpyxl would store `=HYPERLINK(…)` as a formula
    if text.startswith(_FORMULA_START):
        cell.quotePrefix = True  # and Excel keeps it text even after the cell is edited
    return cell


def _when(value: datetime | None) -> str:
    return local(value) if value else ""
