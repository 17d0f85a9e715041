"""The process library (processes/*.bpmn, *.dmn) driven end to end under the restricted script engine.

Every step restores the workflow from its serialized state, as production does between requests.
Time is moved with time_machine; timers fire only through refresh_timers() + do_engine_steps(),
which is what the scheduler does.
"""
from __future__ import annotations

import ast
import json
import re
from datetime import datetime
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from lxml import etree
from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine.sandbox import HELPER_NAMES, compile_checked, make_script_engine

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
COMMON = sorted((PROCESSES / "common").glob("*.bpmn"))
TRACKS = {1: "track1_jiebang", 2: "track2_partner", 3: "track3_platform", 4: "track4_enterprise",
          5: "track5_agency"}
CHINA = ZoneInfo("Asia/Shanghai")
SER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
    "dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/",
}
ROLES = {"applicant", "recommender", "officer", "expert"}
EXPERTS = [31, 32, 33, 34, 35]


def china(*args: int) -> datetime:
    return datetime(*args, tzinfo=CHINA)


CALL_OPENS = china(2025, 3, 3, 9, 0)


# ------------------------------------------------------------------------------------------ loading
def bundle(n: int) -> list[Path]:
    return [PROCESSES / f"{TRACKS[n]}.bpmn", *COMMON]


def dmn_files(n: int) -> list[Path]:
    return [PROCESSES / f"eligibility_t{n}.dmn", PROCESSES / "review_outcome.dmn"]


@cache
def specs(n: int) -> tuple[Any, dict[str, Any]]:
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_files([str(p) for p in bundle(n)])
    parser.add_dmn_files([str(p) for p in dmn_files(n)])
    for pid in parser.get_process_ids():  # parsing is lazy: surface every task-level error now
        parser.get_spec(pid)
    return parser.get_spec(TRACKS[n]), parser.get_subprocess_specs(TRACKS[n])


# ------------------------------------------------------------------------------------------ form data
def start_data(n: int) -> dict[str, Any]:
    return {
        "application_id": 100 + n, "applicant_user_id": 11, "organization_id": 5, "call_id": n,
        "track": f"T{n}", "city": "南宁市", "expert_count": 5,
        "reference": {"jiebang_problem_ids": [7, 8], "partner_institution_ids": [21, 22],
                      "jiebang_problem_kinds": {"7": "breakthrough", "8": "transformation"}},
    }


def member(name: str, role: str = "core", leader: bool = False, where: str = "elsewhere_in_china",
           **flags: Any) -> dict[str, Any]:
    return {"name": name, "role": role, "is_leader": leader, "title": "研究员", "institution": "中国科学院某研究所",
            "region": "domestic", "work_location": where, **flags}


def application(n: int, **changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "title": "高性能铝合金材料关键技术攻关", "summary": "团队整体引进，联合攻关并就地转化。", "field": "新材料",
        "city": "南宁市", "budget_wan": 500, "duration_months": 36,
        "team": [member("张伟", leader=True), member("李娜"), member("王强"), member("赵敏", "advisor")],
    }
    form.update({
        1: {"jiebang_problem_id": 7, "jiebang_kind": "breakthrough"},
        2: {"partner_institution_id": 21},
        3: {"platform_type": "talent_enclave", "platform_location": "深圳市南山区"},
        4: {"enterprise": {"name": "广西某新材料有限公司", "credit_code": "91450100MA5XXXXX0X",
                           "founded_on": "2022-05-10", "office_address": "南宁市青秀区", "office_in_guangxi": True,
                           "operating_normally": True},
            "team": [member("张伟", leader=True, is_largest_shareholder=True), member("李娜"), member("王强"),
                     member("赵敏", "advisor")]},
        5: {"agency": {"name": "广西某人才服务有限公司", "agency_type": "intermediary"},
            "platform_plan": "建设人才数据平台、人才画像与人才热力图。"},
    }[n])
    form.update(changes)
    return form


def score(value: float, comment: str = "同意") -> dict[str, Any]:
    return {"conflict": False, "conflict_reason": "", "score": value, "comment": comment}


CONFLICT = {"conflict": True, "conflict_reason": "与申报单位存在合作关系", "score": None, "comment": ""}


