"""The programme dashboard: who may see it, and its numbers against a known data set."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient

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
]


@pytest.fixture
def known(runtime: Runtime, calls: dict[str, int], users: dict[str, int]) -> None:
    """The known applications, written straight into the table."""
    with runtime.sessions.begin() as session:
        for i, (track, city, status, stage, awarded_at) in enumerate(KNOWN):
            session.add(Application(call_id=calls[track], applicant_user_id=users["applicant"], track=track,
                                    title=f"团队{i}", city=city, status=status, stage=stage, awarded_at=awarded_at))


@pytest.mark.parametrize("username", ["applicant", "expert1", "nanning"])
def test_dashboard_is_for_officers_and_administrators(client: FlaskClient, username: str) -> None:
    login_as(client, username)
    assert client.get("/dashboard/").status_code == 403
    assert client.get("/dashboard/data.json").status_code == 403


@pytest.mark.usefixtures("known")
def test_dashboard_numbers(client: FlaskClient) -> None:
    login_as(client, "officer")
    data = client.get("/dashboard/data.json").get_json()
    assert (data["target"], data["awarded"]) == (100, 4)
    assert data["by_track"] == {"T1": 2, "T2": 0, "T3": 1, "T4": 1, "T5": 0}
    assert {city: n for city, n in data["by_city"].items() if n} == {"南宁市": 2, "柳州市": 1, "未填写": 1}
    assert len([c for c in data["by_city"] if c != "未填写"]) == 14
    assert data["by_year"] == {"2023": 1, "2024": 1, "2025": 2}
    assert {stage: n for stage, n in data["pipeline"].items() if n} == {
        "midterm": 2, "closed": 2, "contract": 1, "expert_review": 1, "recommendation": 1}
    assert data["stage_order"][:3] == ["application", "recommendation", "formal_review"]
    assert data["stage_order"][-1] == "closed"
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
    assert "<td>中期</td><td>2</td>" in pipeline


def test_empty_programme(client: FlaskClient) -> None:
    login_as(client, "officer")
    data = client.get("/dashboard/data.json").get_json()
    assert data["awarded"] == 0 and data["by_year"] == {} and set(data["by_track"].values()) == {0}
    assert "暂无立项" in client.get("/dashboard/").get_data(as_text=True)
