"""The programme's rules an officer checks, through the API with realistic applications: the award cap per call,
the contract's signing date and its confirmation, the acceptance rectification deadline, the reference lists'
validity and the target counted over the plan period."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import Engine, select

from engine import samples
from engine.lifecycle import Lifecycle, china
from engine.models import AuditEvent, JiebangProblem, ProgrammeSetting
from engine.runtime import Runtime
from tests.web.api_client import Api, api_as, error, ok, token_for
from tests.web.conftest import login_as
from web.cli import main

SEP = china(2025, 9, 1, 9, 0)
AWARD_DAY = china(2025, 9, 26, 10, 0)
CONTRACT = samples.DECISIONS["contract"]


def at(moment: datetime) -> Any:
    return time_machine.travel(moment, tick=False)


def task(api: Api, app_id: int, name: str) -> int:
    """The open task `name` of the application that the caller may work (own or group)."""
    for scope in ("mine", "group"):
        for row in ok(api.get(f"/tasks?scope={scope}&application_id={app_id}")):
            if row["name"] == name:
                found: int = row["id"]
                return found
    raise AssertionError(f"no open {name} for this user on application {app_id}")


def complete(api: Api, task_id: int, data: dict[str, Any], status: int = 200) -> Any:
    return ok(api.post(f"/tasks/{task_id}/complete", {"data": data}), status)


def scored(runtime: Runtime, track: str = "T4", **overrides: Any) -> Lifecycle:
    """An application of `track` with every expert's score in, on 2025-09-01: the award decision is open."""
    lc = Lifecycle(runtime, track)
    with at(SEP):
        lc.apply(**overrides)
        lc.recommend()
        lc.formal()
        lc.assign()
        lc.score()
    return lc


def status(client: FlaskClient, app_id: int) -> tuple[str, str]:
    shown = ok(api_as(client, "officer").get(f"/applications/{app_id}"))
    return shown["status"], shown["stage"]


# -- 1. the award cap of the call ------------------------------------------------------------------
def _set_cap(client: FlaskClient, call_id: int, cap: float | None) -> dict[str, Any]:
    admin = api_as(client, "admin")
    call = next(c for c in ok(admin.get("/calls")) if c["id"] == call_id)
    body = {"title": call["title"], "guide": call["guide"], "closes_on": "2030-12-31", "expert_count": 5,
            "funding_cap_wan": cap}
    answer: dict[str, Any] = ok(admin.request("PUT", f"/calls/{call_id}", json=body))
    return answer


def test_the_award_is_at_most_the_calls_cap(client: FlaskClient, runtime: Runtime) -> None:
    lc = scored(runtime)  # the team asks for 300 万
    assert _set_cap(client, lc.call_id, 250)["funding_cap_wan"] == 250
    officer = api_as(client, "officer")
    decision = task(officer, lc.app_id, "award_decision")
    approve = {"decision": "approve", "opinion": "同意立项。"}
    with at(AWARD_DAY):
        refused = error(officer.post(f"/tasks/{decision}/complete",
                                     {"data": {**approve, "funding_wan": 250.01}}), 422)
        assert refused["errors"] == {"funding_wan": ["资助经费不能超过本批次单项资助上限（250 万元）"]}
        both = error(officer.post(f"/tasks/{decision}/complete", {"data": {**approve, "funding_wan": 300.01}}), 422)
        assert both["errors"] == {"funding_wan": ["资助经费不能超过申报预算（300 万元）",
                                                  "资助经费不能超过本批次单项资助上限（250 万元）"]}
        complete(officer, decision, {**approve, "funding_wan": 250})
    assert status(client, lc.app_id) == ("in_review", "publicity")


def test_a_call_without_a_cap_keeps_only_the_budget_limit(client: FlaskClient, runtime: Runtime) -> None:
    lc = scored(runtime)
    assert _set_cap(client, lc.call_id, None)["funding_cap_wan"] is None
    officer = api_as(client, "officer")
    decision = task(officer, lc.app_id, "award_decision")
    with at(AWARD_DAY):
        complete(officer, decision, {"decision": "approve", "opinion": "同意立项。", "funding_wan": 300})


