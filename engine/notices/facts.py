"""The values a notice template may use, taken from the application, the task data and the inbox row."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from engine.calendar import CHINA
from engine.models import Application, HumanTask
from engine.notices.table import Rule

MISSING = "（未填写）"
DECISIONS = {"approve": "通过", "return": "退回修改", "reject": "不通过", "rectify": "整改", "terminate": "终止",
             "extend": "延期"}
# An objection review's `decision` reads the other way round: approve keeps the award.
OBJECTION_DECISIONS = {"approve": "异议不成立，维持拟立项", "reject": "异议成立，不予立项"}


def lookup(data: dict[str, Any], path: str) -> Any:
    """`a.b` in nested task data, or None."""
    value: Any = data
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def when_text(value: Any, with_time: bool = True) -> str:
    """An instant or date as Chinese text in Beijing time: 2025年10月10日 17:30."""
    if isinstance(value, str) and value:
        try:
            value = datetime.fromisoformat(value) if "T" in value or " " in value else date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        local = value.astimezone(CHINA) if value.tzinfo else value
        day = f"{local.year}年{local.month}月{local.day}日"
        return f"{day} {local:%H:%M}" if with_time else day
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    return "未设定"


def amount(value: Any) -> str:
    """万元 amounts without a useless `.0`."""
    if isinstance(value, int | float):
        return f"{value:g}"
    return str(value) if value not in (None, "") else MISSING


def of(rule: Rule, element: str, app: Application, data: dict[str, Any], row: HumanTask | None) -> dict[str, str]:
    """Every fact a template of `rule` may name."""
    reason = lookup(data, rule.reason)
    if rule.deadline == "due_at":
        deadline = when_text(row.due_at) if row is not None and row.due_at else "办理期限内"
    else:
        deadline = when_text(lookup(data, rule.deadline)) if rule.deadline else ""
    decisions = OBJECTION_DECISIONS if element.startswith("objection") else DECISIONS
    found = data.get("objection")
    objection: dict[str, Any] = found if isinstance(found, dict) else {}
    return {
        "title": app.title,
        "city": app.city or "所在市",
        "reason": str(reason).strip().rstrip("。") if reason else MISSING.strip("（）"),
        "deadline": deadline,
        "publicity_ends": when_text(data.get("publicity_ends_at")),
        "funding": amount(data.get("funding_wan")),
        "decision": decisions.get(str(data.get("decision")), str(data.get("decision") or "")),
        "task": row.title if row is not None else "",
        "reply": str(data.get("reply") or data.get("finding") or MISSING),
        "acceptance_at": when_text(data.get("acceptance_at"), with_time=False),
        "objector": str(objection.get("name") or "异议人"),
    }


class Template(dict[str, str]):
    """Format values; a name the facts lack stays visible instead of failing the command."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, facts: dict[str, str]) -> str:
    """`template` with the facts put in."""
    return template.format_map(Template(facts))
