"""The OpenAPI document: valid, complete, and a schema-driven fuzzer (schemathesis) finds no server errors."""
from __future__ import annotations

import functools
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from engine.models import Organization, RoleGrant, User
from engine.passwords import hash_password
from tests.web.api_client import PREFIX, Api, ok
from tests.web.conftest import PASSWORD
from web import create_app
from web.api import openapi, tokens

# The document does not depend on the database: build it once to name the operations to fuzz.
_DOCUMENT = openapi.build(create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "collect"}))
OPERATIONS = sorted((path, method) for path, item in _DOCUMENT["paths"].items() for method in item)
POSITIVE, NEGATIVE = schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE


def _has_inputs(path: str, method: str) -> bool:
    """Whether a negative (invalid-input) case can be made: parameters, a body, or a token to spoil."""
    entry = _DOCUMENT["paths"][path][method]
    return "parameters" in entry or "requestBody" in entry or entry.get("security") != []


FUZZ_CASES = [(path, method, mode) for path, method in OPERATIONS
              for mode in (POSITIVE, NEGATIVE) if mode is POSITIVE or _has_inputs(path, method)]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_document_validates_and_documents_every_route(app: Flask, client: FlaskClient) -> None:
    document = ok(client.get(f"{PREFIX}/openapi.json"))
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": document["components"]["securitySchemes"]["bearerAuth"][
            "description"]}
    routes = {(openapi._PARAM.sub(r"{\2}", r.rule.removeprefix(PREFIX)), m.lower())
              for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")
              for m in (r.methods or set()) - {"HEAD", "OPTIONS"}}
    assert routes == set(OPERATIONS)
    for path, method in OPERATIONS:
        operation = document["paths"][path][method]
        public = operation.get("security") == []
        anyone = ("/auth/token", "/openapi.json", "/publicity", "/publicity/{application_id}/objections")
        assert public == (path in anyone and method != "delete"), (path, method)
        assert public or "401" in operation["responses"], (path, method)
        assert ("{" not in path) or "404" in operation["responses"], (path, method)


@pytest.mark.parametrize(("path", "method"), [
    ("/calls", "get"), ("/applications", "post"), ("/applications/{application_id}", "get"),
    ("/applications/{application_id}/withdraw", "post"), ("/tasks", "get"), ("/tasks/{task_id}", "get"),
    ("/tasks/{task_id}/claim", "post"), ("/tasks/{task_id}/unclaim", "post"), ("/tasks/{task_id}/complete", "post"),
    ("/process-versions", "get"), ("/process-versions", "post"), ("/instances/{instance_id}", "get"),
    ("/stats", "get"), ("/auth/token", "post"), ("/calendar/{year}", "get"), ("/calendar/{year}", "put"),
    ("/process-versions/impact", "post"), ("/migrations", "post"), ("/migrations/{migration_id}/rollback", "post"),
    ("/calls", "post"), ("/calls/{call_id}", "put"), ("/reference/jiebang-problems", "get"),
    ("/reference/jiebang-problems", "post"), ("/reference/jiebang-problems/{entry_id}", "put"),
    ("/reference/partner-institutions", "get"), ("/reference/partner-institutions", "post"),
    ("/reference/partner-institutions/{entry_id}", "put")])
def test_every_endpoint_of_the_contract_is_documented(path: str, method: str) -> None:
    assert (path, method) in OPERATIONS


def test_application_forms_carry_the_member_fields(client: FlaskClient) -> None:
    schemas = ok(client.get(f"{PREFIX}/openapi.json"))["components"]["schemas"]
    for track in range(1, 6):
        member = schemas[f"Form_application_t{track}"]["properties"]["team"]["items"]["properties"]
        assert member["work_location"]["enum"] == ["guangxi", "elsewhere_in_china", "abroad"], track
        assert {"is_legal_rep", "is_largest_shareholder"} <= set(member) if track == 4 else "is_legal_rep" not in member
    enterprise = schemas["Form_application_t4"]["properties"]
    assert enterprise["team"]["items"]["properties"]["is_legal_rep"]["type"] in ("boolean", ["boolean", "null"])
    assert schemas["Form_award_decision"]["properties"]["funding_wan"]["type"] in ("number", ["number", "null"])
    assert schemas["Form_confirm_contract"]["properties"]["decision"]["enum"] == ["approve", "return"]


@functools.cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


def fuzz_user(app: Flask) -> Api:
    """A user holding every role, so that the fuzzer gets past role checks into validation and the engine."""
    with app.extensions["rootball"].sessions.begin() as session:
        org = session.scalars(select(Organization).where(Organization.name == "南宁智造装备有限公司")).one()
        user = User(username="fuzzer", display_name="模糊测试", password_hash=_password_hash(), organization_id=org.id)
        user.grants = [RoleGrant(role=r, scope=s) for r, s in (
            ("applicant", None), ("recommender", "南宁市"), ("officer", None), ("expert", None), ("admin", None))]
        session.add(user)
        session.flush()
        token, _row = tokens.issue(session, user)
    return Api(app.test_client(), token)


@pytest.mark.parametrize(("path", "method", "mode"), FUZZ_CASES,
                         ids=[f"{m}-{p.strip('/').replace('/', '-')}-{g.value}" for p, m, g in FUZZ_CASES])
def test_fuzzer_finds_no_server_errors(app: Flask, calls: dict[str, int], path: str,
                                       method: str, mode: schemathesis.GenerationMode) -> None:
    api = fuzz_user(app)
    draft = ok(api.post("/applications", {"call_id": calls["T1"], "title": "模糊测试"}), 201)
    form = next(r["id"] for r in ok(api.get("/tasks")) if r["application_id"] == draft["id"])
    # Half the cases aim at rows that exist, so that generated bodies reach the engine's checks.
    real = {"application_id": draft["id"], "task_id": form, "instance_id": draft["instance_id"], "incident_id": 1,
            "year": 2027, "call_id": calls["T1"], "proposal_id": 1, "kind": "application", "migration_id": 1,
            "entry_id": 1}
    schema = schemathesis.openapi.from_wsgi(f"{PREFIX}/openapi.json", app)
    operation = schema[path][method.upper()]
    names = {p["name"] for p in _DOCUMENT["paths"][path][method].get("parameters", []) if p.get("in") == "path"}
    cases = operation.as_strategy(generation_mode=mode)
    if names:
        cases = st.one_of(cases, operation.as_strategy(generation_mode=mode,
                                                       path_parameters={n: real[n] for n in names}))
    headers = {"Authorization": f"Bearer {api.token}"}

    @given(case=cases)
    @settings(max_examples=30, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                     HealthCheck.function_scoped_fixture])
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()
