"""Scenario (a): an administrator edits the T4 diagram in the bpmn-js modeler, validates and deploys it; a new
application runs on the new version while one started before finishes on the old one."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from playwright.sync_api import Page
from sqlalchemy import select

from engine import samples
from engine.calendar import CHINA
from engine.lifecycle import Lifecycle
from engine.models import Application, HumanTask, ProcessVersion
from tests.browser.conftest import LiveApp, People, Screenshots
from tests.browser.support import instance_of, start_application, submit_form

NEW_NAME = "市科技局审核推荐"


def edit_in_modeler(admin: Page, live: LiveApp, shots: Screenshots) -> None:
    """Open T4 v1 in the modeler, make a bad edit, see it flagged, fix it, rename the task, deploy."""
    admin.goto(f"{live.url}/admin/")
    shots.take(admin, "versions-before")
    with admin.expect_response(lambda r: "/admin/versions/" in r.url) as opened:
        admin.locator("#process-track4_enterprise").get_by_role("link", name="打开建模器").click()
    policy = opened.value.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe" not in policy and "frame-ancestors 'none'" in policy
    admin.wait_for_selector("#modeler[data-ready='1']")
    admin.click("#canvas g[data-element-id='recommendation']")
    assert admin.input_value("#prop-name") == "推荐单位审核推荐"
    assert admin.input_value("#prop-dueIn") == "P5WD"
    # properties read in Chinese with the technical key beside them
    assert admin.inner_text("label[data-key=dueIn]").startswith("办理期限 (dueIn)")
    assert admin.inner_text("label[data-key=formKey]").startswith("表单 (formKey)")
    admin.fill("#prop-dueIn", "五个工作日")
    admin.click("#prop-apply")
    admin.click("#validate")
    admin.wait_for_selector("#modeler[data-validation='invalid']")
    problem = admin.locator("#problems li[data-element-id='recommendation']")
    assert "dueIn" in problem.inner_text()
    assert admin.locator(".djs-element.rb-invalid[data-element-id='recommendation']").count() == 1
    assert admin.locator(".rb-problem-badge").count() == 1
    shots.take(admin, "modeler-validation-problem")

    problem.click()  # selects the offending element and shows its properties
    assert admin.text_content("#prop-id") == "recommendation"
    admin.fill("#prop-dueIn", "P3WD")
    admin.fill("#prop-name", NEW_NAME)
    admin.click("#prop-apply")
    assert NEW_NAME in admin.locator("#canvas g[data-element-id='recommendation']").text_content()
    admin.click("#validate")
    admin.wait_for_selector("#modeler[data-validation='valid']")
    assert admin.locator(".djs-element.rb-invalid").count() == 0
    assert admin.text_content("#problems-title") == "校验通过，可以部署"

    admin.fill("#deploy-note", "推荐审核时限改为3个工作日，任务更名")
    admin.click("#deploy")
    admin.wait_for_selector("#modeler[data-deployed]")
    assert admin.get_attribute("#modeler", "data-deployed") == "track4_enterprise v2"
    # the heading, the title and the address follow the version just deployed
    assert admin.text_content("#modeler-version") == "T4 来桂创办企业 第2版" and "第2版" in admin.title()
    assert admin.url.endswith(f"/admin/versions/{admin.get_attribute('a.new-version', 'data-new-version-id')}")
    shots.take(admin, "modeler-deployed")


def versions_and_diff(admin: Page, live: LiveApp, shots: Screenshots) -> None:
    """The list shows v2 as newest with the old instance still running on v1; the diff names the change."""
    admin.goto(f"{live.url}/admin/")
    card = admin.locator("#process-track4_enterprise")
    rows = card.locator("tbody tr")
    assert "第2版" in rows.nth(0).inner_text() and "推荐审核时限改为3个工作日" in rows.nth(0).inner_text()
    assert "运行中 1" in rows.nth(1).inner_text()
    shots.take(admin, "versions-after")
    card.get_by_role("link", name="与第1版比较").click()
    changed = admin.locator("#changed").inner_text()
    assert "recommendation" in changed and "P5WD" in changed and "P3WD" in changed and NEW_NAME in changed
    # bpmn-js rewrote the whole file: only the edited task may differ (extension properties survive the round trip)
    assert [admin.text_content(f"#count-{kind}") for kind in ("added", "removed", "changed")] == ["0", "0", "1"]
    shots.take(admin, "diff")


def finish_on_old_version(live: LiveApp, app_id: int) -> None:
    """Play the rest of the old application through the engine, moving time with the scheduler's tick."""
    lc = Lifecycle(live.runtime, "T4")
    lc.app_id = app_id
    lc.formal()
    lc.assign()
    lc.score()
    lc.award()
    live.tick(datetime.now(CHINA) + timedelta(days=30))
    signed = datetime.now(CHINA).date()
    lc.sign(signed.isoformat())
    live.tick(china_morning(signed, months=19))
    lc.midterm()
    live.tick(china_morning(signed, months=37))
    lc.accept()
    assert lc.status() == ("accepted", "closed")


