"""Inbox pages: keyset cursors over the API and the web inbox, filters in the database, refused cursors."""
from __future__ import annotations

import re
from datetime import timedelta
from itertools import chain
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from sqlalchemy import insert

from engine.calendar import CHINA, start_of_day_utc
from engine.models import Notification
from engine.reviews import SCORE_FORM
from engine.scenario import Scenario
from tests.web import flows
from tests.web.api_client import api_as, error, ok
from tests.web.conftest import login_as
from tests.web.inbox_rows import BASE, api_pages, cursor, expected, hang, web_ids, web_link, web_pages

DAY = timedelta(days=1)


def _mixed(play: Scenario, calls: dict[str, int], users: dict[str, int]) -> None:
    """Tasks for every rule of who sees what: roles, city scopes, claimed, assigned by the process, undated, ties."""
    rows = []
    for i in range(9):  # officer group tasks: three share a due date, two have none
        rows.append({"due_at": None if i in (3, 7) else BASE + (DAY if i in (1, 4, 8) else i * DAY)})
    rows += [{"candidate_role": "recommender", "scope": city, "lane": "recommender", "due_at": BASE + i * DAY}
             for i, city in enumerate(("柳州市", "南宁市", None, "柳州市"))]
    rows += [
        {"assignee_id": users["officer"], "due_at": BASE - DAY},  # claimed by the officer
        {"assignee_id": users["liuzhou"], "candidate_role": "recommender", "scope": "柳州市"},  # claimed
        {"assignee_id": users["expert1"], "preassigned": True, "candidate_role": "expert", "due_at": None},
        {"preassigned": True, "candidate_role": "officer"},  # assigned by the process to nobody: no one's
        {"candidate_role": None, "lane": None},  # no lane at all
        {"state": "done", "completed_by": users["officer"], "completed_at": BASE},
        {"state": "cancelled"},
    ]
    hang(play, calls["T4"], rows)


@pytest.mark.parametrize("limit", [1, 4, 50])
def test_api_pages_hold_exactly_what_each_user_may_work(
        client: FlaskClient, play: Scenario, calls: dict[str, int], users: dict[str, int], limit: int) -> None:
    _mixed(play, calls, users)
    flows.submitted(play, calls)  # a real recommendation task for 柳州市 next to the bulk ones
    for username in ("officer", "admin", "liuzhou", "nanning", "expert1", "founder"):
        api = api_as(client, username)
        for scope in ("mine", "group", "all"):
            pages, total = api_pages(api, f"scope={scope}&limit={limit}")
            want = expected(play, username, scope)
            assert list(chain(*pages)) == want, (username, scope)
            assert total == len(want)
            assert all(len(p) == limit for p in pages[:-1]) and len(pages[-1]) <= limit


def test_api_filters_run_with_the_pages(client: FlaskClient, play: Scenario, calls: dict[str, int]) -> None:
    first = hang(play, calls["T4"], [{"due_at": BASE + i * DAY, "title": f"跟进事项{i}"} for i in range(6)],
                 title="风电叶片检测团队")
    other = hang(play, calls["T5"], [{"due_at": BASE + i * DAY, "title": "100%_完成"} for i in range(3)],
                 title="人才热力图")
    officer = api_as(client, "officer")
    assert api_pages(officer, "scope=group&limit=2&q=叶片") == ([first[:2], first[2:4], first[4:]], 6)
    assert api_pages(officer, "scope=group&limit=2&q=跟进事项3") == ([[first[3]]], 1)
    assert api_pages(officer, "scope=group&q=100%25_")[0] == [other]  # LIKE wildcards are plain text
    assert api_pages(officer, "scope=group&q=%25")[0] == [other]
    assert api_pages(officer, "scope=group&limit=2&track=T5")[0] == [other[:2], other[2:]]
    app_id = play.open_tasks(play.start(calls["T1"], "applicant"))[0].application_id
    assert api_pages(officer, f"scope=group&application_id={app_id}")[0] == [[]]
    cut = BASE + 2 * DAY  # first[0] and other[0] share a due date, as do first[1] and other[1]
    assert api_pages(officer, f"scope=group&limit=3&due_before={quote(cut.isoformat())}")[0] == [
        [first[0], other[0], first[1]], [other[1]]]
    day = (BASE + 3 * DAY).astimezone(CHINA).date()  # a date: before that day begins in China
    before = start_of_day_utc(day)
    assert list(chain(*api_pages(officer, f"scope=group&due_before={day.isoformat()}")[0])) == [
        t for i in range(6) for t in (first[i], *other[i:i + 1]) if BASE + i * DAY < before]
    mine = api_pages(api_as(client, "founder"), "scope=mine&q=风电")[0]
    assert len(list(chain(*mine))) == 1  # the application form of the application titled so


