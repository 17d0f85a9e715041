"""Pages people read: events, lanes, roles and versions by their Chinese names, returned and withdrawn
applications shown as such, only the actions a person may take, list search, sorting and paging, the site icon."""
from __future__ import annotations

import html
import json
import re
from datetime import timedelta
from itertools import chain

from flask.testing import FlaskClient

from engine import samples
from engine.lifecycle import Lifecycle
from engine.models import User
from engine.runtime import Runtime
from engine.scenario import Scenario
from tests.web import flows
from tests.web.conftest import login_as
from tests.web.inbox_rows import BASE, hang, web_link, web_pages
from tests.web.test_attachments import PDF, upload

DAY = timedelta(days=1)
RAW_IDS = ("publicity_timer", "midterm_timer", "acceptance_timer", "contract_deadline_timer")


def history_section(page: str) -> str:
    return page.split("<h2>办理记录</h2>")[1].split("</section>")[0]


def text_of(fragment: str) -> str:
    """The text of an HTML fragment, tags dropped."""
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def test_the_record_names_timers_and_tasks_in_chinese(client: FlaskClient, runtime: Runtime) -> None:
    lc = Lifecycle(runtime, "T4")
    lc.happy_path()  # publicity, midterm and acceptance timers fire on the way
    login_as(client, "officer")
    page = client.get(f"/applications/{lc.app_id}").get_data(as_text=True)
    history = text_of(history_section(page))
    assert "期限届满" in history and "公示期满" in history
    assert "办结" in history and "推荐单位审核推荐" in history and "通过" in history
    for raw in (*RAW_IDS, "完成任务", "流程消息", "定时器到期", "stage_changed", "timer_fired"):
        assert raw not in history, raw
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", history), re.findall(r"\b[a-z]+_[a-z_]+\b", history)
    login_as(client, "founder")
    own = text_of(history_section(client.get(f"/applications/{lc.app_id}").get_data(as_text=True)))
    assert "公示期满" in own and "publicity_timer" not in own


def test_a_returned_application_looks_returned(client: FlaskClient, play: Scenario, calls: dict[str, int]) -> None:
    app_id = flows.submitted(play, calls)
    play.do(app_id, "recommendation", "liuzhou", {"decision": "return", "opinion": "请补充营业执照扫描件。"})
    login_as(client, "founder")
    page = client.get(f"/applications/{app_id}").get_data(as_text=True)
    summary = page.split('<section class="card summary">')[1].split("</section>")[0]
    assert "<dt>状态</dt><dd>退回修改</dd>" in summary and "草稿" not in summary
    assert "请补充营业执照扫描件" in page.split("returned-banner")[1].split("</div>")[0]
    assert "退回修改：请补充营业执照扫描件。" in text_of(history_section(page))
    assert re.search(r'<li class="current" data-stage="application">申报</li>', page)
    assert re.search(r'<li class="pending" data-stage="recommendation">推荐</li>', page)
    listing = client.get("/applications/").get_data(as_text=True)
    row = listing.split(f'data-application-id="{app_id}"')[1].split("</tr>")[0]
    assert "status-returned" in row and "退回修改" in row


def test_a_withdrawn_application_shows_its_reason_and_no_stage_it_did_not_finish(
        client: FlaskClient, play: Scenario, calls: dict[str, int], users: dict[str, int]) -> None:
    app_id = flows.submitted(play, calls)
    play.runtime.withdraw(app_id, users["founder"], "核心成员调离，暂不申报")
    login_as(client, "founder")
    page = client.get(f"/applications/{app_id}").get_data(as_text=True)
    assert re.search(r'<li class="done" data-stage="application">申报</li>', page)
    assert re.search(r'<li class="stopped" data-stage="recommendation">推荐</li>', page)
    assert not re.search(r'<li class="done" data-stage="recommendation">', page)
    reason = page.split('class="closing-reason"')[1].split("</p>")[0]
    assert "申报单位撤回原因" in reason and "核心成员调离，暂不申报" in reason
    history = text_of(history_section(page))
    assert "申报单位撤回" in history and "核心成员调离" in history and "流程消息" not in history
    assert "撤回申报</h2>" not in page  # nothing left to withdraw


