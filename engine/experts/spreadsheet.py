"""Importing the expert library from an Excel workbook: every row checked first, then all or nothing.

A workbook with any invalid row imports nothing and lists every problem (row, column, message), so a
corrected file can simply be uploaded again; a valid workbook adds or updates every row in one transaction.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook, load_workbook
from sqlalchemy.orm import Session

from engine.errors import FormInvalid
from engine.experts.library import DEFAULT_CAP, Entry, check, save
from forms.choices import TECH_FIELDS

# column header → Entry field; the order is the template's
COLUMNS = {"用户名": "username", "姓名": "name", "工作单位": "organization", "所在城市": "city",
           "主要领域": "primary", "其他领域": "secondary", "职称": "title", "年度评审上限": "yearly_cap",
           "状态": "active", "邮箱": "email"}
REQUIRED = ("用户名", "姓名", "工作单位", "所在城市", "主要领域")
LABELS = {"username": "用户名", "name": "姓名", "organization": "工作单位", "city": "所在城市", "fields": "主要领域",
          "title": "职称", "yearly_cap": "年度评审上限", "password": "密码", "active": "状态"}
SEPARATORS = re.compile(r"[、,，;；/\s]+")
INACTIVE = {"停用", "否", "false", "0", "inactive"}
MAX_ROWS = 5000


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass
class Imported:
    count: int
    errors: list[RowError]


def template() -> bytes:
    """An empty workbook with the header row and one example."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "专家库"
    sheet.append(list(COLUMNS))
    sheet.append(["expert_zhang", "张明", "广西大学", "南宁市", "新材料", "高端装备制造、绿色环保", "教授", 20, "在库",
                  "zhang@example.cn"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read(content: bytes) -> tuple[list[tuple[int, Entry]], list[RowError]]:
    """The workbook's rows as entries, and every problem found."""
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        return [], [RowError(0, "", "文件不是有效的 Excel 工作簿（.xlsx）")]
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(v or "").strip() for v in next(rows, ())]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return [], [RowError(1, c, "缺少此列") for c in missing]
    position = {name: i for i, name in enumerate(header) if name in COLUMNS}
    found: list[tuple[int, Entry]] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for number, values in enumerate(rows, start=2):
        if number > MAX_ROWS + 1:
            errors.append(RowError(number, "", f"一次最多导入 {MAX_ROWS} 行"))
            break
        cells = {COLUMNS[name]: values[i] if i < len(values) else None for name, i in position.items()}
        if all(v is None or str(v).strip() == "" for v in cells.values()):
            continue
        entry, problems = _entry(number, cells)
        if entry.username in seen:
            problems.append(RowError(number, "用户名", f"与第 {seen[entry.username]} 行重复"))
        seen.setdefault(entry.username, number)
        errors += problems
        found.append((number, entry))
    if not found and not errors:
        errors.append(RowError(2, "", "工作簿中没有专家数据"))
    return found, errors


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def _entry(number: int, cells: dict[str, Any]) -> tuple[Entry, list[RowError]]:
    problems: list[RowError] = []
    cap_text = _text(cells.get("yearly_cap"))
    try:
        cap = int(cap_text) if cap_text else DEFAULT_CAP
    except ValueError:
        problems.append(RowError(number, "年度评审上限", "须为整数"))
        cap = DEFAULT_CAP
    secondary = [f for f in SEPARATORS.split(_text(cells.get("secondary"))) if f]
    primary = _text(cells.get("primary"))
    entry = Entry(username=_text(cells.get("username")), name=_text(cells.get("name")),
                  organization=_text(cells.get("organization")), city=_text(cells.get("city")),
                  fields=tuple(f for f in [primary, *secondary] if f), title=_text(cells.get("title")),
                  yearly_cap=cap, active=_text(cells.get("active")).lower() not in INACTIVE,
                  email=_text(cells.get("email")) or None)
    for name, messages in check(entry).items():
        column = LABELS.get(name, name)
        if name == "fields" and primary in TECH_FIELDS:
            column = "其他领域"  # the primary field is fine: the trouble is among the others
        problems += [RowError(number, column, m) for m in messages]
    return entry, problems


def import_workbook(session: Session, content: bytes, actor_id: int | None) -> Imported:
    """Check every row; import all of them when none is invalid, else none (the errors say which and why)."""
    found, errors = read(content)
    if errors:
        return Imported(0, errors)
    for number, entry in found:
        try:
            save(session, entry, actor_id)
        except FormInvalid as e:  # a rule only the database can check
            messages = [str(m) for ms in e.errors.values() for m in (ms if isinstance(ms, list) else [ms])]
            raise FormInvalid({"file": [f"第 {number} 行：{'；'.join(messages)}"]}) from e
    return Imported(len(found), [])
