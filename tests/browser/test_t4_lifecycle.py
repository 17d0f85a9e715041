"""Scenario (b): one T4 application from the applicant's form to acceptance, each step as the right user in the
browser; time moves with the scheduler's tick (what `rootball tick --now` runs) on the app's database."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from playwright.sync_api import Page
from sqlalchemy import select

from engine import samples
from engine.calendar import CHINA
from engine.models import Application
from tests.browser.conftest import LiveApp, People, Screenshots
from tests.browser.support import fill, instance_of, open_task, start_application, submit_form

TITLE = "新能源汽车电驱系统创业团队"
PANEL = ("expert1", "expert2", "expert3", "expert4", "expert5")  # the team works at 上海交通大学 and 浙江大学
SCORES = {"expert1": "88", "expert2": "82", "expert3": "79", "expert4": "91", "expert5": "75"}
TEAM = [("张伟", "core", True, "教授", "上海交通大学", "domestic"),
        ("李娜", "core", False, "研究员", "慕尼黑工业大学", "overseas"),
        ("王强", "core", False, "高级工程师", "上海交通大学", "domestic"),
        ("赵敏", "advisor", False, "院士", "浙江大学", "domestic")]


def china_morning(day: date, months: int = 0, days: int = 0) -> datetime:
    """9:00 in China, `months` and `days` after `day`."""
    month = day.month - 1 + months
    shifted = date(day.year + month // 12, month % 12 + 1, min(day.day, 28)) + timedelta(days=days)
    return datetime.combine(shifted, time(9), tzinfo=CHINA)


def fill_application(page: Page) -> None:
    """The T4 application form: project, team rows, and the enterprise founded in Guangxi."""
    fill(page, {"title": TITLE, "summary": "团队来柳州创办企业，研发新能源汽车电驱系统并实现量产。",
                "field": "新能源汽车", "city": "柳州市", "budget_wan": "300", "duration_months": "36"})
    rows = page.locator("[data-rows=team] [data-row]")
    while rows.count() < len(TEAM):
        page.click("[data-rows=team] [data-add-row]")
    indexes = [n.split("-")[1] for n in rows.locator("[name$='-name']").evaluate_all("els => els.map(e => e.name)")]
    for index, (name, role, leader, title, institution, region) in zip(indexes, TEAM, strict=False):
        fill(page, {f"team-{index}-name": name, f"team-{index}-role": role, f"team-{index}-is_leader": leader,
                    f"team-{index}-title": title, f"team-{index}-institution": institution,
                    f"team-{index}-region": region, f"team-{index}-work_location": "elsewhere_in_china",
                    f"team-{index}-is_legal_rep": leader})
    fill(page, {"enterprise-name": "柳州新能科技有限公司", "enterprise-credit_code": samples.CREDIT_CODE,
                "enterprise-founded_on": "2022-03-15", "enterprise-office_address": "柳州市柳东新区创业路1号",
                "enterprise-office_in_guangxi": True, "enterprise-operating_normally": True})


def expert_scores(page: Page, live: LiveApp, score: str, shots: Screenshots | None) -> None:
    """One expert: declare no conflict first, then see the application and score it."""
    page.goto(f"{live.url}/review/")
    with page.expect_navigation():
        page.locator("tr", has_text=TITLE).get_by_role("link", name="评审").click()
    assert page.locator(".declaration").count() == 1 and page.locator(".scoring").count() == 0
    submit_form(page, {"conflict": False}, "form[action$='/declare'] button[type=submit]")
    assert page.locator(".scoring").count() == 1
    if shots:
        shots.take(page, "expert-scoring-sheet")
    submit_form(page, {"score": score, "comment": "团队结构合理，技术路线可行。"}, ".scoring button[value=submit]")


def status(live: LiveApp, app_id: int) -> tuple[str, str]:
    with live.sessions() as session:
        app = session.get(Application, app_id)
        assert app is not None
        return app.status, app.stage


def test_t4_application_from_form_to_acceptance(live: LiveApp, people: People, shots: Screenshots) -> None:
    founder = people("founder")
    app_id = start_application(founder, live, "T4", "电驱团队（暂定名）")
    fill_application(founder)
    shots.take(founder, "applicant-form")
    with founder.expect_navigation():
        founder.click("form.task-form button[value=submit]")
    assert status(live, app_id) == ("submitted", "recommendation")

    liuzhou = people("liuzhou")
    open_task(liuzhou, TITLE, "推荐")
    shots.take(liuzhou, "recommender-task")
    submit_form(liuzhou, {"decision": "approve", "opinion": "材料齐全，同意推荐。"})
    assert status(live, app_id)[1] == "formal_review"

    officer = people("officer")
    open_task(officer, TITLE, "形式审查")
    assert "符合" in officer.locator(".eligibility").inner_text()
    shots.take(officer, "formal-review")
    submit_form(officer, {"decision": "approve", "opinion": "形式审查合格。"})
    open_task(officer, TITLE, "专家")
    submit_form(officer, {"experts": [str(live.users[e]) for e in PANEL]})
    assert status(live, app_id)[1] == "expert_review"

    for i, expert in enumerate(PANEL):
        expert_scores(people(expert), live, SCORES[expert], shots if i == 0 else None)
    open_task(officer, TITLE, "立项")
    shots.take(officer, "award-decision")
    submit_form(officer, {"decision": "approve", "opinion": "同意立项。", "funding_wan": "200"})
    assert status(live, app_id) == ("in_review", "publicity")

    after_publicity = datetime.now(CHINA) + timedelta(days=30)  # the publicity period is 5 working days
    with live.clock(after_publicity):
        live.tick(after_publicity)
        assert status(live, app_id) == ("awarded", "contract")
        signed = datetime.now(CHINA).date()
        open_task(founder, TITLE, "任务书")
        submit_form(founder, {"contract_no": "GK-T4-001", "signed_on": signed.isoformat(), "budget_wan": "300",
                              "targets": "突破电驱系统关键技术3项，实现产值5000万元。"})
        assert status(live, app_id) == ("awarded", "contract")  # the officer confirms it first
        open_task(officer, TITLE, "确认任务书")
        submit_form(officer, {"decision": "approve", "opinion": "任务书与立项一致，予以确认。"})
    assert status(live, app_id) == ("in_progress", "contract")

    midterm = china_morning(signed, months=18, days=2)  # half of the 36 months
    with live.clock(midterm):
        live.tick(midterm)
        people.sign_in("founder", "officer")
        assert status(live, app_id)[1] == "midterm"
        open_task(founder, TITLE, "中期")
        submit_form(founder, {"progress": "已完成电驱控制器样机。", "spent_wan": "120", "next_steps": "中试验证。"})
        open_task(officer, TITLE, "中期")
        shots.take(officer, "midterm-review")
        submit_form(officer, {"decision": "approve", "opinion": "进展符合预期。"})

    acceptance = china_morning(signed, months=36, days=2)
    with live.clock(acceptance):
        live.tick(acceptance)
        people.sign_in("founder", "officer")
        assert status(live, app_id)[1] == "acceptance"
        open_task(founder, TITLE, "验收")
        submit_form(founder, {"final_summary": "项目全面完成。", "achievements": "授权发明专利5项。",
                              "spent_wan": "290"})
        open_task(officer, TITLE, "验收")
        submit_form(officer, {"decision": "approve", "opinion": "通过验收。"})
        assert status(live, app_id) == ("accepted", "closed")

        founder.goto(f"{live.url}/applications/{app_id}")
        shots.take(founder, "applicant-record-accepted")
        instance_id, version = instance_of(live, app_id)
        officer.goto(f"{live.url}/admin/instances/{instance_id}")
        officer.wait_for_selector("#instance-viewer[data-ready='1']")
        assert officer.text_content("#instance-status") == "已结束" and version == 1
        shots.take(officer, "instance-complete")
        dashboard = officer.goto(f"{live.url}/dashboard/")
        assert dashboard is not None and "style-src 'self'" in dashboard.headers["content-security-policy"]
        officer.wait_for_selector("#dashboard[data-ready='1']")
        in_plan = 2021 <= after_publicity.year <= 2025  # awards after the plan period are shown apart
        assert officer.text_content("#awarded") == ("1" if in_plan else "0")
        assert ("计划期外立项 0 个" if in_plan else "计划期外立项 1 个") in officer.text_content("#outside-period")
        assert officer.locator("#chart-city canvas").count() == 1  # ECharts drew under the policy
        shots.take(officer, "dashboard")
        assert people.policy_violations == [], people.policy_violations
    with live.sessions() as session:
        assert session.scalar(select(Application.awarded_at).where(Application.id == app_id)) is not None
