"""Reminders about open tasks, counted in Chinese working days, each (task, kind) at most once ever.

Kinds and when they are queued (on working days from 08:00 China time; dates are China dates):

- `before_due` — the due day is 1 to 3 working days away (so on the third working day before it,
  or on the first pass after that); not for tasks that had 3 working days or fewer from the start.
- `due_today` — the task is due later today.
- `overdue` — the due instant has passed.
- `escalation` — to every officer, once the due day lies 3 or more working days back.

A reminder goes to the assignee, or to every user who could claim the task while nobody has.
Its `reminder` row, `notification` rows and `outbox_email` rows are written in one transaction; the
unique (task, kind) key makes a second scheduler pass, or a second scheduler, insert nothing.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, exists, insert, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from engine import calendar, outbox
from engine.access import can_work
from engine.holidays import source
from engine.mailer import MailSettings
from engine.models import Application, HumanTask, NoticePreference, Notification, OutboxEmail, Reminder, User

KINDS = ("before_due", "due_today", "overdue", "escalation")
BEFORE_DUE_DAYS = 3
ESCALATE_AFTER_DAYS = 3
BATCH = 500
SEND_FROM = time(8, 0)  # China time: reminders arrive in the morning of a working day, not at midnight
_WEEKDAYS = "一二三四五六日"


@dataclass
class People:
    """The active users, loaded once per pass, and who of them gets which task's reminders."""

    users: list[User]
    in_app_only: set[int] = field(default_factory=set)  # users who chose no mail on their profile page
    _cache: dict[tuple[Any, ...], list[User]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> People:
        """Every active user with their role grants, and who wants no mail (three queries)."""
        return cls(list(session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)).all()),
                   set(session.scalars(select(NoticePreference.user_id).where(NoticePreference.by_email.is_(False)))))

    def for_task(self, task: HumanTask) -> list[User]:
        """The assignee, or all who may claim the task (the same rule as `access.can_work`)."""
        key = (task.assignee_id, task.preassigned, task.candidate_role, task.scope)
        if key not in self._cache:
            self._cache[key] = [u for u in self.users if can_work(u, task)]
        return self._cache[key]

    @property
    def officers(self) -> list[User]:
        """The officer group, who receive escalations."""
        return [u for u in self.users if u.has_role("officer")]


def windows(now: datetime) -> dict[str, list[ColumnElement[bool]]]:
    """For each kind due at `now`, the conditions on `human_task.due_at`; empty on days off and before 08:00."""
    today = calendar.china_date(now)
    if now.astimezone(calendar.CHINA).time() < SEND_FROM or not calendar.is_working_day(today):
        return {}
    tomorrow = calendar.start_of_day_utc(today + timedelta(days=1))
    horizon = calendar.start_of_day_utc(calendar.add_working_days(today, BEFORE_DUE_DAYS) + timedelta(days=1))
    # The due day must lie before the (n-1)-th working day before today: n working days overdue.
    escalate_before = calendar.start_of_day_utc(calendar.subtract_working_days(today, ESCALATE_AFTER_DAYS - 1))
    due = HumanTask.due_at
    return {
        "before_due": [due >= tomorrow, due < horizon],
        "due_today": [due > now, due < tomorrow],
        "overdue": [due < now],
        "escalation": [due < escalate_before],
    }


def _working_days(start: Any, end: Any) -> int:
    return _counted(start, end, source.current().key())


@lru_cache(maxsize=4096)
def _counted(start: Any, end: Any, _schedule: Any) -> int:
    # keyed by the calendar's revisions too: an edited year gives new answers
    return calendar.working_days_between(start, end)


def _applies(kind: str, task: HumanTask) -> bool:
    if kind != "before_due" or task.due_at is None:
        return True
    # A task that never had more than the reminder period gets no "due soon" notice.
    created = calendar.china_date(task.created_at)
    return _working_days(created, calendar.china_date(task.due_at)) > BEFORE_DUE_DAYS


def queue(sessions: sessionmaker[Session], settings: MailSettings, now: datetime) -> dict[str, int]:
    """Queue every reminder due at `now`; returns {kind: reminders queued}."""
    with source.using(sessions):  # working days by the database's holiday calendar
        return _queue(sessions, settings, now)


def _queue(sessions: sessionmaker[Session], settings: MailSettings, now: datetime) -> dict[str, int]:
    found = windows(now)
    counts = dict.fromkeys(KINDS, 0)
    if not found:
        return counts
    with sessions() as session:
        people = People.load(session)
    for kind, conditions in found.items():
        after = 0
        while True:
            with sessions() as session:
                rows = session.execute(
                    select(HumanTask, Application.title)
                    .outerjoin(Application, Application.id == HumanTask.application_id)
                    .where(HumanTask.state == "open", HumanTask.id > after, *conditions,
                           ~exists().where(Reminder.human_task_id == HumanTask.id, Reminder.kind == kind))
                    .order_by(HumanTask.id).limit(BATCH)).tuples().all()
            if not rows:
                break
            after = rows[-1][0].id
            tasks: dict[int, tuple[HumanTask, str | None]] = {
                task.id: (task, title) for task, title in rows if _applies(kind, task)}
            if tasks:
                with sessions.begin() as session:
                    counts[kind] += _write(session, kind, tasks, people, settings, now)
            if len(rows) < BATCH:
                break
    return counts


