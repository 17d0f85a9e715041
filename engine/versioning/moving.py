"""Moving running instances onto another version of their process, and back.

An instance's tasks are matched to the new version's elements by id (the diagram's ids are what an
administrator sees and edits; SpiffWorkflow's own `SpecDiff` matches by shape and may pair a deleted
task with a new one). What the instance has done stays as it is; what it waits on keeps its place,
its inbox row, its assignee and its due date; what it has not reached yet is predicted again from
the new diagram. A waiting task on an element the new version removed cannot move until the
administrator names the element that takes its place (`mapping`).

Each instance moves in its own transaction under its `lock_version`, with its row and inbox rows
from before kept on the migration, so a rollback puts it back exactly as it was.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from engine import audit, clock, repository, serialization
from engine.errors import Conflict, EngineError, NotAllowed, NotFound
from engine.inbox import meta
from engine.models import (
    Application,
    HumanTask,
    InstanceMigration,
    MigrationItem,
    ProcessInstance,
    ProcessVersion,
    User,
    utcnow,
)
from engine.runtime import Loaded, Runtime
from engine.timing import parse_due_in
from engine.versions import diff_files

LIVE = TaskState.READY | TaskState.WAITING
NOT_BEGUN = TaskState.FUTURE | TaskState.PREDICTED_MASK
RUNNING = ("running", "waiting", "error")
ROW_FIELDS = ("state", "title", "lane", "form_key", "candidate_role", "due_in", "due_at", "completed_at")
MAX_INSTANCES = 10_000
INLINE_LIMIT = 200  # larger migrations are moved by the scheduler, a batch per pass


@dataclass
class After:
    """One thing the instance waits on after the move: a task in someone's inbox, a timer, a message."""

    element_id: str
    name: str
    kind: str  # task | timer | event
    assignee_id: int | None = None
    due_at: datetime | None = None
    changed: bool = False  # the element itself changed in the new version

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"element_id": self.element_id, "name": self.name, "kind": self.kind, "assignee_id": self.assignee_id,
                "due_at": self.due_at.isoformat() if self.due_at else None, "changed": self.changed}


@dataclass
class Plan:
    """What moving one instance would do; `workflow` is the moved workflow (not yet stored)."""

    instance_id: int
    application_id: int | None
    from_version_id: int
    can_move: bool = True
    reason: str = ""
    after: list[After] = field(default_factory=list)
    workflow: BpmnWorkflow | None = None
    changed_elements: set[str] = field(default_factory=set)
    mapped: set[str] = field(default_factory=set)  # ids of tasks moved onto another element by the mapping

    def refuse(self, reason: str) -> Plan:
        self.can_move, self.reason, self.workflow = False, reason, None
        return self

    def as_dict(self) -> dict[str, Any]:
        """The API's preview row."""
        return {"instance_id": self.instance_id, "application_id": self.application_id,
                "from_version_id": self.from_version_id, "can_move": self.can_move, "reason": self.reason,
                "open_tasks_after": [a.as_dict() for a in self.after if a.kind == "task"],
                "waiting_after": [a.as_dict() for a in self.after if a.kind != "task"]}


@dataclass
class Outcome:
    """What a migration did."""

    id: int
    migrated: list[int] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)
    pending: list[int] = field(default_factory=list)  # left to the scheduler


def _label(task: Task) -> str:
    spec = task.task_spec
    name = getattr(spec, "bpmn_name", None) or ""
    element_id = getattr(spec, "bpmn_id", None) or spec.name
    return f"「{name}」({element_id})" if name else f"({element_id})"


