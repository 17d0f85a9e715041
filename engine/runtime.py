"""Commands on applications and their workflow instances; each command is one transaction.

Every command loads the instance row, restores the workflow against its own version's spec, acts,
runs engine steps, and then saves state (guarded by `lock_version`), inbox rows, audit events and
the next timer in the same transaction. A lost race is a Conflict; nothing is merged.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar
from uuid import UUID

from marshmallow import ValidationError
from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select, tuple_, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

import forms
from engine import audit, calendar, happened, inbox, incidents, reference, repository, reviews, serialization
from engine.access import can_see_application, can_work
from engine.calendar import CHINA
from engine.errors import (
    Conflict,
    EngineError,
    FormInvalid,
    NotAllowed,
    NotFound,
    ScriptFailure,
    TaskConflict,
    TaskNotFound,
)
from engine.filed import APPLICATION_FORM_PREFIX
from engine.holidays import counts, recount
from engine.incidents import Where
from engine.mailer import MailSettings
from engine.models import (
    Application,
    Call,
    HumanTask,
    ProcessInstance,
    ProcessVersion,
    User,
    utcnow,
)
from engine.required_documents import refusal
from engine.sandbox import make_script_engine
from engine.sandbox.explain import failing_task, reason
from engine.timing import next_timer_of
from engine.versioning import positions

T = TypeVar("T")

# Who may send which message into an application's process, by relation to it; "public" is anyone,
# signed in or not (an objection during publicity comes from a named member of the public).
MESSAGE_SENDERS: dict[str, str] = {
    "applicant_withdrew": "owner",
    "officer_terminated": "officer",
    "objection_filed": "public",
}
MESSAGE_PAYLOAD = {"applicant_withdrew": "withdrawal", "officer_terminated": "termination",
                   "objection_filed": "objection"}
SUMMARY_FIELDS = ("field", "budget_wan", "duration_months", "jiebang_problem_id", "partner_institution_id",
                  "platform_type", "funding_wan", "expert_mean", "review_recommendation", "award_result")
TIMED_STATUSES = ("running", "waiting")
APPLICATION_STATUSES = ("draft", "submitted", "in_review", "awarded", "in_progress", "accepted", "rejected",
                        "withdrawn", "terminated", "failed")


@dataclass
class Loaded:
    """An instance row with its restored workflow, inside a command's transaction."""

    session: Session
    instance: ProcessInstance
    workflow: BpmnWorkflow
    application: Application | None
    done_before: set[UUID] = field(default_factory=set)  # tasks already finished when the command began

    @property
    def where(self) -> Where:
        return Where(self.instance.id, self.instance.application_id, self.instance.version_id)


def live_values(app: Application | None) -> dict[str, Any]:
    """Values task properties read from the database rather than from the workflow's data."""
    return {"call_closes_at": app.call.closes_at.isoformat()} if app is not None else {}


def current_data(workflow: BpmnWorkflow, tasks: Sequence[Task] | None = None) -> dict[str, Any]:
    """The freshest task data: the workflow's result when complete, else the newest live task's."""
    if workflow.is_completed():
        return dict(workflow.data) or dict(workflow.last_task.data if workflow.last_task else {})
    alive = TaskState.READY | TaskState.WAITING
    live = list(workflow.get_tasks(state=alive)) if tasks is None else [t for t in tasks if t.state & alive]
    if not live:
        return {}
    newest = max(live, key=lambda t: t.last_state_change)
    return dict(newest.data)


class StateStore:
    """Stores instance state without the spec; restores it against the version's cached spec."""

    def dump(self, workflow: BpmnWorkflow) -> str:
        return serialization.dump_state(workflow)

    def load(self, session: Session, instance: ProcessInstance) -> BpmnWorkflow:
        spec, subs = repository.specs(session, instance.version_id)
        return serialization.load_state(instance.state_json, spec, subs, instance.serializer_version)


