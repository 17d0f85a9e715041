"""Every role's main pages at a desktop width (1366 px) and a phone's (390 px): nothing overflows the page,
the navigation stays readable, no table cell is squeezed to a character, and the visible text holds no BPMN
element id and no English word; a screenshot of each page at each width goes to test-artifacts/screenshots/."""
from __future__ import annotations

import re
from pathlib import Path

from lxml import etree
from playwright.sync_api import Page
from sqlalchemy import select

from engine import demo_story, samples
from engine.lifecycle import Lifecycle
from engine.models import Application, HumanTask, ProcessInstance, ProcessVersion
from engine.scenario import Scenario
from tests.browser.conftest import SCREENSHOTS, LiveApp, People

WIDTHS = (1366, 390)
PROCESSES = Path(__file__).resolve().parents[2] / "processes"
ENGLISH = frozenset({
    "task", "tasks", "timer", "message", "applicant", "officer", "recommender", "admin", "expert", "submitted",
    "draft", "version", "lane", "start", "end", "none", "true", "false", "null", "undefined", "status", "stage",
    "pending", "approve", "reject", "return", "withdrawn", "awarded", "publicity", "midterm", "acceptance",
})
# The visible text of the page, leaving out what is marked as not language (usernames, e-mail addresses and
# technical keys shown beside their Chinese names: <code> and translate="no"); every option of a select counts.
VISIBLE_TEXT = """() => {
  const skip = 'code, [translate="no"], script, style, noscript, template';
  const parts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || !node.textContent.trim() || parent.closest(skip)) { continue; }
    const select = parent.closest('select');
    if (select ? select.getClientRects().length > 0 : parent.getClientRects().length > 0) {
      parts.push(node.textContent);
    }
  }
  return parts.join('\\n');
}"""
# Table cells of four characters or more drawn narrower than three characters.
SQUEEZED_CELLS = """() => Array.from(document.querySelectorAll('td, th')).filter((cell) => {
  const text = cell.innerText.trim();
  return cell.getClientRects().length && text.length >= 4 && cell.getBoundingClientRect().width < 36;
}).map((cell) => cell.innerText.trim().slice(0, 20))"""
DIAGRAM_READY = """() => {
  const diagram = document.querySelector('#instance-viewer[data-xml-url], #modeler');
  return !diagram || diagram.dataset.ready === '1';
}"""


def bpmn_ids() -> frozenset[str]:
    """Every id of every element of the bundled process library."""
    found: set[str] = set()
    for path in PROCESSES.rglob("*.bpmn"):
        found.update(str(v) for v in etree.parse(str(path)).xpath("//@id"))
    return frozenset(found)


def seed(live: LiveApp) -> dict[str, int]:
    """The demo applications, one through to acceptance (its timers fired), one returned, one withdrawn, one
    waiting for 南宁's recommendation; the ids the pages need."""
    demo_story.play(live.sessions, live.users)
    accepted = Lifecycle(live.runtime, "T4")
    accepted.happy_path()
    play = Scenario(live.runtime, live.users)
    returned = play.start(live.calls["T3"], "applicant", "离岸基地团队（退回修改）")
    play.do(returned, "application_form", "applicant", samples.application("T3", title="离岸基地团队（退回修改）"))
    play.do(returned, "recommendation", "nanning", {"decision": "return", "opinion": "请补充合作协议盖章件。"})
    withdrawn = play.start(live.calls["T2"], "applicant", "联合攻关团队（已撤回）")
    play.do(withdrawn, "application_form", "applicant", samples.application("T2", title="联合攻关团队（已撤回）"))
    live.runtime.withdraw(withdrawn, live.users["applicant"], "核心成员变动，暂不申报")
    waiting = play.start(live.calls["T1"], "applicant", "甘蔗收获团队（待推荐）")
    play.do(waiting, "application_form", "applicant", samples.application("T1", title="甘蔗收获团队（待推荐）"))
    with live.sessions() as session:
        def app(title: str) -> int:
            found = session.scalar(select(Application.id).where(Application.title.startswith(title)))
            assert found is not None, title
            return found

        def task(app_id: int, spec_name: str, assignee: str | None = None) -> int:
            stmt = select(HumanTask.id).where(HumanTask.application_id == app_id, HumanTask.spec_name == spec_name,
                                              HumanTask.state == "open")
            if assignee:
                stmt = stmt.where(HumanTask.assignee_id == live.users[assignee])
            found = session.scalar(stmt.limit(1))
            assert found is not None, spec_name
            return found

        draft, review, formal = app("糖料蔗"), app("智能装备联合攻关团队"), app("广西人才热力图")
        return {
            "draft": draft, "draft_form": task(draft, "application_form"), "returned": returned,
            "withdrawn": withdrawn, "review": review, "accepted": accepted.app_id, "formal": formal,
            "formal_task": task(formal, "formal_review_task"), "recommend_task": task(waiting, "recommendation"),
            "score_task": task(review, "expert_score", "expert3"),
            "instance": session.scalar(select(ProcessInstance.id).where(
                ProcessInstance.application_id == accepted.app_id)) or 0,
            "t4_v1": session.scalar(select(ProcessVersion.id).where(
                ProcessVersion.process_key == "track4_enterprise").order_by(ProcessVersion.version)) or 0,
        }