def _changed_element_ids(old: dict[str, str], new: dict[str, str]) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(process, element) of the elements the new version changed, and of those whose timers changed."""
    diff = diff_files(old, new)
    changed = {(c.element.process, c.element.element_id) for c in diff.changed}
    timers = {(c.element.process, c.element.element_id) for c in diff.changed
              if any("timerEventDefinition" in ch.field or "time" in ch.field.lower() for ch in c.changes)}
    return changed, timers


class Mover:
    """Plans and performs moves onto one target version (specs and differences worked out once)."""

    def __init__(self, runtime: Runtime, session: Session, to_version_id: int, mapping: dict[str, str] | None = None):
        self.runtime = runtime
        target = session.get(ProcessVersion, to_version_id)
        if target is None or target.state != "deployed" or not target.spec_json:
            raise NotFound(f"流程版本 {to_version_id} 不存在或不是可运行的流程")
        self.target = target
        self.files = dict(target.files)
        session.expunge(target)  # used across the migration's transactions: its columns are read once here
        self.spec, self.subs = repository.specs(session, target.id)
        self.mapping = {str(k): str(v) for k, v in (mapping or {}).items()}
        self._differences: dict[int, tuple[set[tuple[str, str]], set[tuple[str, str]]]] = {}

    def _spec_for(self, name: str) -> BpmnProcessSpec | None:
        return self.spec if name == self.spec.name else self.subs.get(name)

    def differences(self, session: Session, version_id: int) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
        if version_id not in self._differences:
            old = session.get(ProcessVersion, version_id)
            assert old is not None
            self._differences[version_id] = _changed_element_ids(dict(old.files), self.files)
        return self._differences[version_id]

    # -- planning ------------------------------------------------------------------------------
    def plan(self, session: Session, instance: ProcessInstance) -> Plan:
        """What moving `instance` would do (nothing is written)."""
        plan = Plan(instance.id, instance.application_id, instance.version_id)
        if instance.status not in RUNNING:
            return plan.refuse("流程已结束，无需迁移")
        if instance.version_id == self.target.id:
            return plan.refuse("已在目标版本上")
        old = session.get(ProcessVersion, instance.version_id)
        if old is None or old.process_key != self.target.process_key:
            return plan.refuse("目标版本属于另一个流程")
        workflow = self.runtime.store.load(session, instance)
        workflow.script_engine = self.runtime.script_engine
        changed, timers = self.differences(session, instance.version_id)
        try:
            problem = self._realign(workflow, changed, timers, plan)
        except EngineError:
            raise
        except Exception as e:  # the engine refused to predict the new diagram from where the instance stands
            return plan.refuse(f"新版本无法从实例当前位置继续：{e}")
        if problem:
            return plan.refuse(problem)
        # The moved state must restore against the new version before anything is stored.
        try:
            serialization.load_state(serialization.dump_state(workflow), self.spec, self.subs)
        except Exception as e:
            return plan.refuse(f"迁移后的实例状态无法按新版本恢复：{e}")
        plan.workflow = workflow
        plan.after = self._after(session, instance, workflow, plan.changed_elements)
        return plan

    def _realign(self, workflow: BpmnWorkflow, changed: set[tuple[str, str]], timers: set[tuple[str, str]],
                 plan: Plan) -> str:
        """Point every task at the new version's element of the same id (or its mapping); '' when all found.

        What lies ahead of a waiting task (its not-begun descendants) is dropped and predicted again
        from the new diagram.
        """
        parts: list[tuple[Any, BpmnProcessSpec]] = []
        for part in [workflow, *workflow.subprocesses.values()]:
            spec = self._spec_for(part.spec.name)
            if spec is None:
                return f"新版本中没有子流程「{part.spec.name}」"
            parts.append((part, spec))
        live = list(workflow.get_tasks(state=LIVE))
        for task in live:
            for child in list(task.children):
                if child.has_state(NOT_BEGUN) and child.id in child.workflow.tasks:
                    child.workflow._remove_task(child.id)
        missing: list[str] = []
        moves: list[tuple[Task, Any]] = []
        for part, spec in parts:
            for task in list(part.tasks.values()):
                name = task.task_spec.name
                target = spec.task_specs.get(name)
                if target is None and name in self.mapping:
                    target = spec.task_specs.get(self.mapping[name])
                    if target is None:
                        return f"映射的新环节 {self.mapping[name]} 在新版本中不存在"
                    if type(target) is not type(task.task_spec):
                        return f"环节 {_label(task)} 不能映射到类型不同的环节 {self.mapping[name]}"
                    if task.has_state(TaskState.READY):  # a new task there: another form, lane and assignee
                        plan.mapped.add(str(_renew_id(task)))
                if target is None:
                    where = "停留在" if task.has_state(LIVE | NOT_BEGUN) else "已经过"
                    missing.append(f"{where}新版本已删除的环节{_label(task)}")
                    continue
                moves.append((task, target))
        if missing:
            return "；".join(dict.fromkeys(missing)) + "。请为它指定新版本中的对应环节（映射）"
        for task, target in moves:
            if task.task_spec.name != target.name:
                plan.changed_elements.add(str(getattr(target, "bpmn_id", None) or target.name))
            task.task_spec = target
        for part, spec in parts:
            part.spec = spec
        workflow.subprocess_specs = self.subs
        for task in live:
            element = (task.workflow.spec.name, str(getattr(task.task_spec, "bpmn_id", "") or ""))
            if element in changed:
                plan.changed_elements.add(element[1])
            if element in timers and isinstance(getattr(task.task_spec, "event_definition", None),
                                                TimerEventDefinition):
                # The changed timer counts from when the instance began waiting on it, as the old one did.
                task.internal_data.pop("event_value", None)
                with clock.as_of(datetime.fromtimestamp(task.last_state_change, UTC)):
                    task.task_spec.event_definition.has_fired(task)
            task.task_spec._predict(task, mask=TaskState.PREDICTED_MASK | TaskState.FUTURE | LIVE)
        return ""

    def _after(self, session: Session, instance: ProcessInstance, workflow: BpmnWorkflow,
               changed: set[str]) -> list[After]:
        rows = {r.task_guid: r for r in session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.state == "open"))}
        after: list[After] = []
        for task in workflow.get_tasks(state=LIVE):
            spec = task.task_spec
            element_id = getattr(spec, "bpmn_id", None)
            if not element_id:
                continue
            name = getattr(spec, "bpmn_name", None) or ""
            is_changed = element_id in changed
            if task.state == TaskState.READY and spec.manual:
                row = rows.get(str(task.id))
                due = _due_after(row, task, is_changed)
                after.append(After(element_id, name, "task", row.assignee_id if row else None, due, is_changed))
            elif isinstance(getattr(spec, "event_definition", None), TimerEventDefinition):
                value = task._get_internal_data("event_value")
                due = datetime.fromisoformat(value) if isinstance(value, str) else None
                after.append(After(element_id, name, "timer", None, due, is_changed))
            elif task.state == TaskState.WAITING:
                after.append(After(element_id, name, "event", None, None, is_changed))
        return after

    # -- moving --------------------------------------------------------------------------------
    def move(self, session: Session, instance: ProcessInstance, item: MigrationItem,
             actor_id: int | None) -> MigrationItem:
        """Move one instance inside the caller's transaction; a refused move is recorded with its reason."""
        plan = self.plan(session, instance)
        item.from_version_id, item.outcome, item.reason = instance.version_id, "refused", plan.reason
        if not plan.can_move or plan.workflow is None:
            return item
        open_rows = session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.state == "open")).all()
        item.before = {
            "version_id": instance.version_id, "state_json": instance.state_json, "status": instance.status,
            "serializer_version": instance.serializer_version, "positions": instance.positions,
            "next_timer_at": instance.next_timer_at.isoformat() if instance.next_timer_at else None,
            "rows": [_row_snapshot(r) for r in open_rows],
        }
        old_version = instance.version_id
        instance.version_id = self.target.id
        app = session.get(Application, instance.application_id) if instance.application_id else None
        done = {t.id for t in plan.workflow.get_tasks() if t.state == TaskState.COMPLETED}
        loaded = Loaded(session, instance, plan.workflow, app, done)
        created = self.runtime._save(loaded, actor_id)
        by_guid = {str(a_task.id): a_task for a_task in plan.workflow.get_tasks(state=TaskState.READY, manual=True)}
        for row in open_rows:
            task = by_guid.get(row.task_guid)
            if task is None or row.state != "open":
                continue
            if getattr(task.task_spec, "bpmn_id", None) in plan.changed_elements:
                _refresh_row(row, task)
        item.before["created_row_ids"] = [r.id for r in created]
        item.outcome, item.reason = "migrated", ""
        session.flush()
        item.lock_version_after = instance.lock_version
        audit.record(session, "migrate", actor_id=actor_id, instance_id=instance.id,
                     application_id=instance.application_id,
                     task_name=f"{self.target.process_key} v{self.target.version}",
                     data={"migration_id": item.migration_id, "from_version_id": old_version,
                           "to_version_id": self.target.id, "mapping": self.mapping})
        return item


