"""Attachments: size and type limits, random storage keys, sha256, and who may download."""
from __future__ import annotations

import hashlib
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from engine import samples
from engine.models import Attachment
from engine.scenario import Scenario
from tests.web import flows
from tests.web.conftest import login_as

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def stored(play: Scenario, app_id: int) -> list[Attachment]:
    """The application's attachment rows."""
    with play.runtime.sessions() as session:
        return list(session.scalars(select(Attachment).where(Attachment.application_id == app_id)
                                    .order_by(Attachment.id)).all())


def fetch(client: FlaskClient, url: str) -> int:
    """GET `url` and close the response (file downloads hold the file open until closed)."""
    response = client.get(url)
    response.close()
    return response.status_code


def upload(client: FlaskClient, task: int, *files: tuple[bytes, str], **fields: str) -> tuple[int, str]:
    """Post the form with files as a draft; the status and the page."""
    values: MultiDict[str, object] = MultiDict([("action", "draft"), *fields.items()])
    for content, name in files:
        values.add("attachments", FileStorage(BytesIO(content), filename=name))
    # Encoded in memory: the test client's own encoder spills large bodies to a temporary file it never closes.
    boundary, body = encode_multipart(values)
    response = client.post(f"/tasks/{task}", data=body, content_type=f"multipart/form-data; boundary={boundary}",
                           follow_redirects=True)
    return response.status_code, response.get_data(as_text=True)


@pytest.fixture
def form_task(play: Scenario, calls: dict[str, int]) -> tuple[int, int]:
    """A started T4 application and its open form."""
    app_id = flows.started(play, calls)
    return app_id, flows.task_id(play, app_id, "application_form")


def test_files_are_stored_under_random_keys_with_their_sha256(app: Flask, client: FlaskClient, play: Scenario,
                                                              form_task: tuple[int, int]) -> None:
    app_id, task = form_task
    login_as(client, "founder")
    status, page = upload(client, task, (PDF, "../../申报书.pdf"), (PNG, "营业执照.PNG"))
    assert status == 200 and "已上传 2 个附件" in page and "申报书.pdf" in page and "营业执照.PNG" in page
    rows = stored(play, app_id)
    assert [r.filename for r in rows] == ["申报书.pdf", "营业执照.PNG"]
    assert rows[0].sha256 == hashlib.sha256(PDF).hexdigest() and rows[0].size == len(PDF)
    assert rows[0].content_type == "application/pdf" and rows[1].content_type == "image/png"
    assert rows[0].human_task_id == task and rows[0].uploaded_by is not None
    folder = Path(app.config["UPLOAD_FOLDER"])
    on_disk = sorted(p for p in folder.rglob("*") if p.is_file())
    assert len(on_disk) == 2 and all("申报书" not in str(p) and "营业执照" not in str(p) for p in on_disk)
    assert (folder / rows[0].storage_key[:2] / rows[0].storage_key).read_bytes() == PDF


@pytest.mark.parametrize(("content", "name", "message"), [
    (b"MZ\x90\x00", "setup.exe", "文件类型不允许上传"),
    (b"<html><script>alert(1)</script></html>", "报告.pdf", "与其扩展名 .pdf 不符"),
    (b"", "空的.pdf", "空文件"),
])
def test_disallowed_files_are_refused_and_the_form_is_kept(app: Flask, client: FlaskClient, play: Scenario,
                                                          form_task: tuple[int, int], content: bytes, name: str,
                                                          message: str) -> None:
    app_id, task = form_task
    login_as(client, "founder")
    status, page = upload(client, task, (PDF, "好的.pdf"), (content, name), summary="这段简介不能丢")
    assert status == 422 and message in page and "这段简介不能丢" in page
    assert stored(play, app_id) == [] and flows.task_row(play, task).data is None
    folder = Path(app.config["UPLOAD_FOLDER"])
    assert not folder.exists() or not any(p.is_file() for p in folder.rglob("*"))


def test_files_over_20_mb_are_refused(client: FlaskClient, play: Scenario, form_task: tuple[int, int]) -> None:
    app_id, task = form_task
    login_as(client, "founder")
    status, page = upload(client, task, (PDF + b"0" * (20 * 1024 * 1024), "太大了.pdf"))
    assert status == 422 and "超过 20 MB" in page
    assert stored(play, app_id) == []
    ok_status, _ = upload(client, task, (PDF + b"0" * (20 * 1024 * 1024 - len(PDF)), "刚好.pdf"))
    assert ok_status == 200 and [r.size for r in stored(play, app_id)] == [20 * 1024 * 1024]


