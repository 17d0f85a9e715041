"""Completing tasks through the rendered forms: drafts, per-field errors that keep what was typed, 409 on repeats."""
from __future__ import annotations

import re

from flask.testing import FlaskClient

from engine import samples
from engine.scenario import Scenario
from tests.web import flows
from tests.web.conftest import login_as


def checkbox_values(html: str, name: str) -> set[int]:
    """The values offered by a group of checkboxes."""
    return {int(v) for v in re.findall(rf'type="checkbox" name="{name}" value="(\d+)"', html)}


def test_applicant_starts_fills_and_submits_the_form(client: FlaskClient, play: Scenario,
                                                     calls: dict[str, int]) -> None:
    login_as(client, "founder")
    portal = client.get("/applications/").get_data(as_text=True)
    assert "来桂创办企业" in portal and "发起申报" in portal and "2030-12-31" in portal
    started = client.post("/applications/start", data={"call_id": calls["T4"], "title": "电驱系统创业团队"})
    assert started.status_code == 302 and "/tasks/" in started.location
    page = client.get(started.location).get_data(as_text=True)
    assert 'value="电驱系统创业团队"' in page  # the title typed at start
    assert 'name="team-0-name"' in page and 'name="enterprise-founded_on"' in page and "添加一行" in page
    form = flows.as_form(samples.application("T4", city="柳州市", title="电驱系统创业团队"))
    done = client.post(started.location, data={**form, "action": "submit"})
    assert done.status_code == 302
    app_id = int(re.findall(r"\d+", client.get("/applications/").get_data(as_text=True).split(
        "data-application-id=")[1])[0])
    assert play.application(app_id).status == "submitted"
    assert play.task(app_id, "recommendation").candidate_role == "recommender"
    submitted = flows.done_task(play, app_id, "application_form").data or {}
    assert submitted["enterprise"]["founded_on"] == "2022-03-15" and len(submitted["team"]) == 4
    assert submitted["team"][0]["is_leader"] is True


