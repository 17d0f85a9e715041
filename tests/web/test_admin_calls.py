"""Administration of calls for applications: create, edit the deadline and experts, open and close."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from engine.errors import Conflict
from engine.models import AuditEvent, Call
from engine.runtime import Runtime
from tests.web.conftest import login_as


def call(runtime: Runtime, call_id: int) -> Call:
    with runtime.sessions() as session:
        found = session.get(Call, call_id)
        assert found is not None
        return found


def test_only_administrators_manage_calls(client: FlaskClient, calls: dict[str, int]) -> None:
    login_as(client, "officer")
    assert client.get("/admin/calls").status_code == 403
    assert client.post("/admin/calls", data={"track": "T1"}).status_code == 403
    assert client.post(f"/admin/calls/{calls['T1']}/status", data={"status": "closed"}).status_code == 403


def test_create_a_call(client: FlaskClient, runtime: Runtime) -> None:
    login_as(client, "admin")
    html = client.post("/admin/calls", data={
        "track": "T3", "title": "2026年度指南方向（第二批）", "guide": "面向离岸基地", "opens_on": "2026-03-01",
        "closes_on": "2026-04-30", "expert_count": "7"}, follow_redirects=True).get_data(as_text=True)
    assert "已创建申报批次：2026年度指南方向（第二批）" in html
    with runtime.sessions() as session:
        created = session.scalar(select(Call).where(Call.title == "2026年度指南方向（第二批）"))
        assert created is not None
        assert (created.track, created.process_key, created.expert_count, created.status) == (
            "T3", "track3_platform", 7, "open")
        # Deadlines are China calendar days: the whole of 30 April in Beijing time.
        assert created.closes_at == datetime(2026, 4, 30, 15, 59, 59, tzinfo=UTC)
        assert created.opens_at == datetime(2026, 2, 28, 16, 0, tzinfo=UTC)
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "call_created")) is not None


@pytest.mark.parametrize(("field", "value", "message"), [
    ("expert_count", "4", "评审专家人数应为奇数"),
    ("expert_count", "21", "评审专家人数须在 1–15 之间"),
    ("closes_on", "2026-01-01", "截止时间须晚于开始时间"),
    ("closes_on", "明天", "请填写有效日期"),
    ("title", " ", "请填写批次名称"),
    ("track", "T9", "未知举措"),
])
def test_create_call_rejects_bad_input(client: FlaskClient, runtime: Runtime, field: str, value: str,
                                       message: str) -> None:
    login_as(client, "admin")
    data = {"track": "T1", "title": "批次", "opens_on": "2026-03-01", "closes_on": "2026-04-30", "expert_count": "5"}
    html = client.post("/admin/calls", data={**data, field: value}, follow_redirects=True).get_data(as_text=True)
    assert message in html
    with runtime.sessions() as session:
        assert session.scalar(select(Call).where(Call.title == "批次")) is None


def test_edit_deadline_and_experts(client: FlaskClient, runtime: Runtime, calls: dict[str, int]) -> None:
    login_as(client, "admin")
    cid = calls["T4"]
    client.post(f"/admin/calls/{cid}", data={"title": "来桂创企（延期）", "guide": "新指南", "closes_on": "2031-06-30",
                                            "expert_count": "7"})
    edited = call(runtime, cid)
    assert (edited.title, edited.guide, edited.expert_count) == ("来桂创企（延期）", "新指南", 7)
    assert edited.closes_at == datetime(2031, 6, 30, 15, 59, 59, tzinfo=UTC)
    with runtime.sessions() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "call_updated"))
        assert event is not None and event.data_diff is not None
        assert event.data_diff["expert_count"] == [5, 7]
    html = client.post(f"/admin/calls/{cid}", data={"title": "x", "closes_on": "2031-06-30", "expert_count": "6"},
                       follow_redirects=True).get_data(as_text=True)
    assert "评审专家人数应为奇数" in html and call(runtime, cid).expert_count == 7
    assert client.post("/admin/calls/999999", data={"title": "x", "closes_on": "2031-06-30",
                                                     "expert_count": "5"}).status_code == 404


def test_closed_calls_take_no_applications(client: FlaskClient, runtime: Runtime, calls: dict[str, int],
                                           users: dict[str, int]) -> None:
    login_as(client, "admin")
    cid = calls["T4"]
    client.post(f"/admin/calls/{cid}/status", data={"status": "closed"})
    assert call(runtime, cid).status == "closed"
    with pytest.raises(Conflict):
        runtime.start_application(cid, "截止后申报", users["founder"])
    client.post(f"/admin/calls/{cid}/status", data={"status": "open"})
    assert call(runtime, cid).status == "open"
    assert runtime.start_application(cid, "重新开放后申报", users["founder"]).id
    with runtime.sessions() as session:
        actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("call_%"))))
    assert actions == ["call_closed", "call_opened"]
    html = client.get("/admin/calls").get_data(as_text=True)
    assert "已有申报 1 项" in html.split(f'id="call-{cid}"')[1].split("</section>")[0]
