"""The 专家库 and panel endpoints of API.md: GET/POST /experts, POST /calls/{id}/panels, POST /panels/{id}/confirm."""
from __future__ import annotations

from flask.testing import FlaskClient

from engine.scenario import Scenario
from tests.experts.test_conflicts import at_assignment, team
from tests.web.api_client import api_as, ok
from tests.web.conftest import PASSWORD

OCEAN = {"username": "ocean_api", "name": "周海", "organization": "中国海洋大学", "city": "青岛市",
         "fields": ["海洋经济", "现代农业"], "title": "教授", "yearly_cap": 10}


def test_officers_read_the_library_and_administrators_add_to_it(client: FlaskClient) -> None:
    admin, officer = api_as(client, "admin"), api_as(client, "officer")
    created = ok(admin.post("/experts", OCEAN), 201)
    assert set(created) == {"id", "user_id"}
    listed = {e["username"]: e for e in ok(officer.get("/experts"))}
    assert listed["ocean_api"] == {**OCEAN, "id": created["id"], "user_id": created["user_id"], "active": True}
    assert listed["expert6"]["organization"] == "上海交通大学" and listed["expert6"]["city"] == "上海市"
    again = ok(admin.post("/experts", {**OCEAN, "yearly_cap": 12}), 201)
    assert again == created  # the same username updates the entry
    assert officer.post("/experts", OCEAN).status_code == 403
    assert api_as(client, "expert1").get("/experts").status_code == 403
    bad = admin.post("/experts", {**OCEAN, "fields": ["量子玄学"], "yearly_cap": 0})
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"fields", "yearly_cap"}


def test_panels_are_proposed_reproducibly_and_confirmed(client: FlaskClient, play: Scenario, calls: dict[str, int],
                                                        users: dict[str, int]) -> None:
    admin, officer = api_as(client, "admin"), api_as(client, "officer")
    for i, org in enumerate(("中山大学", "华南理工大学", "四川大学")):
        ok(admin.post("/experts", {**OCEAN, "username": f"api_x{i}", "organization": org, "city": "成都市",
                                   "fields": ["高端装备制造"], "password": PASSWORD}), 201)
    apps = [at_assignment(play, calls, team=team()), at_assignment(play, calls), at_assignment(play, calls)]
    proposal = ok(officer.post(f"/calls/{calls['T4']}/panels", {"application_ids": apps[:2], "seed": 5}), 201)
    assert proposal["seed"] == 5 and [p["application_id"] for p in proposal["panels"]] == apps[:2]
    first = proposal["panels"][0]
    assert len(first["experts"]) == 5 and first["unmet"] is None
    assert all(set(s) >= {"user_id", "name", "organization", "fields", "reasons"} for s in first["experts"])
    assert not {s["user_id"] for s in first["experts"]} & {users["expert5"], users["expert6"], users["expert7"]}
    assert sum(proposal["load"].values()) == 10
    same = ok(officer.post(f"/calls/{calls['T4']}/panels", {"application_ids": apps[:2], "seed": 5}), 201)
    assert same["panels"] == proposal["panels"] and same["id"] != proposal["id"]

    everything = ok(officer.post(f"/calls/{calls['T4']}/panels", {}), 201)
    assert [p["application_id"] for p in everything["panels"]] == apps and everything["seed"] >= 0
    stranger = officer.post(f"/calls/{calls['T1']}/panels", {"application_ids": [apps[0]]})
    assert stranger.status_code == 422 and "不属于本批次" in stranger.get_json()["errors"]["application_ids"][0]
    assert officer.post("/calls/999999/panels", {}).status_code == 404

    choices = ok(officer.get(f"/panels/{proposal['id']}/applications/{apps[0]}/candidates"))
    assert any("与团队成员张伟同单位" in r for c in choices["excluded"] for r in c["reasons"])
    out, incoming = first["experts"][0]["user_id"], choices["eligible"][0]["user_id"]
    result = ok(officer.post(f"/panels/{proposal['id']}/confirm",
                             {"swaps": [{"application_id": apps[0], "out": out, "in": incoming}]}))
    assert result == {"confirmed": apps[:2], "failed": []}
    username = next(e["username"] for e in ok(officer.get("/experts")) if e["user_id"] == incoming)
    inbox = {r["application_id"] for r in ok(api_as(client, username).get("/tasks"))}
    assert apps[0] in inbox
    stored = ok(officer.get(f"/panels/{proposal['id']}"))
    assert stored["state"] == "confirmed" and stored["confirmed"] == apps[:2]
    assert officer.post(f"/panels/{proposal['id']}/confirm", {}).status_code == 409
    stale = ok(officer.post(f"/panels/{everything['id']}/confirm", {}))  # drawn before the first was confirmed
    assert stale["confirmed"] == [apps[2]]
    assert [f["application_id"] for f in stale["failed"]] == apps[:2]
    assert all("不在“遴选评审专家”环节" in f["error"] for f in stale["failed"])