def pages(ids: dict[str, int]) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(role, username) → [(page name, path)]: each role's main pages."""
    return {
        ("applicant", "applicant"): [
            ("home", "/"), ("inbox", "/tasks/?tab=mine"), ("applications", "/applications/"),
            ("draft", f"/applications/{ids['draft']}"), ("form", f"/tasks/{ids['draft_form']}"),
            ("returned", f"/applications/{ids['returned']}"), ("withdrawn", f"/applications/{ids['withdrawn']}"),
            ("notifications", "/tasks/notifications"), ("profile", "/profile"), ("publicity", "/publicity/"),
            ("announcements", "/announcements/")],
        ("recommender", "nanning"): [
            ("home", "/"), ("claimable", "/tasks/?tab=group"), ("done", "/tasks/?tab=done"),
            ("applications", "/applications/"), ("task", f"/tasks/{ids['recommend_task']}"),
            ("record", f"/applications/{ids['formal']}")],
        ("officer", "officer"): [
            ("home", "/"), ("claimable", "/tasks/?tab=group"), ("all-tasks", "/tasks/?tab=all"),
            ("applications", "/applications/"), ("record-review", f"/applications/{ids['review']}"),
            ("record-accepted", f"/applications/{ids['accepted']}"), ("formal-review", f"/tasks/{ids['formal_task']}"),
            ("panels", "/review/panels"), ("dashboard", "/dashboard/"), ("instances", "/admin/instances"),
            ("instance", f"/admin/instances/{ids['instance']}"), ("operations", "/admin/operations"),
            ("experts", "/admin/experts"), ("calendar", "/admin/calendar")],
        ("expert", "expert3"): [
            ("home", "/"), ("reviews", "/review/"), ("score", f"/review/{ids['score_task']}"),
            ("inbox", "/tasks/?tab=mine")],
        ("admin", "admin"): [
            ("versions", "/admin/"), ("users", "/admin/users"), ("calls", "/admin/calls"),
            ("notices", "/admin/notices"), ("announcements", "/announcements/manage"),
            ("modeler", f"/admin/versions/{ids['t4_v1']}"), ("applications", "/applications/")],
    }


def check(page: Page, where: str, width: int, ids: frozenset[str]) -> list[str]:
    """What is wrong with the page as drawn now."""
    problems = []
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if scroll > inner:
        problems.append(f"{where}: the page is {scroll} px wide in a {inner} px window")
    tallest = page.evaluate("Math.max(...Array.from(document.querySelectorAll('header nav a'))"
                            ".map((a) => a.getBoundingClientRect().height))")
    if tallest > 40:
        problems.append(f"{where}: a navigation link wraps ({tallest:.0f} px tall)")
    squeezed = page.evaluate(SQUEEZED_CELLS)
    if squeezed:
        problems.append(f"{where}: table cells squeezed: {squeezed[:5]}")
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", page.evaluate(VISIBLE_TEXT)))
    raw = sorted(w for w in words if w in ids or w.lower() in ENGLISH)
    if raw:
        problems.append(f"{where} ({width} px): ids or English words shown: {raw}")
    return problems