# ------------------------------------------------------------------------------------------ driver
class Instance:
    """One application's workflow, restored from JSON before and saved after every command."""

    def __init__(self, n: int, at: datetime = CALL_OPENS):
        self.n, self.now = n, at
        spec, deps = specs(n)
        with time_machine.travel(self.now, tick=False):
            wf = BpmnWorkflow(spec, deps, script_engine=make_script_engine())
            wf.get_next_task(spec_name="Start").set_data(**start_data(n))
            wf.do_engine_steps()
            self._save(wf)

    def _save(self, wf: BpmnWorkflow) -> None:
        self.state = SER.serialize_json(wf)

    def load(self) -> BpmnWorkflow:
        wf = SER.deserialize_json(self.state)
        wf.script_engine = make_script_engine()
        return wf

    # --- queries (on a fresh restore)
    def ready(self) -> list[str]:
        return sorted(t.task_spec.bpmn_id for t in self.load().get_tasks(state=TaskState.READY, manual=True))

    def task(self, bpmn_id: str) -> Any:
        tasks = [t for t in self.load().get_tasks(state=TaskState.READY, manual=True)
                 if t.task_spec.bpmn_id == bpmn_id]
        assert len(tasks) == 1, f"{bpmn_id} ready {len(tasks)} times; ready: {self.ready()}"
        return tasks[0]

    def data(self) -> dict[str, Any]:
        """Process data: the end data when complete, else the data of the open task or the waiting timer."""
        wf = self.load()
        if wf.is_completed():
            return wf.data
        open_tasks = wf.get_tasks(state=TaskState.READY, manual=True)
        if open_tasks:
            return open_tasks[0].data
        waiting = [t for t in wf.get_tasks(state=TaskState.WAITING) if self._is_timer_wait(t)]
        assert waiting, "no open task and no timer"
        return waiting[0].data

    @staticmethod
    def _is_timer_wait(task: Any) -> bool:
        return isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition)

    def completed(self) -> bool:
        return self.load().is_completed()

    def waiting_timers(self) -> list[str]:
        """ISO due times of every waiting timer, from the serialized state (as the scheduler reads it)."""
        dct = json.loads(self.state)
        found = []
        for tasks in [dct["tasks"], *(sp["tasks"] for sp in dct["subprocesses"].values())]:
            for t in tasks.values():
                if t["state"] == TaskState.WAITING and "event_value" in t["internal_data"]:
                    found.append(t["internal_data"]["event_value"])
        return sorted(found)

    # --- commands
    def complete(self, bpmn_id: str, data: dict[str, Any], *, lane: str, form: str,
                 user: int | None = None) -> None:
        with time_machine.travel(self.now, tick=False):
            wf = self.load()
            tasks = [t for t in wf.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.bpmn_id == bpmn_id]
            if user is not None:
                tasks = [t for t in tasks if t.data["expert"]["user_id"] == user]
            assert len(tasks) == 1, f"{bpmn_id} (user {user}) ready {len(tasks)} times; ready: {self.ready()}"
            task = tasks[0]
            assert task.state == TaskState.READY
            assert task.task_spec.lane == lane
            assert task.task_spec.extensions["properties"]["formKey"] == form
            task.set_data(**data)
            task.run()
            wf.do_engine_steps()
            self._save(wf)

    def advance(self, at: datetime) -> None:
        """Move the clock and run one scheduler pass."""
        self.now = at
        with time_machine.travel(self.now, tick=False):
            wf = self.load()
            wf.refresh_timers()
            wf.do_engine_steps()
            self._save(wf)

    def send(self, message: str, payload: dict[str, Any]) -> None:
        """Deliver a message using the waiting task's own event definition (class identity matters)."""
        with time_machine.travel(self.now, tick=False):
            wf = self.load()
            for t in wf.get_tasks(state=TaskState.WAITING):
                ev = getattr(t.task_spec, "event_definition", None)
                if getattr(ev, "name", None) == message:
                    wf.send_event(BpmnEvent(ev, payload=payload))
                    wf.do_engine_steps()
                    self._save(wf)
                    return
            raise AssertionError(f"nobody waits for {message}")

    def waiting_for(self) -> list[str]:
        return sorted(e.name for e in self.load().waiting_events() if e.event_type == "MessageEventDefinition")

    # --- phases
    def submit(self, **changes: Any) -> None:
        self.complete("application_form", application(self.n, **changes), lane="applicant",
                      form=f"application_t{self.n}")

    def recommend(self, decision: str = "approve") -> None:
        self.complete("recommendation", {"decision": decision, "comment": "同意推荐"}, lane="recommender",
                      form="recommendation")

    def formal(self, decision: str = "approve", **extra: Any) -> None:
        self.complete("formal_review_task", {"decision": decision, "comment": "", **extra}, lane="officer",
                      form="formal_review")

    def assign(self, experts: list[int] = EXPERTS) -> None:
        self.complete("assign_experts", {"experts": experts}, lane="officer", form="expert_assignment")

    def score(self, user: int, result: dict[str, Any]) -> None:
        self.complete("expert_score", {"expert_result": result}, lane="expert", form="expert_score", user=user)

    def score_all(self, scores: dict[int, float]) -> None:
        for user, value in scores.items():
            self.score(user, score(value))

    def award(self, decision: str = "approve") -> None:
        self.complete("award_decision", {"decision": decision, "comment": ""}, lane="officer",
                      form="award_decision")

    def through_review(self) -> None:
        self.submit()
        self.recommend()
        self.formal()
        self.assign()
        self.score_all(dict(zip(EXPERTS, [80, 90, 85, 70, 95], strict=True)))

    def through_award(self) -> None:
        """Award approved on Friday 2025-09-26; publicity ends 2025-10-10; contract signed 2025-10-15."""
        self.through_review()
        self.now = china(2025, 9, 26, 10, 0)
        self.award()
        self.advance(china(2025, 10, 11, 9, 0))
        self.now = china(2025, 10, 15, 10, 0)
        self.complete("contract_signing", {"signed_on": "2025-10-15"}, lane="applicant", form="contract")
        self.confirm()

    def confirm(self, decision: str = "approve") -> None:
        self.complete("confirm_contract", {"decision": decision, "opinion": "请核对考核指标。"}, lane="officer",
                      form="confirm_contract")

    def through_midterm(self) -> None:
        self.through_award()
        self.advance(china(2027, 4, 16, 9, 0))
        self.complete("midterm_report", {"progress": "按计划推进"}, lane="applicant", form="midterm_report")
        self.complete("midterm_review", {"decision": "approve"}, lane="officer", form="midterm_review")


def assert_closed(app: Instance, status: str) -> dict[str, Any]:
    assert app.completed(), app.ready()
    data = app.data()
    assert (data["status"], data["stage"]) == (status, "closed")
    assert app.ready() == []
    assert app.waiting_timers() == []
    return data


