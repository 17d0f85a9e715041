"""Whole lifecycles played through the engine: shared by the engine tests, the benchmark and the demo.

Each step is one engine command, so each restores the workflow from the database. Time is moved
with time_machine so that timers (publicity, contract, midterm, acceptance) fire through the same
`fire_due_timers` the scheduler uses.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import select

from engine import samples
from engine.models import Call, ProcessInstance, User
from engine.runtime import Runtime
from engine.scenario import Scenario

CHINA = ZoneInfo("Asia/Shanghai")
# who applies and who recommends, per track (demo users, see engine/seed.py)
PEOPLE = {"T1": ("applicant", "nanning", "南宁市"), "T2": ("applicant", "nanning", "南宁市"),
          "T3": ("applicant", "nanning", "南宁市"), "T4": ("founder", "liuzhou", "柳州市"),
          "T5": ("agency", "nanning", "南宁市")}
PANEL = ["expert1", "expert2", "expert3", "expert4", "expert6"]
SCORES = {"expert1": 88.0, "expert2": 82.0, "expert3": 79.0, "expert4": 91.0, "expert6": 60.0}


def china(*args: int) -> datetime:
    """A China-time instant."""
    return datetime(*args, tzinfo=CHINA)  # type: ignore[arg-type,misc]


@dataclass
class Timing:
    """What the benchmark measures of one lifecycle."""

    instance_id: int = 0
    start: float = 0.0
    completions: list[float] = field(default_factory=list)


class Lifecycle:
    """One track's application, stepped phase by phase as the right users."""

    def __init__(self, runtime: Runtime, track: str, timing: Timing | None = None):
        self.runtime = runtime
        with runtime.sessions() as session:
            self.users = {u.username: u.id for u in session.scalars(select(User)).all()}
            call = session.scalar(select(Call).where(Call.track == track, Call.status == "open"))
            assert call is not None, f"no open call for {track}"
            self.call_id = call.id
        self.play = Scenario(runtime, self.users)
        self.track = track
        self.applicant, self.recommender, self.city = PEOPLE[track]
        self.timing = timing
        self.app_id = 0

    # -- plumbing ---------------------------------------------------------------------------
    def do(self, spec_name: str, user: str, data: dict[str, Any]) -> None:
        """Complete the open task `spec_name` as `user` (timed for the benchmark)."""
        row = self.play.task(self.app_id, spec_name, user)
        if row.assignee_id is None:
            self.runtime.claim(row.id, self.users[user])
        started = time.perf_counter()
        self.runtime.complete_task(row.id, data, self.users[user])
        if self.timing is not None:
            self.timing.completions.append(time.perf_counter() - started)

    def open(self) -> list[str]:
        """BPMN ids of the application's open tasks."""
        return sorted(r.spec_name for r in self.play.open_tasks(self.app_id))

    def status(self) -> tuple[str, str]:
        """(status, stage) of the application."""
        app = self.play.application(self.app_id)
        return app.status, app.stage

    def tick(self, at: datetime) -> list[int]:
        """Run the scheduler's timer pass as of `at`."""
        with time_machine.travel(at, tick=False):
            return self.runtime.fire_due_timers()

    def instance(self) -> ProcessInstance:
        with self.runtime.sessions() as session:
            found = session.scalar(select(ProcessInstance).where(ProcessInstance.application_id == self.app_id))
            assert found is not None
            return found

    # -- phases -----------------------------------------------------------------------------
    def apply(self, **overrides: Any) -> int:
        """Start the application and submit its form."""
        started = time.perf_counter()
        self.app_id = self.play.start(self.call_id, self.applicant, "申报")
        if self.timing is not None:
            self.timing.start = time.perf_counter() - started
            self.timing.instance_id = self.instance().id
        self.do("application_form", self.applicant, samples.application(self.track, city=self.city, **overrides))
        return self.app_id

    def recommend(self, decision: str = "approve") -> None:
        data = {"decision": decision, "opinion": "同意推荐。" if decision == "approve" else "请补充材料。"}
        self.do("recommendation", self.recommender, data)

    def formal(self, decision: str = "approve", **extra: Any) -> None:
        opinion = {"approve": "形式审查合格。", "return": "请补充团队成员证明材料。", "reject": "不符合申报条件。"}
        self.do("formal_review_task", "officer", {"decision": decision, "opinion": opinion[decision], **extra})

    def assign(self, panel: list[str] | None = None) -> None:
        self.do("assign_experts", "officer", {"experts": [self.users[e] for e in panel or PANEL]})

    def score(self, scores: dict[str, float] | None = None) -> None:
        for expert, value in (scores or SCORES).items():
            self.do("expert_score", expert, samples.score(value))

    def award(self, decision: str = "approve") -> None:
        data = dict(samples.DECISIONS["award_decision"]) if decision == "approve" else {
            "decision": "reject", "opinion": "评审得分未达立项要求。"}
        self.do("award_decision", "officer", data)

    def sign(self, signed_on: str = "2025-10-20", confirm: bool = True) -> None:
        """The applicant signs the 任务书 and (unless told not to) the officer confirms it the same moment."""
        self.do("contract_signing", self.applicant, {**samples.DECISIONS["contract"], "signed_on": signed_on})
        if confirm:
            self.confirm()

    def confirm(self, decision: str = "approve") -> None:
        """The officer confirms the signed 任务书, or returns it to be signed again."""
        self.do("confirm_contract", "officer", samples.DECISIONS["confirm_contract"] if decision == "approve"
                else {"decision": "return", "opinion": "任务书考核指标与申报书不一致，请修改后重新签订。"})

    def midterm(self, decision: str = "approve", **extra: Any) -> None:
        if "midterm_report" in self.open():
            self.do("midterm_report", self.applicant, samples.DECISIONS["midterm_report"])
        self.do("midterm_review", "officer", {"decision": decision, "opinion": "中期检查意见。", **extra})

    def accept(self, decision: str = "approve", **extra: Any) -> None:
        if "final_report" in self.open():
            self.do("final_report", self.applicant, samples.DECISIONS["final_report"])
        self.do("acceptance_review", "officer", {"decision": decision, "opinion": "验收意见。", **extra})

    # -- whole path -------------------------------------------------------------------------
    def to_expert_review(self, at: datetime | None = None) -> int:
        """Apply, recommend, pass formal review and assign the panel (on 2025-09-01 by default)."""
        with time_machine.travel(at or china(2025, 9, 1, 9, 0), tick=False):
            self.apply()
            self.recommend()
            self.formal()
            self.assign()
        return self.app_id

    def happy_path(self) -> None:
        """Application on 2025-09-01 to acceptance in 2028, publicity across National Day 2025."""
        self.to_expert_review()
        with time_machine.travel(china(2025, 9, 1, 9, 0), tick=False):
            self.score()
        with time_machine.travel(china(2025, 9, 26, 10, 0), tick=False):
            self.award()
        self.tick(china(2025, 10, 11, 0, 0, 5))
        with time_machine.travel(china(2025, 10, 20, 10, 0), tick=False):
            self.sign("2025-10-20")  # and the officer confirms it: the midterm counts from 2025-10-20
        self.tick(china(2027, 4, 21, 9, 0))
        with time_machine.travel(china(2027, 4, 21, 10, 0), tick=False):
            self.midterm()
        self.tick(china(2028, 10, 21, 9, 0))
        with time_machine.travel(china(2028, 10, 21, 10, 0), tick=False):
            self.accept()


def play_t4_happy_path(runtime: Runtime) -> Timing:
    """The benchmark's T4 lifecycle; returns its timings."""
    timing = Timing()
    Lifecycle(runtime, "T4", timing).happy_path()
    return timing
