"""Numbers no database column can hold, absurd nesting and row numbers: a 4xx with a message, never a 500."""
from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import IntegerConverter
from werkzeug.test import TestResponse

from engine import samples
from engine.scenario import Scenario
from tests.web import flows
from tests.web.api_client import api_as, error
from tests.web.conftest import login_as
from web.jsonbody import MAX_DEPTH
from web.numbers import MAX_ID

HUGE = "9" * 30
# Past the id columns (INTEGER on PostgreSQL), past 64 bits, and past Python's 4,300-digit int() limit.
OVERFLOWING = [HUGE, str(2**31), str(2**63 - 1), str(2**63), "18446744073709551616", "1" * 5000]
DEEP = "[" * 100_000 + "]" * 100_000


def int_rules(app: Flask) -> list[tuple[str, str]]:
    """(rule, method) of every route with an integer in its path."""
    return [(rule.rule, method) for rule in app.url_map.iter_rules()
            if any(isinstance(c, IntegerConverter) for c in rule._converters.values())
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})]


def url_of(rule: str, value: str) -> str:
    url = re.sub(r"<int:[^>]+>", value, rule)
    return re.sub(r"<(?:path:)?[^>]+>", "x.bpmn", url)


def says_why(response: TestResponse) -> str:
    """The message of an error answer, JSON or HTML."""
    if response.is_json:
        return str(response.get_json().get("error") or response.get_json())
    return re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))


def test_every_integer_route_is_found(app: Flask) -> None:
    rules = {rule for rule, _ in int_rules(app)}
    assert {"/applications/<int:app_id>", "/tasks/<int:task_id>", "/api/v1/applications/<int:application_id>",
            "/api/v1/tasks/<int:task_id>/complete", "/admin/users/<int:user_id>/grants/<int:grant_id>/revoke",
            "/applications/<int:app_id>/attachments/<int:attachment_id>"} <= rules
    assert len(rules) >= 25


@pytest.mark.parametrize("signed_in", ["admin", "officer", "founder"])
def test_every_integer_route_answers_404_to_ids_no_column_can_hold(app: Flask, client: FlaskClient,
                                                                   signed_in: str) -> None:
    login_as(client, signed_in)
    token = api_as(client, signed_in).token
    for rule, method in int_rules(app):
        for value in OVERFLOWING:
            response = client.open(url_of(rule, value), method=method, headers={"Authorization": f"Bearer {token}"},
                                   data={"reason": "x", "password": "long-enough-9"})
            assert response.status_code == 404, (rule, method, value[:40], response.status_code)
            assert "不存在" in says_why(response), (rule, method)


def test_the_largest_id_reaches_the_views_without_a_server_error(app: Flask, client: FlaskClient) -> None:
    login_as(client, "admin")
    token = api_as(client, "admin").token
    for rule, method in int_rules(app):
        response = client.open(url_of(rule, str(MAX_ID)), method=method,
                               headers={"Authorization": f"Bearer {token}"}, data={"reason": "x"})
        assert response.status_code < 500, (rule, method, response.status_code)


@pytest.mark.parametrize("path", [
    "/applications/?call_id={n}", "/applications/?page={n}", "/applications/?page=0", "/applications/?page=-3",
    "/applications/export.xlsx?call_id={n}", "/tasks/?call_id={n}", "/tasks/?tab=done&call_id={n}",
    "/admin/instances?version_id={n}", "/admin/operations?page={n}", "/admin/versions/diff?a={n}&b={n}",
    "/applications/?call_id=²", "/tasks/?call_id=٣",
])
def test_numbers_in_query_strings_are_bounded(client: FlaskClient, path: str) -> None:
    login_as(client, "admin")
    for value in OVERFLOWING:
        response = client.get(path.format(n=value))
        assert response.status_code < 500, (path, value[:40], response.status_code)


def test_numbers_in_posted_forms_are_bounded(client: FlaskClient, calls: dict[str, int]) -> None:
    login_as(client, "admin")
    for value in OVERFLOWING:
        assert client.post("/admin/users", data={"username": "u" + value[:5], "display_name": "某人",
                                                 "password": "long-enough-9", "organization_id": value}
                           ).status_code < 500
        assert client.post("/admin/calls", data={"track": "T1", "title": "批次", "guide": "", "opens_on": "2025-01-01",
                                                 "closes_on": "2025-12-31", "expert_count": value}).status_code < 500
        assert client.post("/tasks/notifications/read", data={"id": value}).status_code < 500
    login_as(client, "founder")
    for value in OVERFLOWING:
        response = client.post("/applications/start", data={"call_id": value, "title": "新能源团队"})
        assert response.status_code < 500


