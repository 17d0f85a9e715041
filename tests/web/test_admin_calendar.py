"""The holiday calendar page (放假安排), and the warning on every page that shows a date counted through 2027."""
from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select

from engine.lifecycle import Lifecycle, china
from engine.models import HolidayDay
from engine.runtime import Runtime
from tests.web import flows
from tests.web.conftest import app_config, login_as
from web import create_app

PAGE = "/admin/calendar"
SCHEDULE_2027 = Path(__file__).resolve().parents[1] / "engine" / "data" / "holidays_2027.txt"
WARNING = "2027 年放假安排尚未录入，按法定节日推算"


def at(moment: datetime) -> time_machine.travel:
    return time_machine.travel(moment, tick=False)


def entered(runtime: Runtime, year: int) -> list[tuple[str, str, str]]:
    with runtime.sessions() as session:
        rows = session.scalars(select(HolidayDay).where(HolidayDay.year == year).order_by(HolidayDay.day)).all()
        return [(r.day.isoformat(), r.kind, r.name) for r in rows]


def upload(client: FlaskClient, content: bytes, name: str = "2027.txt", **fields: str) -> str:
    data: dict[str, object] = {"file": (io.BytesIO(content), name), "year": "2027", **fields}
    response = client.post(f"{PAGE}/import", data=data, content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_year_nobody_published_is_listed_with_the_warning(client: FlaskClient) -> None:
    login_as(client, "admin")
    html = client.get(f"{PAGE}?year=2027").get_data(as_text=True)
    assert 'data-basis="statutory"' in html and WARNING in html
    assert '<tr data-day="2027-02-05" data-kind="off">' in html and "法定节日推算" in html
    assert 'id="add-holiday"' in html and 'id="import-holidays"' in html
    known = client.get(f"{PAGE}?year=2026").get_data(as_text=True)
    assert 'data-basis="package"' in known and WARNING.replace("2027", "2026") not in known
    assert '<tr data-day="2026-02-14" data-kind="work">' in known and "chinesecalendar" in known
    login_as(client, "officer")
    seen = client.get(f"{PAGE}?year=2027").get_data(as_text=True)
    assert WARNING in seen and 'id="add-holiday"' not in seen  # officers read, administrators edit
    assert client.post(f"{PAGE}/2027/days", data={"day": "2027-02-09", "kind": "off"}).status_code == 403
    login_as(client, "applicant")
    assert client.get(PAGE).status_code == 403


def test_add_and_remove_days(client: FlaskClient, runtime: Runtime) -> None:
    login_as(client, "admin")
    html = client.post(f"{PAGE}/2027/days", data={"day": "2027-02-09", "kind": "off", "name": "春节"},
                       follow_redirects=True).get_data(as_text=True)
    assert "2027 年放假安排：14 天（已录入）" in html and WARNING not in html
    days = entered(runtime, 2027)
    assert ("2027-02-09", "off", "春节") in days and ("2027-02-08", "off", "春节") in days  # the statutory days kept
    html = client.post(f"{PAGE}/2027/days/2027-02-08/remove", follow_redirects=True).get_data(as_text=True)
    assert '<tr data-day="2027-02-08"' not in html and len(entered(runtime, 2027)) == 13
    bad = client.post(f"{PAGE}/2027/days", data={"day": "2027-02-10", "kind": "work", "name": "春节"},
                      follow_redirects=True).get_data(as_text=True)
    assert "调休上班日应为周六或周日" in bad and len(entered(runtime, 2027)) == 13
    outside = client.post(f"{PAGE}/2027/days", data={"day": "2028-01-01", "kind": "off"},
                          follow_redirects=True).get_data(as_text=True)
    assert "不在 2027 年内" in outside


def test_import_a_file(client: FlaskClient, runtime: Runtime) -> None:
    experts = Lifecycle(runtime, "T2")
    experts.to_expert_review(china(2027, 2, 1, 9, 0))
    with at(china(2027, 2, 2, 9, 0)):
        login_as(client, "admin")
        html = upload(client, SCHEDULE_2027.read_bytes(), source="国办发明电〔2026〕9号")
        assert "2027 年放假安排：33 天（已录入）" in html and "重新计算了 5 个期限" in html
        assert "专家评分（回避声明） 2027-02-17 → 2027-02-20" in html
        assert '<tr data-day="2027-02-11" data-kind="off">' in html and "国办发明电〔2026〕9号" in html
        assert len(entered(runtime, 2027)) == 33

        bad = upload(client, "2027-02-05 休 春节\n2027-02-05 休 春节\n2027-02-31 班 春节\n".encode())
        assert "第 2 行：2027-02-05 与第 1 行重复" in bad and "第 3 行：日期“2027-02-31”无效" in bad
        assert len(entered(runtime, 2027)) == 33  # a bad file changes nothing
        assert "不是 UTF-8" in upload(client, "2027-02-05 休 春节\n".encode("gbk"))


def test_pages_mark_due_dates_counted_through_an_unpublished_year(client: FlaskClient, runtime: Runtime) -> None:
    experts = Lifecycle(runtime, "T2")
    experts.to_expert_review(china(2027, 2, 1, 9, 0))
    task = experts.play.task(experts.app_id, "expert_score", "expert1")
    publicity = Lifecycle(runtime, "T1")
    publicity.to_expert_review(china(2027, 1, 25, 9, 0))
    with at(china(2027, 1, 26, 9, 0)):
        publicity.score()
    with at(china(2027, 2, 4, 10, 0)):
        publicity.award()
    with at(china(2027, 2, 2, 9, 0)):
        login_as(client, "expert1")
        assert WARNING in client.get("/tasks/").get_data(as_text=True)
        assert WARNING in client.get("/review/").get_data(as_text=True)
        assert f"截止 2027-02-17 23:59 <span class=\"provisional\">（{WARNING}）</span>" in client.get(
            f"/review/{task.id}").get_data(as_text=True)
        login_as(client, "officer")
        assert WARNING in client.get(f"/applications/{experts.app_id}").get_data(as_text=True)
        operations = client.get("/admin/operations").get_data(as_text=True)
        timer_row = operations.split(f'data-instance-id="{publicity.instance().id}"')[1].split("</tr>")[0]
        assert "2027-02-16 00:00" in timer_row and WARNING in timer_row
        assert f'{WARNING}：经过该年的工作日期限' in operations
        login_as(client, "admin")
        upload(client, SCHEDULE_2027.read_bytes())
        login_as(client, "officer")
        operations = client.get("/admin/operations").get_data(as_text=True)
        assert WARNING not in operations and "2027-02-19 00:00" in operations
        assert WARNING not in client.get(f"/applications/{experts.app_id}").get_data(as_text=True)
        notices = client.get("/tasks/notifications").get_data(as_text=True)
        assert "公示期满 2027-02-15 → 2027-02-18" in notices


def test_posts_need_the_csrf_token(db_engine: Engine, tmp_path: Path, runtime: Runtime) -> None:
    app: Flask = create_app(app_config(db_engine, tmp_path, WTF_CSRF_ENABLED=True))
    try:
        client = app.test_client()
        token = flows.csrf_token(client, "/login")
        assert client.post("/login", data={"username": "admin", "password": "test-password",
                                           "csrf_token": token}).status_code == 302
        form = {"day": "2027-02-09", "kind": "off", "name": "春节"}
        assert client.post(f"{PAGE}/2027/days", data=form).status_code == 400
        token = flows.csrf_token(client, f"{PAGE}?year=2027")
        assert client.post(f"{PAGE}/2027/days", data={**form, "csrf_token": token}).status_code == 302
        with runtime.sessions() as session:
            assert session.scalar(select(func.count(HolidayDay.id))) == 14
    finally:
        app.extensions["rootball"].engine.dispose()
