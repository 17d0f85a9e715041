"""The application pages: scope rules tried by the wrong people, filters, export, timeline, withdraw, terminate."""
from __future__ import annotations

import json
import re
from datetime import timedelta
from io import BytesIO

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook

from engine import samples
from engine.runtime import Runtime
from engine.scenario import Scenario
from tests.web import flows
from tests.web.conftest import login_as


def listed(html: str) -> set[int]:
    """The application ids of a list page."""
    return {int(x) for x in re.findall(r'data-application-id="(\d+)"', html)}


@pytest.fixture
def three(play: Scenario, calls: dict[str, int]) -> dict[str, int]:
    """A 柳州 T4 (founder), a 南宁 T2 (applicant) and a 南宁 T5 (agency), all submitted."""
    t4 = flows.submitted(play, calls)
    t2 = play.start(calls["T2"], "applicant", "智能装备联合攻关")
    play.do(t2, "application_form", "applicant", samples.application("T2", title="智能装备联合攻关"))
    t5 = play.start(calls["T5"], "agency", "人才热力图平台")
    play.do(t5, "application_form", "agency", samples.application("T5", title="人才热力图平台"))
    return {"t4": t4, "t2": t2, "t5": t5}


@pytest.mark.parametrize(("user", "sees"), [
    ("founder", {"t4"}), ("applicant", {"t2"}), ("liuzhou", {"t4"}), ("nanning", {"t2", "t5"}),
    ("expert1", set()), ("officer", {"t4", "t2", "t5"}), ("admin", {"t4", "t2", "t5"}),
])
def test_each_role_sees_exactly_its_scope(client: FlaskClient, three: dict[str, int], user: str,
                                          sees: set[str]) -> None:
    login_as(client, user)
    assert listed(client.get("/applications/").get_data(as_text=True)) == {three[k] for k in sees}
    for key, app_id in three.items():
        expected = 200 if key in sees else 404
        assert client.get(f"/applications/{app_id}").status_code == expected, (user, key)
        if key not in sees:
            assert client.post(f"/applications/{app_id}/withdraw", data={"reason": "x", "confirm": "yes"}
                               ).status_code == 404
            assert client.post(f"/applications/{app_id}/terminate", data={"reason": "x"}).status_code == 404


def test_an_applicant_cannot_reach_another_organizations_tasks(client: FlaskClient, three: dict[str, int],
                                                               play: Scenario) -> None:
    task = flows.task_id(play, three["t2"], "recommendation")
    form = flows.done_task(play, three["t2"], "application_form").id
    login_as(client, "founder")
    assert client.get(f"/tasks/{task}").status_code == 404
    assert client.get(f"/tasks/{form}").status_code == 404
    assert client.post(f"/tasks/{task}", data={"decision": "approve"}).status_code == 404
    assert client.post(f"/tasks/{task}/claim").status_code == 403
    assert flows.task_row(play, task).assignee_id is None


