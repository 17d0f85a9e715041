"""The programme dashboard: who may see it, and its numbers against a known data set."""
from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook

from engine.models import Application
from engine.runtime import Runtime
from tests.web.conftest import login_as

# track, city, status, stage, awarded_at (UTC)
KNOWN = [
    ("T1", "南宁市", "in_progress", "midterm", datetime(2023, 6, 1, 2, 0, tzinfo=UTC)),
    ("T1", "南宁市", "accepted", "closed", datetime(2024, 3, 1, 2, 0, tzinfo=UTC)),
    # 17:00 UTC on 31 December is already 1 January in Beijing: it counts for 2025.
    ("T4", "柳州市", "awarded", "contract", datetime(2024, 12, 31, 17, 0, tzinfo=UTC)),
    ("T3", None, "in_progress", "midterm", datetime(2025, 5, 1, 2, 0, tzinfo=UTC)),
    ("T2", "桂林市", "terminated", "closed", datetime(2023, 9, 1, 2, 0, tzinfo=UTC)),
    ("T5", "南宁市", "in_review", "expert_review", None),
    ("T4", "柳州市", "submitted", "recommendation", None),
    # Ended before an award: no longer in progress, whatever stage they stopped at.
    ("T2", "南宁市", "withdrawn", "recommendation", None),
    ("T1", "桂林市", "rejected", "formal_review", None),
]


@pytest.fixture
def known(runtime: Runtime, calls: dict[str, int], users: dict[str, int]) -> None:
    """The known applications, written straight into the table."""
    with runtime.sessions.begin() as session:
        for i, (track, city, status, stage, awarded_at) in enumerate(KNOWN):
            session.add(Application(call_id=calls[track], applicant_user_id=users["applicant"], track=track,
                                    title=f"团队{i}", city=city, status=status, stage=stage, awarded_at=awarded_at))


PAGES = ("/dashboard/", "/dashboard/data.json", "/dashboard/export.xlsx", "/dashboard/talent",
         "/dashboard/talent.json", "/dashboard/talent.xlsx")


@pytest.mark.parametrize("username", ["applicant", "expert1", "nanning", "founder", "agency"])
def test_dashboard_is_for_officers_and_administrators(client: FlaskClient, username: str) -> None:
    login_as(client, username)
    for page in PAGES:
        assert client.get(page).status_code == 403, page
        assert client.get(page + "?year=2025&track=T1").status_code == 403, page


def test_dashboard_needs_sign_in(client: FlaskClient) -> None:
    for page in PAGES:
        assert client.get(page).status_code in (302, 401), page


@pytest.mark.usefixtures("known")
def test_dashboard_numbers(client: FlaskClient) -> None:
    login_as(client, "officer")
    data = client.get("/dashboard/data.json").get_json()
    assert (data["target"], data["awarded"]) == (100, 4)
    assert data["by_track"] == {"T1": 2, "T2": 0, "T3": 1, "T4": 1, "T5": 0}
    assert {city: n for city, n in data["by_city"].items() if n} == {"南宁市": 2, "柳州市": 1, "未填写": 1}
    assert len([c for c in data["by_city"] if c != "未填写"]) == 14
    assert data["by_year"] == {"2023": 1, "2024": 1, "2025": 2}
    # 在办申报: the accepted, terminated, withdrawn and rejected ones are not in progress.
    assert {stage: n for stage, n in data["pipeline"].items() if n} == {
        "midterm": 2, "contract": 1, "expert_review": 1, "recommendation": 1}
    assert data["stage_order"][:3] == ["application", "recommendation", "formal_review"]
    assert data["stage_order"][-1] == "acceptance" and "closed" not in data["stage_order"]
    assert data["labels"]["stages"]["expert_review"] == "专家评审"


@pytest.mark.usefixtures("known")
def test_dashboard_page(client: FlaskClient) -> None:
    login_as(client, "admin")
    html = client.get("/dashboard/").get_data(as_text=True)
    assert 'id="awarded">4<' in html and 'id="target">100<' in html and "4.0%" in html
    assert "echarts.min.js" in html and 'data-url="/dashboard/data.json"' in html
    city_table = html.split('id="table-city"')[1].split("</table>")[0]
    assert city_table.index("南宁市") < city_table.index("柳州市") < city_table.index("崇左市")
    pipeline = html.split('id="table-pipeline"')[1].split("</table>")[0]
    assert "<td>中期</td><td>2</td>" in pipeline and "已结束" not in pipeline
    assert 'href="/dashboard/talent"' in html and 'href="/dashboard/export.xlsx"' in html


