"""Scenario: the officer draws panels for a whole call, swaps one expert, confirms, and the experts' inboxes fill."""
from __future__ import annotations

from sqlalchemy import select

from engine import samples
from engine.experts import library
from engine.experts.library import Entry
from engine.models import HumanTask
from engine.scenario import Scenario
from tests.browser.conftest import PASSWORD, LiveApp, People, Screenshots

TEAM = [{"name": "张伟", "role": "core", "is_leader": True, "title": "教授", "institution": "上海交通大学",
         "region": "domestic", "work_location": "elsewhere_in_china"},
        {"name": "王强", "role": "core", "is_leader": False, "title": "研究员", "institution": "苏州大学",
         "region": "domestic", "work_location": "elsewhere_in_china"},
        {"name": "李娜", "role": "core", "is_leader": False, "title": "研究员", "institution": "慕尼黑工业大学",
         "region": "overseas", "work_location": "abroad"},
        {"name": "赵敏", "role": "advisor", "is_leader": False, "title": "院士", "institution": "浙江大学",
         "region": "domestic", "work_location": "elsewhere_in_china"}]
EXTRA = [("zhong_expert", "钟教授", "中山大学", "广州市"), ("hua_expert", "华研究员", "华南理工大学", "广州市")]


def waiting_applications(live: LiveApp, count: int) -> list[int]:
    """`count` T4 applications of `founder` waiting for their experts, played through the engine."""
    play = Scenario(live.runtime, live.users)
    apps = []
    for i in range(count):
        app_id = play.start(live.calls["T4"], "founder", f"电驱团队{i}")
        team = TEAM if i == 0 else samples.team()
        play.do(app_id, "application_form", "founder",
                samples.application("T4", city="柳州市", title=f"新能源电驱团队{i + 1}", team=team))
        play.do(app_id, "recommendation", "liuzhou", samples.DECISIONS["recommendation"])
        play.do(app_id, "formal_review_task", "officer", samples.DECISIONS["formal_review"])
        apps.append(app_id)
    return apps


def scoring_experts(live: LiveApp, app_id: int) -> set[int]:
    with live.sessions() as session:
        return set(session.scalars(select(HumanTask.assignee_id).where(
            HumanTask.application_id == app_id, HumanTask.form_key == "expert_score", HumanTask.state == "open")))


def test_officer_draws_swaps_and_confirms_panels(live: LiveApp, people: People, shots: Screenshots) -> None:
    with live.sessions.begin() as session:
        for username, name, org, city in EXTRA:
            entry = Entry(username=username, name=name, organization=org, city=city, fields=("新能源汽车",),
                          password=PASSWORD)
            live.users[username] = library.save(session, entry, None).user_id
    apps = waiting_applications(live, 3)
    officer = people("officer")
    with officer.expect_navigation():
        officer.click("header a[data-nav=panels]")
    officer.select_option("select[name=call_id]", str(live.calls["T4"]))
    officer.wait_for_selector(f"tr[data-application-id='{apps[2]}']")
    assert officer.locator("input[name=application_ids]:checked").count() == 3
    officer.fill("input[name=seed]", "20251001")
    shots.take(officer, "choose-applications")
    with officer.expect_navigation():
        officer.click("#draw-form button[type=submit]")
    assert officer.text_content("#seed") == "20251001"
    first = officer.locator(f"section.panel[data-application-id='{apps[0]}']")
    seated = {int(v) for v in first.locator("tr[data-expert-id]").evaluate_all(
        "rows => rows.map(r => r.dataset.expertId)")}
    assert len(seated) == 5 and not seated & {live.users["expert6"], live.users["expert7"]}
    shots.take(officer, "proposal")

    with officer.expect_navigation():
        first.locator("a.swap-link").click()
    assert "与团队成员张伟同单位（上海交通大学）" in officer.locator("#blocked").inner_text()
    out = sorted(seated)[0]
    incoming = int(officer.locator("#eligible tr[data-expert-id]").first.get_attribute("data-expert-id") or 0)
    officer.check(f"#out-{out}")
    officer.check(f"#in-{incoming}")
    shots.take(officer, "swap")
    with officer.expect_navigation():
        officer.click("#swap-form button[type=submit]")
    assert "已替换专家" in officer.locator(".flash").first.inner_text()
    swapped = officer.locator(f"section.panel[data-application-id='{apps[0]}'] tr[data-expert-id='{incoming}']")
    assert swapped.count() == 1

    with officer.expect_navigation():
        officer.click("#confirm-form button[type=submit]")
    assert "已确认 3 项申报的评审专家" in officer.locator(".flash").first.inner_text()
    assert officer.get_attribute("#proposal", "data-state") == "confirmed"
    shots.take(officer, "confirmed")
    assert scoring_experts(live, apps[0]) == seated - {out} | {incoming}

    name = next(u for u, i in live.users.items() if i == incoming)
    expert = people(name, PASSWORD)
    with expert.expect_navigation():
        expert.click("header a[data-nav=mine]")
    assert expert.locator("tr[data-task-id]", has_text="新能源电驱团队1").count() == 1
    shots.take(expert, "expert-inbox")
