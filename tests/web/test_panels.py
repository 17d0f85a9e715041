"""The officer's panel pages and the administrator's expert library, through the web app."""
from __future__ import annotations

import io
import re

from flask.testing import FlaskClient
from openpyxl import Workbook
from sqlalchemy import select

from engine import samples
from engine.experts import spreadsheet
from engine.models import ExpertProfile, HumanTask, PanelProposal, User
from engine.scenario import Scenario
from tests.experts.test_conflicts import add_expert, at_assignment, team
from tests.web.conftest import login_as


def test_officer_draws_swaps_and_confirms_panels_for_a_call(client: FlaskClient, play: Scenario,
                                                             calls: dict[str, int], users: dict[str, int]) -> None:
    for name, org in (("extra_zhong", "中山大学"), ("extra_hua", "华南理工大学")):
        add_expert(play.runtime, name, org, "广州市")
    apps = [at_assignment(play, calls, team=team()), at_assignment(play, calls)]
    login_as(client, "officer")
    page = client.get(f"/review/panels?call_id={calls['T4']}").get_data(as_text=True)
    assert all(f'data-application-id="{a}"' in page for a in apps)
    drawn = client.post("/review/panels", data={"call_id": calls["T4"], "application_ids": apps, "seed": "8"})
    assert drawn.status_code == 302
    proposal_url = drawn.location
    html = client.get(proposal_url).get_data(as_text=True)
    assert 'id="seed">8<' in html and "主要领域" in html and "本年度评审" in html
    with play.runtime.sessions() as session:
        proposal = session.scalars(select(PanelProposal)).one()
    first = proposal.panels[0]
    seated = {s["user_id"] for s in first["experts"]}
    assert not seated & {users["expert5"], users["expert6"], users["expert7"]}  # the team's institutions

    candidates = client.get(f"{proposal_url}/applications/{apps[0]}").get_data(as_text=True)
    assert "与团队成员张伟同单位（上海交通大学）" in candidates and "与团队顾问赵敏同单位（浙江大学）" in candidates
    offered = [int(v) for v in re.findall(r'name="in" value="(\d+)"', candidates)]
    assert offered and not set(offered) & (seated | {users["expert6"]})
    refused = client.post(f"{proposal_url}/applications/{apps[0]}/swap",
                          data={"out": first["experts"][0]["user_id"], "in": users["expert6"]}, follow_redirects=True)
    assert "不能选择该专家：与团队成员张伟同单位" in refused.get_data(as_text=True)
    out, incoming = first["experts"][0]["user_id"], offered[0]
    swapped = client.post(f"{proposal_url}/applications/{apps[0]}/swap", data={"out": out, "in": incoming},
                          follow_redirects=True).get_data(as_text=True)
    assert "已替换专家" in swapped and "由经办人替换选定" in swapped

    done = client.post(f"{proposal_url}/confirm", follow_redirects=True).get_data(as_text=True)
    assert "已确认 2 项申报的评审专家" in done
    with play.runtime.sessions() as session:
        scoring = set(session.scalars(select(HumanTask.assignee_id).where(
            HumanTask.application_id == apps[0], HumanTask.form_key == "expert_score")))
    assert scoring == seated - {out} | {incoming}
    login_as(client, next(u for u, i in users.items() if i == incoming))
    assert samples.application("T4")["title"] in client.get("/review/").get_data(as_text=True)


def test_the_single_assignment_form_starts_from_a_drawn_panel_and_explains_exclusions(
        client: FlaskClient, play: Scenario, calls: dict[str, int], users: dict[str, int]) -> None:
    app_id = at_assignment(play, calls, team=team())
    task = play.task(app_id, "assign_experts").id
    login_as(client, "officer")
    page = client.get(f"/tasks/{task}").get_data(as_text=True)
    checked = {int(v) for v in re.findall(r'name="experts" value="(\d+)" checked', page)}
    assert checked == {users[f"expert{i}"] for i in (1, 2, 3, 4)}  # all that may: the library is short of one
    assert "与团队成员张伟同单位（上海交通大学）" in page  # why expert6 is not offered


def test_administrator_keeps_the_library_and_officers_read_it(client: FlaskClient) -> None:
    login_as(client, "admin")
    saved = client.post("/admin/experts", data={
        "username": "ocean_li", "name": "李海洋", "organization": "中国海洋大学", "city": "青岛市",
        "primary_field": "海洋经济", "other_fields": ["现代农业"], "title": "教授", "yearly_cap": "12"},
        follow_redirects=True).get_data(as_text=True)
    assert "已保存专家 李海洋" in saved and 'data-username="ocean_li"' in saved
    wrong = client.post("/admin/experts", data={"username": "x", "name": "", "organization": "某大学", "city": "南宁市",
                                                "primary_field": "量子玄学"}, follow_redirects=True)
    assert "未知的技术领域：量子玄学" in wrong.get_data(as_text=True)
    with client.application.extensions["rootball"].sessions() as session:
        user = session.scalars(select(User).where(User.username == "ocean_li")).one()
        profile = session.scalars(select(ExpertProfile).where(ExpertProfile.user_id == user.id)).one()
        assert user.has_role("expert") and profile.fields == ["海洋经济", "现代农业"] and profile.yearly_cap == 12
    login_as(client, "officer")
    assert 'data-username="ocean_li"' in client.get("/admin/experts").get_data(as_text=True)
    assert client.post("/admin/experts", data={"username": "sneaky"}).status_code == 403


def workbook(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(spreadsheet.COLUMNS))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_excel_import_is_all_or_nothing_with_every_problem_listed(client: FlaskClient) -> None:
    login_as(client, "admin")
    good = ["imp_wang", "王导入", "同济大学", "上海市", "新能源汽车", "绿色环保、高端装备制造", "教授", 15, "在库", ""]
    bad = [["imp_zhao", "赵导入", "", "上海市", "新材料", "", "教授", "很多", "在库", ""],
           ["imp_wang", "王重复", "复旦大学", "上海市", "生物医药", "玄学", "", 10, "", ""]]
    refused = client.post("/admin/experts/import", data={"workbook": (io.BytesIO(workbook([good, *bad])), "x.xlsx")},
                          content_type="multipart/form-data")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "未导入任何专家" in html
    for row, column, message in [(3, "工作单位", "请填写工作单位"), (3, "年度评审上限", "须为整数"),
                                 (4, "用户名", "与第 2 行重复"), (4, "其他领域", "未知的技术领域：玄学")]:
        assert re.search(rf"<td>{row}</td><td>{column}</td><td>{message}", html), (row, column, message)
    assert 'data-username="imp_wang"' not in html
    ok = client.post("/admin/experts/import", data={"workbook": (io.BytesIO(workbook([good])), "x.xlsx")},
                     content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "已导入 1 位专家" in ok and 'data-username="imp_wang"' in ok
    template = client.get("/admin/experts/template.xlsx")
    assert template.status_code == 200 and template.data[:2] == b"PK"
