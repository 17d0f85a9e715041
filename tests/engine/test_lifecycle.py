"""Every track's whole lifecycle and each exceptional path, through the engine and the database.

Each step is an engine command, which restores the workflow from the database and saves it back,
on SQLite and on PostgreSQL.
"""
from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from sqlalchemy import select

from engine.errors import Conflict, FormInvalid, NotFound
from engine.lifecycle import Lifecycle, china
from engine.models import AuditEvent, ProcessInstance, ReviewAssignment
from engine.runtime import Runtime

SEP = china(2025, 9, 1, 9, 0)

OBJECTION = {"name": "王明", "organization": "某研究院", "phone": "0771-5550100", "email": "wangming@example.cn",
             "reason": "团队成员履历不实", "truthful": True}


def at(moment):  # type: ignore[no-untyped-def]
    return time_machine.travel(moment, tick=False)


def _review_ready(lc: Lifecycle) -> None:
    lc.to_expert_review(SEP)


@pytest.mark.parametrize("track", ["T1", "T2", "T3", "T4", "T5"])
def test_happy_path_every_track(runtime: Runtime, track: str) -> None:
    lc = Lifecycle(runtime, track)
    lc.happy_path()
    assert lc.status() == ("accepted", "closed")
    assert lc.open() == []
    instance = lc.instance()
    assert instance.status == "complete" and instance.next_timer_at is None
    app = lc.play.application(lc.app_id)
    assert app.submitted_at is not None and app.awarded_at is not None and app.closed_at is not None
    assert app.summary and app.summary["expert_mean"] == pytest.approx(83.0)  # 88, 82, 79, 91, 60 → drop 91 and 60
    with runtime.sessions() as session:
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.application_id == lc.app_id)).all()
    assert actions.count("timer_fired") >= 3 and "start" in actions


def test_publicity_crosses_national_day_with_make_up_day(runtime: Runtime) -> None:
    lc = Lifecycle(runtime, "T4")
    _review_ready(lc)
    with at(SEP):
        lc.score()
    with at(china(2025, 9, 26, 10, 0)):  # Friday; 9-28 (Sunday) is a make-up working day
        lc.award()
    assert lc.status() == ("in_review", "publicity")
    expected = china(2025, 10, 10, 23, 59, 59)  # 9-28, 9-29, 9-30, 10-9, 10-10
    assert lc.instance().next_timer_at is not None
    assert abs((lc.instance().next_timer_at - expected).total_seconds()) <= 1
    assert lc.tick(china(2025, 10, 9, 12, 0)) == [] and lc.open() == []
    assert lc.tick(china(2025, 10, 10, 23, 0)) == []
    assert lc.tick(china(2025, 10, 11, 0, 0, 5)) == [lc.instance().id]
    assert lc.open() == ["contract_signing"]
    assert lc.status() == ("awarded", "contract")


def test_due_dates_count_chinese_working_days(runtime: Runtime) -> None:
    lc = Lifecycle(runtime, "T4")
    with at(china(2025, 9, 26, 15, 0)):  # Friday before National Day; Sunday 9-28 is a make-up working day
        lc.apply()
    row = lc.play.task(lc.app_id, "recommendation")  # dueIn P5WD
    assert row.due_at == china(2025, 10, 10, 23, 59, 59)
    assert row.candidate_role == "recommender" and row.scope == "柳州市"
    with at(china(2025, 9, 26, 15, 0)):
        lc.recommend()
    row = lc.play.task(lc.app_id, "formal_review_task")
    assert row.due_at == china(2025, 10, 10, 23, 59, 59)


def test_ineligible_cannot_be_approved_at_formal_review(runtime: Runtime) -> None:
    lc = Lifecycle(runtime, "T4")
    with at(SEP):
        lc.apply(enterprise={**_t4_enterprise(), "founded_on": "2019-05-01"})
        lc.recommend()
        with pytest.raises(FormInvalid) as raised:
            lc.formal("approve")
        assert "decision" in raised.value.errors
        assert "2021" in str(raised.value.errors["decision"])
        assert lc.open() == ["formal_review_task"]
        lc.formal("reject")
    assert lc.status() == ("rejected", "closed")