# ------------------------------------------------------------------------------------------ lifecycle
@pytest.mark.parametrize("n", sorted(TRACKS))
def test_happy_path_to_accepted(n: int) -> None:
    app = Instance(n)
    assert app.ready() == ["application_form"]
    task = app.task("application_form")
    assert task.task_spec.extensions["properties"] == {"formKey": f"application_t{n}",
                                                       "assignee": "applicant_user_id",
                                                       "notAfter": "call_closes_at"}
    assert (task.data["stage"], task.data["status"], task.data["formal_returns"]) == ("application", "draft", 0)

    app.submit()
    task = app.task("recommendation")
    assert task.task_spec.extensions["properties"] == {"formKey": "recommendation", "dueIn": "P5WD",
                                                       "scope": "city"}
    assert (task.data["stage"], task.data["status"]) == ("recommendation", "submitted")

    app.recommend()
    data = app.task("formal_review_task").data
    assert (data["stage"], data["status"]) == ("formal_review", "in_review")
    assert (data["eligible"], data["eligibility_reason"]) == (True, "符合申报条件")

    app.formal()
    data = app.task("assign_experts").data
    assert (data["stage"], data["formal_decision"], data["formal_returns"]) == ("expert_review", "approve", 0)

    app.assign()
    tasks = app.load().get_tasks(state=TaskState.READY, manual=True)
    assert sorted(t.data["expert"]["user_id"] for t in tasks) == EXPERTS
    assert {(t.task_spec.bpmn_id, t.task_spec.lane) for t in tasks} == {("expert_score", "expert")}
    assert tasks[0].task_spec.extensions["properties"]["assignee"] == 'expert["user_id"]'

    app.score_all({31: 80, 32: 90, 33: 85, 34: 70, 35: 95})
    data = app.task("award_decision").data
    assert data["expert_scores"] == [80, 90, 85, 70, 95]
    assert data["expert_mean"] == 85.0  # 95 and 70 dropped
    assert (data["review_recommendation"], data["review_recommendation_label"]) == ("recommend", "建议立项")
    assert data["stage"] == "expert_review"

    app.now = china(2025, 9, 26, 10, 0)
    app.award()
    assert app.ready() == []
    assert app.data()["stage"] == "publicity"
    app.advance(china(2025, 10, 11, 9, 0))
    data = app.task("contract_signing").data
    assert (data["stage"], data["status"]) == ("contract", "awarded")
    app.now = china(2025, 10, 15, 10, 0)
    app.complete("contract_signing", {"signed_on": "2025-10-15"}, lane="applicant", form="contract")
    assert app.ready() == ["confirm_contract"] and app.waiting_timers() == []  # no midterm clock before confirmation
    assert app.data()["status"] == "awarded"
    app.confirm()
    data = app.data()
    assert (data["award_result"], data["status"]) == ("awarded", "in_progress")
    assert data["midterm_at"] == "2027-04-15T15:59:59+00:00"  # 18 of 36 months after signing
    assert app.waiting_timers() == ["2027-04-15T15:59:59+00:00"]

    app.advance(china(2027, 4, 15, 12, 0))
    assert app.ready() == []
    app.advance(china(2027, 4, 16, 9, 0))
    assert app.task("midterm_report").data["stage"] == "midterm"
    app.complete("midterm_report", {"progress": "按计划推进"}, lane="applicant", form="midterm_report")
    app.complete("midterm_review", {"decision": "approve"}, lane="officer", form="midterm_review")
    data = app.data()
    assert data["midterm_result"] == "passed"
    assert data["acceptance_at"] == "2028-10-15T15:59:59+00:00"

    app.advance(china(2028, 10, 16, 9, 0))
    assert app.task("final_report").data["stage"] == "acceptance"
    app.complete("final_report", {"summary": "全面完成任务书目标"}, lane="applicant", form="final_report")
    app.complete("acceptance_review", {"decision": "approve"}, lane="officer", form="acceptance_review")
    data = assert_closed(app, "accepted")
    assert (data["acceptance_rectifications"], data["acceptance_extensions"]) == (0, 0)


def test_recommender_return_then_reject() -> None:
    app = Instance(2)
    app.submit()
    app.recommend("return")
    data = app.task("application_form").data
    assert (data["stage"], data["status"]) == ("application", "draft")
    app.submit()
    app.recommend("reject")
    assert_closed(app, "rejected")


# ------------------------------------------------------------------------------------------ eligibility
ADVISORS_ONLY = [member("张伟", leader=True), member("李娜"), member("钱七", "advisor"), member("孙八", "advisor")]
CORE_REASON = "核心成员少于3人（顾问不计入）"
PLATFORM_REASON = ("平台所在地与平台类型不符：区内总部须在广西，离岸基地须在境外（中国大陆以外），"
                   "人才飞地须在国内广西区外")


def t4(**enterprise: Any) -> dict[str, Any]:
    return {"enterprise": {**application(4)["enterprise"], **enterprise}}


INELIGIBLE = [
    *[(n, {"team": ADVISORS_ONLY}, CORE_REASON) for n in sorted(TRACKS)],
    (1, {"jiebang_problem_id": 99}, "未揭榜发布的榜单项目"),
    (2, {"partner_institution_id": 99}, "合作院校未与广西签订合作协议"),
    (3, {"platform_type": "branch_office"}, "平台类型须为区内总部、离岸创新创业基地、离岸孵化基地或人才飞地"),
    (3, {"platform_location": "  "}, "未填写平台所在地"),
    (4, t4(founded_on="2019-06-01"), "企业成立时间早于2021年"),
    (4, t4(office_in_guangxi=False), "企业在广西无实际办公场所"),
    (4, t4(operating_normally=False), "企业未正常经营"),
    (4, {"team": [member("张伟", leader=True), member("李娜", is_largest_shareholder=True), member("王强")]},
     "团队带头人既不是企业法定代表人，也不是第一大股东"),
    (4, t4(founded_on="2999-01-01"), "企业成立日期晚于今天"),
    (4, t4(credit_code="911101080000000007"), "统一社会信用代码显示企业不在广西登记（第3–4位应为45）"),
    (1, {"jiebang_kind": "transformation"}, "揭榜类别与所揭榜单项目的类别不一致"),
    (3, {"platform_location": "广西南宁市"}, PLATFORM_REASON),
    (3, {"platform_type": "headquarters", "platform_location": "上海市浦东新区"}, PLATFORM_REASON),
    (3, {"platform_type": "offshore_incubator", "platform_location": "深圳市前海"}, PLATFORM_REASON),
    *[(n, {"team": [member("张伟", leader=True, where="guangxi", is_legal_rep=True), member("李娜"), member("王强")]},
       "团队带头人须在广西区外（国内区外或境外）工作") for n in (1, 2, 3, 4)],
    (4, {"team": [member("张伟", leader=True, is_legal_rep=True), member("李娜"), member("王强", where="guangxi"),
                  member("赵六", where="abroad")]}, None),  # 3 of 4 core members outside: more than half
    *[(n, {"team": [member("张伟", leader=True), member("李娜"), member("王强", where="guangxi"),
                    member("赵六", where="guangxi")]}, "在区外、境外工作的核心成员须超过半数") for n in (1, 2, 3)],
    (5, {"platform_plan": ""}, "未提交人才数据平台建设方案"),
    (5, {"agency": {"name": "某咨询公司", "agency_type": "consulting"}}, "申报机构须为区内人才中介机构或人才研究机构"),
    # the first failing rule gives the reason
    (4, {"team": ADVISORS_ONLY, **t4(founded_on="2019-06-01")}, CORE_REASON),
]