@pytest.mark.parametrize("bad", [
    "x", "!!!!", cursor("a", 1), cursor("a", "2025-01-01T00:00:00", 3), cursor("z", BASE.isoformat(), 3),
    cursor("a", BASE.isoformat(), "3"), cursor("a", BASE.isoformat(), True), cursor("a", BASE.isoformat(), 2**70),
    cursor("a", "0001-01-01T00:00:00+14:00", 1), cursor("a", BASE.isoformat(), 3, 4), cursor(),
    "eyJhIjoxfQ", "A" * 400 + "==", "%FF%FE",
])
def test_altered_cursors_are_refused_in_chinese(client: FlaskClient, bad: str) -> None:
    body = error(api_as(client, "officer").get(f"/tasks?scope=group&cursor={bad}"), 400)
    assert body["error"] == "翻页参数无效，请从第一页重新开始"
    login_as(client, "officer")
    page = client.get(f"/tasks/?tab=group&cursor={bad}")
    assert page.status_code == 400 and "翻页参数无效" in page.get_data(as_text=True)


def test_limit_is_checked(client: FlaskClient) -> None:
    officer = api_as(client, "officer")
    for bad in ("0", "201", "abc", "-1"):
        assert list(error(officer.get(f"/tasks?limit={bad}"), 422)["errors"]) == ["limit"]
    assert list(error(officer.get("/tasks?cursor="), 422)["errors"]) == ["cursor"]
    assert list(error(officer.get("/tasks?due_before=下周"), 422)["errors"]) == ["due_before"]
    response = officer.get("/tasks?limit=200")
    assert ok(response) == [] and response.headers["X-Total-Count"] == "0" and "Link" not in response.headers


def test_default_page_is_fifty_and_the_link_keeps_the_filters(
        client: FlaskClient, play: Scenario, calls: dict[str, int]) -> None:
    ids = hang(play, calls["T4"], [{"due_at": BASE + (i % 7) * DAY} for i in range(120)])
    response = api_as(client, "officer").get("/tasks?scope=group&track=T4")
    assert len(ok(response)) == 50 and response.headers["X-Total-Count"] == "120"
    link = response.headers["Link"]
    assert link.startswith("<http://localhost/api/v1/tasks?") and link.endswith('>; rel="next"')
    assert "scope=group" in link and "track=T4" in link and "cursor=" in link
    pages, total = api_pages(api_as(client, "officer"), "scope=group&track=T4")
    assert [len(p) for p in pages] == [50, 50, 20] and sorted(chain(*pages)) == ids and total == 120


def test_web_inbox_pages_forward_and_back(client: FlaskClient, play: Scenario, calls: dict[str, int],
                                          users: dict[str, int]) -> None:
    hang(play, calls["T4"], [{"due_at": None if i % 10 == 0 else BASE + (i % 13) * DAY} for i in range(130)])
    want = expected(play, "officer", "group")
    login_as(client, "officer")
    pages = web_pages(client, "/tasks/?tab=group")
    assert [len(p) for p in pages] == [50, 50, 30] and list(chain(*pages)) == want
    last = client.get("/tasks/?tab=group").get_data(as_text=True)
    assert "共 130 项" in last and web_link(last, "prev") is None
    second = client.get(web_link(last, "next") or "").get_data(as_text=True)
    third = client.get(web_link(second, "next") or "").get_data(as_text=True)
    assert web_link(third, "next") is None and web_ids(third) == pages[2]
    back = client.get(web_link(third, "prev") or "").get_data(as_text=True)
    assert web_ids(back) == pages[1]
    assert web_ids(client.get(web_link(back, "prev") or "").get_data(as_text=True)) == pages[0]
    latest = list(chain(*web_pages(client, "/tasks/?tab=group&order=desc")))
    assert latest == list(reversed(want))
    assert "只显示前" not in last