def test_too_few_core_members_is_ineligible(runtime: Runtime) -> None:
    from engine import samples

    lc = Lifecycle(runtime, "T2")
    with at(SEP):
        lc.apply(team=samples.team(core=2, advisors=3))
        lc.recommend()
        data = runtime.task_data(lc.play.task(lc.app_id, "formal_review_task").id)
    assert data["eligible"] is False and "3" in data["eligibility_reason"]


def test_returned_once_and_corrected(runtime: Runtime) -> None:
    from engine import samples

    lc = Lifecycle(runtime, "T1")
    with at(SEP):
        lc.apply(team=samples.team(core=2))
        lc.recommend()
        lc.formal("return", correction_days=10)
        assert lc.open() == ["correction"]
        lc.do("correction", lc.applicant, samples.application("T1", title="补正后的申报"))
        assert lc.open() == ["formal_review_task"]
        with pytest.raises(FormInvalid) as raised:
            lc.formal("return")
        assert "decision" in raised.value.errors
        lc.formal("approve")
    assert lc.open() == ["assign_experts"]
    assert lc.play.application(lc.app_id).title == "补正后的申报"
    assert lc.status() == ("in_review", "expert_review")


def test_returned_and_deadline_missed_is_deemed_withdrawn(runtime: Runtime) -> None:
    lc = Lifecycle(runtime, "T3")
    with at(china(2025, 9, 26, 9, 0)):
        lc.apply()
        lc.recommend()
        lc.formal("return", correction_days=5)
    assert lc.tick(china(2025, 10, 9, 12, 0)) == []  # the National Day holiday does not count
    assert lc.open() == ["correction"]
    assert lc.tick(china(2025, 10, 11, 0, 0, 5)) == [lc.instance().id]
    assert lc.status() == ("withdrawn", "closed")
    assert lc.open() == []


def test_expert_conflict_and_replacement(runtime: Runtime) -> None:
    from engine import samples

    lc = Lifecycle(runtime, "T4")
    _review_ready(lc)
    with at(SEP):
        lc.do("expert_score", "expert3", samples.CONFLICT)
        for name in ("expert1", "expert2", "expert4", "expert6"):
            lc.do("expert_score", name, samples.score(80))
        assert lc.open() == ["replace_experts"]
        with pytest.raises(FormInvalid):  # expert3 declared a conflict: cannot be picked again
            lc.do("replace_experts", "officer", {"replacements": [lc.users["expert3"]]})
        lc.do("replace_experts", "officer", {"replacements": [lc.users["expert7"]]})
        assert lc.open() == ["expert_score"]
        lc.do("expert_score", "expert7", samples.score(90))
    assert lc.open() == ["award_decision"]
    with runtime.sessions() as session:
        rows = session.scalars(select(ReviewAssignment).where(ReviewAssignment.application_id == lc.app_id)).all()
        by = {r.expert_id: r for r in rows}
    assert by[lc.users["expert3"]].conflict is True and by[lc.users["expert3"]].score is None
    assert by[lc.users["expert7"]].score == 90
    assert lc.play.application(lc.app_id).summary["expert_mean"] == pytest.approx(80.0)  # 80×4, 90 → drop 90, 80


def test_city_conflict_expert_cannot_be_assigned(runtime: Runtime) -> None:
    lc = Lifecycle(runtime, "T1")  # applicant in 南宁市; expert5 is of 广西大学 in 南宁市
    with at(SEP):
        lc.apply()
        lc.recommend()
        lc.formal()
        with pytest.raises(FormInvalid) as raised:
            lc.assign(["expert1", "expert2", "expert3", "expert4", "expert5"])
    assert "experts" in raised.value.errors


def test_rejected_on_score(runtime: Runtime) -> None:
    lc = Lifecycle(runtime, "T5")
    _review_ready(lc)
    with at(SEP):
        lc.score({"expert1": 50, "expert2": 55, "expert3": 58, "expert4": 40, "expert6": 62})
        data = runtime.task_data(lc.play.task(lc.app_id, "award_decision").id)
        assert data["review_recommendation"] == "not_recommend"
        lc.award("reject")
    assert lc.status() == ("rejected", "closed")


