"""The notice pages: the API list in pages, the return banner, each user's channel, the administrator's switches,
and 通知公告 with sanitized rich text and files."""
from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import func, select

from engine import samples
from engine.lifecycle import Lifecycle, china
from engine.models import Notification, OutboxEmail, utcnow
from engine.runtime import Runtime
from tests.web.api_client import api_as, ok
from tests.web.conftest import login_as

SEP = china(2025, 9, 1, 9, 0)
# Pages and switches do not depend on the database (the engine tests run the notices on both).
pytestmark = pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)


def test_notifications_api_is_paged_newest_first(client: FlaskClient, runtime: Runtime, users: dict[str, int]) -> None:
    with runtime.sessions.begin() as session:
        for i in range(5):
            session.add(Notification(user_id=users["applicant"], text=f"第{i}条", kind="submitted", title=f"标题{i}",
                                     link="/applications/", created_at=utcnow()))
        session.add(Notification(user_id=users["officer"], text="别人的", created_at=utcnow()))
    api = api_as(client, "applicant")
    first = api.get("/notifications?limit=2")
    assert first.headers["X-Total-Count"] == "5"
    assert [n["body"] for n in ok(first)] == ["第4条", "第3条"]
    assert set(ok(first)[0]) == {"id", "kind", "title", "body", "link", "created_at", "read_at"}
    seen = [n["title"] for n in ok(first)]
    link = first.headers["Link"]
    while link:
        target = urlsplit(link.split(";")[0].strip("<>"))
        page = api.get(f"{target.path.removeprefix('/api/v1')}?{target.query}")
        seen += [n["title"] for n in ok(page)]
        link = page.headers.get("Link", "")
    assert seen == [f"标题{i}" for i in (4, 3, 2, 1, 0)]
    assert api.get("/notifications?limit=201").status_code == 422
    assert api.get("/notifications?cursor=bm9wZQ").status_code == 422
    assert client.get("/api/v1/notifications").status_code == 401


def test_the_return_banner_and_the_notice_list(client: FlaskClient, runtime: Runtime) -> None:
    lc = Lifecycle(runtime, "T2")
    with time_machine.travel(SEP, tick=False):
        lc.apply()
        lc.recommend()
        lc.formal("return")
        login_as(client, "applicant")
        task = lc.play.task(lc.app_id, "correction")
        for page in (f"/applications/{lc.app_id}", f"/tasks/{task.id}"):
            text = client.get(page).get_data(as_text=True)
            assert "returned-banner" in text and "请补充团队成员证明材料" in text and "2025年9月15日" in text, page
        notes = client.get("/tasks/notifications").get_data(as_text=True)
        assert "申报被退回补正" in notes and "申报进入形式审查" in notes
        login_as(client, "officer")
        assert "returned-banner" in client.get(f"/applications/{lc.app_id}").get_data(as_text=True)
        lc.do("correction", "applicant", samples.application("T2"))
        assert "returned-banner" not in client.get(f"/applications/{lc.app_id}").get_data(as_text=True)


def test_a_user_chooses_in_app_only(client: FlaskClient, runtime: Runtime) -> None:
    login_as(client, "applicant")
    assert "checked" in client.get("/profile").get_data(as_text=True)
    assert client.post("/profile/notices", data={"channel": "in_app"}).status_code == 302
    assert 'value="in_app" checked' in client.get("/profile").get_data(as_text=True)
    with time_machine.travel(SEP, tick=False):
        Lifecycle(runtime, "T2").apply()
    with runtime.sessions() as session:
        to = set(session.scalars(select(OutboxEmail.to_addr)).all())
    assert to == {"nanning@rootball.example"}  # the recommender still gets mail; the applicant only the notice


def test_administrators_switch_a_kind_off(client: FlaskClient, runtime: Runtime) -> None:
    login_as(client, "officer")
    assert client.get("/admin/notices").status_code == 403
    login_as(client, "admin")
    page = client.get("/admin/notices").get_data(as_text=True)
    assert "新的申报待推荐" in page and "ready:recommendation" in page
    assert client.post("/admin/notices/to_recommend", data={"enabled": "no"}).status_code == 302
    assert client.post("/admin/notices/unknown", data={"enabled": "no"}).status_code == 404
    with time_machine.travel(SEP, tick=False):
        Lifecycle(runtime, "T2").apply()
    with runtime.sessions() as session:
        kinds = session.scalars(select(Notification.kind).where(Notification.kind.is_not(None))).all()
    assert kinds == ["submitted"]
    assert 'data-kind="to_recommend"' in client.get("/admin/notices").get_data(as_text=True)


def test_announcements_are_sanitized_and_shown_newest_first(client: FlaskClient, runtime: Runtime) -> None:
    login_as(client, "applicant")
    assert client.get("/announcements/manage").status_code == 403
    login_as(client, "admin")
    published = client.post("/announcements/manage", data={
        "title": "关于申报2026年度“带土移植”项目的通知", "category": "notice",
        "body": '<p onclick="x()">请于<strong>6月30日</strong>前申报。</p><script>alert(1)</script>'
                '<a href="javascript:alert(2)">链接</a><img src=x onerror=alert(3)>',
        "files": (io.BytesIO(b"%PDF-1.7 guide"), "申报指南.pdf")})
    assert published.status_code == 302
    client.post("/announcements/manage", data={"title": "第二条公告", "category": "guide", "body": "<p>指南</p>"})
    assert client.post("/announcements/manage", data={"title": "", "category": "notice", "body": ""}).status_code == 422
    client.post("/logout")
    home = client.get("/").get_data(as_text=True)
    assert home.index("第二条公告") < home.index("关于申报2026年度")
    detail = client.get(published.location).get_data(as_text=True)
    assert "<strong>6月30日</strong>" in detail
    own_scripts = re.sub(r'<script src="/static/[^"]+"></script>', "", detail)  # the site's own, CSP-allowed
    for unsafe in ("<script", "onclick", "javascript:", "onerror", "<img"):
        assert unsafe not in own_scripts, unsafe
    file_link = detail.split('href="/announcements/files/')[1].split('"')[0]
    with client.get(f"/announcements/files/{file_link}") as download:
        assert download.data == b"%PDF-1.7 guide"
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboxEmail)) == 0