def test_delete_is_offered_only_while_the_file_may_be_removed(
        client: FlaskClient, play: Scenario, calls: dict[str, int]) -> None:
    app_id = flows.started(play, calls)
    task = flows.task_id(play, app_id, "application_form")
    login_as(client, "founder")
    status, page = upload(client, task, (PDF, "营业执照.pdf"))
    assert status == 200 and ">删除</button>" in page
    assert ">删除</button>" in client.get(f"/applications/{app_id}").get_data(as_text=True)
    play.do(app_id, "application_form", "founder", samples.application("T4", city="柳州市"))
    record = client.get(f"/applications/{app_id}").get_data(as_text=True)
    done_task = client.get(f"/tasks/{task}").get_data(as_text=True)
    assert "营业执照.pdf" in record and "营业执照.pdf" in done_task
    assert ">删除</button>" not in record and ">删除</button>" not in done_task
    found = re.search(r"/applications/\d+/attachments/(\d+)", record)
    assert found
    refused = client.post(f"/applications/{app_id}/attachments/{found.group(1)}/delete")
    assert refused.status_code == 403
    assert "营业执照.pdf" in client.get(f"/applications/{app_id}").get_data(as_text=True)
    login_as(client, "officer")  # nor to anyone who did not upload it
    assert ">删除</button>" not in client.get(f"/applications/{app_id}").get_data(as_text=True)


def test_inbox_keyword_finds_organisation_and_number_across_pages(
        client: FlaskClient, play: Scenario, calls: dict[str, int]) -> None:
    founder_rows = hang(play, calls["T4"], [{"due_at": BASE + i * DAY} for i in range(60)])
    other = play.start(calls["T2"], "applicant", "智能装备联合攻关团队")
    login_as(client, "officer")
    pages = web_pages(client, "/tasks/?tab=group&q=柳州新能")
    assert [len(p) for p in pages] == [50, 10] and list(chain(*pages)) == founder_rows
    first = client.get("/tasks/?tab=group&q=柳州新能").get_data(as_text=True)
    assert "q=%E6%9F%B3%E5%B7%9E%E6%96%B0%E8%83%BD" in (web_link(first, "next") or "")
    assert web_pages(client, "/tasks/?tab=group&q=南宁智造") == [[]]
    everything = list(chain(*web_pages(client, "/tasks/?tab=all&q=南宁智造")))
    assert everything == [t.id for t in play.open_tasks(other)]
    app_id = play.open_tasks(other)[0].application_id
    assert list(chain(*web_pages(client, f"/tasks/?tab=all&q=%23{app_id}"))) == everything
    assert list(chain(*web_pages(client, f"/tasks/?tab=all&q={app_id}"))) == everything


def test_application_list_sorts_by_whitelisted_columns(
        client: FlaskClient, play: Scenario, calls: dict[str, int]) -> None:
    ids = {title: play.start(calls["T1"], "applicant", title) for title in ("2号团队", "1号团队", "3号团队")}
    login_as(client, "officer")

    def order(query: str) -> list[int]:
        page = client.get(f"/applications/?{query}").get_data(as_text=True)
        return [int(i) for i in re.findall(r'data-application-id="(\d+)"', page)]

    assert order("") == sorted(ids.values(), reverse=True)
    assert order("sort=id") == sorted(ids.values())
    assert order("sort=title") == [ids[t] for t in sorted(ids)]
    assert order("sort=-title") == list(reversed(order("sort=title")))
    assert order("sort=password_hash") == order("")  # not a sort key: the default order
    page = client.get("/applications/?sort=-id&track=T1").get_data(as_text=True)
    assert 'aria-sort="descending"' in page and 'data-sort="id" href="/applications/?track=T1&amp;sort=id"' in page