def _renew_id(task: Task) -> UUID:
    """Give a task a fresh id (its inbox row belongs to the element it leaves)."""
    workflow, old, new = task.workflow, task.id, uuid4()
    del workflow.tasks[old]
    task.id = new
    workflow.tasks[new] = task
    parent = task.parent
    if parent is not None:
        parent._children = [new if child == old else child for child in parent._children]
    for child in task.children:
        child._parent = new
    return new


def _due_after(row: HumanTask | None, task: Task, changed: bool) -> datetime | None:
    """An open task keeps its due date unless its element's due period changed (then counted from when it opened)."""
    if row is None:
        return None
    due_in = meta(task).due_in
    if changed and due_in != row.due_in:
        return parse_due_in(due_in).due_from(row.created_at) if due_in else None
    return row.due_at


def _refresh_row(row: HumanTask, task: Task) -> None:
    m = meta(task)
    row.due_at = _due_after(row, task, True)
    row.title, row.lane, row.form_key, row.due_in, row.spec_name = m.title, m.lane, m.form_key, m.due_in, m.spec_name
    row.candidate_role = m.lane


def _row_snapshot(row: HumanTask) -> dict[str, Any]:
    values: dict[str, Any] = {"id": row.id, "spec_name": row.spec_name}
    for name in ROW_FIELDS:
        value = getattr(row, name)
        values[name] = value.isoformat() if isinstance(value, datetime) else value
    return values


