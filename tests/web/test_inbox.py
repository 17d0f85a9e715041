"""The inbox: tabs, navigation counts, filters, claim and unclaim, due-date highlighting, 已办."""
from __future__ import annotations

import re
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import update

from engine.models import HumanTask, utcnow
from engine.scenario import Scenario
from tests.web import flows
from tests.web.conftest import login_as


def nav_count(html: str, which: str) -> int:
    """The count shown next to a navigation link."""
    found = re.search(rf'data-nav="{which}">[^<]*<span class="count">(\d+)</span>', html)
    assert found, f"no {which} count in the navigation"
    return int(found.group(1))


def task_ids(html: str) -> set[int]:
    """The task rows of an inbox page."""
    return {int(x) for x in re.findall(r'data-task-id="(\d+)"', html)}


def test_tabs_counts_claim_and_unclaim(client: FlaskClient, play: Scenario, calls: dict[str, int]) -> None:
    app_id = flows.submitted(play, calls)
    task = flows.task_id(play, app_id, "recommendation")
    login_as(client, "liuzhou")
    page = client.get("/tasks/?tab=group").get_data(as_text=True)
    assert task in task_ids(page) and nav_count(page, "group") == 1 and nav_count(page, "mine") == 0
    assert play.application(app_id).title in page and "推荐单位审核推荐" in page and "（未领取）" in page
    assert task not in task_ids(client.get("/tasks/?tab=mine").get_data(as_text=True))

    assert client.post(f"/tasks/{task}/claim").status_code == 302
    page = client.get("/tasks/?tab=mine").get_data(as_text=True)
    assert task in task_ids(page) and nav_count(page, "mine") == 1 and nav_count(page, "group") == 0
    assert "柳州市科技局" in page  # the assignee column

    login_as(client, "nanning")  # another city's recommender sees nothing of it
    page = client.get("/tasks/?tab=group").get_data(as_text=True)
    assert task not in task_ids(page)
    assert client.post(f"/tasks/{task}/claim").status_code == 409

    login_as(client, "liuzhou")
    assert client.post(f"/tasks/{task}/unclaim").status_code == 302
    assert flows.task_row(play, task).assignee_id is None
    assert task in task_ids(client.get("/tasks/?tab=group").get_data(as_text=True))


def test_all_tab_is_for_overseers_and_filters_apply(client: FlaskClient, play: Scenario,
                                                     calls: dict[str, int]) -> None:
    t4 = flows.submitted(play, calls)
    t5 = play.start(calls["T5"], "agency", "人才热力图")
    login_as(client, "liuzhou")
    assert client.get("/tasks/?tab=all").status_code == 403
    login_as(client, "officer")
    everything = task_ids(client.get("/tasks/?tab=all").get_data(as_text=True))
    rec, form = flows.task_id(play, t4, "recommendation"), flows.task_id(play, t5, "application_form")
    assert {rec, form} <= everything
    assert task_ids(client.get("/tasks/?tab=all&track=T5").get_data(as_text=True)) == {form}
    assert task_ids(client.get("/tasks/?tab=all&city=柳州市").get_data(as_text=True)) == {rec}
    assert task_ids(client.get("/tasks/?tab=all&stage=recommendation").get_data(as_text=True)) == {rec}
    assert task_ids(client.get(f"/tasks/?tab=all&call_id={calls['T5']}").get_data(as_text=True)) == {form}


FIRST_CELL = r'\s*<td[^>]*><span class="app-no">#\d+</span> ([^<]*)<'  # an inbox row's application title


def test_overdue_and_due_soon_stand_out_and_sort_by_due_date(client: FlaskClient, play: Scenario,
                                                              calls: dict[str, int]) -> None:
    late, soon, later = (flows.started(play, calls, t) for t in ("逾期的申报", "快到期的申报", "不急的申报"))
    now = utcnow()
    dues = {late: now - timedelta(days=1), soon: now + timedelta(days=2), later: now + timedelta(days=20)}
    with play.runtime.sessions.begin() as session:
        for app_id, due in dues.items():
            session.execute(update(HumanTask).where(HumanTask.application_id == app_id).values(due_at=due))
    login_as(client, "founder")
    page = client.get("/tasks/").get_data(as_text=True)
    rows = re.findall(r'<tr class="([a-z]*)" data-task-id="(\d+)">' + FIRST_CELL, page)
    assert [(cls, title) for cls, _id, title in rows] == [
        ("overdue", "逾期的申报"), ("soon", "快到期的申报"), ("", "不急的申报")]
    assert "已逾期" in page and "即将到期" in page
    newest = client.get("/tasks/?order=desc").get_data(as_text=True)
    assert re.findall(r'data-task-id="\d+">' + FIRST_CELL, newest)[0] == "不急的申报"


def test_done_tab_and_task_page_show_who_completed_it_and_when(client: FlaskClient, play: Scenario,
                                                               calls: dict[str, int]) -> None:
    app_id = flows.submitted(play, calls)
    form = flows.done_task(play, app_id, "application_form").id
    login_as(client, "founder")
    assert form in task_ids(client.get("/tasks/?tab=done").get_data(as_text=True))
    page = client.get(f"/tasks/{form}").get_data(as_text=True)
    assert "已完成" in page and '<strong class="completed-by">柳州新能科技有限公司</strong>' in page
    assert "柳州新能科技有限公司" in page and "核心成员1" in page  # the submitted data, read-only
    assert 'name="title"' not in page  # no form to submit again
    detail = client.get(f"/applications/{app_id}").get_data(as_text=True)
    assert "已完成的环节" in detail and "填写申报书" in detail