def test_calls_are_created_with_a_cap_by_administrators_only(client: FlaskClient, runtime: Runtime) -> None:
    body = {"track": "T3", "title": "2026年度指南方向专项", "opens_on": "2026-01-05", "closes_on": "2026-03-31",
            "funding_cap_wan": 500}
    error(api_as(client, "officer").post("/calls", body), 403)
    bad = error(api_as(client, "admin").post("/calls", {**body, "funding_cap_wan": 0}), 422)
    assert list(bad["errors"]) == ["funding_cap_wan"]
    created = ok(api_as(client, "admin").post("/calls", body), 201)
    assert (created["track"], created["funding_cap_wan"]) == ("T3", 500)
    with runtime.sessions() as session:
        audited = session.scalars(select(AuditEvent).where(AuditEvent.action == "call_created")).all()
    assert [(e.data_diff or {})["funding_cap_wan"] for e in audited] == [500]


def test_the_admin_call_page_sets_and_clears_the_cap(client: FlaskClient, calls: dict[str, int],
                                                     runtime: Runtime) -> None:
    login_as(client, "admin")
    form = {"title": "2025年度广西“带土移植”引育计划（来桂创企）", "guide": "", "closes_on": "2030-12-31",
            "expert_count": "5", "field_quota": "2", "avoid_same_city": ["0", "1"]}
    page = client.post(f"/admin/calls/{calls['T4']}", data={**form, "funding_cap_wan": "三百"}, follow_redirects=True)
    assert "单项资助上限须为数字" in page.get_data(as_text=True)
    client.post(f"/admin/calls/{calls['T4']}", data={**form, "funding_cap_wan": "300"})
    assert 'name="funding_cap_wan" min="0.01" step="0.01" placeholder="不设上限" value="300"' in client.get(
        "/admin/calls").get_data(as_text=True)
    client.post(f"/admin/calls/{calls['T4']}", data={**form, "funding_cap_wan": ""})
    assert next(c for c in ok(api_as(client, "admin").get("/calls")) if c["id"] == calls["T4"])[
        "funding_cap_wan"] is None


# -- 2. the contract: signed between the award decision and today, then confirmed ------------------
def awarded(runtime: Runtime) -> Lifecycle:
    """Award decided on 2025-09-26, publicity over: the contract is the applicant's to sign."""
    lc = scored(runtime)
    with at(AWARD_DAY):
        lc.award()
    lc.tick(china(2025, 10, 11, 0, 0, 5))
    assert lc.open() == ["contract_signing"]
    return lc


def test_the_signing_date_lies_between_the_award_decision_and_today(client: FlaskClient, runtime: Runtime) -> None:
    lc = awarded(runtime)
    founder = api_as(client, "founder")
    sign = task(founder, lc.app_id, "contract_signing")
    with at(china(2025, 10, 20, 10, 0)):
        for day, message in (("2020-01-01", "签订日期不能早于立项决策日期（2025-09-26）"),
                             ("2025-09-25", "签订日期不能早于立项决策日期（2025-09-26）"),
                             ("2025-10-21", "签订日期不能晚于今天（2025-10-20）")):
            refused = error(founder.post(f"/tasks/{sign}/complete", {"data": {**CONTRACT, "signed_on": day}}), 422)
            assert refused["errors"] == {"signed_on": [message]}, day
        complete(founder, sign, {**CONTRACT, "signed_on": "2025-09-26"})  # the award day itself
    assert status(client, lc.app_id) == ("awarded", "contract")  # not in progress before the officer confirms
    assert lc.open() == ["confirm_contract"]


def test_today_in_china_is_a_signing_day_even_before_dawn_in_utc(client: FlaskClient, runtime: Runtime) -> None:
    lc = awarded(runtime)
    founder = api_as(client, "founder")
    with at(china(2025, 10, 20, 6, 30)):  # still 19 October in UTC
        complete(founder, task(founder, lc.app_id, "contract_signing"), {**CONTRACT, "signed_on": "2025-10-20"})