def _admin(session: Session, actor_id: int) -> User:
    actor = session.get(User, actor_id)
    if actor is None or not actor.active or not actor.has_role("admin"):
        raise NotAllowed("只有系统管理员可以迁移流程实例")
    return actor


def _instances(session: Session, process_key: str, instance_ids: list[int]) -> list[int]:
    if len(instance_ids) > MAX_INSTANCES:
        raise Conflict(f"一次最多迁移 {MAX_INSTANCES} 个实例")
    found = session.scalars(select(ProcessInstance.id).join(ProcessVersion).where(
        ProcessInstance.id.in_(instance_ids), ProcessVersion.process_key == process_key)).all()
    missing = sorted(set(instance_ids) - set(found))
    if missing:
        raise NotFound(f"流程实例 {', '.join(map(str, missing[:10]))} 不存在或不属于该流程")
    return sorted(set(instance_ids))


def preview(runtime: Runtime, to_version_id: int, instance_ids: list[int], mapping: dict[str, str] | None,
            actor_id: int) -> list[Plan]:
    """What each instance would look like after the move; nothing is written."""
    with runtime.sessions() as session:
        _admin(session, actor_id)
        mover = Mover(runtime, session, to_version_id, mapping)
        ids = _instances(session, mover.target.process_key, instance_ids)
        plans = []
        for instance_id in ids:
            instance = session.get(ProcessInstance, instance_id)
            assert instance is not None
            plans.append(mover.plan(session, instance))
            session.expire_all()
        return plans