def test_empty_programme(client: FlaskClient) -> None:
    login_as(client, "officer")
    data = client.get("/dashboard/data.json").get_json()
    assert data["awarded"] == 0 and data["by_year"] == {} and set(data["by_track"].values()) == {0}
    assert "暂无立项" in client.get("/dashboard/").get_data(as_text=True)


@pytest.mark.usefixtures("known")
@pytest.mark.parametrize(("query", "awarded", "by_track"), [
    ("year=2025", 2, {"T3": 1, "T4": 1}),
    ("year=2023", 1, {"T1": 1}),
    ("track=T1", 2, {"T1": 2}),
    ("track=T1&year=2024", 1, {"T1": 1}),
    ("year=2022", 0, {}),
])
def test_dashboard_filters(client: FlaskClient, query: str, awarded: int, by_track: dict[str, int]) -> None:
    login_as(client, "officer")
    data = client.get(f"/dashboard/data.json?{query}").get_json()
    assert data["awarded"] == awarded
    assert {t: n for t, n in data["by_track"].items() if n} == by_track


@pytest.mark.usefixtures("known")
def test_dashboard_filter_by_call(client: FlaskClient, calls: dict[str, int]) -> None:
    login_as(client, "officer")
    data = client.get(f"/dashboard/data.json?call_id={calls['T4']}").get_json()
    assert data["awarded"] == 1 and data["by_city"]["柳州市"] == 1
    assert data["filters"] == {"year": None, "track": None, "call_id": calls["T4"]}
    # the live T4 application waiting for its recommendation is the call's only one in progress
    assert {s: n for s, n in data["pipeline"].items() if n} == {"contract": 1, "recommendation": 1}
    html = client.get(f"/dashboard/?call_id={calls['T4']}").get_data(as_text=True)
    assert f'<option value="{calls["T4"]}" selected>' in html and 'id="awarded">1<' in html


@pytest.mark.usefixtures("known")
@pytest.mark.parametrize(("query", "field", "message"), [
    ("year=abc", "year", "年度应为"), ("year=1800", "year", "年度应为"),
    ("year=99999999999999999999", "year", "年度应为"), ("track=T9", "track", "T1–T5"),
    ("call_id=999999", "call_id", "申报批次不存在"), ("call_id=-1", "call_id", "申报批次不存在"),
    ("call_id=99999999999999999999", "call_id", "申报批次不存在"),
])
def test_bad_filters_are_refused_with_a_message(client: FlaskClient, query: str, field: str, message: str) -> None:
    login_as(client, "officer")
    for path in ("/dashboard/data.json", "/dashboard/export.xlsx", "/dashboard/talent.json", "/dashboard/talent.xlsx"):
        answer = client.get(f"{path}?{query}")
        assert answer.status_code == 422, path
        assert message in answer.get_json()["errors"][field][0]
    # the page shows the message beside the filter, and keeps the other filters
    page = client.get(f"/dashboard/?{query}&track=T1" if field != "track" else f"/dashboard/?{query}&year=2023")
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and message in html
    assert 'id="awarded">' + ("2" if field != "track" else "1") + "<" in html


@pytest.mark.usefixtures("known")
def test_dashboard_export(client: FlaskClient) -> None:
    login_as(client, "officer")
    answer = client.get("/dashboard/export.xlsx?year=2025")
    assert answer.status_code == 200 and answer.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in answer.headers["Content-Disposition"]
    book = load_workbook(BytesIO(answer.data))
    assert book.sheetnames == ["目标完成进度", "各举措立项数", "各设区市立项数", "各年度立项数", "在办申报（按阶段）"]
    assert book["目标完成进度"]["A1"].value == "筛选：年度：2025 年"
    assert [c.value for c in book["目标完成进度"][3]] == [100, 2, 2.0]
    tracks = {row[0]: row[1] for row in book["各举措立项数"].iter_rows(min_row=3, values_only=True)}
    assert tracks["T3 指南方向 / 离岸基地 / 人才飞地"] == 1 and tracks["T1 揭榜制项目"] == 0
    cities = list(book["各设区市立项数"].iter_rows(min_row=3, values_only=True))
    assert cities[0][1] == 1 and len(cities) == 15  # 14 cities and 未填写, ranked
    login_as(client, "admin")
    assert client.get("/dashboard/export.xlsx").status_code == 200
