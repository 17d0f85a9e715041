"""API: GET /calendar/{year} for anyone signed in, PUT /calendar/{year} for administrators; task rows marked."""
from __future__ import annotations

from datetime import datetime

import time_machine
from flask.testing import FlaskClient

from engine.lifecycle import Lifecycle, china
from engine.runtime import Runtime
from tests.web.api_client import PREFIX, api_as, ok

SPRING_2027 = [
    {"date": "2027-01-31", "kind": "work", "name": "春节"},
    *({"date": f"2027-02-{d:02d}", "kind": "off", "name": "春节"} for d in range(5, 12)),
    {"date": "2027-02-20", "kind": "work", "name": "春节"},
]


def put(client: FlaskClient, who: str, year: int, body: object) -> object:
    return api_as(client, who).request("PUT", f"/calendar/{year}", json=body)


def test_any_user_reads_a_year(client: FlaskClient) -> None:
    for who in ("applicant", "expert1", "officer"):
        year = ok(api_as(client, who).get("/calendar/2027"))
        assert (year["year"], year["official"], year["basis"]) == (2027, False, "statutory")
        assert year["days"][:2] == [{"date": "2027-01-01", "kind": "off", "name": "元旦", "source": "法定节日推算"},
                                    {"date": "2027-02-05", "kind": "off", "name": "春节", "source": "法定节日推算"}]
    known = ok(api_as(client, "applicant").get("/calendar/2026"))
    assert known["official"] and {"date": "2026-02-14", "kind": "work", "name": "春节",
                                  "source": "chinesecalendar"} in known["days"]
    assert client.get(f"{PREFIX}/calendar/2027").status_code == 401
    assert api_as(client, "applicant").get("/calendar/1999").status_code == 404


def test_an_administrator_enters_a_year(client: FlaskClient) -> None:
    response = put(client, "admin", 2027, {"days": SPRING_2027})
    answer = ok(response)
    assert (answer["official"], answer["basis"], len(answer["days"])) == (True, "entered", 9)
    assert answer["days"][0] == {"date": "2027-01-31", "kind": "work", "name": "春节", "source": "API"}
    assert answer["recounted"] == [] and answer["not_recounted"] == []
    again = ok(api_as(client, "officer").get("/calendar/2027"))
    assert again["official"] and [d["date"] for d in again["days"]] == [d["date"] for d in SPRING_2027]
    # an empty list takes the entry back: the year is computed again
    assert not ok(put(client, "admin", 2027, {"days": []}))["official"]


def test_only_administrators_enter(client: FlaskClient) -> None:
    for who in ("officer", "applicant", "nanning"):
        assert put(client, who, 2027, {"days": SPRING_2027}).status_code == 403
    assert not ok(api_as(client, "officer").get("/calendar/2027"))["official"]


def test_bad_days_are_refused_item_by_item(client: FlaskClient) -> None:
    body = {"days": [
        {"date": "2027-02-05", "kind": "off", "name": "春节"},
        {"date": "2027-13-01", "kind": "off", "name": "春节"},
        {"date": "2028-02-05", "kind": "off", "name": "春节"},
        {"date": "2027-02-05", "kind": "off", "name": "春节"},
        {"date": "2027-02-06", "kind": "rest", "name": "春节"},
        {"date": "2027-02-09", "kind": "work", "name": "春节"},
    ]}
    response = put(client, "admin", 2027, body)
    assert response.status_code == 422
    errors = response.get_json()["errors"]["days"]
    assert sorted(errors) == ["1", "2", "3", "4", "5"]
    assert errors["1"]["date"] == ["日期“2027-13-01”无效，应为 YYYY-MM-DD"]
    assert errors["2"]["date"] == ["2028-02-05 不在 2027 年内"]
    assert errors["3"]["date"] == ["2027-02-05 重复出现"]
    assert errors["4"]["kind"] == ["类别“rest”无效，应为 off（休）或 work（班）"]
    assert errors["5"]["kind"] == ["2027-02-09 是工作日，调休上班日应为周六或周日"]
    shape = put(client, "admin", 2027, {"days": [{"date": 5, "kind": "off", "extra": 1}], "x": 1})
    assert shape.status_code == 422 and set(shape.get_json()["errors"]) == {"days", "x"}
    assert not ok(api_as(client, "admin").get("/calendar/2027"))["official"]  # nothing was stored


def test_task_rows_say_when_their_due_date_is_only_computed(client: FlaskClient, runtime: Runtime) -> None:
    lc = Lifecycle(runtime, "T2")
    lc.to_expert_review(china(2027, 2, 1, 9, 0))
    with time_machine.travel(china(2027, 2, 1, 10, 0), tick=False):
        rows = [r for r in ok(api_as(client, "expert1").get("/tasks")) if r["application_id"] == lc.app_id]
        assert [(r["name"], r["due_provisional"], r["due_note"]) for r in rows] == [
            ("expert_score", True, "2027 年放假安排尚未录入，按法定节日推算")]
        assert datetime.fromisoformat(rows[0]["due_at"]) == china(2027, 2, 17, 23, 59, 59)
        answer = ok(put(client, "admin", 2027, {"days": SPRING_2027}))
    moved = [m for m in answer["recounted"] if m["application_id"] == lc.app_id]
    assert {(m["kind"], m["name"]) for m in moved} == {("task", "expert_score")} and len(moved) == 5
    assert datetime.fromisoformat(moved[0]["after"]) == china(2027, 2, 20, 23, 59, 59)
    row = ok(api_as(client, "expert1").get(f"/tasks/{rows[0]['id']}"))
    assert (row["due_provisional"], row["due_note"]) == (False, None)
    assert datetime.fromisoformat(row["due_at"]) == china(2027, 2, 20, 23, 59, 59)
