"""The scheduler's admin page: upcoming timers, the outbox, failed mail and timers, retries; moving a due date."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select

from engine import samples
from engine.calendar import end_of_day_utc
from engine.lifecycle import Lifecycle
from engine.models import AuditEvent, OutboxEmail
from engine.outbox import STATES
from engine.runtime import Runtime
from engine.scenario import Scenario
from tests.web import flows
from tests.web.conftest import app_config, login_as
from web import create_app

CHINA = ZoneInfo("Asia/Shanghai")
PAGE = "/admin/operations"
SUBJECTS = {state: f"提醒邮件-{state}" for state in STATES}


def add_mail(runtime: Runtime, state: str, subject: str | None = None, n: int = 0) -> int:
    """Insert one outbox row in `state`; its id."""
    now = datetime.now(UTC)
    with runtime.sessions.begin() as session:
        row = OutboxEmail(message_id=f"<test-{state}-{n}-{subject}@rootball>", to_addr=f"{state}{n}@example.cn",
                          subject=subject or SUBJECTS[state], body="正文", state=state,
                          attempts=5 if state in ("failed", "uncertain") else 1,
                          last_error="550 mailbox unavailable" if state == "failed" else None,
                          next_try_at=now + timedelta(minutes=10), created_at=now,
                          sent_at=now if state == "sent" else None)
        session.add(row)
        session.flush()
        return row.id


def mail(runtime: Runtime, outbox_id: int) -> OutboxEmail:
    with runtime.sessions() as session:
        found = session.get(OutboxEmail, outbox_id)
        assert found is not None
        return found


def audit_actions(runtime: Runtime, action: str) -> list[AuditEvent]:
    with runtime.sessions() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def outbox_section(html: str) -> str:
    return html.split('id="outbox"')[1]


def failures_section(html: str) -> str:
    return html.split('id="failures"')[1].split('id="outbox"')[0]


def in_publicity(runtime: Runtime) -> Lifecycle:
    """A T4 application awarded now, waiting for its publicity period to end."""
    lc = Lifecycle(runtime, "T4")
    lc.apply(title="氢能重卡电驱团队")
    lc.recommend()
    lc.formal()
    lc.assign()
    lc.score()
    lc.award()
    assert lc.status() == ("in_review", "publicity")
    return lc


def test_roles(client: FlaskClient, runtime: Runtime) -> None:
    failed = add_mail(runtime, "failed")
    login_as(client, "applicant")
    assert client.get(PAGE).status_code == 403
    assert client.post(f"{PAGE}/mail/{failed}/retry").status_code == 403
    login_as(client, "officer")
    html = client.get(PAGE).get_data(as_text=True)
    assert "调度与邮件" in html and SUBJECTS["failed"] in failures_section(html)
    assert "重新发送</button>" not in html and "只有系统管理员可以重发邮件或处理运行异常" in html
    assert client.post(f"{PAGE}/mail/{failed}/retry").status_code == 403
    assert client.post(f"{PAGE}/mail/{failed}/sent").status_code == 403
    assert client.post(f"{PAGE}/incidents/1/retry").status_code == 403
    assert client.post(f"{PAGE}/incidents/1/resolve").status_code == 403
    assert mail(runtime, failed).state == "failed"
    login_as(client, "admin")
    html = client.get(PAGE).get_data(as_text=True)
    assert "重新发送</button>" in failures_section(html)
    assert client.post(f"{PAGE}/mail/999999/retry").status_code == 404


def test_lists_the_publicity_timer_in_china_time(client: FlaskClient, runtime: Runtime) -> None:
    lc = in_publicity(runtime)
    instance = lc.instance()
    assert instance.next_timer_at is not None
    login_as(client, "officer")
    html = client.get(PAGE).get_data(as_text=True)
    row = html.split(f'data-instance-id="{instance.id}"')[1].split("</tr>")[0]
    due = instance.next_timer_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    assert "氢能重卡电驱团队" in row and "公示期满" in row and "publicity_timer" in row
    assert due in row and due.endswith("00:00")  # publicity ends at midnight Beijing time
    assert "等待中" in row and "已到期" not in row
    with time_machine.travel(instance.next_timer_at + timedelta(minutes=1), tick=False):
        late = client.get(PAGE).get_data(as_text=True).split(f'data-instance-id="{instance.id}"')[1].split("</tr>")[0]
    assert "已到期，待下次调度触发" in late
    assert lc.tick(instance.next_timer_at + timedelta(minutes=1))
    after = client.get(PAGE).get_data(as_text=True).split(f'data-instance-id="{instance.id}"')[1].split("</tr>")[0]
    assert "签订期限届满" in after and "contract_deadline_timer" in after and "公示期满" not in after


def test_outbox_counts_and_state_filter(client: FlaskClient, runtime: Runtime) -> None:
    ids = {state: add_mail(runtime, state) for state in STATES}
    add_mail(runtime, "pending", "第二封待发送", n=1)
    login_as(client, "officer")
    everything = outbox_section(client.get(PAGE).get_data(as_text=True))
    assert all(subject in everything for subject in SUBJECTS.values())
    assert '待发送 <strong>2</strong>' in everything and '状态不确定 <strong>1</strong>' in everything
    assert "全部 6" in everything
    for state, subject in SUBJECTS.items():
        shown = outbox_section(client.get(f"{PAGE}?state={state}").get_data(as_text=True))
        assert subject in shown and f'data-outbox-id="{ids[state]}" data-state="{state}"' in shown
        assert [s for s in SUBJECTS.values() if s in shown] == [subject]
    pending = outbox_section(client.get(f"{PAGE}?state=pending").get_data(as_text=True))
    assert "第二封待发送" in pending and "收件人" in pending and "下次尝试" in pending
    failed = outbox_section(client.get(f"{PAGE}?state=failed").get_data(as_text=True))
    assert "550 mailbox unavailable" in failed and "最后错误" in failed
    assert all(s in outbox_section(client.get(f"{PAGE}?state=bogus").get_data(as_text=True))
               for s in SUBJECTS.values())


def test_outbox_pages(client: FlaskClient, runtime: Runtime) -> None:
    for n in range(51):
        add_mail(runtime, "sent", f"已发送-{n:02d}", n=n)
    login_as(client, "admin")
    first = outbox_section(client.get(f"{PAGE}?state=sent").get_data(as_text=True))
    assert first.count('data-state="sent"') == 50 and "下一页" in first
    second = outbox_section(client.get(f"{PAGE}?state=sent&page=2").get_data(as_text=True))
    assert second.count('data-state="sent"') == 1 and "上一页" in second and "下一页" not in second


def test_retry_a_failed_mail(client: FlaskClient, runtime: Runtime, users: dict[str, int]) -> None:
    failed = add_mail(runtime, "failed")
    login_as(client, "admin")
    response = client.post(f"{PAGE}/mail/{failed}/retry", follow_redirects=True)
    assert "已重新排队发送：提醒邮件-failed" in response.get_data(as_text=True)
    row = mail(runtime, failed)
    assert (row.state, row.attempts) == ("pending", 0)
    assert row.next_try_at <= datetime.now(UTC)
    [event] = audit_actions(runtime, "mail_retry")
    assert event.actor_id == users["admin"] and event.data_diff is not None
    assert (event.data_diff["outbox_id"], event.data_diff["state"]) == (failed, "failed")
    # Already queued again: a second retry is refused and changes nothing.
    html = client.post(f"{PAGE}/mail/{failed}/retry", follow_redirects=True).get_data(as_text=True)
    assert "只有发送失败或状态不确定的邮件可以重发" in html
    assert len(audit_actions(runtime, "mail_retry")) == 1


def test_uncertain_mail_is_explained_and_can_be_confirmed_or_resent(client: FlaskClient, runtime: Runtime,
                                                                     users: dict[str, int]) -> None:
    uncertain = add_mail(runtime, "uncertain")
    failed = add_mail(runtime, "failed")
    login_as(client, "admin")
    html = client.get(PAGE).get_data(as_text=True)
    assert "邮件服务器可能已收到，为避免重复不会自动重发" in html
    failures = failures_section(html)
    assert f"/admin/operations/mail/{uncertain}/sent" in failures
    assert f"/admin/operations/mail/{failed}/sent" not in failures  # only uncertain mail can be confirmed
    assert "确认已送达" in client.post(f"{PAGE}/mail/{failed}/sent", follow_redirects=True).get_data(as_text=True)
    assert mail(runtime, failed).state == "failed"
    done = client.post(f"{PAGE}/mail/{uncertain}/sent", follow_redirects=True).get_data(as_text=True)
    assert "已确认送达，不会再发送" in done
    row = mail(runtime, uncertain)
    assert row.state == "sent" and row.sent_at is not None
    [event] = audit_actions(runtime, "mail_confirmed")
    assert event.actor_id == users["admin"] and event.data_diff == {"outbox_id": uncertain, "to": row.to_addr}
    assert f'data-outbox-id="{uncertain}"' not in failures_section(client.get(PAGE).get_data(as_text=True))
    resend = add_mail(runtime, "uncertain", "再发一次", n=1)
    client.post(f"{PAGE}/mail/{resend}/retry")
    assert mail(runtime, resend).state == "pending"


def test_posts_need_the_csrf_token(db_engine: Engine, tmp_path: Path, runtime: Runtime) -> None:
    failed = add_mail(runtime, "failed")
    app: Flask = create_app(app_config(db_engine, tmp_path, WTF_CSRF_ENABLED=True))
    try:
        client = app.test_client()
        token = flows.csrf_token(client, "/login")
        assert client.post("/login", data={"username": "admin", "password": "test-password",
                                           "csrf_token": token}).status_code == 302
        refused = client.post(f"{PAGE}/mail/{failed}/retry")
        assert refused.status_code == 400 and mail(runtime, failed).state == "failed"
        assert not audit_actions(runtime, "mail_retry")
        token = flows.csrf_token(client, PAGE)
        assert client.post(f"{PAGE}/mail/{failed}/retry", data={"csrf_token": token}).status_code == 302
        assert mail(runtime, failed).state == "pending"
    finally:
        app.extensions["rootball"].engine.dispose()


def test_administrator_moves_a_task_due_date(client: FlaskClient, runtime: Runtime, play: Scenario,
                                             calls: dict[str, int], users: dict[str, int]) -> None:
    app_id = flows.at_formal_review(play, calls)
    task = flows.task_id(play, app_id, "formal_review_task")
    login_as(client, "officer")
    assert "调整期限</button>" not in client.get(f"/tasks/{task}").get_data(as_text=True)
    assert client.post(f"/admin/tasks/{task}/due", data={"due_on": "2031-05-06"}).status_code == 403
    login_as(client, "admin")
    assert "调整期限</button>" in client.get(f"/tasks/{task}").get_data(as_text=True)
    assert "请填写有效日期" in client.post(f"/admin/tasks/{task}/due", data={"due_on": "下周"},
                                          follow_redirects=True).get_data(as_text=True)
    html = client.post(f"/admin/tasks/{task}/due", data={"due_on": "2031-05-06", "reason": "节后顺延"},
                       follow_redirects=True).get_data(as_text=True)
    assert "已将期限调整为 2031-05-06" in html and "截止 2031-05-06 23:59" in html
    row = flows.task_row(play, task)
    assert row.due_at == end_of_day_utc(date(2031, 5, 6))
    [event] = audit_actions(runtime, "task_due_changed")
    assert event.actor_id == users["admin"] and event.data_diff is not None and event.data_diff["reason"] == "节后顺延"
    play.do(app_id, "formal_review_task", "officer", samples.DECISIONS["formal_review"])
    assert flows.task_row(play, task).state == "done"
    closed = client.post(f"/admin/tasks/{task}/due", data={"due_on": "2031-06-01"}, follow_redirects=True)
    assert "不能调整期限" in closed.get_data(as_text=True)
    assert flows.task_row(play, task).due_at == end_of_day_utc(date(2031, 5, 6))