def test_only_those_who_may_read_the_application_download(client: FlaskClient, play: Scenario,
                                                           calls: dict[str, int], users: dict[str, int],
                                                           form_task: tuple[int, int]) -> None:
    app_id, task = form_task
    login_as(client, "founder")
    upload(client, task, (PDF, "申报书.pdf"))
    attachment = stored(play, app_id)[0].id
    url = f"/applications/{app_id}/attachments/{attachment}"
    response = client.get(url)
    assert response.status_code == 200 and response.data == PDF
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "%E7%94%B3%E6%8A%A5%E4%B9%A6.pdf" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()
    assert fetch(client, f"/applications/{app_id + 1}/attachments/{attachment}") == 404
    play.do(app_id, "application_form", "founder", samples.application("T4", city="柳州市"))
    for user, expected in [("officer", 200), ("liuzhou", 200), ("nanning", 404), ("applicant", 404),
                           ("expert1", 404)]:
        login_as(client, user)
        assert fetch(client, url) == expected, user
    play.do(app_id, "recommendation", "liuzhou", samples.DECISIONS["recommendation"])
    play.do(app_id, "formal_review_task", "officer", samples.DECISIONS["formal_review"])
    play.do(app_id, "assign_experts", "officer", {"experts": [users[u] for u in flows.PANEL]})
    login_as(client, "expert1")
    assert fetch(client, url) == 404  # on the panel, but has not declared yet
    review = flows.task_id(play, app_id, "expert_score", "expert1")
    client.post(f"/review/{review}/declare", data={"conflict": "false"})
    assert fetch(client, url) == 200
    assert "申报书.pdf" in client.get(f"/review/{review}").get_data(as_text=True)


def test_the_uploader_may_remove_a_file_while_the_form_is_open(client: FlaskClient, play: Scenario,
                                                                form_task: tuple[int, int]) -> None:
    app_id, task = form_task
    login_as(client, "founder")
    upload(client, task, (PDF, "旧版.pdf"))
    attachment = stored(play, app_id)[0].id
    login_as(client, "officer")
    assert client.post(f"/applications/{app_id}/attachments/{attachment}/delete").status_code == 403
    login_as(client, "founder")
    assert client.post(f"/applications/{app_id}/attachments/{attachment}/delete").status_code == 302
    assert stored(play, app_id) == []
    assert fetch(client, f"/applications/{app_id}/attachments/{attachment}") == 404



ROLES = ("officer", "admin", "liuzhou", "nanning", "applicant", "expert1", "agency", "founder")


def test_a_drafts_files_follow_the_draft_and_a_recommender_waits_for_the_submission(
        client: FlaskClient, play: Scenario, calls: dict[str, int], form_task: tuple[int, int]) -> None:
    app_id, task = form_task
    login_as(client, "founder")
    upload(client, task, (PDF, "草稿附件.pdf"))
    attachment = stored(play, app_id)[0].id
    url = f"/applications/{app_id}/attachments/{attachment}"

    def answers(removing: bool) -> dict[str, tuple[int, int | None, bool]]:
        """Per role: the download's status, the removal's status, and whether the task page lists the file."""
        found: dict[str, tuple[int, int | None, bool]] = {}
        for user in ROLES:
            login_as(client, user)
            listed = "草稿附件.pdf" in client.get(f"/tasks/{task}").get_data(as_text=True)
            removed = client.post(f"{url}/delete").status_code if removing or user != "founder" else None
            found[user] = (fetch(client, url), removed, listed)
        return found

    hidden = (404, 404, False)
    assert answers(removing=False) == {
        "officer": (200, 403, True), "admin": (200, 403, True), "founder": (200, None, True),
        "liuzhou": hidden, "nanning": hidden, "applicant": hidden, "expert1": hidden, "agency": hidden}
    play.do(app_id, "application_form", "founder", samples.application("T4", city="柳州市"))
    after = answers(removing=True)
    assert after["liuzhou"] == (200, 403, True)
    assert after["nanning"] == after["applicant"] == after["expert1"] == after["agency"] == hidden
    assert after["founder"][:2] == (200, 403)  # the form it was uploaded with is done
    assert [a.id for a in stored(play, app_id)] == [attachment]