@pytest.mark.parametrize(("n", "changes", "reason"), INELIGIBLE)
def test_ineligible_reason_reaches_formal_review(n: int, changes: dict[str, Any], reason: str | None) -> None:
    app = Instance(n)
    app.submit(**changes)
    app.recommend()
    data = app.task("formal_review_task").data
    assert (data["eligible"], data["eligibility_reason"]) == ((False, reason) if reason else (True, "符合申报条件"))


def test_t4_leader_as_legal_rep_only_is_eligible() -> None:
    app = Instance(4)
    app.submit(team=[member("张伟", leader=True, is_legal_rep=True), member("李娜"), member("王强")],
               **t4(founded_on="2021-01-01"))
    app.recommend()
    assert app.task("formal_review_task").data["eligible"] is True


def test_ineligible_t4_founded_2019_rejected_at_formal_review() -> None:
    app = Instance(4)
    app.submit(**t4(founded_on="2019-06-01"))
    app.recommend()
    data = app.task("formal_review_task").data
    assert (data["eligible"], data["eligibility_reason"]) == (False, "企业成立时间早于2021年")
    app.formal("reject")
    data = assert_closed(app, "rejected")
    assert data["formal_decision"] == "reject"


# ------------------------------------------------------------------------------------------ formal review
def test_formal_return_then_correction_rechecks_eligibility() -> None:
    app = Instance(4, at=china(2025, 3, 10, 9, 0))  # Monday
    app.submit(**t4(founded_on="2019-06-01"))
    app.recommend()
    app.formal("return", correction_days=10)
    task = app.task("correction")
    assert task.task_spec.lane == "applicant"
    assert task.task_spec.extensions["properties"] == {"formKey": "application_t4", "assignee": "applicant_user_id"}
    assert task.data["formal_returns"] == 1
    assert task.data["correction_deadline"] == "2025-03-24T15:59:59+00:00"  # 10 working days later
    assert app.waiting_timers() == ["2025-03-24T15:59:59+00:00"]

    app.now = china(2025, 3, 20, 9, 0)
    app.complete("correction", t4(founded_on="2023-02-01"), lane="applicant", form="application_t4")
    data = app.task("formal_review_task").data
    assert (data["eligible"], data["eligibility_reason"]) == (True, "符合申报条件")
    assert app.waiting_timers() == []

    app.formal("return", correction_days=5)  # a second return
    assert app.task("correction").data["formal_returns"] == 2
    app.complete("correction", {}, lane="applicant", form="application_t4")
    app.formal("approve")
    assert app.ready() == ["assign_experts"]
    assert app.task("assign_experts").data["formal_returns"] == 2


def test_correction_deadline_missed_counts_as_withdrawal() -> None:
    app = Instance(1, at=china(2025, 3, 10, 9, 0))
    app.submit()
    app.recommend()
    app.formal("return", correction_days=10)
    app.advance(china(2025, 3, 24, 23, 0))
    assert app.ready() == ["correction"]
    app.advance(china(2025, 3, 25, 9, 0))
    data = assert_closed(app, "withdrawn")
    assert data["withdrawn_reason"] == "逾期未补正，视为撤回"


# ------------------------------------------------------------------------------------------ expert review
def test_expert_conflict_then_replacement_rounds() -> None:
    app = Instance(3)
    app.submit()
    app.recommend()
    app.formal()
    app.assign()
    app.score(31, score(80))
    app.score(33, CONFLICT)
    app.score(32, score(90))
    app.score(34, score(70))
    app.score(35, score(95))
    task = app.task("replace_experts")
    assert task.task_spec.lane == "officer"
    assert task.task_spec.extensions["properties"] == {"formKey": "expert_replacement", "dueIn": "P3WD"}
    assert task.data["conflicted"] == [33]
    assert sorted(task.data["expert_results"]) == ["31", "32", "34", "35"]
    assert task.data["round_results"] == {}

    app.complete("replace_experts", {"replacements": [36]}, lane="officer", form="expert_replacement")
    tasks = app.load().get_tasks(state=TaskState.READY, manual=True)
    assert [t.data["expert"] for t in tasks] == [{"user_id": 36}]
    app.score(36, CONFLICT)  # the replacement is conflicted as well: a third round
    assert app.task("replace_experts").data["conflicted"] == [36]
    app.complete("replace_experts", {"replacements": [37]}, lane="officer", form="expert_replacement")
    app.score(37, score(60))

    data = app.task("award_decision").data
    assert sorted(data["expert_results"]) == ["31", "32", "34", "35", "37"]
    assert data["expert_conflicts"] == [33, 36]
    assert sorted(data["expert_scores"]) == [60, 70, 80, 90, 95]
    assert data["expert_mean"] == 80.0  # (70 + 80 + 90) / 3
    assert (data["review_recommendation"], data["review_recommendation_label"]) == ("recommend", "建议立项")


