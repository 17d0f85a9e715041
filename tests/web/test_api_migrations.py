"""API: the impact of an edited diagram before deploying it, a dry run on history, migrating running
instances to the new version and rolling a migration back, for administrators only."""
from __future__ import annotations

import io

from flask.testing import FlaskClient
from sqlalchemy import select

from engine.lifecycle import Lifecycle
from engine.models import ProcessInstance
from engine.runtime import Runtime
from tests.engine.test_migration import (
    midterm_with_site_visit,
    midterm_without_report,
    to_midterm_report,
    to_midterm_review,
)
from tests.web.api_client import api_as, error, ok


def upload(name: str, content: bytes, **fields: object) -> dict[str, object]:
    return {"files": [(io.BytesIO(content), name)], **fields}


def instance_of(runtime: Runtime, lc: Lifecycle) -> ProcessInstance:
    with runtime.sessions() as session:
        found = session.scalar(select(ProcessInstance).where(ProcessInstance.application_id == lc.app_id))
        assert found is not None
        return found


def test_impact_dry_run_migrate_and_rollback(client: FlaskClient, runtime: Runtime) -> None:
    reviewing, reporting = Lifecycle(runtime, "T4"), Lifecycle(runtime, "T4")
    to_midterm_review(reviewing)
    to_midterm_report(reporting)
    admin = api_as(client, "admin")

    found = ok(admin.post("/process-versions/impact", data=upload("midterm.bpmn", midterm_with_site_visit()),
                          content_type="multipart/form-data"))
    assert {"element_id", "name", "change", "what"} <= set(found["changes"][0])
    assert ("midterm_site_visit", "added") in {(c["element_id"], c["change"]) for c in found["changes"]}
    t4 = next(r for r in found["running"] if r["process_key"] == "track4_enterprise")
    assert t4["instances"] == 2 and t4["affected"] == 1
    assert [(w["instance_id"], w["application_id"], w["element_id"]) for w in t4["on_changed"]] == [
        (instance_of(runtime, reviewing).id, reviewing.app_id, "midterm_review")]
    assert ok(admin.get("/process-versions"))[-1]["version"] == 1  # nothing deployed

    dry = ok(admin.post("/process-versions/dry-run", data=upload("midterm.bpmn", midterm_with_site_visit(), limit="5"),
                        content_type="multipart/form-data"))
    assert {d["process_key"] for d in dry} >= {"track4_enterprise"}
    assert all(d["replayed"] == 0 for d in dry)  # nothing has finished yet

    deployed = ok(admin.post("/process-versions", data=upload("midterm.bpmn", midterm_with_site_visit()),
                             content_type="multipart/form-data"), 201)
    v2 = next(v["id"] for v in deployed["versions"] if v["process_key"] == "track4_enterprise")
    ids = [instance_of(runtime, lc).id for lc in (reviewing, reporting)]
    preview = ok(admin.post("/migrations", json={"to_version_id": v2, "instance_ids": ids, "preview": True}))
    assert [row["can_move"] for row in preview["instances"]] == [True, True]
    assert [t["element_id"] for t in preview["instances"][0]["open_tasks_after"]] == ["midterm_review"]
    assert instance_of(runtime, reviewing).version_id != v2

    done = ok(admin.post("/migrations", json={"to_version_id": v2, "instance_ids": ids}))
    assert sorted(done["migrated"]) == sorted(ids) and done["refused"] == []
    assert instance_of(runtime, reviewing).version_id == v2
    back = ok(admin.post(f"/migrations/{done['id']}/rollback"))
    assert sorted(back["restored"]) == sorted(ids)
    assert instance_of(runtime, reviewing).version_id != v2
    error(admin.post(f"/migrations/{done['id']}/rollback"), 409)
    error(admin.post("/migrations/999999/rollback"), 404)


def test_removed_element_is_refused_until_mapped(client: FlaskClient, runtime: Runtime) -> None:
    reporting = Lifecycle(runtime, "T4")
    to_midterm_report(reporting)
    admin = api_as(client, "admin")
    deployed = ok(admin.post("/process-versions", data=upload("midterm.bpmn", midterm_without_report()),
                             content_type="multipart/form-data"), 201)
    v3 = next(v["id"] for v in deployed["versions"] if v["process_key"] == "track4_enterprise")
    instance_id = instance_of(runtime, reporting).id
    refused = ok(admin.post("/migrations", json={"to_version_id": v3, "instance_ids": [instance_id]}))
    assert refused["migrated"] == [] and "提交中期报告" in refused["refused"][0]["reason"]
    moved = ok(admin.post("/migrations", json={"to_version_id": v3, "instance_ids": [instance_id],
                                               "mapping": {"midterm_report": "midterm_review"}}))
    assert moved["migrated"] == [instance_id]


def test_only_admins_and_clear_errors(client: FlaskClient, runtime: Runtime) -> None:
    for who in ("officer", "applicant", "expert1"):
        error(api_as(client, who).post("/process-versions/impact",
                                       data=upload("midterm.bpmn", midterm_with_site_visit()),
                                       content_type="multipart/form-data"), 403)
        error(api_as(client, who).post("/migrations", json={"to_version_id": 1, "instance_ids": [1]}), 403)
        error(api_as(client, who).post("/migrations/1/rollback"), 403)
    admin = api_as(client, "admin")
    broken = midterm_with_site_visit().replace(b'targetRef="midterm_site_visit"', b'targetRef="nowhere"')
    problems = error(admin.post("/process-versions/impact", data=upload("midterm.bpmn", broken),
                                content_type="multipart/form-data"), 422)["errors"]
    assert problems and problems[0]["file"] == "midterm.bpmn"
    bad = error(admin.post("/migrations", json={"to_version_id": 1, "instance_ids": [], "mapping": {"a b": "x"},
                                                "preview": "yes"}), 422)["errors"]
    assert set(bad) >= {"instance_ids", "mapping", "preview"}
    error(admin.post("/migrations", json={"to_version_id": 1, "instance_ids": [10**30]}), 422)
    error(admin.post("/migrations", json={"to_version_id": 999999, "instance_ids": [1]}), 404)
    error(admin.post("/migrations", json={"to_version_id": 1, "instance_ids": [999999]}), 404)