def china_morning(day: date, months: int) -> datetime:
    """9:00 in China, `months` after `day`."""
    month = day.month - 1 + months
    return datetime.combine(date(day.year + month // 12, month % 12 + 1, 1), time(9), tzinfo=CHINA)


def test_edit_validate_deploy_and_versions_side_by_side(live: LiveApp, people: People, shots: Screenshots) -> None:
    founder, admin, liuzhou = people("founder"), people("admin"), people("liuzhou")
    old_app = start_application(founder, live, "T4", "旧流程下的创业团队")
    edit_in_modeler(admin, live, shots)
    versions_and_diff(admin, live, shots)
    new_app = start_application(founder, live, "T4", "新流程下的创业团队")
    assert instance_of(live, old_app)[1] == 1 and instance_of(live, new_app)[1] == 2

    for app_id, title in ((old_app, "旧流程下的创业团队"), (new_app, "新流程下的创业团队")):
        # the applicant's form in the browser is the other scenario's subject
        live.runtime.complete_task(_open(live, app_id, "application_form").id,
                                   samples.application("T4", city="柳州市", title=title), live.users["founder"])
    liuzhou.click("a[data-nav=group]")
    old_row = liuzhou.locator("tr[data-task-id]", has_text="旧流程下的创业团队")
    new_row = liuzhou.locator("tr[data-task-id]", has_text="新流程下的创业团队")
    assert "推荐单位审核推荐" in old_row.inner_text() and NEW_NAME in new_row.inner_text()
    shots.take(liuzhou, "recommender-inbox-both-versions")
    old_due, new_due = _open(live, old_app, "recommendation").due_at, _open(live, new_app, "recommendation").due_at
    assert old_due is not None and new_due is not None and new_due < old_due  # 3 working days instead of 5

    for title in ("旧流程下的创业团队", "新流程下的创业团队"):
        liuzhou.click("a[data-nav=group]")
        liuzhou.locator("tr[data-task-id]", has_text=title).get_by_role("link", name="办理").click()
        submit_form(liuzhou, {"decision": "approve", "opinion": "同意推荐。"})
    finish_on_old_version(live, old_app)

    old_instance, _ = instance_of(live, old_app)
    admin.goto(f"{live.url}/admin/instances/{old_instance}")
    admin.wait_for_selector("#instance-viewer[data-ready='1']")
    assert admin.text_content("#instance-version") == "T4 来桂创办企业 第1版"
    assert admin.text_content("#instance-status") == "已结束"
    assert admin.get_attribute("#instance-viewer", "data-active") == "0"
    assert admin.locator(".djs-element.rb-completed[data-element-id='recommendation']").count() == 1
    assert "推荐单位审核推荐" in admin.locator("#canvas g[data-element-id='recommendation']").text_content()
    shots.take(admin, "instance-old-version-finished")
    with admin.expect_navigation():  # the file list opens the file chosen (a static script, no inline handler)
        admin.locator("select[data-navigate]").select_option(label="立项决策、公示与任务书签订")
    assert "file=common" in admin.url
    admin.wait_for_selector("#instance-viewer[data-ready='1']")
    # the officer's confirmation of the 任务书 is drawn (it has its DI shapes) and was passed through
    assert admin.locator(".djs-element.rb-completed[data-element-id='confirm_contract']").count() == 1
    assert "确认任务书" in admin.locator("#canvas g[data-element-id='confirm_contract']").text_content()

    new_instance, _ = instance_of(live, new_app)
    admin.goto(f"{live.url}/admin/instances/{new_instance}")
    admin.wait_for_selector("#instance-viewer[data-ready='1']")
    assert admin.text_content("#instance-version") == "T4 来桂创办企业 第2版"
    assert admin.locator(".djs-element.rb-active[data-element-id='formal_review']").count() == 1
    assert admin.locator(".djs-element.rb-completed[data-element-id='recommendation']").count() == 1
    assert NEW_NAME in admin.locator("#canvas g[data-element-id='recommendation']").text_content()
    shots.take(admin, "instance-new-version-running")
    with live.sessions() as session:
        statuses = dict(session.execute(select(Application.id, Application.status)
                                        .where(Application.id.in_([old_app, new_app]))).tuples().all())
    assert statuses == {old_app: "accepted", new_app: "in_review"}
    # the modeler, the instance diagrams and the inboxes ran under the Content-Security-Policy, nothing blocked
    assert people.policy_violations == []


def _open(live: LiveApp, app_id: int, spec_name: str) -> HumanTask:
    with live.sessions() as session:
        row = session.scalar(select(HumanTask).where(
            HumanTask.application_id == app_id, HumanTask.spec_name == spec_name, HumanTask.state == "open"))
        assert row is not None, f"no open {spec_name} on application {app_id}"
        return row


def test_xml_editing_and_the_other_admin_pages(live: LiveApp, people: People, shots: Screenshots) -> None:
    admin = people("admin")
    admin.goto(f"{live.url}/admin/versions/{_t4_v1(live)}")
    admin.wait_for_selector("#modeler[data-ready='1']")
    admin.click("#toggle-xml")
    editor = admin.locator("#xml-editor")
    admin.wait_for_function("document.querySelector('#xml-editor').value.includes('track4_enterprise')")
    editor.fill(editor.input_value().replace('name="推荐单位审核推荐"', 'name="推荐单位审核"'))
    admin.click("#xml-import")
    admin.wait_for_function("document.querySelector('#status').textContent.includes('已导入')")
    assert "推荐单位审核" in admin.locator("#canvas g[data-element-id='recommendation']").text_content()
    admin.click("#validate")
    admin.wait_for_selector("#modeler[data-validation='valid']")

    admin.goto(f"{live.url}/admin/users")
    form = admin.locator("#new-user")
    form.locator("input[name=username]").fill("hechi")
    form.locator("input[name=display_name]").fill("河池市科技局")
    form.locator("input[name=password]").fill("hechi-password")
    form.locator("select[name=role]").select_option("recommender")
    form.locator("select[name=scope]").select_option("河池市")
    with admin.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "已创建用户 hechi" in admin.inner_text(".flash")
    assert "推荐单位（河池市）" in admin.locator("tr[data-username=hechi]").inner_text()
    shots.take(admin, "users")

    admin.goto(f"{live.url}/admin/calls")
    card = admin.locator(f"#call-{live.calls['T2']}")
    card.locator("input[name=expert_count]").fill("7")
    with admin.expect_navigation():
        card.get_by_role("button", name="保存").click()
    assert "已保存申报批次" in admin.inner_text(".flash")
    assert admin.locator(f"#call-{live.calls['T2']} input[name=expert_count]").input_value() == "7"
    shots.take(admin, "calls")
    hechi = people("hechi", "hechi-password")
    assert "河池市科技局" in hechi.inner_text("header")
    assert people.policy_violations == []


def _t4_v1(live: LiveApp) -> int:
    with live.sessions() as session:
        found = session.scalar(select(ProcessVersion.id).where(ProcessVersion.process_key == "track4_enterprise"))
        assert found is not None
        return found