def migrate(runtime: Runtime, to_version_id: int, instance_ids: list[int], mapping: dict[str, str] | None,
            actor_id: int, inline_limit: int = INLINE_LIMIT) -> Outcome:
    """Record a migration of the instances and move them, one transaction each.

    Up to `inline_limit` instances move at once; a larger migration is left to the scheduler, which
    moves its pending instances a batch per pass (the migration's page shows the progress).
    """
    with runtime._transaction() as session:
        _admin(session, actor_id)
        mover = Mover(runtime, session, to_version_id, mapping)
        ids = _instances(session, mover.target.process_key, instance_ids)
        migration = InstanceMigration(to_version_id=mover.target.id, mapping=mover.mapping, created_by=actor_id,
                                      created_at=utcnow())
        session.add(migration)
        session.flush()
        versions = dict(session.execute(select(ProcessInstance.id, ProcessInstance.version_id)
                                        .where(ProcessInstance.id.in_(ids))).tuples().all())
        session.execute(insert(MigrationItem), [
            {"migration_id": migration.id, "instance_id": i, "outcome": "pending", "reason": "",
             "from_version_id": versions[i]} for i in ids])
        audit.record(session, "migration", actor_id=actor_id,
                     task_name=f"{mover.target.process_key} v{mover.target.version}",
                     data={"migration_id": migration.id, "instances": len(ids), "mapping": mover.mapping})
        migration_id = migration.id
    if len(ids) <= inline_limit:
        work(runtime, migration_id=migration_id, mover=mover)
    return outcome_of(runtime, migration_id)


def outcome_of(runtime: Runtime, migration_id: int) -> Outcome:
    """What a migration has done so far."""
    outcome = Outcome(migration_id)
    with runtime.sessions() as session:
        for instance_id, result, reason in session.execute(
                select(MigrationItem.instance_id, MigrationItem.outcome, MigrationItem.reason)
                .where(MigrationItem.migration_id == migration_id).order_by(MigrationItem.id)).all():
            if result == "migrated":
                outcome.migrated.append(instance_id)
            elif result == "restored":
                continue
            elif result == "pending":
                outcome.pending.append(instance_id)
            else:
                outcome.refused.append({"instance_id": instance_id, "reason": reason})
    return outcome


def work(runtime: Runtime, migration_id: int | None = None, seconds: float | None = None,
         mover: Mover | None = None) -> int:
    """Move pending instances (of one migration, or of all, oldest first) until none is left or `seconds`
    have passed; returns how many were handled. Each instance is its own transaction."""
    started = time.monotonic()
    movers: dict[int, Mover] = {migration_id: mover} if mover is not None and migration_id is not None else {}
    handled = 0
    while seconds is None or time.monotonic() - started < seconds:
        with runtime.sessions() as session:
            query = (select(MigrationItem.id, MigrationItem.migration_id, MigrationItem.instance_id)
                     .where(MigrationItem.outcome == "pending").order_by(MigrationItem.id).limit(100))
            if migration_id is not None:
                query = query.where(MigrationItem.migration_id == migration_id)
            batch = session.execute(query).tuples().all()
            for _item, owner, _instance in batch:
                if owner not in movers:
                    migration = session.get(InstanceMigration, owner)
                    assert migration is not None
                    movers[owner] = Mover(runtime, session, migration.to_version_id, migration.mapping)
        if not batch:
            break
        for item_id, owner, instance_id in batch:
            if seconds is not None and time.monotonic() - started >= seconds:
                break
            _move_one(runtime, movers[owner], item_id, instance_id)
            handled += 1
    return handled


def _move_one(runtime: Runtime, mover: Mover, item_id: int, instance_id: int) -> None:
    try:
        with runtime._transaction() as session:
            item = session.get(MigrationItem, item_id)
            instance = session.get(ProcessInstance, instance_id)
            if item is None or instance is None or item.outcome != "pending":
                return
            migration = session.get(InstanceMigration, item.migration_id)
            actor = migration.created_by if migration is not None else None
            mover.move(session, instance, item, actor)
    except Conflict as e:
        with runtime._transaction() as session:
            item = session.get(MigrationItem, item_id)
            if item is not None and item.outcome == "pending":
                item.outcome, item.reason = "refused", f"实例正被他人办理（{e}），未迁移"