def test_low_scores_not_recommended_but_still_decided_by_officer() -> None:
    app = Instance(5)
    app.submit()
    app.recommend()
    app.formal()
    app.assign([41, 42, 43])
    app.score_all({41: 70, 42: 74.5, 43: 76})  # fewer than 5: plain mean 73.5
    data = app.task("award_decision").data
    assert data["expert_mean"] == 73.5
    assert (data["review_recommendation"], data["review_recommendation_label"]) == ("not_recommend", "不建议立项")


def test_review_outcome_threshold_is_inclusive() -> None:
    app = Instance(1)
    app.submit()
    app.recommend()
    app.formal()
    app.assign()
    app.score_all({31: 75, 32: 75, 33: 74, 34: 76, 35: 75})
    data = app.task("award_decision").data
    assert (data["expert_mean"], data["review_recommendation"]) == (75.0, "recommend")


# ------------------------------------------------------------------------------------------ award
def test_award_rejected() -> None:
    app = Instance(2)
    app.through_review()
    app.award("reject")
    data = assert_closed(app, "rejected")
    assert data["award_result"] == "rejected"


def test_publicity_spans_national_day_holiday() -> None:
    app = Instance(1)
    app.through_review()
    app.now = china(2025, 9, 26, 16, 0)  # Friday; 2025-09-28 (Sunday) is a make-up working day
    app.award()
    data = app.data()
    assert data["stage"] == "publicity"
    assert data["publicity_ends_at"] == "2025-10-10T15:59:59+00:00"  # end of 2025-10-10 China time
    assert app.waiting_timers() == ["2025-10-10T15:59:59+00:00"]
    app.advance(china(2025, 10, 9, 12, 0))
    assert app.ready() == []
    assert app.data()["stage"] == "publicity"
    app.advance(china(2025, 10, 10, 23, 30))
    assert app.ready() == []
    app.advance(china(2025, 10, 11, 9, 0))
    assert app.ready() == ["contract_signing"]
    data = app.data()
    assert (data["stage"], data["status"]) == ("contract", "awarded")
    assert data["contract_deadline"] == "2025-11-11T15:59:59+00:00"


def test_late_objection_before_the_scheduler_tick_wins_deterministically() -> None:
    app = Instance(2)
    app.through_review()
    app.now = china(2025, 9, 26, 10, 0)
    app.award()
    app.now = china(2025, 10, 11, 9, 0)  # the publicity timer is due but the scheduler has not run yet
    app.send("objection_filed", {"reason": "逾期异议"})
    assert app.ready() == ["objection_review"]  # one branch only, no contract task alongside
    app.complete("objection_review", {"decision": "approve"}, lane="officer", form="objection_review")
    app.advance(china(2025, 10, 11, 9, 1))
    assert app.ready() == ["contract_signing"]


def test_objection_upheld() -> None:
    app = Instance(3)
    app.through_review()
    app.now = china(2025, 9, 26, 10, 0)
    app.award()
    assert app.waiting_for() == ["objection_filed", "officer_terminated"]
    app.now = china(2025, 9, 29, 10, 0)
    app.send("objection_filed", {"objector": "某研究院", "reason": "团队成员学历信息不实"})
    task = app.task("objection_review")
    assert task.task_spec.extensions["properties"] == {"formKey": "objection_review", "dueIn": "P3WD"}
    assert task.data["objection"] == {"objector": "某研究院", "reason": "团队成员学历信息不实"}
    assert app.waiting_timers() == []  # the publicity timer went with the other branch
    app.complete("objection_review", {"decision": "reject"}, lane="officer", form="objection_review")
    data = assert_closed(app, "rejected")
    assert data["award_result"] == "rejected"


def test_objection_dismissed_keeps_original_publicity_end() -> None:
    app = Instance(4)
    app.through_review()
    app.now = china(2025, 9, 26, 10, 0)
    app.award()
    app.now = china(2025, 10, 9, 10, 0)
    app.send("objection_filed", {"reason": "匿名异议"})
    app.now = china(2025, 10, 10, 11, 0)
    app.complete("objection_review", {"decision": "approve"}, lane="officer", form="objection_review")
    assert app.ready() == []
    assert app.waiting_timers() == ["2025-10-10T15:59:59+00:00"]
    app.send("objection_filed", {"reason": "第二次异议"})  # still open to objections
    app.complete("objection_review", {"decision": "approve"}, lane="officer", form="objection_review")
    app.advance(china(2025, 10, 11, 9, 0))
    assert app.ready() == ["contract_signing"]


def test_contract_deadline_missed_revokes_award() -> None:
    app = Instance(5)
    app.through_review()
    app.now = china(2025, 9, 26, 10, 0)
    app.award()
    app.advance(china(2025, 10, 11, 9, 0))
    app.advance(china(2025, 11, 11, 20, 0))
    assert app.ready() == ["contract_signing"]
    app.advance(china(2025, 11, 12, 9, 0))
    data = assert_closed(app, "terminated")
    assert (data["award_result"], data["revoked_reason"]) == ("revoked", "逾期未签订任务书，撤销立项")


def test_contract_without_signing_date_uses_today() -> None:
    app = Instance(1)
    app.through_review()
    app.now = china(2025, 9, 26, 10, 0)
    app.award()
    app.advance(china(2025, 10, 11, 9, 0))
    app.now = china(2025, 10, 20, 10, 0)
    app.complete("contract_signing", {}, lane="applicant", form="contract")
    app.confirm()
    data = app.data()
    assert (data["signed_on"], data["midterm_at"]) == ("2025-10-20", "2027-04-20T15:59:59+00:00")