def test_objection_upheld_in_publicity(runtime: Runtime) -> None:
    lc = Lifecycle(runtime, "T2")
    _review_ready(lc)
    with at(SEP):
        lc.score()
        lc.award()
        runtime.send_message(lc.app_id, "objection_filed", OBJECTION, lc.users["expert7"])
        assert lc.open() == ["objection_review"]
        lc.do("objection_review", "officer", {"decision": "reject", "finding": "经核查，异议成立。"})
    assert lc.status() == ("rejected", "closed")
    assert lc.tick(china(2025, 12, 1, 9, 0)) == []


def test_objection_dismissed_keeps_publicity_end(runtime: Runtime) -> None:
    lc = Lifecycle(runtime, "T2")
    _review_ready(lc)
    with at(SEP):
        lc.score()
        lc.award()
        end = lc.instance().next_timer_at
        runtime.send_message(lc.app_id, "objection_filed", OBJECTION, lc.users["officer"])
        lc.do("objection_review", "officer", {"decision": "approve", "finding": "异议不成立。"})
    assert lc.instance().next_timer_at == end
    lc.tick(china(2025, 9, 9, 0, 0, 5))
    assert lc.open() == ["contract_signing"]


def test_contract_not_signed_in_time_revokes_award(runtime: Runtime) -> None:
    lc = Lifecycle(runtime, "T4")
    _review_ready(lc)
    with at(SEP):
        lc.score()
        lc.award()
    lc.tick(china(2025, 9, 9, 0, 0, 5))
    assert lc.open() == ["contract_signing"]
    assert lc.tick(china(2025, 10, 8, 12, 0)) == []
    lc.tick(china(2025, 10, 10, 0, 0, 5))
    assert lc.status() == ("terminated", "closed")
    assert lc.open() == []


def _to_midterm(lc: Lifecycle) -> None:
    _review_ready(lc)
    with at(SEP):
        lc.score()
        lc.award()
    lc.tick(china(2025, 9, 9, 0, 0, 5))
    with at(china(2025, 9, 10, 9, 0)):
        lc.sign("2025-09-10")
    assert lc.status() == ("in_progress", "contract")
    assert lc.tick(china(2027, 3, 9, 9, 0)) == []  # 36 months → midterm after 18
    lc.tick(china(2027, 3, 11, 9, 0))
    assert lc.open() == ["midterm_report"]


def test_midterm_rectify_then_pass(runtime: Runtime) -> None:
    from engine import samples

    lc = Lifecycle(runtime, "T1")
    _to_midterm(lc)
    with at(china(2027, 3, 12, 9, 0)):
        lc.midterm("rectify", rectify_days=20)
        assert lc.open() == ["midterm_rectification"]
        lc.do("midterm_rectification", lc.applicant, samples.DECISIONS["rectification"])
        lc.midterm("approve")
    assert lc.status()[0] == "in_progress" and lc.open() == []
    assert lc.instance().next_timer_at is not None  # waiting for acceptance


def test_midterm_terminate(runtime: Runtime) -> None:
    lc = Lifecycle(runtime, "T3")
    _to_midterm(lc)
    with at(china(2027, 3, 12, 9, 0)):
        lc.midterm("terminate")
    assert lc.status() == ("terminated", "closed")


def test_acceptance_extend_then_pass(runtime: Runtime) -> None:
    lc = Lifecycle(runtime, "T5")
    _to_midterm(lc)
    with at(china(2027, 3, 12, 9, 0)):
        lc.midterm()
    lc.tick(china(2028, 9, 11, 9, 0))
    assert lc.open() == ["final_report"]
    with at(china(2028, 9, 12, 9, 0)):
        with pytest.raises(FormInvalid):
            lc.accept("extend", extension_months=13)
        lc.accept("extend", extension_months=6)
    assert lc.open() == []
    assert lc.tick(china(2029, 3, 9, 9, 0)) == []
    lc.tick(china(2029, 3, 11, 9, 0))
    assert lc.open() == ["final_report"]
    with at(china(2029, 3, 12, 9, 0)):
        with pytest.raises(FormInvalid):
            lc.accept("extend", extension_months=3)
        lc.accept("approve")
    assert lc.status() == ("accepted", "closed")


