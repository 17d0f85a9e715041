"""Printable records: each document as a print page (打印) and as a PDF drawn from the same template by
WeasyPrint, with the Department's header, page numbers and Noto CJK embedded."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import make_response, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session
from weasyprint import CSS, HTML

from engine import documents, filed
from engine.errors import NotFound
from engine.models import Application, Attachment, User, utcnow
from web import db
from web.applications import bp, records
from web.auth import login_required, me
from web.display import local


def record_for(session: Session, user: User, app_id: int, kind: str) -> documents.Record:
    """The document if `user` may see it and it exists; NotFound otherwise (as for the application itself)."""
    app = session.get(Application, app_id)
    if app is None or kind not in documents.KINDS or not documents.may_see(session, user, app, kind):
        raise NotFound("文书不存在，或您无权查看")
    found = documents.record(session, app, kind)
    if found is None:
        raise NotFound(f"{documents.KINDS[kind].title}尚未形成")
    return found


def context(session: Session, found: documents.Record) -> dict[str, Any]:
    """What the document template shows: each filed form as labelled fields, the team leader, the files."""
    app = found.app
    sections = [(key, records.read_views(session, key, data, app), task) for key, data, task in found.filings]
    form = filed.application_form(session, app.id)
    files = session.scalars(select(Attachment).where(Attachment.application_id == app.id).order_by(Attachment.id)).all()
    scored = [a.score for a, _u in found.panel if a.conflict is False and a.score is not None]
    return {"doc": found, "app": app, "sections": sections, "leader": filed.leader(form), "form": form,
            "files": files, "scores": scored, "number": f"桂科带土〔{local(app.created_at, '%Y')}〕{app.id:04d}号",
            "printed_at": local(utcnow(), "%Y年%m月%d日")}


# One stylesheet for the PDF and the browser's print view (the page links it; WeasyPrint is handed it).
STYLESHEET = Path(__file__).resolve().parents[1] / "static" / "documents.css"


def page(found: documents.Record, *, for_pdf: bool) -> str:
    """The document's HTML (the print page, or the PDF's source)."""
    session = db.session()
    return render_template(f"documents/{found.kind}.html", for_pdf=for_pdf, **context(session, found))


def pdf_of(found: documents.Record) -> bytes:
    """The document as PDF bytes."""
    return bytes(HTML(string=page(found, for_pdf=True)).write_pdf(stylesheets=[CSS(filename=str(STYLESHEET))]))


def pdf_response(found: documents.Record) -> ResponseReturnValue:
    """A PDF download named after the document and the application."""
    response = make_response(pdf_of(found))
    name = f"{found.title}-{found.app.id}.pdf"
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"document-{found.app.id}.pdf\"; filename*=UTF-8''{_quote(name)}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


@bp.get("/<int:app_id>/documents/<kind>")
@login_required
def document(app_id: int, kind: str) -> str:
    """The print page of a document (the browser prints it with the print stylesheet)."""
    return page(record_for(db.session(), me(), app_id, kind), for_pdf=False)


@bp.get("/<int:app_id>/documents/<kind>.pdf")
@login_required
def document_pdf(app_id: int, kind: str) -> ResponseReturnValue:
    """The document as PDF."""
    return pdf_response(record_for(db.session(), me(), app_id, kind))
