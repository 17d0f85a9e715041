"""The dashboard's and the talent map's figures as tables: shown under each chart and exported to Excel."""
from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from engine.models import TRACKS
from web.applications.listing import _cell as text_safe_cell
from web.display import STAGE_LABELS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Table:
    """One chart's figures: an id for the page, a title, column headers and rows."""

    key: str
    title: str
    headers: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def progress_tables(data: dict[str, Any]) -> list[Table]:
    """The dashboard's charts as tables, cities ranked."""
    cities = sorted(data["by_city"].items(), key=lambda item: -item[1])
    return [
        Table("progress", "目标完成进度", ("目标团队数", "已立项", "完成比例（%）"),
              [(data["target"], data["awarded"],
                round(100 * data["awarded"] / data["target"], 1) if data["target"] else 0)]),
        Table("track", "各举措立项数", ("举措", "立项数"),
              [(f"{t} {TRACKS.get(t, '')}", n) for t, n in data["by_track"].items()]),
        Table("city", "各设区市立项数", ("设区市", "立项数"), cities),
        Table("year", "各年度立项数", ("年度", "立项数"), list(data["by_year"].items())),
        Table("pipeline", "在办申报（按阶段）", ("阶段", "申报数"),
              [(STAGE_LABELS.get(s, s), n) for s, n in data["pipeline"].items()]),
    ]


def talent_tables(data: dict[str, Any]) -> list[Table]:
    """The talent map and portrait as tables: the 14 cities with their figures, then each portrait chart."""
    fields = [f for f in data["fields"] if any(c["fields"].get(f) for c in data["cities"].values())]
    portrait = data["portrait"]
    return [
        Table("cities", "各设区市人才团队", ("设区市", "立项团队", "引进核心成员", *fields),
              [(city, c["teams"], c["members"], *(c["fields"].get(f, 0) for f in fields))
               for city, c in data["cities"].items()]),
        Table("field", "核心成员 · 技术领域", ("技术领域", "人数"), list(portrait["by_field"].items())),
        Table("title", "核心成员 · 职称", ("职称", "人数"), list(portrait["by_title"].items())),
        Table("origin", "核心成员 · 来源", ("来源", "人数"), list(portrait["by_origin"].items())),
        Table("age", "核心成员 · 年龄段", ("年龄段", "人数"), list(portrait["by_age"].items())),
    ]


def workbook(tables: list[Table], filters: list[tuple[str, str]]) -> bytes:
    """One sheet per table, the filters applied on each sheet's first line; text never becomes a formula."""
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for table in tables:
        sheet = book.create_sheet(table.title.replace("·", "-")[:31])
        sheet.append([text_safe_cell(sheet, "筛选：" + ("；".join(f"{k}：{v}" for k, v in filters) or "全部"))])
        sheet.append([text_safe_cell(sheet, h) for h in table.headers])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([text_safe_cell(sheet, value) for value in row])
        for index in range(1, len(table.headers) + 1):
            sheet.column_dimensions[get_column_letter(index)].width = 18
        sheet.freeze_panes = "A3"
    out = BytesIO()
    book.save(out)
    return out.getvalue()