def test_midterm_counts_from_the_confirmation_and_a_returned_contract_is_signed_again() -> None:
    app = Instance(2)
    app.through_review()
    app.now = china(2025, 9, 26, 10, 0)
    app.award()
    assert app.data()["award_decided_on"] == "2025-09-26"
    app.advance(china(2025, 10, 11, 9, 0))
    app.now = china(2025, 11, 10, 10, 0)  # the day before the contract deadline
    app.complete("contract_signing", {"signed_on": "2025-11-10"}, lane="applicant", form="contract")
    app.confirm("return")
    assert app.ready() == ["contract_signing"]
    data = app.data()
    # ten more working days to sign again, not the day left of the first month
    assert (data["contract_returns"], data["contract_deadline"]) == (1, "2025-11-24T15:59:59+00:00")
    app.advance(china(2025, 11, 12, 9, 0))
    assert app.ready() == ["contract_signing"]  # the old deadline has passed, the award stands
    app.now = china(2025, 11, 14, 10, 0)
    app.complete("contract_signing", {"signed_on": "2025-11-14"}, lane="applicant", form="contract")
    app.now = china(2025, 11, 20, 10, 0)
    app.confirm()
    data = app.data()
    assert (data["signed_on"], data["contract_confirmed_on"]) == ("2025-11-14", "2025-11-20")
    assert data["midterm_at"] == "2027-05-20T15:59:59+00:00"  # 18 months after the confirmation
    assert app.waiting_timers() == ["2027-05-20T15:59:59+00:00"]


# ------------------------------------------------------------------------------------------ midterm
def test_midterm_rectify_then_pass() -> None:
    app = Instance(2)
    app.through_award()
    app.advance(china(2027, 4, 16, 9, 0))
    app.complete("midterm_report", {"progress": "部分滞后"}, lane="applicant", form="midterm_report")
    app.now = china(2027, 4, 19, 10, 0)
    app.complete("midterm_review", {"decision": "rectify", "rectify_days": 10}, lane="officer",
                 form="midterm_review")
    task = app.task("midterm_rectification")
    assert task.task_spec.extensions["properties"] == {"formKey": "rectification", "notAfter": "rectify_deadline",
                                                       "assignee": "applicant_user_id"}
    assert task.data["rectify_deadline"] == "2027-05-03T15:59:59+00:00"  # 10 weekdays (2027 not official yet)
    app.complete("midterm_rectification", {"report": "已整改"}, lane="applicant", form="rectification")
    assert app.waiting_timers() == []
    app.complete("midterm_review", {"decision": "approve"}, lane="officer", form="midterm_review")
    data = app.data()
    assert (data["midterm_result"], data["status"]) == ("passed", "in_progress")
    assert app.waiting_timers() == ["2028-10-15T15:59:59+00:00"]


def test_midterm_rectification_deadline_missed_terminates() -> None:
    app = Instance(3)
    app.through_award()
    app.advance(china(2027, 4, 16, 9, 0))
    app.complete("midterm_report", {}, lane="applicant", form="midterm_report")
    app.now = china(2027, 4, 19, 10, 0)
    app.complete("midterm_review", {"decision": "rectify", "rectify_days": 10}, lane="officer",
                 form="midterm_review")
    app.advance(china(2027, 5, 4, 9, 0))
    data = assert_closed(app, "terminated")
    assert data["midterm_result"] == "terminated"


def test_midterm_terminate() -> None:
    app = Instance(4)
    app.through_award()
    app.advance(china(2027, 4, 16, 9, 0))
    app.complete("midterm_report", {}, lane="applicant", form="midterm_report")
    app.complete("midterm_review", {"decision": "terminate"}, lane="officer", form="midterm_review")
    data = assert_closed(app, "terminated")
    assert data["midterm_result"] == "terminated"


# ------------------------------------------------------------------------------------------ acceptance
def test_acceptance_extend_then_pass() -> None:
    app = Instance(5)
    app.through_midterm()
    app.advance(china(2028, 10, 16, 9, 0))
    app.complete("final_report", {}, lane="applicant", form="final_report")
    app.complete("acceptance_review", {"decision": "extend", "extension_months": 6}, lane="officer",
                 form="acceptance_review")
    data = app.data()
    assert (data["acceptance_extensions"], data["acceptance_at"]) == (1, "2029-04-15T15:59:59+00:00")
    assert app.waiting_timers() == ["2029-04-15T15:59:59+00:00"]  # a new timer instance, new value
    app.advance(china(2029, 4, 15, 12, 0))
    assert app.ready() == []
    app.advance(china(2029, 4, 16, 9, 0))
    app.complete("final_report", {}, lane="applicant", form="final_report")
    app.complete("acceptance_review", {"decision": "approve"}, lane="officer", form="acceptance_review")
    data = assert_closed(app, "accepted")
    assert (data["acceptance_extensions"], data["acceptance_rectifications"]) == (1, 0)


def test_acceptance_rectify_then_pass() -> None:
    app = Instance(1)
    app.through_midterm()
    app.advance(china(2028, 10, 16, 9, 0))
    app.complete("final_report", {}, lane="applicant", form="final_report")
    app.complete("acceptance_review", {"decision": "rectify"}, lane="officer", form="acceptance_review")
    task = app.task("acceptance_rectification")
    assert task.data["acceptance_rectifications"] == 1
    assert task.data["rectify_deadline"] == "2028-11-13T15:59:59+00:00"  # 20 weekdays (2028 not official)
    assert app.waiting_timers() == ["2028-11-13T15:59:59+00:00"]
    app.complete("acceptance_rectification", {}, lane="applicant", form="rectification")
    app.complete("acceptance_review", {"decision": "approve"}, lane="officer", form="acceptance_review")
    data = assert_closed(app, "accepted")
    assert data["acceptance_rectifications"] == 1


def test_acceptance_rectification_deadline_missed_terminates() -> None:
    app = Instance(3)
    app.through_midterm()
    app.advance(china(2028, 10, 16, 9, 0))
    app.complete("final_report", {}, lane="applicant", form="final_report")
    app.now = china(2028, 10, 17, 10, 0)
    app.complete("acceptance_review", {"decision": "rectify", "rectify_days": 10}, lane="officer",
                 form="acceptance_review")
    assert app.task("acceptance_rectification").data["rectify_deadline"] == "2028-10-31T15:59:59+00:00"
    app.advance(china(2028, 10, 31, 23, 0))
    assert app.ready() == ["acceptance_rectification"]
    app.advance(china(2028, 11, 1, 9, 0))
    data = assert_closed(app, "terminated")
    assert data["acceptance_result"] == "terminated"