def _write(session: Session, kind: str, tasks: dict[int, tuple[HumanTask, str | None]], people: People,
           settings: MailSettings, now: datetime) -> int:
    """Insert reminder rows (skipping ones that exist or tasks no longer open) and their messages."""
    created_at = literal(now, Reminder.created_at.type)
    source = (select(HumanTask.id, literal(kind), created_at)
              .where(HumanTask.id.in_(list(tasks)), HumanTask.state == "open"))
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    inserted = session.execute(
        dialect.insert(Reminder).from_select(["human_task_id", "kind", "created_at"], source)
        .on_conflict_do_nothing().returning(Reminder.id, Reminder.human_task_id)).all()
    mails: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    for reminder_id, task_id in sorted(inserted):
        task, app_title = tasks[task_id]
        workers = people.for_task(task)
        recipients = people.officers if kind == "escalation" else workers
        text = Message(kind, task, app_title, workers, now, settings)
        for user in recipients:
            notes.append({"user_id": user.id, "text": text.notification, "link": f"/tasks/{task.id}",
                          "created_at": now})
            if user.email and user.id not in people.in_app_only:
                mails.append(outbox.new_row(to_addr=user.email, subject=text.subject, body=text.body(user),
                                            key=f"reminder-{reminder_id}-{user.id}", settings=settings, now=now,
                                            reminder_id=reminder_id))
    if mails:
        session.execute(insert(OutboxEmail), mails)
    if notes:
        session.execute(insert(Notification), notes)
    return len(inserted)


@dataclass(frozen=True)
class Message:
    """The Chinese wording of one reminder."""

    kind: str
    task: HumanTask
    app_title: str | None
    workers: list[User]
    now: datetime
    settings: MailSettings

    @property
    def link(self) -> str:
        return f"{self.settings.base_url}/tasks/{self.task.id}"

    @property
    def due_day(self) -> str:
        if self.task.due_at is None:
            return "未设定"
        local = self.task.due_at.astimezone(calendar.CHINA)
        return f"{local.year}年{local.month}月{local.day}日"

    @property
    def due(self) -> str:
        if self.task.due_at is None:
            return "未设定"
        local = self.task.due_at.astimezone(calendar.CHINA)
        return f"{self.due_day}（星期{_WEEKDAYS[local.weekday()]}）{local:%H:%M}"

    @property
    def days(self) -> int:
        """Working days left (before due) or overdue (escalation)."""
        today = calendar.china_date(self.now)
        due_day = calendar.china_date(self.task.due_at) if self.task.due_at else today
        return abs(_working_days(today, due_day))

    @property
    def subject(self) -> str:
        title = self.task.title
        return _clip({
            "before_due": f"【带土移植】待办任务将于{self.due_day}到期：{title}",
            "due_today": f"【带土移植】待办任务今日到期：{title}",
            "overdue": f"【带土移植】待办任务已逾期：{title}",
            "escalation": f"【带土移植】督办：任务逾期已超过{ESCALATE_AFTER_DAYS}个工作日：{title}",
        }[self.kind], 300)

    @property
    def notification(self) -> str:
        title, app = self.task.title, f"（{self.app_title}）" if self.app_title else ""
        return _clip({
            "before_due": f"待办任务“{title}”{app}将于{self.due}到期，还剩{self.days}个工作日",
            "due_today": f"待办任务“{title}”{app}今日到期，请于今天内办理",
            "overdue": f"待办任务“{title}”{app}已逾期，请尽快办理",
            "escalation": f"督办：“{title}”{app}已逾期{self.days}个工作日仍未办理",
        }[self.kind], 500)

    def body(self, user: User) -> str:
        """The e-mail text for `user`."""
        lead = {
            "before_due": f"您有一项待办任务还有{self.days}个工作日到期，请及时办理。",
            "due_today": "您有一项待办任务今天到期，请于今天内办理。",
            "overdue": "您有一项待办任务已超过办理期限，请尽快办理。",
            "escalation": f"以下任务已逾期{self.days}个工作日，仍未办理，请督促有关人员尽快办理。",
        }[self.kind]
        lines = [f"{user.display_name}，您好：", "", lead, "", f"任务：{self.task.title}"]
        if self.app_title:
            lines.append(f"申报项目：{self.app_title}")
        lines.append(f"办理期限：{self.due}")
        if self.kind == "escalation":
            lines.append(f"当前办理人：{_names(self.workers)}")
        elif self.task.assignee_id is None:
            lines.append("该任务尚未被领取，可办理的人员均会收到本提醒。")
        lines += [f"办理地址：{self.link}", "",
                  "本邮件由广西“带土移植”引育计划业务系统自动发送，请勿直接回复。"]
        return "\n".join(lines) + "\n"


def _names(users: Iterable[User]) -> str:
    names = [u.display_name for u in users]
    return "、".join(names) if names else "（无可办理人员，请指派）"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
