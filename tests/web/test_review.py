"""Expert review in the browser: the declaration first, content only after declaring no conflict."""
from __future__ import annotations

from flask.testing import FlaskClient

from engine.scenario import Scenario
from tests.web import flows
from tests.web.conftest import login_as

CONTENT = flows.SUMMARY  # a sentence of the application's content


def test_declaring_a_conflict_never_shows_the_application(client: FlaskClient, play: Scenario,
                                                          calls: dict[str, int], users: dict[str, int]) -> None:
    app_id = flows.at_expert_scoring(play, calls, users)
    task = flows.task_id(play, app_id, "expert_score", "expert2")
    login_as(client, "expert2")
    seen = []
    for path in ("/tasks/", f"/tasks/{task}", f"/review/{task}", "/review/", "/applications/"):
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 200, path
        seen.append(response.get_data(as_text=True))
    declaration = seen[2]
    assert f'data-application-id="{app_id}"' in seen[4]  # listed while assigned
    assert "回避声明" in declaration and "核心成员1" in declaration  # who is on the team, to judge a conflict
    blocked = client.get(f"/applications/{app_id}")
    assert blocked.status_code == 302 and f"/review/{task}" in blocked.location  # declare first
    missing = client.post(f"/review/{task}/declare", data={"conflict": "true"})
    assert missing.status_code == 422 and "声明回避时须填写回避原因" in missing.get_data(as_text=True)
    unanswered = client.post(f"/review/{task}/declare", data={"conflict_reason": "同门师兄弟"})
    assert unanswered.status_code == 422 and "请选择是否存在利益冲突" in unanswered.get_data(as_text=True)
    assert "同门师兄弟" in unanswered.get_data(as_text=True)
    seen += [missing.get_data(as_text=True), unanswered.get_data(as_text=True)]
    declared = client.post(f"/review/{task}/declare", data={"conflict": "true", "conflict_reason": "同门师兄弟"},
                           follow_redirects=True)
    assert declared.status_code == 200 and "已声明回避" in declared.get_data(as_text=True)
    seen.append(declared.get_data(as_text=True))
    assert flows.task_row(play, task).data == {"conflict": True, "conflict_reason": "同门师兄弟"}
    assert client.get(f"/applications/{app_id}").status_code == 404
    assert client.get(f"/applications/{app_id}/attachments/1").status_code == 404
    after = client.get(f"/review/{task}").get_data(as_text=True)
    assert "已声明回避" in after
    seen += [after, client.get("/applications/").get_data(as_text=True)]
    assert not any(CONTENT in html for html in seen)
    assert f"data-application-id=\"{app_id}\"" not in seen[-1]  # no longer in the expert's list either
    assert client.post(f"/review/{task}/declare", data={"conflict": "false"}).status_code == 409


def test_declaring_no_conflict_unlocks_the_application_and_the_scoring_sheet(
        client: FlaskClient, play: Scenario, calls: dict[str, int], users: dict[str, int]) -> None:
    app_id = flows.at_expert_scoring(play, calls, users)
    task = flows.task_id(play, app_id, "expert_score", "expert3")
    login_as(client, "expert3")
    before = client.get(f"/review/{task}").get_data(as_text=True)
    assert CONTENT not in before and 'name="score"' not in before
    early = client.post(f"/review/{task}/score", data={"score": "90", "comment": "好"})
    assert early.status_code == 302 and flows.task_row(play, task).state == "open"  # sent back to declare
    assert client.post(f"/review/{task}/declare", data={"conflict": "false"}).status_code == 302
    sheet = client.get(f"/review/{task}").get_data(as_text=True)
    assert CONTENT in sheet and 'name="score"' in sheet and 'name="conflict"' not in sheet
    assert client.get(f"/applications/{app_id}").status_code == 200
    wrong = client.post(f"/review/{task}/score", data={"score": "120", "comment": "技术路线清晰"})
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and "须在 0 到 100 之间" in html and "技术路线清晰" in html
    assert client.post(f"/review/{task}/score", data={"score": "88", "action": "draft"}).status_code == 302
    assert flows.task_row(play, task).data == {"conflict": False, "score": 88.0}
    assert client.post(f"/review/{task}/score", data={"score": "88", "comment": "技术路线清晰"}).status_code == 302
    row = flows.task_row(play, task)
    assert row.state == "done" and row.data == {"conflict": False, "score": 88.0, "comment": "技术路线清晰"}
    again = client.post(f"/review/{task}/score", data={"score": "10", "comment": "改主意了"})
    assert again.status_code == 409


def test_experts_see_only_their_own_scoring_tasks(client: FlaskClient, play: Scenario, calls: dict[str, int],
                                                  users: dict[str, int]) -> None:
    app_id = flows.at_expert_scoring(play, calls, users)
    other = flows.task_id(play, app_id, "expert_score", "expert1")
    login_as(client, "expert7")  # not on the panel
    assert client.get(f"/review/{other}").status_code == 404
    assert client.get(f"/tasks/{other}").status_code == 404
    assert client.get(f"/applications/{app_id}").status_code == 404
    assert client.post(f"/review/{other}/declare", data={"conflict": "false"}).status_code == 404
    login_as(client, "expert2")
    assert client.get(f"/review/{other}").status_code == 404


def test_officer_sees_every_score_the_trimmed_mean_outliers_and_conflicts(
        client: FlaskClient, play: Scenario, calls: dict[str, int], users: dict[str, int]) -> None:
    from engine import samples

    app_id = flows.at_expert_scoring(play, calls, users)
    play.do(app_id, "expert_score", "expert1", samples.CONFLICT)
    for expert, value in zip(flows.PANEL[1:], (70, 72, 74, 99), strict=True):
        play.do(app_id, "expert_score", expert, samples.score(value))
    play.do(app_id, "replace_experts", "officer", {"replacements": [users["expert7"]]})
    play.do(app_id, "expert_score", "expert7", samples.score(71))
    login_as(client, "officer")
    page = client.get(f"/applications/{app_id}").get_data(as_text=True)
    assert "与申报团队成员有合作关系" in page and "回避" in page
    assert '<span class="trimmed-mean">72.33</span>' in page  # 70 71 72 74 99 → drop 70 and 99
    assert page.count('<tr class="outlier') == 1  # 99 is more than 15 points off
    login_as(client, "founder")  # the applicant sees neither the panel nor who scored
    mine = client.get(f"/applications/{app_id}").get_data(as_text=True)
    assert "trimmed-mean" not in mine and "李教授" not in mine and "评审专家" in mine
