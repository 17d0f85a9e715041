"""Uploaded files: size and type checks, storage under a random key, the Attachment record, download."""
from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import Response, abort, current_app, send_file
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from engine import audit
from engine.models import Application, Attachment, HumanTask, utcnow

MAX_BYTES = 20 * 1024 * 1024
CHUNK = 64 * 1024
ZIP = (b"PK\x03\x04", b"PK\x05\x06")
OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
# extension -> (content type sent on download, leading bytes a genuine file of that type starts with)
ALLOWED: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF",)),
    "doc": ("application/msword", OLE),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ZIP),
    "xls": ("application/vnd.ms-excel", OLE),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "zip": ("application/zip", ZIP),
}
ACCEPT = ",".join(f".{ext}" for ext in ALLOWED)
RULES = "支持 PDF、Word、Excel、JPG、PNG、ZIP，单个文件不超过 20 MB"


class UploadRejected(Exception):
    """A file that is too large, of a type not allowed, or not what its name says."""


@dataclass(frozen=True)
class StoredFile:
    """A file written to the upload folder, not yet recorded."""

    filename: str
    content_type: str
    size: int
    sha256: str
    storage_key: str


def upload_folder() -> Path:
    """UPLOAD_FOLDER, or `uploads` in the instance folder (next to the default SQLite file)."""
    configured = current_app.config.get("UPLOAD_FOLDER")
    if configured:
        return Path(configured)
    return Path(os.environ.get("ROOTBALL_INSTANCE_PATH", Path.cwd() / "instance")) / "uploads"


def _path(key: str) -> Path:
    return upload_folder() / key[:2] / key


def clean_name(name: str) -> str:
    """The user's file name without any directory part or control characters (kept only for display)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip().lstrip(".")
    return base[-200:] or "附件"


def extension(name: str) -> str:
    """The lower-case extension of a file name."""
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def store(upload: FileStorage) -> StoredFile:
    """Check and write one upload under a random key; raise UploadRejected with a Chinese reason."""
    name = clean_name(upload.filename or "")
    ext = extension(name)
    if ext not in ALLOWED:
        raise UploadRejected(f"“{name}”的文件类型不允许上传（{RULES}）")
    content_type, magic = ALLOWED[ext]
    key = secrets.token_hex(20)
    path = _path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    digest, size, head = hashlib.sha256(), 0, b""
    try:
        with path.open("wb") as out:
            while chunk := upload.stream.read(CHUNK):
                size += len(chunk)
                if size > MAX_BYTES:
                    raise UploadRejected(f"“{name}”超过 20 MB，不能上传")
                if len(head) < 16:
                    head += chunk[:16]
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise UploadRejected(f"“{name}”是空文件")
        if not head.startswith(magic):
            raise UploadRejected(f"“{name}”的内容与其扩展名 .{ext} 不符")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return StoredFile(name, content_type, size, digest.hexdigest(), key)


def discard(files: list[StoredFile]) -> None:
    """Remove written files that will not be recorded."""
    for f in files:
        _path(f.storage_key).unlink(missing_ok=True)


def store_all(uploads: list[FileStorage]) -> list[StoredFile]:
    """Store every non-empty upload, or none of them when one is rejected."""
    stored: list[StoredFile] = []
    try:
        for upload in uploads:
            if upload.filename:
                stored.append(store(upload))
    except UploadRejected:
        discard(stored)
        raise
    return stored


def record(session: Session, app: Application, task: HumanTask | None, user_id: int,
           files: list[StoredFile], kind: str | None = None) -> list[Attachment]:
    """Add Attachment rows and audit events for stored files, tagged with one of the call's document kinds or
    none (the caller commits)."""
    rows = [Attachment(application_id=app.id, human_task_id=task.id if task else None, uploaded_by=user_id,
                       filename=f.filename, content_type=f.content_type, size=f.size, sha256=f.sha256,
                       storage_key=f.storage_key, created_at=utcnow(), kind=kind) for f in files]
    session.add_all(rows)
    for f in files:
        audit.record(session, "attachment_uploaded", actor_id=user_id, application_id=app.id,
                     task_name=task.spec_name if task else None,
                     data={"filename": f.filename, "size": f.size, "sha256": f.sha256, "kind": kind})
    return rows


def removable(attachment: Attachment, task_state: str | None, user_id: int) -> bool:
    """Whether `user_id` may remove the file: its uploader, while the task it came with is still open."""
    return attachment.uploaded_by == user_id and task_state == "open"


def remove(session: Session, attachment: Attachment, user_id: int) -> None:
    """Delete an attachment's record, commit, then delete its file."""
    audit.record(session, "attachment_removed", actor_id=user_id, application_id=attachment.application_id,
                 data={"filename": attachment.filename, "sha256": attachment.sha256})
    key = attachment.storage_key
    session.delete(attachment)
    session.commit()
    _path(key).unlink(missing_ok=True)


def download(attachment: Attachment) -> Response:
    """The file as a download under its original name."""
    return send_stored(attachment.storage_key, attachment.content_type, attachment.filename)


def send_stored(storage_key: str, content_type: str, filename: str) -> Response:
    """A stored file as a download under `filename` (application, objection and announcement files)."""
    path = _path(storage_key)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=content_type, as_attachment=True, download_name=filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
