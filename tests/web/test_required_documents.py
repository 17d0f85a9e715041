"""Required documents per call: the administrator's list, attachments tagged with a kind, the checklist on the
form, and submission refused (web and API) while a required document is missing; calls without a list as before."""
from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from engine import required_documents, samples
from engine.errors import FormInvalid
from engine.models import Application, Attachment, AuditEvent, Call
from engine.scenario import Scenario
from tests.web import flows
from tests.web.api_client import api_as, ok
from tests.web.conftest import login_as
from tests.web.flows import as_form, csrf_token

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
DOCUMENTS = [{"kind": "business_license", "label": "营业执照", "required": True},
             {"kind": "recommendation_letter", "label": "推荐函盖章件", "required": True},
             {"kind": "cooperation_agreement", "label": "合作协议", "required": False}]


@pytest.fixture
def listed(play: Scenario, calls: dict[str, int]) -> int:
    """The T4 call asks for the three documents."""
    with play.runtime.sessions.begin() as session:
        session.execute(update(Call).where(Call.id == calls["T4"]).values(required_documents=DOCUMENTS))
    return calls["T4"]


def post_form(client: FlaskClient, task: int, action: str, data: dict[str, Any],
              files: dict[str, list[tuple[bytes, str]]]) -> tuple[int, str]:
    """The task form posted like a browser does: fields, the CSRF token and files per input."""
    token = csrf_token(client, f"/tasks/{task}")
    values: MultiDict[str, object] = MultiDict([("action", action), ("csrf_token", token)])
    for name, value in as_form(data).items():
        for item in value if isinstance(value, list) else [value]:
            values.add(name, item)
    for name, items in files.items():
        for content, filename in items:
            values.add(name, FileStorage(BytesIO(content), filename=filename))
    boundary, body = encode_multipart(values)
    answer = client.post(f"/tasks/{task}", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    return answer.status_code, answer.get_data(as_text=True)


def kinds_of(play: Scenario, app_id: int) -> list[tuple[str, str | None]]:
    with play.runtime.sessions() as session:
        return [(a.filename, a.kind) for a in session.scalars(
            select(Attachment).where(Attachment.application_id == app_id).order_by(Attachment.id))]


def status_of(play: Scenario, app_id: int) -> str:
    return play.application(app_id).status


FORM = samples.application("T4", city="柳州市")


@pytest.mark.usefixtures("listed")
def test_the_form_shows_the_checklist_and_refuses_submission_naming_the_missing(
        client: FlaskClient, play: Scenario, calls: dict[str, int]) -> None:
    app_id = flows.started(play, calls)
    task = flows.task_id(play, app_id, "application_form")
    login_as(client, "founder")
    page = client.get(f"/tasks/{task}").get_data(as_text=True)
    checklist = page.split('id="required-documents"')[1].split("</fieldset>")[0]
    assert "营业执照（必需）" in checklist and "推荐函盖章件（必需）" in checklist and "合作协议（可选）" in checklist
    assert checklist.count('class="missing"') == 3 and 'name="document_business_license"' in checklist

    # Only the licence: refused, the message names the letter, the typed form and the file are kept.
    status, page = post_form(client, task, "submit", FORM, {"document_business_license": [(PDF, "执照.pdf")]})
    assert status == 422
    assert "尚缺必需的申报材料：推荐函盖章件" in page and "营业执照" not in page.split("尚缺必需的申报材料")[1][:20]
    assert FORM["title"] in page and "执照.pdf" in page
    assert status_of(play, app_id) == "draft"
    assert kinds_of(play, app_id) == [("执照.pdf", "business_license")]
    checklist = page.split('id="required-documents"')[1].split("</fieldset>")[0]
    assert checklist.count('class="done"') == 1 and checklist.count('class="missing"') == 2

    # The letter and a free attachment: submitted; the optional agreement was never needed.
    status, _page = post_form(client, task, "submit", FORM, {
        "document_recommendation_letter": [(PDF, "推荐函.pdf")], "attachments": [(PDF, "其他.pdf")]})
    assert status == 302
    assert status_of(play, app_id) == "submitted"
    assert kinds_of(play, app_id) == [("执照.pdf", "business_license"), ("其他.pdf", None),
                                      ("推荐函.pdf", "recommendation_letter")]
    with play.runtime.sessions() as session:
        uploads = session.scalars(select(AuditEvent.data_diff).where(
            AuditEvent.application_id == app_id, AuditEvent.action == "attachment_uploaded")).all()
    assert sorted(str((d or {}).get("kind")) for d in uploads) == ["None", "business_license", "recommendation_letter"]
    login_as(client, "liuzhou")  # the recommender sees the files with their kind, and the checklist on the task
    record = client.get(f"/applications/{app_id}").get_data(as_text=True)
    assert "推荐函.pdf" in record and "推荐函盖章件</span>" in record
    task_page = client.get(f"/tasks/{flows.task_id(play, app_id, 'recommendation')}").get_data(as_text=True)
    checked = task_page.split('id="documents-checked"')[1].split("</section>")[0]
    assert checked.count('class="done"') == 2 and "合作协议（可选）" in checked and "推荐函.pdf" in checked
    assert 'id="required-documents"' not in task_page  # no upload inputs on the recommender's task


@pytest.mark.usefixtures("listed")
def test_a_missing_document_and_a_bad_field_are_reported_together(
        client: FlaskClient, play: Scenario, calls: dict[str, int]) -> None:
    app_id = flows.started(play, calls)
    task = flows.task_id(play, app_id, "application_form")
    login_as(client, "founder")
    status, page = post_form(client, task, "submit", {**FORM, "budget_wan": "-5"}, {})
    assert status == 422 and "尚缺必需的申报材料：营业执照、推荐函盖章件" in page
    assert page.count("field-error") >= 1


def test_calls_without_a_list_submit_as_before(client: FlaskClient, play: Scenario, calls: dict[str, int]) -> None:
    app_id = flows.started(play, calls)
    task = flows.task_id(play, app_id, "application_form")
    login_as(client, "founder")
    assert 'id="required-documents"' not in client.get(f"/tasks/{task}").get_data(as_text=True)
    status, _page = post_form(client, task, "submit", FORM, {})
    assert status == 302 and status_of(play, app_id) == "submitted"


@pytest.mark.usefixtures("listed")
def test_the_api_refuses_submission_and_uploads_by_kind(client: FlaskClient, play: Scenario,
                                                        calls: dict[str, int]) -> None:
    api = api_as(client, "founder")
    app_id = ok(api.post("/applications", {"call_id": calls["T4"], "title": "电驱团队"}), 201)["id"]
    task = next(r["id"] for r in ok(api.get("/tasks")) if r["application_id"] == app_id)
    refused = ok(api.post(f"/tasks/{task}/complete", {"data": FORM}), 422)
    assert refused["errors"]["attachments"] == ["尚缺必需的申报材料：营业执照、推荐函盖章件。请上传后再提交"]

    def upload(kind: str | None, *names: str) -> Any:
        values: MultiDict[str, object] = MultiDict([("kind", kind)] if kind else [])
        for name in names:
            values.add("files", FileStorage(BytesIO(PDF), filename=name))
        boundary, body = encode_multipart(values)
        return api.post(f"/applications/{app_id}/attachments", data=body,
                        content_type=f"multipart/form-data; boundary={boundary}")

    assert ok(upload("passport", "护照.pdf"), 422)["errors"]["kind"] == ["不是本批次材料清单中的材料代码"]
    assert "files" in ok(upload("business_license"), 422)["errors"]
    answer = ok(upload("business_license", "执照.pdf"), 201)
    assert answer["uploaded"][0]["kind"] == "business_license" and answer["uploaded"][0]["filename"] == "执照.pdf"
    assert [(i["kind"], i["done"]) for i in answer["checklist"]] == [
        ("business_license", True), ("recommendation_letter", False), ("cooperation_agreement", False)]
    refused = ok(api.post(f"/tasks/{task}/complete", {"data": FORM}), 422)
    assert refused["errors"]["attachments"] == ["尚缺必需的申报材料：推荐函盖章件。请上传后再提交"]
    ok(upload("recommendation_letter", "推荐函.pdf"), 201)
    ok(api.post(f"/tasks/{task}/complete", {"data": FORM}), 200)
    assert status_of(play, app_id) == "submitted"
    # after submission no more uploads; other people may not upload at all
    assert upload("cooperation_agreement", "协议.pdf").status_code == 409
    api.token = api_as(client, "applicant").token  # another applicant does not even learn it exists
    assert upload("business_license", "执照.pdf").status_code == 404


def test_administrators_set_the_list_on_the_calls_page(client: FlaskClient, play: Scenario,
                                                        calls: dict[str, int]) -> None:
    login_as(client, "admin")
    token = csrf_token(client, "/admin/calls")
    with play.runtime.sessions() as session:
        call = session.get(Call, calls["T2"])
        assert call is not None
        form = {"title": call.title, "guide": call.guide, "closes_on": "2027-12-31", "expert_count": "5",
                "field_quota": "2", "csrf_token": token,
                "required_documents": "cooperation_agreement 合作协议\nbusiness_license 营业执照（可选）\n"}
    assert client.post(f"/admin/calls/{calls['T2']}", data=form).status_code == 302
    with play.runtime.sessions() as session:
        saved = session.get(Call, calls["T2"])
        assert saved is not None and saved.required_documents == [
            {"kind": "cooperation_agreement", "label": "合作协议", "required": True},
            {"kind": "business_license", "label": "营业执照", "required": False}]
        audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "call_documents_changed")
                                .order_by(AuditEvent.id.desc())).first()
        assert audit is not None and audit.data_diff is not None and "required_documents" in audit.data_diff
    page = client.get("/admin/calls").get_data(as_text=True)
    assert "cooperation_agreement 合作协议\nbusiness_license 营业执照（可选）" in page
    # a bad line is refused with a message, the list stays
    client.post(f"/admin/calls/{calls['T2']}", data={**form, "required_documents": "营业执照"})
    assert "第 1 项的代码应以小写字母开头" in client.get("/admin/calls").get_data(as_text=True)
    with play.runtime.sessions() as session:
        kept = session.get(Call, calls["T2"])
        assert kept is not None and len(kept.required_documents or []) == 2
    # an empty box removes the list
    client.post(f"/admin/calls/{calls['T2']}", data={**form, "required_documents": ""})
    with play.runtime.sessions() as session:
        cleared = session.get(Call, calls["T2"])
        assert cleared is not None and cleared.required_documents is None