def test_numbers_in_api_bodies_are_bounded(client: FlaskClient, play: Scenario, calls: dict[str, int]) -> None:
    api = api_as(client, "founder")
    for raw in (f'{{"call_id": {HUGE}, "title": "x"}}', '{"call_id": 1e400, "title": "x"}',
                '{"call_id": NaN, "title": "x"}', f'{{"call_id": 1{"0" * 4400}, "title": "x"}}'):
        response = api.post("/applications", data=raw, content_type="application/json")
        assert 400 <= response.status_code < 500 and says_why(response), raw[:40]
    error(api.get(f"/tasks?call_id={HUGE}"), 422)
    app_id = flows.started(play, calls)
    task = flows.task_id(play, app_id, "application_form")
    for change in ({"budget_wan": 10**400}, {"duration_months": 10**30}, {"jiebang_problem_id": 10**30},
                   {"enterprise": {**samples.application("T4")["enterprise"], "founded_on": "9" * 5000}}):
        data = {**samples.application("T4", city="柳州市"), **change}
        body = error(api.post(f"/tasks/{task}/complete", json={"data": data}), 422)
        assert set(body["errors"]) == set(change), body
    for raw in ('{"data": {"budget_wan": 1e400}}', '{"data": {"budget_wan": Infinity}}',
                '{"data": {"duration_months": -Infinity}}'):
        response = api.post(f"/tasks/{task}/complete", data=raw, content_type="application/json")
        assert response.status_code == 422, raw
    assert flows.task_row(play, task).state == "open"


def test_deeply_nested_json_is_a_400(client: FlaskClient, play: Scenario, calls: dict[str, int]) -> None:
    api = api_as(client, "founder")
    nested = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    for body in (DEEP, nested, '{"data": ' + DEEP + "}", '{"a":' * 5000 + "1" + "}" * 5000):
        for path in ("/applications", "/tasks/1/complete", "/auth/token"):
            response = api.post(path, data=body, content_type="application/json")
            assert response.status_code == 400, (path, response.status_code)
            assert "嵌套过深" in response.get_json()["error"]
    fine = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert api.post("/applications", data=fine, content_type="application/json").status_code == 422
    login_as(client, "admin")
    for path in ("/admin/processes/validate", "/admin/processes/deploy"):
        response = client.post(path, data=DEEP, content_type="application/json")
        assert response.status_code == 400 and "嵌套过深" in says_why(response), path


@pytest.mark.parametrize("index", ["9" * 5000, HUGE, "1000", "00000000000000000000001"])
def test_row_numbers_of_list_fields_are_bounded(client: FlaskClient, play: Scenario, calls: dict[str, int],
                                                index: str) -> None:
    app_id = flows.started(play, calls)
    task = flows.task_id(play, app_id, "application_form")
    login_as(client, "founder")
    form = flows.as_form(samples.application("T4", city="柳州市"))
    for action in ("draft", "submit"):
        response = client.post(f"/tasks/{task}", data={**form, f"team-{index}-name": "某人", "action": action})
        assert response.status_code == 400 and "行号无效" in says_why(response), (index[:10], action)
    assert flows.task_row(play, task).state == "open"


def test_the_application_form_refuses_absurd_values_on_the_web_and_the_api(
        client: FlaskClient, play: Scenario, calls: dict[str, int]) -> None:
    app_id = flows.started(play, calls)
    task = flows.task_id(play, app_id, "application_form")
    good = samples.application("T4", city="柳州市")
    crowd = samples.team(core=5000, advisors=0)
    cases = [({"budget_wan": 1e308}, "小于或等于 1000000"), ({"budget_wan": "NaN"}, "须为有效数字"),
             ({"enterprise": {**good["enterprise"], "founded_on": "0001-01-01"}}, "1900-01-01"),
             ({"team": crowd}, "须填写 1 到 100 项")]
    api = api_as(client, "founder")
    for change, message in cases:
        body = error(api.post(f"/tasks/{task}/complete", json={"data": {**good, **change}}), 422)
        assert message in str(body["errors"]), change.keys()
    login_as(client, "founder")
    for change, message in cases[:3] + [({"team": crowd[:101]}, "须填写 1 到 100 项")]:
        response = client.post(f"/tasks/{task}", data={**flows.as_form({**good, **change}), "action": "submit"})
        assert response.status_code == 422 and message in says_why(response), change.keys()
    too_many_parts = client.post(f"/tasks/{task}", data={**flows.as_form({**good, "team": crowd}), "action": "submit"})
    assert 400 <= too_many_parts.status_code < 500 and says_why(too_many_parts)
    assert flows.task_row(play, task).state == "open"
