"""Chinese labels and local-time formatting shared by the pages."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from flask import Blueprint, g

from engine.accounts import ROLE_LABELS
from engine.experts import rules
from engine.holidays import notes
from engine.holidays.source import CalendarView
from engine.models import TRACKS, HumanTask, utcnow
from engine.seed import TRACK_PROCESSES
from forms.choices import DECISION_LABELS
from web import db

CHINA = timezone(timedelta(hours=8), "CST")
SOON = timedelta(days=3)

STAGES: list[tuple[str, str]] = [
    ("application", "申报"), ("recommendation", "推荐"), ("formal_review", "形式审查"),
    ("expert_review", "专家评审"), ("publicity", "公示"), ("contract", "任务书"), ("midterm", "中期"),
    ("acceptance", "验收"),
]
STAGE_LABELS = {**dict(STAGES), "closed": "已结束"}
STATUS_LABELS = {
    "draft": "草稿", "returned": "退回修改",
    "submitted": "已提交", "in_review": "评审中", "awarded": "已立项", "in_progress": "实施中",
    "accepted": "已验收", "rejected": "未通过", "withdrawn": "已撤回", "terminated": "已终止", "failed": "验收未通过",
}
# What each audit action is called on a record; the step it concerns is named from the task or the diagram.
ACTION_LABELS = {
    "start": "发起申报", "complete": "办结", "claim": "领取任务", "unclaim": "退回任务池", "save_draft": "保存草稿",
    "stage_changed": "阶段变更", "message": "收到通知", "timer_fired": "期限届满", "task_cancelled": "任务取消",
    "attachment_uploaded": "上传附件", "attachment_removed": "删除附件", "deadline_recounted": "按放假安排重新计算期限",
    "incident": "流程异常", "incident_resolved": "异常已处理", "incident_retry": "重试异常环节",
    "panel_swapped": "调整评审专家", "task_due_changed": "调整办理期限",
}
MESSAGE_LABELS = {"applicant_withdrew": "申报单位撤回", "officer_terminated": "科技厅终止",
                  "objection_filed": "提出异议"}
# Summary fields shown beside an application, in this order (which of them a user sees: engine.access).
SUMMARY_LABELS = {
    "field": "技术领域", "budget_wan": "项目总预算（万元）", "duration_months": "实施周期（月）",
    "expert_mean": "专家评审平均分", "funding_wan": "资助经费（万元）",
}
# A process version is named by its track: "T1 揭榜制项目 第2版", never "track1_jiebang v2".
PROCESS_LABELS = {key: f"{track} {TRACKS[track]}" for track, key in TRACK_PROCESSES.items()} | {
    rules.DECISION: rules.DECISION_NAME}


def process_label(process_key: str) -> str:
    """A process's Chinese name."""
    return PROCESS_LABELS.get(process_key, process_key)


def version_label(process_key: str, number: int) -> str:
    """A process version as people say it: "T1 揭榜制项目 第2版"."""
    return f"{process_label(process_key)} 第{number}版"


def local(value: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC instant (or ISO string) in Beijing time."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(CHINA).strftime(fmt)


def urgency(due_at: datetime | None, now: datetime | None = None) -> str:
    """`overdue`, `soon` (within three days) or '' for a due date."""
    if due_at is None:
        return ""
    now = now or utcnow()
    if due_at < now:
        return "overdue"
    return "soon" if due_at - now <= SOON else ""


def status_key(app: Any) -> str:
    """An application's status as shown: a draft that was submitted before has been returned for correction."""
    if app.status == "draft" and app.submitted_at is not None:
        return "returned"
    return str(app.status)


def status_label(app: Any) -> str:
    """An application's status in Chinese; an award revoked for want of a signed contract is 撤销立项."""
    if app.status == "terminated" and (app.summary or {}).get("award_result") == "revoked":
        return "撤销立项"
    key = status_key(app)
    return STATUS_LABELS.get(key, key)


def due_note(row: HumanTask) -> str | None:
    """The warning for a due date counted through a year whose schedule is not entered yet, else None."""
    if "calendar_view" not in g:
        g.calendar_view = CalendarView(db.session())  # one look at the calendar's revisions per request
    return notes.task_note(g.calendar_view, row)


def register(bp: Blueprint) -> None:
    """Install the filters and globals on the whole app through `bp`."""
    bp.add_app_template_filter(local, "cn_time")
    bp.add_app_template_filter(lambda v: local(v, "%Y-%m-%d"), "cn_date")
    bp.add_app_template_filter(urgency, "urgency")
    bp.add_app_template_filter(status_label, "status_label")
    bp.add_app_template_filter(status_key, "status_key")
    bp.add_app_template_filter(process_label, "process_label")
    bp.add_app_template_global(version_label, "version_label")
    bp.add_app_template_global(due_note, "due_note")

    @bp.app_context_processor
    def labels() -> dict[str, Any]:
        return {"TRACKS": TRACKS, "STAGE_LABELS": STAGE_LABELS, "STATUS_LABELS": STATUS_LABELS,
                "ACTION_LABELS": ACTION_LABELS, "ROLE_LABELS": ROLE_LABELS, "MESSAGE_LABELS": MESSAGE_LABELS,
                "DECISION_LABELS": DECISION_LABELS}