def test_the_api_sets_and_shows_a_calls_list(client: FlaskClient, play: Scenario, calls: dict[str, int]) -> None:
    admin = api_as(client, "admin")
    path = f"/calls/{calls['T3']}/required-documents"
    assert ok(api_as(client, "applicant").get(path)) == {"call_id": calls["T3"], "required_documents": None}
    saved = ok(admin.request("PUT", path, json={"required_documents": DOCUMENTS[:2]}))
    assert saved == {"call_id": calls["T3"], "required_documents": DOCUMENTS[:2]}
    assert ok(api_as(client, "founder").get(path))["required_documents"] == DOCUMENTS[:2]
    bad = ok(admin.request("PUT", path, json={"required_documents": [{"kind": "Bad Kind", "label": ""}]}), 422)
    assert set(bad["errors"]["required_documents"]["0"]) == {"kind", "label"}
    twice = ok(admin.request("PUT", path, json={"required_documents": [DOCUMENTS[0], DOCUMENTS[0]]}), 422)
    assert "重复" in twice["errors"]["required_documents"][0]
    assert ok(admin.get(path))["required_documents"] == DOCUMENTS[:2]  # nothing changed by the refusals
    assert ok(admin.request("PUT", path, json={"required_documents": None}))["required_documents"] is None
    with play.runtime.sessions() as session:
        changes = session.scalars(select(AuditEvent.data_diff).where(
            AuditEvent.action == "call_documents_changed").order_by(AuditEvent.id)).all()
    assert [c["required_documents"][1] if c else None for c in changes] == [DOCUMENTS[:2], None]
    for username in ("officer", "applicant"):
        assert api_as(client, username).request("PUT", path, json={"required_documents": None}).status_code == 403
    assert admin.request("PUT", "/calls/99999/required-documents", json={"required_documents": None}).status_code \
        == 404


