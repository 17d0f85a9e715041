"""Deadlines counted through 2027 before its schedule was published move when it is entered.

A publicity period started on Thursday 4 February 2027 counts 5 working days across Spring Festival:
with only the statutory days known (2-5 to 2-8 off) it ends on 2-15; the published schedule
(2-5 to 2-11 off) makes it 2-18, and the waiting timer, the data it reads and the officers follow.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import time_machine
from sqlalchemy import select

from engine.holidays import entry, notes
from engine.holidays.source import CalendarView
from engine.lifecycle import Lifecycle, china
from engine.models import AuditEvent, HumanTask, Notification, User, WorkingDayCount
from engine.runtime import Runtime, current_data
from web.ticking import run_tick

SCHEDULE_2027 = Path(__file__).parent / "data" / "holidays_2027.txt"
OLD_END, NEW_END = china(2027, 2, 15, 23, 59, 59), china(2027, 2, 18, 23, 59, 59)


def at(moment: datetime) -> time_machine.travel:
    return time_machine.travel(moment, tick=False)


def tick(runtime: Runtime, now: datetime) -> list[int]:
    """One scheduler pass as of `now` (`rootball tick --now`); the instances whose timers fired."""
    fired: list[int] = run_tick(runtime.sessions, now)["timer_instances"]
    return fired


def in_publicity(runtime: Runtime) -> Lifecycle:
    lc = Lifecycle(runtime, "T1")
    lc.to_expert_review(china(2027, 1, 25, 9, 0))
    with at(china(2027, 1, 26, 9, 0)):
        lc.score()
    with at(china(2027, 2, 4, 10, 0)):
        lc.award()
    assert lc.status() == ("in_review", "publicity")
    return lc


def at_expert_review(runtime: Runtime) -> Lifecycle:
    lc = Lifecycle(runtime, "T2")
    lc.to_expert_review(china(2027, 2, 1, 9, 0))  # expert scoring: 10 working days from Monday 1 February
    return lc


def _waiting_data(runtime: Runtime, lc: Lifecycle) -> dict[str, object]:
    with runtime.sessions() as session:
        instance = lc.instance()
        workflow = runtime.store.load(session, instance)
    return current_data(workflow)


def import_2027(runtime: Runtime, admin: int) -> entry.Change:
    days = entry.parse_file(SCHEDULE_2027.read_text("utf-8"), "2027年节假日安排.txt")
    with at(china(2027, 2, 5, 9, 0)):
        return entry.change(runtime, days, admin)


def test_publicity_across_spring_festival_moves_when_2027_is_published(runtime: Runtime,
                                                                       users: dict[str, int]) -> None:
    lc = in_publicity(runtime)
    experts = at_expert_review(runtime)

    # before: only the statutory days are known, and everything counted through 2027 says so
    assert datetime.fromisoformat(str(_waiting_data(runtime, lc)["publicity_ends_at"])) == OLD_END
    assert lc.instance().next_timer_at == OLD_END + timedelta(seconds=1)
    with runtime.sessions() as session:
        counted = session.scalars(select(WorkingDayCount).where(
            WorkingDayCount.instance_id == lc.instance().id)).one()
        assert (counted.days, counted.names, counted.first_year, counted.last_year) == (
            5, ["publicity_ends_at"], 2027, 2027)
        scoring = session.scalars(select(HumanTask).where(HumanTask.application_id == experts.app_id,
                                                          HumanTask.state == "open")).all()
        assert {t.due_at for t in scoring} == {china(2027, 2, 17, 23, 59, 59)}
        assert {t.due_in for t in scoring} == {"P10WD"}
        view = CalendarView(session)
        assert notes.task_note(view, scoring[0]) == "2027 年放假安排尚未录入，按法定节日推算"

    change = import_2027(runtime, users["admin"])

    # after: the same period ends on the published dates, the timer waits for the new end
    assert change.years[2027].official and change.recounted.failed == []
    assert datetime.fromisoformat(str(_waiting_data(runtime, lc)["publicity_ends_at"])) == NEW_END
    assert lc.instance().next_timer_at == NEW_END + timedelta(seconds=1)
    moved = {(m.application_id, m.kind, m.name): (m.before, m.after) for m in change.recounted.moved}
    assert moved[(lc.app_id, "timer", "publicity_timer")] == (OLD_END, NEW_END)
    # scoring: 2-2, 2-3, 2-4, then 2-12 … 2-19 and Saturday 2-20, a make-up working day
    new_due = china(2027, 2, 20, 23, 59, 59)
    assert {k[1:]: v for k, v in moved.items() if k[0] == experts.app_id} == {
        ("task", "expert_score"): (china(2027, 2, 17, 23, 59, 59), new_due)}
    assert any("公示期满 2027-02-15 → 2027-02-18" in line for line in change.summary())
    with runtime.sessions() as session:
        scoring = session.scalars(select(HumanTask).where(HumanTask.application_id == experts.app_id,
                                                          HumanTask.state == "open")).all()
        assert {t.due_at for t in scoring} == {new_due}
        assert notes.task_note(CalendarView(session), scoring[0]) is None
        officer = session.get(User, users["officer"])
        assert officer is not None
        told = session.scalars(select(Notification.text).where(Notification.user_id == officer.id)).all()
        assert any("公示期满 2027-02-15 → 2027-02-18" in t and "2027 年放假安排已更新" in t for t in told)
        assert any("专家评分（回避声明） 2027-02-17 → 2027-02-20" in t for t in told)
        audited = session.scalars(select(AuditEvent).where(AuditEvent.action == "deadline_recounted",
                                                           AuditEvent.application_id == lc.app_id)).all()
        assert [(e.task_name, e.actor_id) for e in audited] == [("publicity_timer", users["admin"])]

    # the scheduler fires the timer at the new end, not the old one
    assert tick(runtime, china(2027, 2, 16, 0, 0, 5)) == []
    assert lc.status() == ("in_review", "publicity")
    assert tick(runtime, china(2027, 2, 18, 23, 30)) == []
    assert tick(runtime, china(2027, 2, 19, 0, 0, 5)) == [lc.instance().id]
    assert lc.status() == ("awarded", "contract") and lc.open() == ["contract_signing"]


def test_a_deadline_that_passed_stays_and_an_unchanged_year_moves_nothing(runtime: Runtime,
                                                                          users: dict[str, int]) -> None:
    lc = in_publicity(runtime)
    assert tick(runtime, china(2027, 2, 16, 0, 0, 5)) == [lc.instance().id]  # ended under the statutory days
    with at(china(2027, 2, 17, 9, 0)):
        change = entry.change(runtime, entry.parse_file(SCHEDULE_2027.read_text("utf-8"), "2027.txt"),
                              users["admin"])
    # the publicity ended when the statutory days said; only the contract task still counting moves
    assert lc.status() == ("awarded", "contract")
    assert [(m.kind, m.name) for m in change.recounted.moved] == [("task", "contract_signing")]
    assert datetime.fromisoformat(str(_waiting_data(runtime, lc)["publicity_ends_at"])) == OLD_END
    with at(china(2027, 2, 17, 9, 0)):
        again = entry.change(runtime, {2026: []}, users["admin"])
    assert again.recounted.moved == [] and again.recounted.summary() == ["没有需要重新计算的期限"]


def test_a_due_date_set_by_hand_is_not_counted_again(runtime: Runtime, users: dict[str, int]) -> None:
    from engine.deadlines import move_task_due

    experts = at_expert_review(runtime)
    task = experts.play.task(experts.app_id, "expert_score", "expert1")
    by_hand = china(2027, 2, 26, 23, 59, 59)
    move_task_due(runtime.sessions, task.id, by_hand, users["admin"])
    import_2027(runtime, users["admin"])
    with runtime.sessions() as session:
        rows = session.scalars(select(HumanTask).where(HumanTask.application_id == experts.app_id,
                                                       HumanTask.state == "open")).all()
    assert {r.id: r.due_at for r in rows}[task.id] == by_hand
    assert {r.due_at for r in rows if r.id != task.id} == {china(2027, 2, 20, 23, 59, 59)}
