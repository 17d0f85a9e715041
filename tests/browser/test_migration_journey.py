"""An administrator changes the midterm in the modeler, sees who is affected before deploying, replays
history on the edit, deploys, moves a filtered set of running applications onto the new version and
watches one of them on the new diagram."""
from __future__ import annotations

from playwright.sync_api import Dialog, Page
from sqlalchemy import select

from engine.lifecycle import Lifecycle
from engine.models import ProcessInstance, ProcessVersion
from tests.browser.conftest import LiveApp, People, Screenshots
from tests.engine.test_migration import midterm_with_site_visit, to_midterm_report, to_midterm_review


def t4_v1(live: LiveApp) -> int:
    with live.sessions() as session:
        return int(session.scalar(select(ProcessVersion.id).where(
            ProcessVersion.process_key == "track4_enterprise", ProcessVersion.version == 1)) or 0)


def instance_of(live: LiveApp, lc: Lifecycle) -> int:
    with live.sessions() as session:
        return int(session.scalar(select(ProcessInstance.id).where(ProcessInstance.application_id == lc.app_id)) or 0)


def edit_and_preview(admin: Page, live: LiveApp, shots: Screenshots) -> None:
    admin.goto(f"{live.url}/admin/versions/{t4_v1(live)}?file=common/midterm.bpmn")
    admin.wait_for_selector("#modeler[data-ready='1']")
    admin.click("#toggle-xml")
    admin.fill("#xml-editor", midterm_with_site_visit().decode())
    admin.click("#xml-import")
    admin.wait_for_selector("#canvas g[data-element-id='midterm_site_visit']")
    admin.click("#impact-run")
    admin.wait_for_selector("#impact-summary")
    assert "改动" in admin.text_content("#impact-summary")
    assert admin.locator(".djs-element.rb-added[data-element-id='midterm_site_visit']").count() == 1
    assert admin.locator(".djs-element.rb-changed[data-element-id='midterm_review']").count() == 1
    affected = admin.locator("[data-running-version][data-affected='1']")
    assert affected.count() == 1 and "运行中 2 个" in affected.inner_text()
    assert "中期检查评议" in admin.locator("#impact-changes").inner_text()
    admin.click("#dry-run")
    admin.wait_for_selector("[data-dry-run='track4_enterprise']")
    shots.take(admin, "impact-panel")


def deploy(admin: Page, shots: Screenshots) -> None:
    admin.fill("#deploy-note", "中期检查增加实地核查")
    admin.click("#deploy")
    admin.wait_for_selector("#modeler[data-deployed]")
    assert "track4_enterprise v2" in (admin.get_attribute("#modeler", "data-deployed") or "")
    admin.wait_for_selector("a.migrate-link")
    shots.take(admin, "deployed")


def migrate_filtered(admin: Page, shots: Screenshots) -> None:
    admin.click("a.migrate-link")
    admin.wait_for_selector("#migration-filter")
    assert admin.text_content("#migration-total") == "2"
    admin.select_option("select[name=element]", "midterm_review")
    admin.click("#migration-filter button[type=submit]")
    assert admin.text_content("#migration-total") == "1"
    admin.check("#select-all")
    admin.click("button[name=scope][value=selected]")
    admin.wait_for_selector("#preview-table")
    assert admin.text_content("#movable") == "1"
    shots.take(admin, "migration-preview")
    asked: list[str] = []

    def accept(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    admin.once("dialog", accept)
    admin.click("#migration-confirm button[type=submit]:not([formaction])")
    admin.wait_for_selector("#migration-items")
    assert asked and "第2版" in asked[0]
    assert admin.locator("[data-outcome='migrated']").count() == 1
    shots.take(admin, "migrated")


def test_change_the_midterm_and_move_running_applications(people: People, live: LiveApp, shots: Screenshots) -> None:
    reviewing, reporting = Lifecycle(live.runtime, "T4"), Lifecycle(live.runtime, "T4")
    to_midterm_review(reviewing)
    to_midterm_report(reporting)
    admin = people("admin")
    edit_and_preview(admin, live, shots)
    deploy(admin, shots)
    migrate_filtered(admin, shots)

    admin.goto(f"{live.url}/admin/instances/{instance_of(live, reviewing)}")
    admin.wait_for_selector("#instance-version")
    assert "第2版" in (admin.text_content("#instance-version") or "")
    shots.take(admin, "instance-on-v2")
    admin.goto(f"{live.url}/admin/instances/{instance_of(live, reporting)}")
    assert "第1版" in (admin.text_content("#instance-version") or "")  # not in the filtered set: stays
    assert not people.policy_violations, people.policy_violations