def test_the_list_is_checked() -> None:
    assert required_documents.from_lines(" \n") is None
    assert required_documents.from_lines("a_b 名称(可选)") == [{"kind": "a_b", "label": "名称", "required": False}]
    with pytest.raises(FormInvalid) as refused:
        required_documents.clean([{"kind": "ok", "label": "x" * 51}, "text", {"kind": "ok", "label": "y"}])
    messages = refused.value.errors["required_documents"]
    assert isinstance(messages, list) and len(messages) == 3
    with pytest.raises(FormInvalid):
        required_documents.clean([{"kind": f"k{i}", "label": "x"} for i in range(21)])


def test_applications_of_a_listed_call_in_later_stages_are_untouched(client: FlaskClient, play: Scenario,
                                                                       calls: dict[str, int]) -> None:
    """A list added after submission does not stop the later steps (only the application form checks it)."""
    app_id = flows.submitted(play, calls)
    with play.runtime.sessions.begin() as session:
        session.execute(update(Call).where(Call.id == calls["T4"]).values(required_documents=DOCUMENTS))
    play.do(app_id, "recommendation", "liuzhou", samples.DECISIONS["recommendation"])
    with play.runtime.sessions() as session:
        app = session.get(Application, app_id)
        assert app is not None and app.stage == "formal_review"