def test_users_are_searched_and_paged(client: FlaskClient, runtime: Runtime) -> None:
    with runtime.sessions.begin() as session:
        session.add_all(User(username=f"hezhou{i:02d}", display_name=f"贺州市第{i:02d}号单位", password_hash="x",
                             email=f"hz{i:02d}@hezhou.example") for i in range(60))
    login_as(client, "admin")
    first = client.get("/admin/users?q=贺州市").get_data(as_text=True)
    names = re.findall(r'data-username="(hezhou\d+)"', first)
    assert names == [f"hezhou{i:02d}" for i in range(50)] and "共 60 人" in first
    following = client.get(html.unescape(web_link(first, "next") or "")).get_data(as_text=True)
    assert re.findall(r'data-username="([^"]+)"', following) == [f"hezhou{i:02d}" for i in range(50, 60)]
    assert web_link(following, "next") is None and web_link(following, "prev")
    by_mail = client.get("/admin/users?q=hz07@").get_data(as_text=True)
    assert re.findall(r'data-username="([^"]+)"', by_mail) == ["hezhou07"]
    by_org = client.get("/admin/users?q=柳州新能").get_data(as_text=True)
    assert re.findall(r'data-username="([^"]+)"', by_org) == ["founder"]
    experts = client.get("/admin/users?role=expert").get_data(as_text=True)
    assert re.findall(r'data-username="([^"]+)"', experts) == [f"expert{i}" for i in range(1, 8)]
    backwards = client.get("/admin/users?role=expert&sort=-username").get_data(as_text=True)
    assert re.findall(r'data-username="([^"]+)"', backwards) == [f"expert{i}" for i in range(7, 0, -1)]
    assert "没有符合条件的用户" in client.get("/admin/users?q=不存在的人").get_data(as_text=True)
    assert client.get("/admin/users?cursor=garbled").status_code == 400
    login_as(client, "officer")
    assert client.get("/admin/users?q=贺州市").status_code == 403


def test_roles_and_versions_by_their_chinese_names(client: FlaskClient, play: Scenario, calls: dict[str, int],
                                                  users: dict[str, int]) -> None:
    home = client.get("/").get_data(as_text=True)
    demo = home.split("演示账号（密码")[1]
    assert "科技厅经办人" in demo and "推荐单位" in demo and "系统管理员" in demo
    assert not re.search(r"<td>(applicant|officer|recommender|expert|admin)</td>", demo)
    app_id = flows.at_expert_scoring(play, calls, users)
    login_as(client, "officer")
    record = client.get(f"/applications/{app_id}").get_data(as_text=True)
    assert "T4 来桂创办企业 第1版" in record and " v1 " not in record
    labels = re.search(r'<script type="application/json" id="role-labels">(.*?)</script>', record)
    assert labels and json.loads(labels.group(1))["recommender"] == "推荐单位"  # the diagram's lanes in Chinese
    login_as(client, "admin")
    versions = client.get("/admin/").get_data(as_text=True)
    assert "<strong>第1版</strong>" in versions and ">v1<" not in versions
    instances = client.get("/admin/instances").get_data(as_text=True)
    assert "T4 来桂创办企业 第1版" in instances and "track4_enterprise" not in text_of(instances)
    calls_page = text_of(client.get("/admin/calls").get_data(as_text=True))
    assert "流程 T4 来桂创办企业" in calls_page and "track4_enterprise" not in calls_page


def test_site_icon_is_served_and_linked(client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="icon" type="image/svg+xml" href="/static/favicon.svg">' in page
    for url in ("/favicon.ico", "/static/favicon.svg"):
        response = client.get(url)
        body = response.get_data()
        response.close()  # a file response holds the file open until closed
        assert response.status_code == 200 and response.mimetype == "image/svg+xml", url
        assert body.startswith(b"<svg")



def test_instance_list_sorts_by_whitelisted_columns(client: FlaskClient, play: Scenario,
                                                    calls: dict[str, int]) -> None:
    for title in ("一", "二", "三"):
        play.start(calls["T1"], "applicant", title)
    login_as(client, "officer")

    def order(query: str) -> list[int]:
        page = client.get(f"/admin/instances?{query}").get_data(as_text=True)
        return [int(i) for i in re.findall(r'<tr data-instance-id="(\d+)">', page)]

    newest_first = order("")
    assert len(newest_first) == 3 and newest_first == sorted(newest_first, reverse=True)
    assert order("sort=id") == sorted(newest_first)
    assert order("sort=-updated") == newest_first and order("sort=updated") == sorted(newest_first)
    assert order("sort=state_json") == newest_first  # not a sort key: the default order
    page = client.get("/admin/instances?running=1&sort=id").get_data(as_text=True)
    assert 'data-sort="id" href="/admin/instances?running=1&amp;sort=-id"' in page