def test_officer_filters_searches_and_exports(client: FlaskClient, three: dict[str, int],
                                              calls: dict[str, int]) -> None:
    login_as(client, "officer")

    def ids(query: str) -> set[int]:
        return listed(client.get(f"/applications/?{query}").get_data(as_text=True))

    assert ids("track=T4") == {three["t4"]}
    assert ids("city=南宁市") == {three["t2"], three["t5"]}
    assert ids("q=热力图") == {three["t5"]}
    assert ids("q=柳州新能") == {three["t4"]}  # by organization name
    assert ids(f"call_id={calls['T2']}") == {three["t2"]}
    assert ids("stage=recommendation&status=submitted") == set(three.values())
    assert ids("status=withdrawn") == set()
    assert ids("q=%25") == set()  # a literal percent sign matches nothing, not everything
    response = client.get("/applications/export.xlsx?city=南宁市")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"] and ".xlsx" in response.headers[
        "Content-Disposition"]
    sheet = load_workbook(BytesIO(response.data)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("编号", "申报名称", "举措", "申报单位")
    assert sorted(r[0] for r in rows[1:]) == sorted([three["t2"], three["t5"]])
    assert {r[1] for r in rows[1:]} == {"智能装备联合攻关", "人才热力图平台"}
    assert all(r[6] == "推荐" and r[7] == "已提交" for r in rows[1:])


def test_export_holds_only_what_the_user_may_see(client: FlaskClient, three: dict[str, int]) -> None:
    login_as(client, "liuzhou")
    sheet = load_workbook(BytesIO(client.get("/applications/export.xlsx").data)).active
    assert sheet is not None
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [three["t4"]]


def test_record_page_shows_data_timeline_history_and_diagram(
        client: FlaskClient, play: Scenario, calls: dict[str, int], users: dict[str, int]) -> None:
    app_id = flows.at_expert_scoring(play, calls, users)
    login_as(client, "officer")
    page = client.get(f"/applications/{app_id}").get_data(as_text=True)
    assert "柳州新能科技有限公司" in page and "统一社会信用代码" in page and samples.CREDIT_CODE in page
    assert re.search(r'<li class="done" data-stage="formal_review">形式审查</li>', page)
    assert re.search(r'<li class="current" data-stage="expert_review">专家评审</li>', page)
    assert re.search(r'<li class="pending" data-stage="publicity">公示</li>', page)
    assert '<td data-label="操作">阶段变更</td>' in page and ">推荐 → 形式审查</td>" in page and "柳州市科技局" in page
    found = re.search(r'<section class="card" id="instance-viewer" data-xml-url="/admin/versions/(\d+)/files/'
                      r'track4_enterprise.bpmn"', page)
    assert found and 'href="/admin/instances/' in page
    marks = json.loads(re.search(r'<script type="application/json" id="instance-data">(.*?)</script>',
                                 page, re.S).group(1))  # type: ignore[union-attr]
    assert "t4_pre_award" in marks["active"] and "start" in marks["completed"]
    assert "终止" in page and "撤回申报" not in page
    login_as(client, "founder")
    mine = client.get(f"/applications/{app_id}").get_data(as_text=True)
    assert 'id="instance-viewer"' not in mine and "撤回申报" in mine and "终止原因" not in mine


def test_withdraw_before_award_and_409_after(client: FlaskClient, play: Scenario, calls: dict[str, int],
                                            users: dict[str, int]) -> None:
    early = flows.at_formal_review(play, calls)
    login_as(client, "founder")
    unconfirmed = client.post(f"/applications/{early}/withdraw", data={"reason": "团队调整"})
    assert unconfirmed.status_code == 302 and play.application(early).status == "in_review"
    done = client.post(f"/applications/{early}/withdraw", data={"reason": "团队调整", "confirm": "yes"})
    assert done.status_code == 302
    assert play.application(early).status == "withdrawn" and play.open_tasks(early) == []
    awarded = flows.at_award(play, calls, users)
    play.do(awarded, "award_decision", "officer", samples.DECISIONS["award_decision"])
    late = client.post(f"/applications/{awarded}/withdraw", data={"reason": "不想做了", "confirm": "yes"})
    assert late.status_code == 409 and "立项决定后不可撤回" in late.get_data(as_text=True)
    assert play.application(awarded).stage == "publicity" and play.application(awarded).status != "withdrawn"


def test_only_the_officer_terminates_and_a_reason_is_required(client: FlaskClient, play: Scenario,
                                                              calls: dict[str, int]) -> None:
    app_id = flows.at_formal_review(play, calls)
    login_as(client, "founder")
    assert client.post(f"/applications/{app_id}/terminate", data={"reason": "x"}).status_code == 403
    login_as(client, "officer")
    blank = client.post(f"/applications/{app_id}/terminate", data={"reason": ""}, follow_redirects=True)
    assert "请填写终止原因" in blank.get_data(as_text=True) and play.application(app_id).status == "in_review"
    assert client.post(f"/applications/{app_id}/terminate", data={"reason": "材料造假"}).status_code == 302
    assert play.application(app_id).status == "terminated" and play.open_tasks(app_id) == []


def test_history_names_a_status_change_within_one_stage(client: FlaskClient, runtime) -> None:  # type: ignore[no-untyped-def]
    import time_machine

    from engine.lifecycle import Lifecycle, china

    lc = Lifecycle(runtime, "T4")
    lc.to_expert_review()
    with time_machine.travel(china(2025, 9, 1, 9, 0), tick=False):
        lc.score()
        lc.award()
    lc.tick(china(2025, 9, 9, 0, 0, 5))
    with time_machine.travel(china(2025, 9, 10, 9, 0), tick=False):
        lc.sign("2025-09-10")
    login_as(client, "officer")
    html = client.get(f"/applications/{lc.app_id}").get_data(as_text=True)
    assert "状态 已立项 → 实施中" in html
    assert "任务书 → 任务书" not in html


def test_an_award_revoked_for_want_of_a_contract_reads_as_revoked(client: FlaskClient, runtime: Runtime) -> None:
    from tests.web.test_admin_operations import in_publicity

    lc = in_publicity(runtime)
    assert lc.tick(lc.instance().next_timer_at + timedelta(minutes=1))  # publicity ends: contract due
    assert lc.tick(lc.instance().next_timer_at + timedelta(minutes=1))  # the contract deadline passes
    assert lc.status() == ("terminated", "closed")
    login_as(client, "founder")
    page = client.get(f"/applications/{lc.app_id}").get_data(as_text=True)
    assert "撤销立项" in page and "已终止" not in page