@pytest.mark.usefixtures("listed")
def test_an_officer_may_not_upload_to_an_open_form(client: FlaskClient, play: Scenario, calls: dict[str, int]) -> None:
    app_id = flows.started(play, calls)
    values: MultiDict[str, object] = MultiDict([("kind", "business_license"),
                                               ("files", FileStorage(BytesIO(PDF), filename="执照.pdf"))])
    boundary, body = encode_multipart(values)
    answer = api_as(client, "officer").post(f"/applications/{app_id}/attachments", data=body,
                                            content_type=f"multipart/form-data; boundary={boundary}")
    assert answer.status_code == 403 and kinds_of(play, app_id) == []


def test_a_call_is_created_with_its_list_on_the_calls_page(client: FlaskClient, play: Scenario) -> None:
    login_as(client, "admin")
    form = {"track": "T5", "title": "2026年度人才中介批次", "opens_on": "2026-03-01", "closes_on": "2026-05-31",
            "expert_count": "5", "field_quota": "2", "guide": "", "csrf_token": csrf_token(client, "/admin/calls"),
            "required_documents": "business_license 营业执照\ncooperation_agreement 合作协议（可选）"}
    assert client.post("/admin/calls", data=form).status_code == 302
    with play.runtime.sessions() as session:
        call = session.scalars(select(Call).where(Call.title == "2026年度人才中介批次")).one()
        assert call.required_documents == [{"kind": "business_license", "label": "营业执照", "required": True},
                                           {"kind": "cooperation_agreement", "label": "合作协议", "required": False}]
    # a bad list creates nothing and says why
    client.post("/admin/calls", data={**form, "title": "另一批次", "required_documents": "营业执照 营业执照"})
    assert "第 1 项的代码" in client.get("/admin/calls").get_data(as_text=True)
    with play.runtime.sessions() as session:
        assert session.scalars(select(Call).where(Call.title == "另一批次")).first() is None