def test_every_role_page_fits_phones_and_speaks_chinese(live: LiveApp, people: People) -> None:
    ids = seed(live)
    element_ids = bpmn_ids()
    assert {"publicity_timer", "midterm_timer", "acceptance_timer", "lane_applicant"} <= element_ids
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    visited = 0
    for (role, username), role_pages in pages(ids).items():
        page = people(username)  # one signed-in browser context per role
        for name, path in role_pages:
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                response = page.goto(f"{live.url}{path}")
                assert response is not None and response.status == 200, f"{role} {path}: {response and response.status}"
                page.wait_for_function(DIAGRAM_READY)
                problems += check(page, f"{role} {name} {path}", width, element_ids)
                page.screenshot(path=str(SCREENSHOTS / f"{role}-{name}-{width}.png"), full_page=True)
                visited += 1
    assert visited == 2 * sum(len(p) for p in pages(ids).values())
    assert not problems, "\n".join(problems)
    assert (SCREENSHOTS / "officer-record-accepted-390.png").stat().st_size > 0
    assert people.policy_violations == []


def test_record_diagram_is_readable_and_lanes_are_chinese(live: LiveApp, people: People) -> None:
    ids = seed(live)
    officer = people("officer")
    officer.goto(f"{live.url}/applications/{ids['review']}")
    officer.wait_for_selector("#instance-viewer[data-ready='1']")
    zoom = officer.evaluate("window.rootballViewer.get('canvas').zoom()")
    assert zoom >= 0.7, f"labels drawn at {zoom:.2f} of their size"
    label = officer.locator("#canvas g[data-element-id='recommendation'] .djs-visual text").first
    box = label.bounding_box()
    assert box is not None and box.get("height", 0) >= 8, box
    # the current step is in view
    active = officer.locator("#canvas .djs-element.rb-active").first.bounding_box()
    canvas = officer.locator("#canvas").bounding_box()
    assert active and canvas and canvas["x"] <= active["x"] <= canvas["x"] + canvas["width"]
    lanes = officer.locator("#canvas text[data-role]").all_text_contents()
    assert set(lanes) >= {"申报单位", "推荐单位", "科技厅经办人"} and "applicant" not in lanes
    officer.set_viewport_size({"width": 390, "height": 800})
    officer.reload()
    officer.wait_for_selector("#instance-viewer[data-ready='1']")
    assert officer.evaluate("window.rootballViewer.get('canvas').zoom()") >= 0.7
    assert officer.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_modeler_fills_the_window_and_keeps_the_palette_off_the_diagram(live: LiveApp, people: People) -> None:
    admin = people("admin")
    with live.sessions() as session:
        version = session.scalar(select(ProcessVersion.id).where(ProcessVersion.process_key == "track4_enterprise"))
    admin.set_viewport_size({"width": 1366, "height": 900})
    admin.goto(f"{live.url}/admin/versions/{version}")
    admin.wait_for_selector("#modeler[data-ready='1']")
    canvas = admin.locator("#canvas").bounding_box()
    assert canvas and canvas["height"] >= 900 - 120, canvas
    palette = admin.locator("#canvas .djs-palette").bounding_box()
    shapes = admin.evaluate("""() => Array.from(document.querySelectorAll('#canvas .djs-element.djs-shape'))
        .map((g) => g.getBoundingClientRect()).filter((r) => r.width > 0).map((r) => r.left)""")
    assert palette and min(shapes) >= palette["x"] + palette["width"], (palette, min(shapes))
    sidebar = admin.locator("#modeler-sidebar").bounding_box()
    assert sidebar and sidebar["x"] >= canvas["x"] + canvas["width"]
    assert set(admin.locator("#canvas text[data-role]").all_text_contents()) >= {"申报单位", "科技厅经办人"}
    admin.click("#canvas g[data-element-id='application_form']")
    assert admin.inner_text("label[data-key=formKey]").startswith("表单 (formKey)")
    assert admin.inner_text("label[data-key=dueIn]").startswith("办理期限 (dueIn)")


def test_navigation_keeps_whole_words_between_phone_and_desktop(live: LiveApp, people: People) -> None:
    for username in ("officer", "admin"):
        page = people(username)
        for width in (1280, 1024, 900, 800, 600, 320):
            page.set_viewport_size({"width": width, "height": 800})
            page.goto(f"{live.url}/applications/")
            heights = page.evaluate("Array.from(document.querySelectorAll('header nav a, header .who a'))"
                                    ".map((a) => a.getBoundingClientRect().height)")
            assert heights and max(heights) <= 40, (username, width, heights)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (username, width)