class Runtime:
    """The engine's commands, bound to a session factory."""

    def __init__(self, sessions: sessionmaker[Session], store: StateStore | None = None,
                 script_engine: PythonScriptEngine | None = None, mail: MailSettings | None = None):
        self.sessions = sessions
        self.store = store or StateStore()
        self.mail = mail or MailSettings.from_env()  # links and Message-IDs of the notices commands write
        # The sandboxed engine; the benchmark passes another to measure what the sandbox costs.
        self.script_engine = script_engine or make_script_engine()

    # -- transactions -------------------------------------------------------------------------
    @contextmanager
    def _transaction(self, origin: str = "command") -> Iterator[Session]:
        """One command's transaction; process code that fails in it leaves an incident (written after the rollback)."""
        session = self.sessions()
        try:
            with session.begin(), counts.counting(session):
                yield session
        except ScriptFailure as failure:
            session.close()
            incidents.record(self.sessions, failure, origin)
            raise
        except StaleDataError as e:
            raise Conflict("数据已被他人修改，请刷新后重试") from e
        except OperationalError as e:
            if "locked" in str(e).lower() or "could not serialize" in str(e).lower():
                raise Conflict("数据正被他人修改，请稍后重试") from e
            raise
        finally:
            session.close()

    def _load(self, session: Session, instance_id: int, catch_up: bool = True) -> Loaded:
        """Restore an instance; with `catch_up`, timers already due fire first, so every command
        acts on the state as of now even when the scheduler lags (a deadline that passed wins)."""
        instance = session.get(ProcessInstance, instance_id)
        if instance is None:
            raise NotFound(f"流程实例 {instance_id} 不存在")
        workflow = self.store.load(session, instance)
        workflow.script_engine = self.script_engine
        app = session.get(Application, instance.application_id) if instance.application_id else None
        loaded = Loaded(session, instance, workflow, app, _finished(workflow))
        if catch_up and instance.next_timer_at is not None and instance.next_timer_at <= utcnow():
            self._catch_up(loaded)
        return loaded

    def _catch_up(self, loaded: Loaded) -> bool:
        """Fire the instance's due timers and audit each; True when any fired."""
        before = _waiting_timer_ids(loaded.workflow)
        self._steps(loaded.workflow, loaded.workflow.refresh_timers, loaded.where)
        fired = before - _waiting_timer_ids(loaded.workflow)
        for task_id in fired:
            task = loaded.workflow.get_task_from_id(task_id)
            audit.record(loaded.session, "timer_fired", instance_id=loaded.instance.id,
                         application_id=loaded.instance.application_id,
                         task_name=task.task_spec.bpmn_id if task else None)
        return bool(fired)

    def _steps(self, workflow: BpmnWorkflow, action: Callable[[], T], where: Where) -> T:
        """Run `action` and the engine steps it releases; process code that fails becomes a ScriptFailure."""
        try:
            result = action()
            workflow.do_engine_steps(did_complete_task=serialization.remember_completed)
        except EngineError:
            raise
        except Exception as e:  # process code can raise anything: each becomes the element's failure
            task = failing_task(e)
            spec = task.task_spec if task is not None else None
            element_id = str(getattr(spec, "bpmn_id", None) or getattr(spec, "name", "") or "")
            element_name = str(getattr(spec, "bpmn_name", None) or "")
            raise incidents.locate(ScriptFailure(element_id, element_name, reason(e)), where) from e
        return result

    def _save(self, loaded: Loaded, actor_id: int | None) -> list[HumanTask]:
        """Persist state, inbox rows, application stage/status and audit; return new rows."""
        session, instance, workflow = loaded.session, loaded.instance, loaded.workflow
        tasks = list(workflow.get_tasks())  # one pass over the tree serves every question below
        state_json = self.store.dump(workflow)
        instance.state_json = state_json
        instance.serializer_version = serialization.SERIALIZER_VERSION
        instance.next_timer_at = None if workflow.is_completed() else next_timer_of(workflow, tasks)
        instance.positions = positions.of(workflow, tasks)
        try:
            created, cancelled, still_open = inbox.sync(session, instance, workflow, live_values(loaded.application),
                                                        tasks)
        except ScriptFailure as failure:
            raise incidents.locate(failure, loaded.where) from failure.__cause__
        counts.save(session, instance.id, workflow)
        instance.status = "complete" if workflow.is_completed() else ("running" if still_open else "waiting")
        if instance.error is not None:
            incidents.resolve_open(session, instance, actor_id)
        reviews.record_assigned(session, created)
        for row in cancelled:
            audit.record(session, "task_cancelled", actor_id=actor_id, instance_id=instance.id,
                         application_id=instance.application_id, task_name=row.spec_name)
        data = current_data(workflow, tasks)
        if loaded.application is not None:
            self._update_application(session, loaded.application, data, actor_id, instance.id)
        ran = [t for t in tasks if t.state == TaskState.COMPLETED and t.id not in loaded.done_before]
        happened.record(happened.Happened(session, instance, loaded.application, workflow, ran, created, data,
                                          self.mail))
        session.flush()
        return created

    def _update_application(self, session: Session, app: Application, data: dict[str, Any],
                            actor_id: int | None, instance_id: int) -> None:
        stage, status = data.get("stage", app.stage), data.get("status", app.status)
        now = utcnow()
        if (stage, status) != (app.stage, app.status):
            audit.record(session, "stage_changed", actor_id=actor_id, instance_id=instance_id,
                         application_id=app.id, data={"stage": [app.stage, stage], "status": [app.status, status]})
            if status == "submitted" and app.submitted_at is None:
                app.submitted_at = now
            if status == "awarded" and app.awarded_at is None:
                app.awarded_at = now
            if stage == "closed":
                app.closed_at = now
            app.stage, app.status = stage, status
        summary = dict(app.summary or {})
        summary.update({k: data[k] for k in SUMMARY_FIELDS if k in data})
        if summary != (app.summary or {}):
            app.summary = summary
        if isinstance(data.get("title"), str) and data["title"]:
            app.title = data["title"]
        if isinstance(data.get("city"), str) and data["city"]:
            app.city = data["city"]

    # -- starting -----------------------------------------------------------------------------
    def start_application(self, call_id: int, title: str, actor_id: int) -> Application:
        """Create an application on an open call and start its track's current process version."""
        with self._transaction() as session:
            actor = _user(session, actor_id)
            if not actor.has_role("applicant"):
                raise NotAllowed("只有申报单位可以发起申报")
            call = session.get(Call, call_id)
            if call is None:
                raise NotFound(f"申报批次 {call_id} 不存在")
            now = utcnow()
            if call.status != "open" or not (call.opens_at <= now <= call.closes_at):
                raise Conflict("该申报批次未开放或已截止")
            version = repository.latest(session, call.process_key)
            if version is None:
                raise NotFound(f"流程 {call.process_key} 尚未部署")
            city = actor.organization.city if actor.organization else None
            app = Application(call_id=call.id, organization_id=actor.organization_id, applicant_user_id=actor.id,
                              track=call.track, title=title, city=city, stage="application", status="draft",
                              created_at=now, updated_at=now)
            session.add(app)
            session.flush()
            self._start(session, version, self._start_data(session, app, call), actor.id, app)
            return app

    def start_instance(self, process_key: str, data: dict[str, Any], actor_id: int | None = None) -> int:
        """Start the newest version of any deployed process with `data`; returns the instance id."""
        with self._transaction() as session:
            version = repository.latest(session, process_key)
            if version is None:
                raise NotFound(f"流程 {process_key} 尚未部署")
            return self._start(session, version, data, actor_id, None).id

    def _start(self, session: Session, version: ProcessVersion, data: dict[str, Any], actor_id: int | None,
               app: Application | None) -> ProcessInstance:
        spec, subs = repository.specs(session, version.id)
        workflow = BpmnWorkflow(spec, subs, script_engine=self.script_engine)
        start = workflow.get_next_task(state=TaskState.READY)
        start.data.update(data)
        # The application row is rolled back with a failed start: the incident names only the version.
        self._steps(workflow, lambda: None, Where(version_id=version.id))
        now = utcnow()
        instance = ProcessInstance(version_id=version.id, application_id=app.id if app else None, status="running",
                                   state_json="{}", serializer_version=serialization.SERIALIZER_VERSION,
                                   created_at=now, updated_at=now)
        session.add(instance)
        session.flush()
        audit.record(session, "start", actor_id=actor_id, instance_id=instance.id,
                     application_id=app.id if app else None,
                     data={"process": version.process_key, "version": version.version, "start_data": data})
        self._save(Loaded(session, instance, workflow, app), actor_id)
        return instance

    def _start_data(self, session: Session, app: Application, call: Call) -> dict[str, Any]:
        return {
            "application_id": app.id, "applicant_user_id": app.applicant_user_id,
            "organization_id": app.organization_id, "call_id": call.id, "track": call.track,
            "city": app.city, "title": app.title, "expert_count": call.expert_count,
            "call_closes_at": call.closes_at.isoformat(),
            "reference": reference.start_data(session, calendar.china_date(utcnow())),
        }

    # -- tasks --------------------------------------------------------------------------------
    def _open_row(self, session: Session, task_id: int) -> HumanTask:
        row = session.get(HumanTask, task_id)
        if row is None:
            raise TaskNotFound(f"任务 {task_id} 不存在")
        if row.state != "open":
            raise TaskConflict("任务已完成或已取消")
        return row

    def complete_task(self, task_id: int, data: dict[str, Any], actor_id: int) -> list[HumanTask]:
        """Validate the form and complete the task; returns the caller's new open rows."""
        with self._transaction() as session:
            actor = _user(session, actor_id)
            row = self._open_row(session, task_id)
            if not can_work(actor, row):
                raise NotAllowed("这不是您的任务")
            loaded = self._load(session, row.instance_id)
            task = _ready_task(loaded.workflow, row)
            deadline = inbox.not_after(task, live_values(loaded.application))
            if deadline is not None and utcnow() > deadline:
                raise Conflict(f"已超过截止时间（{deadline.astimezone(CHINA):%Y-%m-%d %H:%M}），不能再提交")
            clean = self._checked_form(session, row, task, data, loaded.application)
            self._steps(loaded.workflow, lambda: _run_with(task, clean), loaded.where)
            now = utcnow()
            claimed = session.execute(
                update(HumanTask).where(HumanTask.id == row.id, HumanTask.state == "open")
                .values(state="done", completed_by=actor.id, completed_at=now, data=clean,
                        assignee_id=actor.id).execution_options(synchronize_session="fetch")
            )
            if _rowcount(claimed) != 1:
                raise TaskConflict("任务已完成或已取消")
            reviews.record_scored(session, row, clean)
            audit.record(session, "complete", actor_id=actor.id, instance_id=row.instance_id,
                         application_id=row.application_id, task_name=row.spec_name, data=clean)
            created = self._save(loaded, actor.id)
            return [r for r in created if can_work(actor, r)]

    def _validate_form(self, session: Session, row: HumanTask, task: Task, data: dict[str, Any],
                       app: Application | None) -> dict[str, Any]:
        if not row.form_key:
            return {}
        names = _field_names(row.form_key)
        today = calendar.china_date(utcnow())
        facts = {"funding_cap_wan": app.call.funding_cap_wan} if app is not None else {}
        context = forms.FormContext(task_data={**task.data, **facts}, today=today,
                                    choices=reviews.choices(session, names, app, today))
        try:
            return forms.load(row.form_key, data, context)
        except ValidationError as e:
            raise FormInvalid(e.messages_dict if isinstance(e.messages, dict) else {"_schema": e.messages}) from e

    def _checked_form(self, session: Session, row: HumanTask, task: Task, data: dict[str, Any],
                      app: Application | None) -> dict[str, Any]:
        """The validated form; an application form is also refused while a required document of its call is
        missing (engine.required_documents), together with the form's own errors."""
        documents = refusal(session, app) if app is not None and str(row.form_key or "").startswith(
            APPLICATION_FORM_PREFIX) else {}
        try:
            clean = self._validate_form(session, row, task, data, app)
        except FormInvalid as e:
            raise FormInvalid({**e.errors, **documents}) from e
        if documents:
            raise FormInvalid(documents)
        return clean

    def save_draft(self, task_id: int, data: dict[str, Any], actor_id: int) -> HumanTask:
        """Keep a partly filled form on the task (types checked, required fields not) without completing it."""
        with self._transaction() as session:
            actor = _user(session, actor_id)
            row = self._open_row(session, task_id)
            if not can_work(actor, row):
                raise NotAllowed("这不是您的任务")
            if not row.form_key:
                return row
            try:
                row.data = forms.load(row.form_key, data, partial=True)
            except ValidationError as e:
                raise FormInvalid(e.messages_dict if isinstance(e.messages, dict) else {"_schema": e.messages}) from e
            audit.record(session, "save_draft", actor_id=actor.id, instance_id=row.instance_id,
                         application_id=row.application_id, task_name=row.spec_name)
            return row

    def task_data(self, task_id: int) -> dict[str, Any]:
        """The workflow data a task sees now (what its form starts from), drafts merged in."""
        with self.sessions() as session:
            row = session.get(HumanTask, task_id)
            if row is None:
                raise TaskNotFound(f"任务 {task_id} 不存在")
            if row.state != "open":
                return dict(row.data or {})
            loaded = self._load(session, row.instance_id)
            task = loaded.workflow.get_task_from_id(UUID(row.task_guid))
            data = dict(task.data) if task is not None else {}
            data.update(row.data or {})
            return data

    def claim(self, task_id: int, actor_id: int) -> HumanTask:
        """Take a group task into one's own inbox."""
        with self._transaction() as session:
            actor = _user(session, actor_id)
            row = self._open_row(session, task_id)
            if row.assignee_id == actor.id:
                return row
            if row.assignee_id is not None:
                raise TaskConflict("任务已被他人领取")
            if not can_work(actor, row):
                raise NotAllowed("您无权领取此任务")
            result = session.execute(
                update(HumanTask).where(HumanTask.id == row.id, HumanTask.assignee_id.is_(None),
                                        HumanTask.state == "open")
                .values(assignee_id=actor.id).execution_options(synchronize_session="fetch"))
            if _rowcount(result) != 1:
                raise TaskConflict("任务已被他人领取")
            audit.record(session, "claim", actor_id=actor.id, instance_id=row.instance_id,
                         application_id=row.application_id, task_name=row.spec_name)
            return row

    def unclaim(self, task_id: int, actor_id: int) -> HumanTask:
        """Give a claimed group task back to the group."""
        with self._transaction() as session:
            actor = _user(session, actor_id)
            row = self._open_row(session, task_id)
            if row.preassigned:
                raise NotAllowed("指定给您的任务不能退回任务池")
            if row.assignee_id != actor.id:
                raise TaskConflict("任务不在您名下") if row.assignee_id else NotAllowed("任务未被领取")
            row.assignee_id = None
            audit.record(session, "unclaim", actor_id=actor.id, instance_id=row.instance_id,
                         application_id=row.application_id, task_name=row.spec_name)
            return row

    # -- messages and timers ------------------------------------------------------------------
    def send_message(self, application_id: int, name: str, payload: dict[str, Any], actor_id: int | None,
                     attach: Callable[[Session, Application], dict[str, Any]] | None = None) -> Application:
        """Deliver a BPMN message (withdrawal, termination, objection) to an application's process.

        `actor_id` None is the anonymous public, allowed only for "public" messages; its audit entry
        names no user and keeps only what `attach` added (personal data stays in the process and its
        own records). `attach` runs inside the transaction once the process is known to wait for the
        message, and returns fields added to the payload (the id of the objection row it recorded).
        """
        sender = MESSAGE_SENDERS.get(name)
        if sender is None:
            raise NotFound(f"未知消息 {name}")
        if actor_id is None and sender != "public":
            raise NotAllowed("请先登录")
        with self._transaction() as session:
            actor = _user(session, actor_id) if actor_id is not None else None
            app = session.get(Application, application_id)
            if app is None or sender != "public" and not (actor and can_see_application(session, actor, app)):
                raise NotFound(f"申报 {application_id} 不存在")
            if sender == "owner" and actor and not (app.applicant_user_id == actor.id or (
                    actor.has_role("applicant") and actor.organization_id == app.organization_id)):
                raise NotAllowed("只有申报单位本身可以撤回申报")
            if sender == "officer" and actor and not actor.has_role("officer"):
                raise NotAllowed("只有科技厅经办人员可以终止")
            try:
                clean = forms.load(MESSAGE_PAYLOAD[name], payload)
            except ValidationError as e:
                raise FormInvalid(e.messages_dict) from e
            instance = session.scalar(select(ProcessInstance).where(ProcessInstance.application_id == app.id))
            if instance is None:
                raise NotFound("该申报没有流程实例")
            loaded = self._load(session, instance.id)
            waiting = _waiting_for(loaded.workflow, name)
            if waiting is None:
                raise Conflict(_not_waiting_message(name))
            extra = attach(session, app) if attach is not None else {}
            by = actor.id if actor else None
            self._steps(loaded.workflow, lambda: loaded.workflow.send_event(
                BpmnEvent(waiting, payload={**clean, **extra, "by": by, "at": utcnow().isoformat()})), loaded.where)
            audit.record(session, "message", actor_id=by, instance_id=instance.id, application_id=app.id,
                         task_name=name, data=clean if actor else {"from": "public", **extra})
            self._save(loaded, by)
            return app

    def withdraw(self, application_id: int, actor_id: int, reason: str = "申报单位主动撤回") -> Application:
        """The applicant withdraws (any time before award)."""
        return self.send_message(application_id, "applicant_withdrew", {"reason": reason}, actor_id)

    def terminate(self, application_id: int, actor_id: int, reason: str) -> Application:
        """The officer terminates an application or project."""
        return self.send_message(application_id, "officer_terminated", {"reason": reason}, actor_id)

    def due_instances(self, now: datetime | None = None, limit: int = 500) -> list[int]:
        """Ids of instances whose next timer is due."""
        return [instance_id for _, instance_id in self.due_page(now or utcnow(), limit)]

    def due_page(self, now: datetime, limit: int = 500,
                 after: tuple[datetime, int] | None = None) -> list[tuple[datetime, int]]:
        """(next_timer_at, id) of due instances in that order, the page after `after`."""
        stmt = (select(ProcessInstance.next_timer_at, ProcessInstance.id)
                .where(ProcessInstance.next_timer_at <= now, ProcessInstance.status.in_(TIMED_STATUSES))
                .order_by(ProcessInstance.next_timer_at, ProcessInstance.id).limit(limit))
        if after is not None:
            # keyset paging: an instance whose timer fails stays due but is not picked again this pass
            stmt = stmt.where(tuple_(ProcessInstance.next_timer_at, ProcessInstance.id) > after)
        with self.sessions() as session:
            return [(moment, instance_id) for moment, instance_id in session.execute(stmt).all()
                    if moment is not None]

    def fire_timers(self, instance_id: int, due_by: datetime | None = None, origin: str = "scheduler") -> bool:
        """Refresh one instance's timers and run what they release; True if anything changed.

        With `due_by`, the instance row is locked first and left alone when another scheduler pass
        holds it or when its next timer is no longer due by then (another pass fired it already).
        """
        with self._transaction(origin) as session:
            if due_by is not None and session.scalar(
                    select(ProcessInstance.id)
                    .where(ProcessInstance.id == instance_id, ProcessInstance.next_timer_at <= due_by,
                           ProcessInstance.status.in_(TIMED_STATUSES))
                    .with_for_update(skip_locked=True)) is None:
                return False
            loaded = self._load(session, instance_id, catch_up=False)
            fired = self._catch_up(loaded)
            self._save(loaded, None)
            return fired

    def recount_deadlines(self, instance_id: int, years: Collection[int],
                          actor_id: int | None = None) -> list[recount.Moved]:
        """Count again the instance's working-day deadlines through `years` after their holiday schedule
        changed: waiting timers, the data values they read, open tasks' due dates; audited, officers told."""
        with self._transaction() as session:
            loaded = self._load(session, instance_id)
            moved = recount.apply(session, loaded.instance, loaded.workflow, years, utcnow())
            if moved:
                recount.announce(session, loaded.instance, moved, years, actor_id)
            self._save(loaded, actor_id)
            return moved

    def fire_due_timers(self, now: datetime | None = None) -> list[int]:
        """Fire every due timer, one instance per transaction; returns the instances that moved."""
        now = now or utcnow()
        moved = []
        after: tuple[datetime, int] | None = None
        while batch := self.due_page(now, after=after):
            after = batch[-1]
            for _, instance_id in batch:
                try:
                    if self.fire_timers(instance_id, due_by=now):
                        moved.append(instance_id)
                except Conflict:
                    continue
        return moved


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise NotAllowed("用户不存在或已停用")
    return user