def test_the_officer_confirms_the_contract_or_sends_it_back_and_the_midterm_counts_from_the_confirmation(
        client: FlaskClient, runtime: Runtime) -> None:
    lc = awarded(runtime)
    founder, officer = api_as(client, "founder"), api_as(client, "officer")
    with at(china(2025, 10, 20, 10, 0)):
        complete(founder, task(founder, lc.app_id, "contract_signing"), {**CONTRACT, "signed_on": "2025-10-20"})
    with at(china(2025, 10, 22, 10, 0)):
        confirm = task(officer, lc.app_id, "confirm_contract")
        assert ok(officer.get(f"/tasks/{confirm}"))["form"]["properties"]["decision"]["enum"] == ["approve", "return"]
        refused = error(officer.post(f"/tasks/{confirm}/complete", {"data": {"decision": "return"}}), 422)
        assert refused["errors"] == {"opinion": ["退回重签时须填写意见"]}
        complete(officer, confirm, {"decision": "return", "opinion": "考核指标与申报书不一致，请修改后重新签订。"})
    assert lc.open() == ["contract_signing"] and status(client, lc.app_id) == ("awarded", "contract")
    titles = [n["title"] for n in ok(founder.get("/notifications"))]
    assert "任务书退回重签：高端装备智能制造关键技术团队引进" in titles
    with at(china(2025, 10, 24, 10, 0)):
        complete(founder, task(founder, lc.app_id, "contract_signing"), {**CONTRACT, "signed_on": "2025-10-24"})
    with at(china(2025, 10, 27, 10, 0)):
        complete(officer, task(officer, lc.app_id, "confirm_contract"), samples.DECISIONS["confirm_contract"])
    assert status(client, lc.app_id) == ("in_progress", "contract")
    assert "任务书已确认：高端装备智能制造关键技术团队引进" in [n["title"] for n in ok(founder.get("/notifications"))]
    # 36 months: the midterm comes 18 months after the confirmation (2025-10-27), not after the signing
    assert lc.tick(china(2027, 4, 27, 12, 0)) == [] and lc.open() == []
    lc.tick(china(2027, 4, 28, 0, 0, 5))
    assert lc.open() == ["midterm_report"]