def test_acceptance_reject_fails() -> None:
    app = Instance(2)
    app.through_midterm()
    app.advance(china(2028, 10, 16, 9, 0))
    app.complete("final_report", {}, lane="applicant", form="final_report")
    app.complete("acceptance_review", {"decision": "reject"}, lane="officer", form="acceptance_review")
    assert_closed(app, "failed")


# ------------------------------------------------------------------------------------------ withdrawal / termination
def test_withdrawal_during_expert_review_cancels_nested_tasks() -> None:
    app = Instance(1)
    app.submit()
    app.recommend()
    app.formal()
    app.assign()
    app.score(31, score(88))
    assert len(app.load().get_tasks(state=TaskState.READY, manual=True)) == 4
    app.send("applicant_withdrew", {"reason": "团队已接受其他省份邀请"})
    data = assert_closed(app, "withdrawn")
    assert data["withdrawal"] == {"reason": "团队已接受其他省份邀请"}
    wf = app.load()
    state = {t.task_spec.name: t.state for t in wf.get_tasks() if t.workflow.spec.name != TRACKS[1]}
    assert state["expert_review"] == TaskState.CANCELLED  # the call activity inside pre_award
    assert state["expert_score"] == TaskState.CANCELLED  # the multi-instance task inside expert_review
    assert [t.state for t in wf.get_tasks(spec_name="expert_score [child]")] == [TaskState.COMPLETED]
    assert wf.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.STARTED) == []
    assert wf.waiting_events() == []
    # a boundary path continues with the data the subprocess started with: nothing from inside survives
    assert "formal_decision" not in data and "title" not in data


def test_withdrawal_while_correction_timer_waits() -> None:
    app = Instance(2, at=china(2025, 3, 10, 9, 0))
    app.submit()
    app.recommend()
    app.formal("return", correction_days=10)
    app.send("applicant_withdrew", {"reason": "材料无法补齐"})
    assert_closed(app, "withdrawn")
    app.advance(china(2025, 4, 1, 9, 0))  # the cancelled timer must not fire later
    assert app.data()["status"] == "withdrawn"


def test_termination_before_award() -> None:
    app = Instance(3)
    app.submit()
    app.recommend()
    app.send("officer_terminated", {"reason": "申报单位存在失信记录"})
    data = assert_closed(app, "terminated")
    assert data["termination"] == {"reason": "申报单位存在失信记录"}


def test_no_withdrawal_after_pre_award() -> None:
    app = Instance(4)
    app.through_review()
    with pytest.raises(AssertionError, match="nobody waits for applicant_withdrew"):
        app.send("applicant_withdrew", {"reason": "太晚了"})


def test_termination_after_award_while_midterm_timer_waits() -> None:
    app = Instance(5)
    app.through_award()
    assert app.waiting_timers() == ["2027-04-15T15:59:59+00:00"]
    app.now = china(2026, 6, 1, 10, 0)
    app.send("officer_terminated", {"reason": "团队核心成员全部离职"})
    data = assert_closed(app, "terminated")
    assert data["termination"] == {"reason": "团队核心成员全部离职"}
    assert "award_result" not in data  # data from inside post_award does not reach the boundary path


def test_termination_during_publicity() -> None:
    app = Instance(2)
    app.through_review()
    app.now = china(2025, 9, 26, 10, 0)
    app.award()
    app.send("officer_terminated", {"reason": "公示期间发现重大问题"})
    assert_closed(app, "terminated")


# ------------------------------------------------------------------------------------------ static checks
ALL_BPMN = sorted(PROCESSES.glob("*.bpmn")) + COMMON
ALL_DMN = sorted(PROCESSES.glob("*.dmn"))
FLOW_NODES = {"startEvent", "endEvent", "scriptTask", "userTask", "businessRuleTask", "callActivity", "subProcess",
              "exclusiveGateway", "intermediateCatchEvent", "boundaryEvent", "receiveTask"}
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
HAN = re.compile(r"[\u4e00-\u9fff]")


def test_library_is_complete() -> None:
    assert [p.name for p in ALL_BPMN] == [f"{TRACKS[n]}.bpmn" for n in sorted(TRACKS)] + [
        "acceptance.bpmn", "award.bpmn", "expert_review.bpmn", "formal_review.bpmn", "midterm.bpmn"]
    assert [p.name for p in ALL_DMN] == [f"eligibility_t{n}.dmn" for n in sorted(TRACKS)] + [
        "expert_conflicts.dmn", "review_outcome.dmn"]


def expressions(path: Path) -> list[tuple[str, str, str]]:
    """(element id, mode, source) of every script, condition, timer and DMN expression in a file."""
    root = etree.parse(str(path)).getroot()
    found = []
    for el in root.iterfind(".//bpmn:script", NS):
        found.append((el.getparent().get("id"), "exec", el.text))
    for tag in ("conditionExpression", "timeDate", "timeDuration", "timeCycle", "loopCardinality",
                "completionCondition"):
        for el in root.iterfind(f".//bpmn:{tag}", NS):
            found.append((el.getparent().get("id"), "eval", el.text))
    for table in root.iterfind(".//dmn:decisionTable", NS):
        inputs = [e.text for e in table.iterfind("dmn:input/dmn:inputExpression/dmn:text", NS)]
        found += [(table.get("id"), "eval", e) for e in inputs]
        for rule in table.iterfind("dmn:rule", NS):
            for expr, entry in zip(inputs, rule.iterfind("dmn:inputEntry/dmn:text", NS), strict=True):
                if entry.text not in (None, "", "-"):  # the forms the DMN engine evaluates
                    try:
                        ast.parse(entry.text, mode="eval")
                        found.append((rule.get("id"), "eval", f"({expr}) == ({entry.text})"))
                    except SyntaxError:
                        found.append((rule.get("id"), "eval", expr + entry.text))
            found += [(rule.get("id"), "eval", e.text) for e in rule.iterfind("dmn:outputEntry/dmn:text", NS)]
    return found