def _ready_task(workflow: BpmnWorkflow, row: HumanTask) -> Task:
    task = workflow.get_task_from_id(UUID(row.task_guid))
    if task is None or task.state != TaskState.READY:
        raise TaskConflict("任务已不在待办状态")
    return task


def _run_with(task: Task, clean: dict[str, Any]) -> None:
    task.set_data(**clean)
    output_item = getattr(task.task_spec, "output_item", None) or getattr(
        getattr(task.parent, "task_spec", None), "output_item", None)
    if output_item is not None:
        task.data[output_item.bpmn_id] = dict(clean)
    task.run()
    serialization.remember_completed(task)


def _waiting_for(workflow: BpmnWorkflow, name: str) -> Any:
    for task in workflow.get_tasks(state=TaskState.WAITING):
        event = getattr(task.task_spec, "event_definition", None)
        if event is not None and getattr(event, "name", None) == name:
            return event
    return None


def _not_waiting_message(name: str) -> str:
    return {"applicant_withdrew": "当前阶段不能撤回（立项决定后不可撤回）",
            "officer_terminated": "当前阶段不能终止",
            "objection_filed": "当前不在公示期，不能提出异议"}.get(name, "流程当前不接收此消息")


def _completed(workflow: BpmnWorkflow) -> list[Task]:
    # Not get_tasks(state=COMPLETED): it does not look below unfinished tasks, where a finished
    # multi-instance child or boundary-event branch sits.
    return [t for t in workflow.get_tasks() if t.state == TaskState.COMPLETED]


def _finished(workflow: BpmnWorkflow) -> set[UUID]:
    return {t.id for t in _completed(workflow)}


def _waiting_timer_ids(workflow: BpmnWorkflow) -> set[UUID]:
    from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

    return {t.id for t in workflow.get_tasks(state=TaskState.WAITING)
            if isinstance(getattr(t.task_spec, "event_definition", None), TimerEventDefinition)}


@lru_cache(maxsize=256)
def _field_names(form_key: str) -> frozenset[str]:
    return frozenset(f.name for f in forms.fields_of(form_key))




def _rowcount(result: Any) -> int:
    return int(result.rowcount)




__all__ = ["APPLICATION_STATUSES", "Runtime", "WorkflowException", "current_data"]
