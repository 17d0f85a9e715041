"""One rule for what of an application each role sees, tried on every surface: record page, task page, API, export.

The Department's own figures (the experts' mean score and the funding) are for officers and
administrators; what the applicant filed is for those who may read the application; a
recommender sees an application only once it has been submitted.
"""
from __future__ import annotations

import re
from io import BytesIO

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook

from engine import samples
from engine.access import DEPARTMENT_FIELDS, FILED_FIELDS
from engine.runtime import SUMMARY_FIELDS
from engine.scenario import Scenario
from tests.web import flows
from tests.web.api_client import api_as, error, ok
from tests.web.conftest import login_as

DEPARTMENT_LABELS = ("专家评审平均分", "资助经费（万元）")
OVERSEERS = ("officer", "admin")
READERS = ("founder", "liuzhou", "expert1")  # the applicant, its city's recommender, an expert on the panel
OUTSIDERS = ("nanning", "applicant", "expert7")


@pytest.fixture
def awarded(play: Scenario, calls: dict[str, int], users: dict[str, int]) -> int:
    """A T4 application past the award decision: it has an expert mean and a funding."""
    app_id = flows.at_award(play, calls, users)
    play.do(app_id, "award_decision", "officer", samples.DECISIONS["award_decision"])
    summary = play.application(app_id).summary or {}
    assert summary.get("funding_wan") == 200.0 and summary.get("expert_mean") is not None
    return app_id


def export_rows(client: FlaskClient) -> list[dict[str, object]]:
    """The export as dicts keyed by header."""
    sheet = load_workbook(BytesIO(client.get("/applications/export.xlsx").data)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_every_summary_field_is_classified() -> None:
    assert set(SUMMARY_FIELDS) <= FILED_FIELDS | DEPARTMENT_FIELDS
    assert not FILED_FIELDS & DEPARTMENT_FIELDS


@pytest.mark.parametrize("user", OVERSEERS + READERS + OUTSIDERS)
def test_each_role_sees_the_department_figures_only_as_the_rule_says(
        client: FlaskClient, play: Scenario, awarded: int, user: str) -> None:
    mean = (play.application(awarded).summary or {})["expert_mean"]
    award = flows.done_task(play, awarded, "award_decision").id
    login_as(client, user)
    record = client.get(f"/applications/{awarded}")
    task_page = client.get(f"/tasks/{award}")
    api = api_as(client, user)
    rows = [r for r in export_rows(client) if r["编号"] == awarded]
    if user in OUTSIDERS:
        assert record.status_code == 404 and task_page.status_code == 404
        error(api.get(f"/applications/{awarded}"), 404)
        assert rows == []
        return
    html, task_html = record.get_data(as_text=True), task_page.get_data(as_text=True)
    assert record.status_code == 200 and task_page.status_code == 200
    summary = ok(api.get(f"/applications/{awarded}"))["summary"]
    (row,) = rows
    assert summary["budget_wan"] == 300.0 and summary["field"] == "高端装备制造"
    assert "项目总预算（万元）" in html
    if user in OVERSEERS:
        assert all(label in html for label in DEPARTMENT_LABELS)
        assert summary["funding_wan"] == 200.0 and summary["expert_mean"] == mean
        assert row["资助经费（万元）"] == 200.0 and row["专家评审平均分"] == mean
        assert "资助经费（万元）" in task_html
    else:
        assert not any(label in html for label in DEPARTMENT_LABELS)
        assert not set(summary) & DEPARTMENT_FIELDS
        assert not set(row) & set(DEPARTMENT_LABELS)
        assert "资助经费" not in task_html and "200.0" not in re.sub(r"<[^>]+>", " ", task_html)


def test_the_open_award_decision_shows_the_mean_only_to_overseers(client: FlaskClient, play: Scenario,
                                                                  calls: dict[str, int],
                                                                  users: dict[str, int]) -> None:
    app_id = flows.at_award(play, calls, users)
    award = flows.task_id(play, app_id, "award_decision")
    for user, shown in [("officer", True), ("founder", False), ("liuzhou", False), ("expert1", False)]:
        login_as(client, user)
        page = client.get(f"/tasks/{award}")
        assert page.status_code == 200, user
        assert ("专家评审结果" in page.get_data(as_text=True)) is shown, user


def test_a_recommender_sees_an_application_only_once_it_is_submitted(client: FlaskClient, play: Scenario,
                                                                     calls: dict[str, int]) -> None:
    app_id = flows.started(play, calls)
    form = flows.task_id(play, app_id, "application_form")
    for user, expected in [("liuzhou", 404), ("founder", 200), ("officer", 200)]:
        login_as(client, user)
        assert client.get(f"/applications/{app_id}").status_code == expected, user
        assert client.get(f"/tasks/{form}").status_code == expected, user
        assert (app_id in [r["编号"] for r in export_rows(client)]) is (expected == 200), user
        listed = re.findall(r'data-application-id="(\d+)"', client.get("/applications/").get_data(as_text=True))
        assert (str(app_id) in listed) is (expected == 200), user
        assert api_as(client, user).get(f"/applications/{app_id}").status_code == expected, user
    play.do(app_id, "application_form", "founder", samples.application("T4", city="柳州市"))
    login_as(client, "liuzhou")
    assert client.get(f"/applications/{app_id}").status_code == 200
    assert ok(api_as(client, "liuzhou").get(f"/applications/{app_id}"))["id"] == app_id