def test_web_filter_form_keyword_and_due_date(client: FlaskClient, play: Scenario, calls: dict[str, int]) -> None:
    blades = hang(play, calls["T4"], [{"due_at": BASE + i * DAY} for i in range(60)], title="风电叶片检测团队")
    hang(play, calls["T5"], [{"due_at": BASE + i * DAY} for i in range(5)], title="人才热力图")
    login_as(client, "officer")
    pages = web_pages(client, "/tasks/?tab=group&q=叶片")
    assert list(chain(*pages)) == blades
    page = client.get("/tasks/?tab=group&q=叶片").get_data(as_text=True)
    assert 'name="q" value="叶片"' in page and "q=%E5%8F%B6%E7%89%87" in (web_link(page, "next") or "")
    day = (BASE + 3 * DAY).date()
    early = list(chain(*web_pages(client, f"/tasks/?tab=group&q=叶片&due_before={day.isoformat()}")))
    assert early == [t for i, t in enumerate(blades) if BASE + i * DAY < start_of_day_utc(day)]
    assert early and len(early) < len(blades)
    page = client.get("/tasks/?tab=group&q=没有这样的申报").get_data(as_text=True)
    assert "没有符合条件的任务" in page and web_ids(page) == []


def test_done_tab_pages_newest_first(client: FlaskClient, play: Scenario, calls: dict[str, int],
                                     users: dict[str, int]) -> None:
    done = hang(play, calls["T4"], [{"state": "done", "completed_by": users["officer"],
                                     "completed_at": BASE - i * timedelta(minutes=1)} for i in range(55)])
    login_as(client, "officer")
    pages = web_pages(client, "/tasks/?tab=done")
    assert [len(p) for p in pages] == [50, 5] and list(chain(*pages)) == done


def test_notifications_page_unread_first_then_newest(client: FlaskClient, play: Scenario,
                                                     users: dict[str, int]) -> None:
    rows = [{"user_id": users["founder"], "text": f"通知{i}", "created_at": BASE - i * timedelta(minutes=1),
             "read_at": BASE if i % 3 == 0 else None} for i in range(70)]
    with play.runtime.sessions.begin() as session:
        session.execute(insert(Notification), rows)
    want = ([f"通知{i}" for i in range(70) if i % 3] + [f"通知{i}" for i in range(70) if i % 3 == 0])
    login_as(client, "founder")
    seen, path = [], "/tasks/notifications"
    pages = []
    while path:
        page = client.get(path).get_data(as_text=True)
        pages.append(re.findall(r"(通知\d+)(?=\s|<)", page))
        seen += pages[-1]
        path = web_link(page, "next") or ""
    assert seen == want and [len(p) for p in pages] == [50, 20]
    assert "共 70 条" in page
    back = client.get(web_link(page, "prev") or "").get_data(as_text=True)
    assert re.findall(r"(通知\d+)(?=\s|<)", back) == pages[0]


def test_review_list_pages_open_tasks_first(client: FlaskClient, play: Scenario, calls: dict[str, int],
                                            users: dict[str, int]) -> None:
    expert = {"candidate_role": "expert", "lane": "expert", "form_key": SCORE_FORM, "preassigned": True,
              "assignee_id": users["expert1"], "spec_name": "expert_score", "title": "专家评分"}
    ids = hang(play, calls["T4"], [{**expert, "due_at": BASE - i * DAY} for i in range(40)]
               + [{**expert, "state": "done", "completed_by": users["expert1"], "completed_at": BASE,
                   "due_at": BASE + i * DAY} for i in range(20)])
    login_as(client, "expert1")
    pages = web_pages(client, "/review/")
    assert [len(p) for p in pages] == [50, 10]
    assert list(chain(*pages)) == list(reversed(ids[:40])) + ids[40:]
    login_as(client, "officer")
    assert list(chain(*web_pages(client, "/review/"))) == list(reversed(ids[:40]))


def test_link_keeps_only_the_query_it_knows(client: FlaskClient, play: Scenario, calls: dict[str, int]) -> None:
    hang(play, calls["T4"], [{} for _ in range(3)])
    response = api_as(client, "officer").get("/tasks?scope=group&limit=2&_external=0&endpoint=x&q=跟进")
    link = response.headers["Link"]
    assert "_external" not in link and "endpoint" not in link and "q=%E8%B7%9F%E8%BF%9B" in link
    assert api_pages(api_as(client, "officer"), "scope=group&limit=2&_external=0")[1] == 3