@pytest.mark.parametrize("path", ALL_BPMN + ALL_DMN, ids=lambda p: p.name)
def test_every_expression_passes_the_restricted_engine_check(path: Path) -> None:
    found = expressions(path)
    assert found
    for element_id, mode, source in found:
        assert source and source.strip(), element_id
        compile_checked(source, mode, helpers=HELPER_NAMES)


@pytest.mark.parametrize("path", ALL_BPMN, ids=lambda p: p.name)
def test_conventions_and_diagram_interchange(path: Path) -> None:
    root = etree.parse(str(path)).getroot()
    process = root.find("bpmn:process", NS)
    assert root.find("bpmn:collaboration/bpmn:participant", NS).get("processRef") == process.get("id")
    lanes = process.findall("bpmn:laneSet/bpmn:lane", NS)
    assert lanes and {lane.get("name") for lane in lanes} <= ROLES
    in_lane = {ref.text: lane.get("name") for lane in lanes for ref in lane.iterfind("bpmn:flowNodeRef", NS)}

    flow_nodes = [el for el in process.iter() if isinstance(el.tag, str) and etree.QName(el).localname in FLOW_NODES]
    assert flow_nodes
    shapes = {s.get("bpmnElement"): s for s in root.iterfind(".//bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement"): e for e in root.iterfind(".//bpmndi:BPMNEdge", NS)}
    for el in flow_nodes:
        kind, node_id = etree.QName(el).localname, el.get("id")
        assert SNAKE.match(node_id), node_id
        assert HAN.search(el.get("name") or ""), f"{node_id} needs a Chinese name"
        bounds = shapes[node_id].find("dc:Bounds", NS)
        assert float(bounds.get("width")) > 0 and float(bounds.get("height")) > 0
        if kind == "subProcess":
            assert node_id not in in_lane, "Spiff would force every inner task into the subprocess's lane"
            assert shapes[node_id].get("isExpanded") == "true"
        elif kind != "boundaryEvent" or el.get("attachedToRef") in in_lane:
            assert node_id in in_lane, f"{node_id} is in no lane"
        if kind == "userTask":
            props = {p.get("name"): p.get("value")
                     for p in el.iterfind("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)}
            assert props.get("formKey"), node_id
            assert set(props) <= {"formKey", "dueIn", "assignee", "scope", "notAfter"}
            assert in_lane[node_id] in ROLES
    for flow in process.iter(f"{{{NS['bpmn']}}}sequenceFlow"):
        assert SNAKE.match(flow.get("id"))
        points = edges[flow.get("id")].findall("di:waypoint", NS)
        assert len(points) >= 2
        for a, b in pairwise(points):  # orthogonal routing only
            assert a.get("x") == b.get("x") or a.get("y") == b.get("y"), flow.get("id")
    for el in [root.find("bpmn:collaboration/bpmn:participant", NS), *lanes]:
        assert el.get("id") in shapes
    assert not set(shapes) - {el.get("id") for el in root.iter() if isinstance(el.tag, str)}


@pytest.mark.parametrize("n", sorted(TRACKS))
def test_parsed_lanes_and_forms(n: int) -> None:
    spec, deps = specs(n)
    seen = {}
    for process in [spec, *deps.values()]:
        for ts in process.task_specs.values():
            props = getattr(ts, "extensions", {}).get("properties")
            if props and "formKey" in props:
                seen[(process.name, ts.bpmn_id)] = (ts.lane, props["formKey"])
    assert seen == {
        (f"t{n}_pre_award", "application_form"): ("applicant", f"application_t{n}"),
        (f"t{n}_pre_award", "recommendation"): ("recommender", "recommendation"),
        (f"t{n}_pre_award", "correction"): ("applicant", f"application_t{n}"),
        ("formal_review", "formal_review_task"): ("officer", "formal_review"),
        ("expert_review", "assign_experts"): ("officer", "expert_assignment"),
        ("expert_review", "expert_score"): ("expert", "expert_score"),
        ("expert_review", "replace_experts"): ("officer", "expert_replacement"),
        ("award", "award_decision"): ("officer", "award_decision"),
        ("award", "objection_review"): ("officer", "objection_review"),
        ("award", "contract_signing"): ("applicant", "contract"),
        ("award", "confirm_contract"): ("officer", "confirm_contract"),
        ("midterm", "midterm_report"): ("applicant", "midterm_report"),
        ("midterm", "midterm_review"): ("officer", "midterm_review"),
        ("midterm", "midterm_rectification"): ("applicant", "rectification"),
        ("acceptance", "final_report"): ("applicant", "final_report"),
        ("acceptance", "acceptance_review"): ("officer", "acceptance_review"),
        ("acceptance", "acceptance_rectification"): ("applicant", "rectification"),
    }


def test_whole_library_in_one_parser_keeps_tracks_apart() -> None:
    """The engine validates and deploys the whole folder with one parser: ids of processes and
    embedded subprocesses must be unique across files, or one track would run another's steps."""
    ids: list[str] = []
    for path in ALL_BPMN:
        root = etree.parse(str(path)).getroot()
        ids += [el.get("id") for el in root.iter(f"{{{NS['bpmn']}}}process", f"{{{NS['bpmn']}}}subProcess")]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)

    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_files([str(p) for p in ALL_BPMN])
    parser.add_dmn_files([str(p) for p in ALL_DMN])
    for n, pid in TRACKS.items():
        deps = parser.get_subprocess_specs(pid)
        assert sorted(deps) == sorted(["formal_review", "expert_review", "award", "midterm", "acceptance",
                                       f"t{n}_pre_award", f"t{n}_post_award"])
        rule_task = deps[f"t{n}_pre_award"].task_specs["check_eligibility"]
        assert rule_task.dmnEngine.decision_table.id == f"table_eligibility_t{n}"
