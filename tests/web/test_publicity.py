"""公示: the public list and its API (no sign-in), named objections with their refusals, and the closed lists."""
from __future__ import annotations

import io

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from engine.lifecycle import Lifecycle, china
from engine.models import Objection
from engine.runtime import Runtime
from tests.web.api_client import PREFIX, ok
from tests.web.conftest import app_config, login_as
from web import create_app

IN_PUBLICITY = china(2025, 9, 29, 10, 0)  # the period runs 2025-09-26 → 10-10 (National Day off)
OBJECTION = {"name": "王明", "organization": "广西大学", "phone": "0771-5550100", "email": "wangming@example.cn",
             "reason": "团队带头人的任职经历与事实不符。", "truthful": True}


def to_publicity(runtime: Runtime) -> Lifecycle:
    lc = Lifecycle(runtime, "T2")
    lc.to_expert_review(china(2025, 9, 1, 9, 0))
    with time_machine.travel(china(2025, 9, 1, 9, 0), tick=False):
        lc.score()
    with time_machine.travel(china(2025, 9, 26, 10, 0), tick=False):
        lc.award()
    return lc


def test_the_public_list_and_an_objection_through_the_api(client: FlaskClient, runtime: Runtime) -> None:
    lc = to_publicity(runtime)
    with time_machine.travel(IN_PUBLICITY, tick=False):
        listed = ok(client.get(f"{PREFIX}/publicity"))
        assert listed == [{
            "application_id": lc.app_id, "track": "T2", "call_title": listed[0]["call_title"],
            "organization": "南宁智造装备有限公司", "leader": "核心成员1", "title": "高端装备智能制造关键技术团队引进",
            "funding_wan": 200.0, "starts_at": "2025-09-26T02:00:00+00:00", "ends_at": "2025-10-10T15:59:59+00:00",
            "working_days": 5}]
        missing = client.post(f"{PREFIX}/publicity/{lc.app_id}/objections", json={**OBJECTION, "name": ""})
        assert missing.status_code == 422 and "name" in missing.get_json()["errors"]
        anonymous = {k: v for k, v in OBJECTION.items() if k not in ("name", "phone")}
        assert set(ok(client.post(f"{PREFIX}/publicity/{lc.app_id}/objections", json=anonymous), 422)["errors"]) == {
            "name", "phone"}
        untrue = client.post(f"{PREFIX}/publicity/{lc.app_id}/objections", json={**OBJECTION, "truthful": False})
        assert untrue.status_code == 422
        filed = ok(client.post(f"{PREFIX}/publicity/{lc.app_id}/objections", json=OBJECTION), 201)
        assert lc.open() == ["objection_review"]
        busy = client.post(f"{PREFIX}/publicity/{lc.app_id}/objections", json=OBJECTION)
        assert busy.status_code == 409  # one objection under review at a time
    with runtime.sessions() as session:
        row = session.get(Objection, filed["id"])
        assert row is not None and row.name == "王明" and row.client_addr == "127.0.0.1"
    assert client.post(f"{PREFIX}/publicity/999999/objections", json=OBJECTION).status_code == 404


def test_objections_after_the_period_are_refused_with_its_end(client: FlaskClient, runtime: Runtime) -> None:
    lc = to_publicity(runtime)
    lc.tick(china(2025, 10, 11, 9, 0))
    with time_machine.travel(china(2025, 10, 11, 10, 0), tick=False):
        late = client.post(f"{PREFIX}/publicity/{lc.app_id}/objections", json=OBJECTION)
        assert late.status_code == 409 and "2025年10月10日 23:59" in late.get_json()["error"]
        assert ok(client.get(f"{PREFIX}/publicity")) == []
        closed = ok(client.get(f"{PREFIX}/publicity?year=2025"))
        assert [e["application_id"] for e in closed] == [lc.app_id]
        page = client.get("/publicity/?year=2025").get_data(as_text=True)
        assert "高端装备智能制造关键技术团队引进" in page and "已立项" in page
        form = client.get(f"/publicity/{lc.app_id}/objection").get_data(as_text=True)
        assert "公示期已于2025年10月10日" in form and "<form" not in form
    assert ok(client.get(f"{PREFIX}/publicity?year=2024")) == []


SQLITE = pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)  # forms: the database does not matter


@SQLITE
def test_the_objection_form_is_public_named_rate_limited_and_keeps_the_attachment(
        db_engine, tmp_path, runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    app: Flask = create_app(app_config(db_engine, tmp_path, OBJECTION_RATE_LIMIT=(1, 3600)))
    client = app.test_client()
    lc = to_publicity(runtime)
    with time_machine.travel(IN_PUBLICITY, tick=False):
        page = client.get("/publicity/").get_data(as_text=True)
        assert "高端装备智能制造关键技术团队引进" in page and "核心成员1" in page and "5个工作日" in page
        form = {**OBJECTION, "truthful": ""}
        refused = client.post(f"/publicity/{lc.app_id}/objection", data=form)
        assert refused.status_code == 422 and "须承诺所反映情况属实" in refused.get_data(as_text=True)
        bad_file = client.post(f"/publicity/{lc.app_id}/objection", data={
            **OBJECTION, "truthful": "yes", "attachment": (io.BytesIO(b"MZ\x90\x00"), "证据.pdf")})
        assert bad_file.status_code == 422 and "不符" in bad_file.get_data(as_text=True)
        done = client.post(f"/publicity/{lc.app_id}/objection", data={
            **OBJECTION, "truthful": "yes", "attachment": (io.BytesIO(b"%PDF-1.4 evidence"), "证据.pdf")})
        assert done.status_code == 302
        again = client.post(f"/publicity/{lc.app_id}/objection", data={**OBJECTION, "truthful": "yes"})
        assert again.status_code == 429
    with runtime.sessions() as session:
        row = session.scalars(select(Objection)).one()
    assert row.filename == "证据.pdf"
    login_as(client, "applicant")
    assert client.get(f"/publicity/objections/{row.id}/attachment").status_code == 403
    login_as(client, "officer")
    with client.get(f"/publicity/objections/{row.id}/attachment") as download:
        assert download.data == b"%PDF-1.4 evidence"
    app.extensions["rootball"].engine.dispose()


@SQLITE
def test_the_objection_form_needs_its_csrf_token(db_engine, tmp_path, runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    app: Flask = create_app(app_config(db_engine, tmp_path, WTF_CSRF_ENABLED=True))
    lc = to_publicity(runtime)
    with time_machine.travel(IN_PUBLICITY, tick=False):
        response = app.test_client().post(f"/publicity/{lc.app_id}/objection", data={**OBJECTION, "truthful": "yes"})
    assert response.status_code == 400
    assert lc.open() == []
    app.extensions["rootball"].engine.dispose()