def _version_of(session: Session, instance_id: int) -> int:
    version_id = session.scalar(select(ProcessInstance.version_id).where(ProcessInstance.id == instance_id))
    assert version_id is not None
    return int(version_id)


def rollback(runtime: Runtime, migration_id: int, actor_id: int) -> tuple[list[int], list[dict[str, Any]]]:
    """Put every instance of a migration back as it was; one moved on since cannot be (it is listed with why)."""
    with runtime.sessions() as session:
        _admin(session, actor_id)
        migration = session.get(InstanceMigration, migration_id)
        if migration is None:
            raise NotFound(f"迁移记录 {migration_id} 不存在")
        if migration.rolled_back_at is not None:
            raise Conflict("该迁移已回退")
    with runtime._transaction() as session:  # what has not moved yet will not
        session.execute(update(MigrationItem).where(MigrationItem.migration_id == migration_id,
                                                    MigrationItem.outcome == "pending")
                        .values(outcome="refused", reason="迁移已回退，未迁移"))
    with runtime.sessions() as session:
        items = session.execute(select(MigrationItem.id, MigrationItem.instance_id).where(
            MigrationItem.migration_id == migration_id, MigrationItem.outcome == "migrated")
            .order_by(MigrationItem.id)).all()
    restored: list[int] = []
    refused: list[dict[str, Any]] = []
    for item_id, instance_id in items:
        try:
            with runtime._transaction() as session:
                item = session.get(MigrationItem, item_id)
                assert item is not None
                problem = _restore(session, item, actor_id)
                if problem:
                    refused.append({"instance_id": item.instance_id, "reason": problem})
                else:
                    restored.append(item.instance_id)
        except Conflict as e:
            refused.append({"instance_id": instance_id, "reason": f"实例正被他人办理（{e}），未回退"})
    with runtime._transaction() as session:
        migration = session.get(InstanceMigration, migration_id)
        assert migration is not None
        migration.rolled_back_at, migration.rolled_back_by = utcnow(), actor_id
        audit.record(session, "migration_rolled_back", actor_id=actor_id,
                     data={"migration_id": migration_id, "restored": restored, "refused": refused})
    return restored, refused


def _restore(session: Session, item: MigrationItem, actor_id: int) -> str:
    instance = session.get(ProcessInstance, item.instance_id)
    before = item.before or {}
    if instance is None or not before:
        return "没有迁移前的记录"
    if instance.lock_version != item.lock_version_after:
        return "迁移后该实例已有新的办理或变动，不能回退"
    instance.version_id = before["version_id"]
    instance.state_json = before["state_json"]
    instance.status = before["status"]
    instance.serializer_version = before["serializer_version"]
    instance.positions = before["positions"]
    instance.next_timer_at = datetime.fromisoformat(before["next_timer_at"]) if before["next_timer_at"] else None
    now = utcnow()
    for row_id in before.get("created_row_ids", []):
        row = session.get(HumanTask, row_id)
        if row is not None and row.state == "open":
            row.state, row.completed_at = "cancelled", now
    for values in before["rows"]:
        row = session.get(HumanTask, values["id"])
        if row is None:
            continue
        row.spec_name = values["spec_name"]
        for name in ROW_FIELDS:
            value = values[name]
            setattr(row, name, datetime.fromisoformat(value) if name in ("due_at", "completed_at") and value else value)
    item.outcome, item.restored_at = "restored", now
    audit.record(session, "migration_restored", actor_id=actor_id, instance_id=instance.id,
                 application_id=instance.application_id,
                 data={"migration_id": item.migration_id, "version_id": before["version_id"]})
    return ""
