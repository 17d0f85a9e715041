"""通知公告: call notices and guides published by administrators, their rich text sanitized on the way in."""
from __future__ import annotations

from dataclasses import dataclass

import nh3
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import FormInvalid
from engine.models import Announcement, AnnouncementFile, utcnow

CATEGORIES = {"notice": "通知", "guide": "申报指南", "result": "公示公告"}
TAGS = {"p", "br", "strong", "b", "em", "i", "u", "s", "h2", "h3", "h4", "ul", "ol", "li", "blockquote", "a",
        "table", "thead", "tbody", "tr", "th", "td", "span", "hr"}
ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}


def sanitize(html: str) -> str:
    """Only the listed tags and attributes; links only to http(s) and mail, opened without the opener."""
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer nofollow")


@dataclass(frozen=True)
class StoredFile:
    """A file the web door checked and stored."""

    filename: str
    content_type: str
    size: int
    sha256: str
    storage_key: str


def publish(session: Session, title: str, category: str, body_html: str, user_id: int,
            files: list[StoredFile]) -> Announcement:
    """Add an announcement (the caller commits)."""
    errors: dict[str, list[str]] = {}
    if not title.strip() or len(title) > 200:
        errors["title"] = ["请填写标题（不超过 200 字）"]
    if category not in CATEGORIES:
        errors["category"] = ["所选项不在可选范围内"]
    clean = sanitize(body_html)
    if not clean.strip() and not files:
        errors["body"] = ["请填写正文或上传附件"]
    if errors:
        raise FormInvalid(errors)
    row = Announcement(title=title.strip(), category=category, body_html=clean, published_by=user_id,
                       published_at=utcnow())
    session.add(row)
    session.flush()
    session.add_all(AnnouncementFile(announcement_id=row.id, filename=f.filename, content_type=f.content_type,
                                     size=f.size, sha256=f.sha256, storage_key=f.storage_key) for f in files)
    return row


def published(session: Session, limit: int = 50) -> list[Announcement]:
    """Announcements not withdrawn, newest first."""
    return list(session.scalars(select(Announcement).where(Announcement.withdrawn_at.is_(None))
                                .order_by(Announcement.published_at.desc(), Announcement.id.desc())
                                .limit(limit)).all())


def files_of(session: Session, announcement_id: int) -> list[AnnouncementFile]:
    """An announcement's files in upload order."""
    return list(session.scalars(select(AnnouncementFile).where(AnnouncementFile.announcement_id == announcement_id)
                                .order_by(AnnouncementFile.id)).all())
