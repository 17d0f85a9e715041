"""Import a reference list from a CSV or Excel file: every line checked first, then all saved or nothing.

The first row names the columns, in English (`code,title,kind,valid_from,valid_to` for the 揭榜 list,
`name,region,agreement_no,valid_from,valid_to` for partner institutions) or by their Chinese labels.
A line whose code (揭榜) or name (院校) is already listed changes that entry; other lines add entries.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from engine import reference
from engine.errors import FormInvalid

MAX_LINES = 5000
DATES = {"valid_from": "生效日期", "valid_to": "截止日期"}


class ImportRefused(Exception):
    """The file was not imported; `lines` are its problems, one Chinese sentence each, with line numbers."""

    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = lines


@dataclass
class Imported:
    """What an import did."""

    kind: str
    added: int
    changed: int


def _headers(kind: str) -> dict[str, str]:
    """Header text (English or Chinese) → field name."""
    names = {c.name: c.label for c in reference.COLUMNS[kind]} | DATES
    return {**{n: n for n in names}, **{label: n for n, label in names.items()}}


def _rows_of(name: str, content: bytes) -> list[list[Any]]:
    if name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception as e:  # openpyxl raises many kinds on a damaged file
            raise ImportRefused([f"无法读取 Excel 文件：{e.__class__.__name__}"]) from None
        return [[c.date() if isinstance(c, datetime) else c for c in row]
                for row in sheet.iter_rows(values_only=True)]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused(["文件不是 UTF-8 编码的 CSV，也不是 .xlsx 文件"]) from None
    return [row for row in csv.reader(io.StringIO(text))]


def _kind_of(header: list[str], wanted: str | None) -> str:
    if wanted is not None:
        return wanted
    for kind in reference.LISTS:
        if reference.KEY[kind] in {_headers(kind).get(h) for h in header}:
            return kind
    raise ImportRefused(["第1行：无法判断是哪个名单，表头应含“榜单编号”（code）或“院校名称”（name）"])


def read(session: Session, name: str, content: bytes, kind: str | None = None) -> tuple[str, list[dict[str, Any]]]:
    """The list and its entries from a file, every line checked; ImportRefused lists the problems."""
    rows = [r for r in _rows_of(name, content) if any(c not in (None, "") for c in r)]
    if not rows:
        raise ImportRefused(["文件是空的"])
    if len(rows) > MAX_LINES + 1:
        raise ImportRefused([f"一次最多导入 {MAX_LINES} 行"])
    header = [str(h or "").strip() for h in rows[0]]
    kind = _kind_of(header, kind)
    known = _headers(kind)
    unknown = [h for h in header if h and h not in known]
    problems = [f"第1行：不认识的列“{h}”" for h in unknown]
    fields = [known.get(h) for h in header]
    missing = [c.label for c in reference.COLUMNS[kind] if c.name not in fields and c.name != "region"]
    if "valid_from" not in fields:
        missing.append("生效日期")
    if missing:
        problems.append(f"第1行：缺少列：{'、'.join(missing)}")
    if problems:
        raise ImportRefused(problems)
    labels = {c.name: c.label for c in reference.COLUMNS[kind]} | DATES
    entries: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    key = reference.KEY[kind]
    for number, row in enumerate(rows[1:], start=2):
        values = {f: (v.isoformat() if isinstance(v, date) else v) for f, v in zip(fields, row, strict=False) if f}
        clean, errors = reference.clean(kind, values)
        for field, messages in errors.items():
            problems += [f"第{number}行 {labels[field]}：{m}" for m in messages]
        if not errors and clean[key] in seen:
            problems.append(f"第{number}行 {labels[key]}：与第{seen[clean[key]]}行重复")
        seen.setdefault(clean[key], number)
        entries.append(clean)
    if problems:
        raise ImportRefused(problems)
    return kind, entries


def import_file(session: Session, path: Path, actor_id: int | None, kind: str | None = None) -> Imported:
    """Check the whole file, then add or change its entries in the caller's transaction."""
    kind, entries = read(session, path.name, path.read_bytes(), kind)
    key = reference.KEY[kind]
    existing = {getattr(e, key): e.id for e in reference.entries(session, kind)}
    added = changed = 0
    try:
        for values in entries:
            entry_id = existing.get(values[key])
            reference.save(session, kind, values, actor_id, entry_id)
            added, changed = (added + 1, changed) if entry_id is None else (added, changed + 1)
    except FormInvalid as e:  # checked above; kept so that nothing is half-imported if a rule differs
        raise ImportRefused([f"{f}：{m}" for f, m in e.errors.items()]) from None
    return Imported(kind, added, changed)