def test_withdrawal_during_review(runtime: Runtime) -> None:
    lc = Lifecycle(runtime, "T4")
    _review_ready(lc)
    with at(SEP):
        lc.do("expert_score", "expert1", {"conflict": False, "score": 80, "comment": "好"})
        with pytest.raises(NotFound):
            runtime.withdraw(lc.app_id, lc.users["applicant"], "不是我的申报")
        runtime.withdraw(lc.app_id, lc.users["founder"], "团队另有安排")
    assert lc.status() == ("withdrawn", "closed")
    assert lc.open() == []
    assert lc.instance().status == "complete"


def test_no_withdrawal_after_award(runtime: Runtime) -> None:
    lc = Lifecycle(runtime, "T4")
    _review_ready(lc)
    with at(SEP):
        lc.score()
        lc.award()
    lc.tick(china(2025, 9, 9, 0, 0, 5))
    with pytest.raises(Conflict):
        runtime.withdraw(lc.app_id, lc.users["founder"], "太晚了")
    assert lc.open() == ["contract_signing"]


def test_officer_terminates_in_progress_project(runtime: Runtime) -> None:
    lc = Lifecycle(runtime, "T2")
    _to_midterm(lc)
    runtime.terminate(lc.app_id, lc.users["officer"], "项目单位严重违约")
    assert lc.status() == ("terminated", "closed")
    assert lc.open() == []
    with runtime.sessions() as session:
        instance = session.get(ProcessInstance, lc.instance().id)
        assert instance is not None and instance.next_timer_at is None


def _t4_enterprise() -> dict[str, object]:
    from engine import samples

    value: dict[str, object] = samples.application("T4")["enterprise"]
    return dict(value)


def _started_on_call_closing(runtime: Runtime, track: str, closes_at: datetime) -> Lifecycle:
    """An application started on 2025-09-01 on its track's call, which closes at `closes_at`."""
    from sqlalchemy import update

    from engine.models import Call

    lc = Lifecycle(runtime, track)
    with runtime.sessions.begin() as session:
        session.execute(update(Call).where(Call.id == lc.call_id).values(closes_at=closes_at))
    with at(china(2025, 9, 1, 9, 0)):
        lc.app_id = lc.play.start(lc.call_id, lc.applicant, "申报")
    return lc


def test_application_cannot_be_submitted_after_the_call_closes(runtime: Runtime) -> None:
    from engine import samples

    lc = _started_on_call_closing(runtime, "T3", china(2025, 9, 30, 17, 0))
    row = lc.play.task(lc.app_id, "application_form")
    assert row.due_at == china(2025, 9, 30, 17, 0)  # the call deadline is the form's due date
    with at(china(2025, 9, 30, 17, 1)), pytest.raises(Conflict):
        lc.do("application_form", lc.applicant, samples.application("T3"))
    assert lc.open() == ["application_form"]
    with at(china(2025, 9, 30, 16, 0)):
        lc.do("application_form", lc.applicant, samples.application("T3"))
    assert lc.open() == ["recommendation"]


def test_a_moved_call_deadline_applies_to_open_application_forms(runtime: Runtime) -> None:
    from engine import samples
    from engine.deadlines import change_call_deadline

    lc = _started_on_call_closing(runtime, "T5", china(2025, 9, 30, 17, 0))
    change_call_deadline(runtime.sessions, lc.call_id, china(2025, 10, 15, 17, 0), lc.users["admin"], "国庆顺延")
    assert lc.play.task(lc.app_id, "application_form").due_at == china(2025, 10, 15, 17, 0)
    with at(china(2025, 10, 9, 10, 0)):  # after the old deadline, before the new one
        lc.do("application_form", lc.applicant, samples.application("T5"))
    assert lc.open() == ["recommendation"]