def test_invalid_form_is_shown_again_with_chinese_messages_and_everything_typed(
        client: FlaskClient, play: Scenario, calls: dict[str, int]) -> None:
    app_id = flows.started(play, calls)
    task = flows.task_id(play, app_id, "application_form")
    form = flows.as_form(samples.application("T4", city="柳州市"))
    form.update({"budget_wan": "三百万", "team-1-name": "张三丰", "team-2-name": "",
                 "enterprise-founded_on": "2022-13-45", "summary": "我们的团队简介，保留下来"})
    login_as(client, "founder")
    response = client.post(f"/tasks/{task}", data={**form, "action": "submit"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "须为数字" in html and "日期无效" in html and "此项为必填项" in html
    assert 'value="三百万"' in html and 'value="张三丰"' in html and 'value="2022-13-45"' in html
    assert "我们的团队简介，保留下来" in html and 'value="柳州新能科技有限公司"' in html
    assert re.search(r'name="team-2-name" value=""', html)  # the emptied row is still there
    assert flows.task_row(play, task).state == "open"


def test_draft_is_saved_and_shown_again(client: FlaskClient, play: Scenario, calls: dict[str, int]) -> None:
    app_id = flows.started(play, calls)
    task = flows.task_id(play, app_id, "application_form")
    login_as(client, "founder")
    saved = client.post(f"/tasks/{task}", data={"summary": "先写一半的简介", "team-0-name": "王五",
                                                "action": "draft"})
    assert saved.status_code == 302
    page = client.get(f"/tasks/{task}").get_data(as_text=True)
    assert "先写一半的简介" in page and 'value="王五"' in page
    row = flows.task_row(play, task)
    assert row.state == "open" and row.data == {"summary": "先写一半的简介", "team": [{"name": "王五"}]}


def test_double_submit_is_a_409_and_changes_nothing(client: FlaskClient, play: Scenario,
                                                    calls: dict[str, int]) -> None:
    app_id = flows.submitted(play, calls)
    task = flows.task_id(play, app_id, "recommendation")
    login_as(client, "liuzhou")
    decision = {"decision": "approve", "opinion": "同意推荐", "action": "submit"}
    assert client.post(f"/tasks/{task}", data=decision).status_code == 302
    again = client.post(f"/tasks/{task}", data=decision)
    html = again.get_data(as_text=True)
    assert again.status_code == 409
    assert "请勿重复提交" in html and "柳州市科技局" in html and "没有被保存" in html
    assert [t.spec_name for t in play.open_tasks(app_id)] == ["formal_review_task"]
    assert play.application(app_id).stage == "formal_review"


def test_formal_review_shows_eligibility_and_refuses_to_pass_an_ineligible_application(
        client: FlaskClient, play: Scenario, calls: dict[str, int]) -> None:
    enterprise = dict(samples.application("T4")["enterprise"], founded_on="2019-06-01")
    app_id = flows.submitted(play, calls, enterprise=enterprise)
    play.do(app_id, "recommendation", "liuzhou", samples.DECISIONS["recommendation"])
    task = flows.task_id(play, app_id, "formal_review_task")
    login_as(client, "officer")
    page = client.get(f"/tasks/{task}").get_data(as_text=True)
    assert "资格审查结果" in page and "不符合" in page and "2021" in page
    assert 'value="10"' in page  # correction_days' default
    refused = client.post(f"/tasks/{task}", data={"decision": "approve", "correction_days": "10",
                                                  "action": "submit"})
    assert refused.status_code == 422
    assert "资格审查未通过的申报不能通过形式审查" in refused.get_data(as_text=True)
    assert flows.task_row(play, task).state == "open"


def test_decision_fields_of_earlier_tasks_are_not_carried_into_the_next_form(
        client: FlaskClient, play: Scenario, calls: dict[str, int]) -> None:
    app_id = flows.at_formal_review(play, calls)
    task = flows.task_id(play, app_id, "formal_review_task")
    login_as(client, "officer")
    page = client.get(f"/tasks/{task}").get_data(as_text=True)
    assert "材料齐全，同意推荐。" in page  # the recommender's opinion is shown as history …
    assert not re.search(r'<option value="approve"\s+selected', page)  # … but its decision is not pre-chosen
    assert "<textarea" in page and "材料齐全，同意推荐。</textarea>" not in page


def test_expert_assignment_offers_only_experts_without_conflict(
        client: FlaskClient, play: Scenario, calls: dict[str, int], users: dict[str, int]) -> None:
    app_id = play.start(calls["T2"], "applicant", "南宁的联合攻关")  # 南宁市: expert5 (广西大学, 南宁) conflicts
    play.do(app_id, "application_form", "applicant", samples.application("T2"))
    play.do(app_id, "recommendation", "nanning", samples.DECISIONS["recommendation"])
    play.do(app_id, "formal_review_task", "officer", samples.DECISIONS["formal_review"])
    task = flows.task_id(play, app_id, "assign_experts")
    login_as(client, "officer")
    page = client.get(f"/tasks/{task}").get_data(as_text=True)
    offered = checkbox_values(page, "experts")
    assert users["expert5"] not in offered
    assert {users[f"expert{i}"] for i in (1, 2, 3, 4, 6, 7)} == offered
    assert "李教授（桂林电子科技大学） · 桂林市" in page and "张教授（上海交通大学） · 区外" in page
    four = [str(users[f"expert{i}"]) for i in (1, 2, 3, 4)]
    short = client.post(f"/tasks/{task}", data={"experts": four, "action": "submit"})
    html = short.get_data(as_text=True)
    assert short.status_code == 422 and "须选择 5 位评审专家" in html
    assert all(re.search(rf'value="{e}" checked', html) for e in four)
    sneaky = client.post(f"/tasks/{task}", data={"experts": [*four, str(users["expert5"])], "action": "submit"})
    assert sneaky.status_code == 422 and "所选项不在可选范围内" in sneaky.get_data(as_text=True)
    ok = client.post(f"/tasks/{task}", data={"experts": [*four, str(users["expert6"])], "action": "submit"})
    assert ok.status_code == 302
    assert sorted(r.assignee_id or 0 for r in play.open_tasks(app_id)) == sorted(
        users[f"expert{i}"] for i in (1, 2, 3, 4, 6))


def test_replacement_offers_only_experts_not_on_the_panel_and_not_in_conflict(
        client: FlaskClient, play: Scenario, calls: dict[str, int], users: dict[str, int]) -> None:
    app_id = flows.at_expert_scoring(play, calls, users)
    play.do(app_id, "expert_score", "expert1", samples.CONFLICT)
    for expert in flows.PANEL[1:]:
        play.do(app_id, "expert_score", expert, samples.score(80))
    task = flows.task_id(play, app_id, "replace_experts")
    login_as(client, "officer")
    page = client.get(f"/tasks/{task}").get_data(as_text=True)
    assert "本轮声明回避的专家" in page and "李教授（桂林电子科技大学）" in page
    assert checkbox_values(page, "replacements") == {users["expert5"], users["expert7"]}


def test_award_decision_shows_the_aggregated_scores(client: FlaskClient, play: Scenario, calls: dict[str, int],
                                                    users: dict[str, int]) -> None:
    app_id = flows.at_award(play, calls, users, scores=(86, 80, 90, 84, 50))
    task = flows.task_id(play, app_id, "award_decision")
    login_as(client, "officer")
    page = client.get(f"/tasks/{task}").get_data(as_text=True)
    assert '<span class="trimmed-mean">83.33</span>' in page and "去掉最高分和最低分" in page
    assert len(re.findall(r'<tr class="outlier', page)) == 1 and "偏离" in page
    refused = client.post(f"/tasks/{task}", data={"decision": "approve", "action": "submit"})
    assert refused.status_code == 422 and "同意立项时须填写资助经费" in refused.get_data(as_text=True)
    ok = client.post(f"/tasks/{task}", data={"decision": "approve", "funding_wan": "200", "action": "submit"})
    assert ok.status_code == 302 and play.application(app_id).stage == "publicity"


def test_track_lists_fill_the_choices_of_the_application_forms(client: FlaskClient, play: Scenario,
                                                                calls: dict[str, int]) -> None:
    t1 = flows.task_id(play, play.start(calls["T1"], "applicant", "揭榜"), "application_form")
    t2 = flows.task_id(play, play.start(calls["T2"], "applicant", "合作"), "application_form")
    login_as(client, "applicant")
    jiebang = client.get(f"/tasks/{t1}").get_data(as_text=True)
    assert re.search(r'<option value="\d+" >JB2025-01 糖料蔗全程机械化收获关键技术（技术攻关类）</option>', jiebang)
    partner = client.get(f"/tasks/{t2}").get_data(as_text=True)
    assert "华南理工大学（广东，协议 桂粤科合〔2023〕7号）" in partner


def test_returned_application_is_corrected_from_the_previous_submission(
        client: FlaskClient, play: Scenario, calls: dict[str, int]) -> None:
    app_id = flows.at_formal_review(play, calls)
    review = flows.task_id(play, app_id, "formal_review_task")
    login_as(client, "officer")
    returned = client.post(f"/tasks/{review}", data={"decision": "return", "opinion": "请补充营业执照扫描件",
                                                     "correction_days": "5", "action": "submit"})
    assert returned.status_code == 302
    login_as(client, "founder")
    inbox = client.get("/tasks/").get_data(as_text=True)
    correction = flows.task_id(play, app_id, "correction")
    assert f'data-task-id="{correction}"' in inbox
    assert f'href="/tasks/{correction}"' in client.get(f"/applications/{app_id}").get_data(as_text=True)
    page = client.get(f"/tasks/{correction}").get_data(as_text=True)
    assert "请补充营业执照扫描件" in page and "退回修改" in page  # why it came back
    assert 'value="柳州新能科技有限公司"' in page and 'value="核心成员3"' in page  # starts from what was sent
    assert 'type="file" name="attachments"' in page
    form = flows.as_form(samples.application("T4", city="柳州市", summary="已补充营业执照。"))
    assert client.post(f"/tasks/{correction}", data={**form, "action": "submit"}).status_code == 302
    assert flows.task_id(play, app_id, "formal_review_task") != review
