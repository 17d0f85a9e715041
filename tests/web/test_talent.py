"""人才热力图与人才画像: the figures from the filed application forms of awarded teams, the page with its tables,
the Excel export, the JSON endpoint of the API, and who may see them."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import Engine, select, update

from engine import samples, seed, stats, talent
from engine.models import GUANGXI_CITIES, Application, Call
from engine.runtime import Runtime
from engine.scenario import Scenario
from forms import choices
from tests.web.api_client import api_as, ok
from tests.web.conftest import login_as
from web.dashboard.talent import GEOJSON
from web.vendor import ALLOWED, PROJECT_ROOT


def test_the_boundary_package_names_the_fourteen_cities_of_the_forms() -> None:
    """The pinned GeoJSON (served from node_modules) has one feature per city, named as the forms name them."""
    package, path = GEOJSON
    geo = json.loads((PROJECT_ROOT / "node_modules" / package / path).read_text(encoding="utf-8"))
    assert sorted(f["properties"]["name"] for f in geo["features"]) == sorted(choices.GUANGXI_CITIES)
    assert path in ALLOWED[package]
    lock = json.loads((PROJECT_ROOT / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"][f"node_modules/{package}"]["version"] == json.loads(
        (PROJECT_ROOT / "package.json").read_text(encoding="utf-8"))["dependencies"][package]


def member(name: str, where: str, title: str, *, leader: bool = False, role: str = "core") -> dict[str, Any]:
    return {"name": name, "role": role, "is_leader": leader, "title": title, "institution": "某大学",
            "region": "overseas" if where == "abroad" else "domestic", "work_location": where}


T1_TEAM = [member("甲", "abroad", "教授", leader=True), member("乙", "elsewhere_in_china", "研究员"),
           member("丙", "elsewhere_in_china", "研究员"), member("丁", "guangxi", "高级工程师"),
           member("戊", "abroad", "教授", role="advisor")]


def award(play: Scenario, app_id: int, when: datetime, status: str = "in_progress") -> None:
    """Mark an application awarded at `when` (the award steps themselves are tested elsewhere)."""
    with play.runtime.sessions.begin() as session:
        session.execute(update(Application).where(Application.id == app_id).values(
            status=status, stage="midterm", awarded_at=when))


@pytest.fixture
def teams(play: Scenario, calls: dict[str, int]) -> dict[str, int]:
    """A T1 team in 南宁市 (新材料, awarded 2024), a T4 team in 柳州市 (samples' team, awarded 2025), a T2 team
    submitted but not awarded, and a T1 team awarded and then terminated."""
    t1 = play.start(calls["T1"], "applicant", "新材料团队")
    play.do(t1, "application_form", "applicant", samples.application("T1", field="新材料", team=T1_TEAM))
    award(play, t1, datetime(2024, 6, 1, 2, tzinfo=UTC))
    t4 = play.start(calls["T4"], "founder", "电驱团队")
    play.do(t4, "application_form", "founder", samples.application("T4", city="柳州市"))
    award(play, t4, datetime(2025, 6, 1, 2, tzinfo=UTC), status="awarded")
    t2 = play.start(calls["T2"], "applicant", "未立项团队")
    play.do(t2, "application_form", "applicant", samples.application("T2"))
    gone = play.start(calls["T1"], "applicant", "已终止团队")
    play.do(gone, "application_form", "applicant", samples.application("T1"))
    award(play, gone, datetime(2024, 6, 1, 2, tzinfo=UTC), status="terminated")
    return {"T1": t1, "T4": t4}


@pytest.mark.usefixtures("teams")
def test_talent_figures(client: FlaskClient) -> None:
    login_as(client, "officer")
    data = client.get("/dashboard/talent.json").get_json()
    assert (data["teams"], data["members"]) == (2, 6)  # 3 brought in by each; the Guangxi member is not
    assert sorted(data["cities"]) == sorted(GUANGXI_CITIES)
    assert {c: (v["teams"], v["members"]) for c, v in data["cities"].items() if v["teams"]} == {
        "南宁市": (1, 3), "柳州市": (1, 3)}
    assert data["cities"]["南宁市"]["fields"]["新材料"] == 1 and data["cities"]["柳州市"]["fields"]["高端装备制造"] == 1
    portrait = data["portrait"]
    assert portrait["by_field"] == {"新材料": 4, "高端装备制造": 3}  # core members only, advisors not
    assert portrait["by_origin"] == {"国内区外": 5, "境外": 1, "广西区内": 1}
    assert portrait["by_title"] == {"研究员": 5, "教授": 1, "高级工程师": 1}
    assert portrait["by_age"] == {} and portrait["age_recorded"] is False


@pytest.mark.usefixtures("teams")
@pytest.mark.parametrize(("query", "cities"), [
    ("year=2025", {"柳州市"}), ("year=2024", {"南宁市"}), ("track=T1", {"南宁市"}), ("year=2023", set()),
    ("track=T4&year=2025", {"柳州市"}), ("track=T4&year=2024", set()),
])
def test_talent_filters(client: FlaskClient, query: str, cities: set[str]) -> None:
    login_as(client, "admin")
    data = client.get(f"/dashboard/talent.json?{query}").get_json()
    assert {c for c, v in data["cities"].items() if v["teams"]} == cities
    assert data["teams"] == len(cities)


def test_talent_filter_by_call(client: FlaskClient, teams: dict[str, int], calls: dict[str, int]) -> None:
    login_as(client, "officer")
    data = client.get(f"/dashboard/talent.json?call_id={calls['T4']}").get_json()
    assert data["teams"] == 1 and data["cities"]["柳州市"]["teams"] == 1
    assert data["filters"] == {"year": None, "track": None, "call_id": calls["T4"]}


@pytest.mark.usefixtures("teams")
def test_talent_page_lists_every_city_in_a_table(client: FlaskClient) -> None:
    login_as(client, "officer")
    answer = client.get("/dashboard/talent")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert 'data-geojson="/vendor/china-geojson/src/geojson/guang_xi_geo.json"' in html
    assert 'data-url="/dashboard/talent.json"' in html and "js/talent.js" in html
    table = html.split('id="table-cities"')[1].split("</table>")[0]
    assert all(f"<td>{city}</td>" in table for city in GUANGXI_CITIES)
    assert "<td>南宁市</td><td>1</td><td>3</td>" in table
    for key in ("field", "title", "origin", "age"):
        assert f'id="table-{key}"' in html
    assert 'id="no-age"' in html
    assert 'id="teams">2<' in html and 'id="members">6<' in html
    assert 'href="/dashboard/talent.xlsx"' in html and 'href="/dashboard/"' in html


@pytest.mark.usefixtures("teams")
def test_talent_export(client: FlaskClient) -> None:
    login_as(client, "officer")
    answer = client.get("/dashboard/talent.xlsx?track=T1")
    assert answer.status_code == 200 and answer.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(BytesIO(answer.data))
    assert book.sheetnames == ["各设区市人才团队", "核心成员 - 技术领域", "核心成员 - 职称", "核心成员 - 来源",
                               "核心成员 - 年龄段"]
    cities = book["各设区市人才团队"]
    assert cities["A1"].value == "筛选：举措：T1 揭榜制项目"
    assert [c.value for c in cities[2]] == ["设区市", "立项团队", "引进核心成员", "新材料"]
    rows = list(cities.iter_rows(min_row=3, values_only=True))
    assert [r[0] for r in rows] == list(GUANGXI_CITIES) and rows[0] == ("南宁市", 1, 3, 1)
    origin = dict(book["核心成员 - 来源"].iter_rows(min_row=3, values_only=True))  # type: ignore[arg-type]
    assert origin == {"国内区外": 2, "境外": 1, "广西区内": 1}


def test_the_api_answers_the_same_figures(client: FlaskClient, teams: dict[str, int]) -> None:
    login_as(client, "officer")
    page = client.get("/dashboard/talent.json?year=2024").get_json()
    api = ok(api_as(client, "officer").get("/stats/talent?year=2024"))
    assert api == page
    admin = api_as(client, "admin")
    assert ok(admin.get("/stats/talent"))["teams"] == 2
    for bad, field in (("year=1999", "year"), ("track=T7", "track"), ("call_id=99999", "call_id"),
                       ("call_id=0", "call_id")):
        assert field in ok(admin.get(f"/stats/talent?{bad}"), 422)["errors"], bad
    for username in ("applicant", "expert1", "nanning", "agency"):
        assert api_as(client, username).get("/stats/talent").status_code == 403


def test_the_demo_shows_awarded_teams_across_tracks_cities_and_years(db_engine: Engine, runtime: Runtime) -> None:
    """A fresh demo has award figures to chart: its earlier years' teams (the live stories are not awarded)."""
    seed.demo(db_engine)
    with runtime.sessions() as session:
        numbers = stats.progress(session)
        figures = talent.figures(session)
    assert numbers["awarded"] >= 10
    assert all(numbers["by_track"][t] for t in ("T1", "T2", "T3", "T4", "T5"))
    assert len([c for c, n in numbers["by_city"].items() if n]) >= 8
    assert {"2022", "2023", "2024", "2025"} <= set(numbers["by_year"])
    assert figures["members"] > 20 and figures["portrait"]["age_recorded"]
    assert set(figures["portrait"]["by_origin"]) >= {"国内区外", "境外"}
    seed.demo(db_engine)  # idempotent: nothing recorded twice
    with runtime.sessions() as session:
        assert stats.progress(session)["awarded"] == numbers["awarded"]
        # two open calls ask for documents, so that the checklist can be tried
        listed = {c.track: c.required_documents for c in session.scalars(select(Call).where(Call.status == "open"))}
    assert listed["T4"] and listed["T2"] and listed["T1"] is None