# -- 3. the acceptance rectification deadline, fired by the scheduler's tick -----------------------
def test_acceptance_rectification_overdue_terminates_the_project(client: FlaskClient, runtime: Runtime,
                                                                 db_engine: Engine,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    lc = awarded(runtime)
    with at(china(2025, 10, 20, 10, 0)):
        lc.sign("2025-10-20")
    lc.tick(china(2027, 4, 21, 9, 0))
    with at(china(2027, 4, 21, 10, 0)):
        lc.midterm()
    lc.tick(china(2028, 10, 21, 9, 0))
    with at(china(2028, 10, 23, 10, 0)):  # a Monday; tokens issued now, not in 2026
        founder, officer = Api(client, token_for(client, "founder")), Api(client, token_for(client, "officer"))
        complete(founder, task(founder, lc.app_id, "final_report"), samples.DECISIONS["final_report"])
        complete(officer, task(officer, lc.app_id, "acceptance_review"),
                 {"decision": "rectify", "opinion": "成果转化指标未完成，限期整改。", "rectify_days": 10})
        rectify = task(founder, lc.app_id, "acceptance_rectification")
        assert ok(founder.get(f"/tasks/{rectify}"))["due_at"].startswith("2028-11-06T15:59:59")  # 10 working days
    monkeypatch.setenv("ROOTBALL_DATABASE_URL", db_engine.url.render_as_string(hide_password=False))
    before = CliRunner().invoke(main, ["tick", "--now", "2028-11-06T23:00:00+08:00"])
    assert before.exit_code == 0, before.output
    assert lc.status() == ("in_progress", "acceptance")
    after = CliRunner().invoke(main, ["tick", "--now", "2028-11-07T09:00:00+08:00"])
    assert after.exit_code == 0 and json.loads(after.stdout)["errors"] == []
    assert lc.status() == ("terminated", "closed")
    assert lc.open() == []
    with at(china(2028, 11, 7, 10, 0)):
        notices = [n["title"] for n in ok(founder.get("/notifications"))]
    assert "项目终止：高端装备智能制造关键技术团队引进" in notices


# -- 4. the reference lists: maintained by administrators, valid on the submission date ------------
def _submit_t1(client: FlaskClient, calls: dict[str, int], problem: int, kind: str) -> tuple[int, Any]:
    applicant = api_as(client, "applicant")
    app_id = ok(applicant.post("/applications", {"call_id": calls["T1"], "title": "揭榜团队"}), 201)["id"]
    form = task(applicant, app_id, "application_form")
    answer = applicant.post(f"/tasks/{form}/complete", {"data": samples.application(
        "T1", jiebang_problem_id=problem, jiebang_kind=kind)})
    return answer.status_code, answer.get_json()


def test_a_jiebang_problem_is_chosen_only_while_it_is_listed(client: FlaskClient, calls: dict[str, int]) -> None:
    admin, applicant = api_as(client, "admin"), api_as(client, "applicant")
    entry = {"code": "JB2025-09", "title": "桂北毛竹精深加工成套技术", "kind": "transformation",
             "valid_from": "2025-07-01", "valid_to": "2025-08-31"}
    error(api_as(client, "officer").post("/reference/jiebang-problems", entry), 403)
    wrong = error(admin.post("/reference/jiebang-problems", {**entry, "valid_to": "2025-06-30"}), 422)
    assert wrong["errors"] == {"valid_to": ["截止日期不能早于生效日期"]}
    problem = ok(admin.post("/reference/jiebang-problems", entry), 201)
    assert (problem["code"], problem["valid_to"]) == ("JB2025-09", "2025-08-31")
    duplicate = error(admin.post("/reference/jiebang-problems", entry), 422)
    assert duplicate["errors"] == {"code": ["榜单编号“JB2025-09”已在名单中"]}
    refused = {"jiebang_problem_id": ["所选题目不在榜单上，或申报当日不在其有效期内"]}
    with at(china(2025, 6, 30, 10, 0)):
        assert _submit_t1(client, calls, problem["id"], "transformation") == (422, {
            "error": "表单数据无效", "errors": refused})
    for day in (china(2025, 7, 1, 10, 0), china(2025, 8, 31, 22, 0)):
        with at(day):
            assert _submit_t1(client, calls, problem["id"], "transformation")[0] == 200, day
    with at(china(2025, 9, 1, 10, 0)):
        code, body = _submit_t1(client, calls, problem["id"], "transformation")
        assert (code, body["errors"]) == (422, refused)
        assert _submit_t1(client, calls, 1, "breakthrough")[0] == 200  # a problem listed until further notice
    listed = ok(applicant.get("/reference/jiebang-problems"))
    assert [p["code"] for p in listed] == ["JB2025-01", "JB2025-02", "JB2025-03", "JB2025-09"]


def test_a_partner_whose_agreement_ended_cannot_be_named(client: FlaskClient, calls: dict[str, int],
                                                         runtime: Runtime) -> None:
    admin = api_as(client, "admin")
    partner = next(p for p in ok(admin.get("/reference/partner-institutions")) if p["id"] == 1)
    assert (partner["name"], partner["valid_from"], partner["valid_to"]) == ("中国科学院深圳先进技术研究院",
                                                                            "2021-01-01", None)
    ended = ok(admin.request("PUT", "/reference/partner-institutions/1", json={
        "name": partner["name"], "region": partner["region"], "agreement_no": partner["agreement_no"],
        "valid_from": "2021-01-01", "valid_to": "2025-08-31"}))
    assert ended["valid_to"] == "2025-08-31"
    applicant = api_as(client, "applicant")
    for day, expected in ((china(2025, 8, 31, 10, 0), 200), (china(2025, 9, 1, 10, 0), 422)):
        with at(day):
            app_id = ok(applicant.post("/applications", {"call_id": calls["T2"], "title": "联合攻关团队"}), 201)["id"]
            answer = applicant.post(f"/tasks/{task(applicant, app_id, 'application_form')}/complete",
                                    {"data": samples.application("T2", partner_institution_id=1)})
            assert answer.status_code == expected, (day, answer.get_json())
    assert answer.get_json()["errors"] == {
        "partner_institution_id": ["所选院校不在合作院校名单上，或申报当日其合作协议不在有效期内"]}
    with runtime.sessions() as session:
        change = session.scalars(select(AuditEvent).where(AuditEvent.action == "reference_changed")).one()
    assert change.data_diff == {"list": "partners", "id": 1, "valid_to": [None, "2025-08-31"]}


def test_the_reference_page_is_for_administrators(client: FlaskClient) -> None:
    login_as(client, "officer")
    assert client.get("/admin/reference").status_code == 403
    login_as(client, "admin")
    page = client.get("/admin/reference").get_data(as_text=True)
    assert "JB2025-01" in page and "香港科技大学" in page and "<script>" not in page and "style=" not in page
    added = client.post("/admin/reference/partners", data={
        "name": "新加坡国立大学", "region": "新加坡", "agreement_no": "桂新科合〔2025〕2号", "valid_from": "2025-05-01",
        "valid_to": "2030-04-30"}, follow_redirects=True).get_data(as_text=True)
    assert "已保存名单条目" in added and "新加坡国立大学" in added
    refused = client.post("/admin/reference/jiebang", data={
        "code": "JB2026-01", "title": "", "kind": "攻关", "valid_from": "2026-02-30"},
        follow_redirects=True).get_data(as_text=True)
    assert "请填写题目" in refused and "类别应为" in refused and "生效日期无效" in refused


def test_the_reference_page_imports_a_file_or_nothing(client: FlaskClient, runtime: Runtime) -> None:
    import io

    login_as(client, "admin")
    bad = {"list": "", "file": (io.BytesIO(CSV_BAD.encode()), "榜单.csv")}
    refused = client.post("/admin/reference/import", data=bad, content_type="multipart/form-data",
                          follow_redirects=True).get_data(as_text=True)
    assert "第3行 题目：请填写题目" in refused and "第4行 截止日期：截止日期不能早于生效日期" in refused
    assert "未导入任何条目" in refused
    done = client.post("/admin/reference/import", data={"list": "jiebang", "file": (io.BytesIO(
        CSV_GOOD.encode("utf-8-sig")), "榜单.csv")}, content_type="multipart/form-data",
        follow_redirects=True).get_data(as_text=True)
    assert "已导入揭榜榜单 2 条" in done and "西江航运绿色船舶动力" in done
    with runtime.sessions() as session:
        added = session.scalars(select(AuditEvent).where(AuditEvent.action == "reference_added")).all()
    assert [(e.data_diff or {})["code"] for e in added] == ["JB2026-01"]


CSV_GOOD = "榜单编号,题目,类别,生效日期,截止日期\nJB2026-01,西江航运绿色船舶动力,技术攻关类,2026-01-01,2026-12-31\n" \
           "JB2025-01,糖料蔗全程机械化收获关键技术,breakthrough,2025-01-01,2025-12-31\n"
CSV_BAD = "code,title,kind,valid_from,valid_to\nJB2026-02,富硒农产品精深加工,breakthrough,2026-01-01,\n" \
          "JB2026-03,,攻关,2026-13-01,\nJB2026-02,重复,transformation,2026-01-01,2025-01-01\n"


def test_reference_import_is_all_or_nothing_with_line_by_line_chinese(runtime: Runtime, db_engine: Engine,
                                                                      tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROOTBALL_DATABASE_URL", db_engine.url.render_as_string(hide_password=False))
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV_BAD, "utf-8")
    refused = CliRunner().invoke(main, ["reference", "import", str(bad)])
    assert refused.exit_code == 1
    assert refused.stderr.splitlines() == [
        f"{bad}: 第3行 题目：请填写题目",
        f"{bad}: 第3行 类别：类别应为“技术攻关类”或“成果转化类”（breakthrough / transformation）",
        f"{bad}: 第3行 生效日期：生效日期无效，格式应为 YYYY-MM-DD",
        f"{bad}: 第4行 截止日期：截止日期不能早于生效日期",
        "未导入任何条目"]
    with runtime.sessions() as session:
        assert session.scalar(select(JiebangProblem).where(JiebangProblem.code == "JB2026-02")) is None
    good = tmp_path / "good.csv"
    good.write_text(CSV_GOOD, "utf-8")
    done = CliRunner().invoke(main, ["reference", "import", str(good)])
    assert (done.exit_code, done.stdout.strip()) == (0, "揭榜榜单：新增 1 条，修改 1 条")
    with runtime.sessions() as session:
        problems = {p.code: (p.kind, p.valid_from.isoformat(), p.valid_to) for p in session.scalars(
            select(JiebangProblem)).all()}
    assert problems["JB2026-01"][:2] == ("breakthrough", "2026-01-01")
    assert problems["JB2025-01"][1:] == ("2025-01-01", datetime(2025, 12, 31).date())


def test_reference_import_reads_excel(runtime: Runtime, db_engine: Engine, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["院校名称", "国家或地区", "合作协议编号", "生效日期", "截止日期"])
    sheet.append(["新加坡国立大学", "新加坡", "桂新科合〔2025〕2号", datetime(2025, 5, 1), None])
    sheet.append(["香港科技大学", "香港", "桂港科合〔2024〕1号", "2024-01-01", "2028-12-31"])
    path = tmp_path / "partners.xlsx"
    book.save(path)
    monkeypatch.setenv("ROOTBALL_DATABASE_URL", db_engine.url.render_as_string(hide_password=False))
    done = CliRunner().invoke(main, ["reference", "import", str(path)])
    assert (done.exit_code, done.stdout.strip()) == (0, "合作院校名单：新增 1 条，修改 1 条"), done.output


# -- 5. the target over the plan period, domestic and overseas ------------------------------------
def test_the_target_counts_the_plan_period_split_by_origin(client: FlaskClient, runtime: Runtime) -> None:
    abroad = [dict(m, work_location="abroad") if m["is_leader"] else m for m in samples.team()]
    inside = scored(runtime, "T4", team=abroad)
    with at(AWARD_DAY):
        inside.award()
    inside.tick(china(2025, 10, 11, 0, 0, 5))  # awarded in 2025: inside 2021–2025
    with at(china(2025, 10, 20, 10, 0)):
        inside.sign("2025-10-20")
    later = Lifecycle(runtime, "T1")
    later.to_expert_review(china(2026, 3, 2, 9, 0))
    with at(china(2026, 3, 2, 9, 0)):
        later.score()
    with at(china(2026, 3, 20, 10, 0)):
        later.award()
    later.tick(china(2026, 4, 1, 9, 0))  # awarded in 2026: the next plan's
    assert (inside.status(), later.status()) == (("in_progress", "contract"), ("awarded", "contract"))
    officer = api_as(client, "officer")
    stats = ok(officer.get("/stats"))
    assert (stats["target"], stats["awarded"]) == (100, 1)
    assert stats["plan_period"] == {"name": "“十四五”时期", "first_year": 2021, "last_year": 2025}
    assert stats["by_origin"] == {"domestic": 0, "overseas": 1, "unknown": 0}
    assert (stats["by_track"]["T4"], stats["by_track"]["T1"], stats["by_year"]) == (1, 0, {"2025": 1})
    assert stats["outside_period"]["awarded"] == 1
    assert stats["outside_period"]["by_year"] == {"2026": 1}
    assert stats["outside_period"]["by_track"]["T1"] == 1
    login_as(client, "officer")
    page = client.get("/dashboard/").get_data(as_text=True)
    assert '<span id="plan-period">2021–2025</span>' in page and '<strong id="origin-overseas">1</strong>' in page
    assert "计划期外立项 <strong>1</strong> 个，不计入目标（2026 年 1 个）" in page
    login_as(client, "admin")  # the programme's setting: a plan period to 2026
    plan = {"plan_name": "“十四五”时期（延至2026年）", "first_year": "2021", "target": "120"}
    refused = client.post("/admin/calls/plan", data={**plan, "last_year": "2020"}, follow_redirects=True)
    assert "末年不能早于首年" in refused.get_data(as_text=True)
    client.post("/admin/calls/plan", data={**plan, "last_year": "2026"})
    with runtime.sessions() as session:
        setting = session.get(ProgrammeSetting, 1)
        assert setting is not None and (setting.last_year, setting.target) == (2026, 120)
    stats = ok(officer.get("/stats"))
    assert stats["target"] == 120
    assert (stats["awarded"], stats["outside_period"]["awarded"]) == (2, 0)
    assert stats["by_origin"] == {"domestic": 1, "overseas": 1, "unknown": 0}
