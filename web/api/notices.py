"""API routes: the caller's notices, the public publicity list and objections, and record documents."""
from __future__ import annotations

from typing import Any

from flask import abort, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue

from engine import publicity
from engine.notices import listing
from web import db
from web.api import bp
from web.api import notice_schemas as n
from web.api import schemas as s
from web.api.operation import caller, operation
from web.applications import documents


@bp.get("/notifications")
@operation("本人的通知，最新的在前", tag="通知", query=n.NotificationQuerySchema, description=(
    "分页方式同 `GET /tasks`：响应体为列表，下一页地址在 `Link: <…>; rel=\"next\"` 头中，总数在 `X-Total-Count`。"),
           responses={200: ("通知列表", n.NotificationSchema(many=True))})
def list_notifications(query: dict[str, Any]) -> ResponseReturnValue:
    rows, total, after = listing.page(db.session(), caller().id, query["limit"], query.get("cursor"))
    body = [{"id": r.id, "kind": r.kind or "reminder", "title": r.title or r.text[:40], "body": r.text,
             "link": r.link, "created_at": r.created_at, "read_at": r.read_at} for r in rows]
    response = jsonify(n.NotificationSchema(many=True).dump(body))
    response.headers["X-Total-Count"] = str(total)
    if after:
        nxt = url_for("api.list_notifications", limit=query["limit"], cursor=after)
        response.headers["Link"] = f'<{nxt}>; rel="next"'
    return response


def _entry(e: publicity.Entry) -> dict[str, Any]:
    return {"application_id": e.application_id, "track": e.track, "call_title": e.call_title,
            "organization": e.organization, "leader": e.leader, "title": e.title, "funding_wan": e.funding_wan,
            "starts_at": e.starts_at, "ends_at": e.ends_at, "working_days": e.working_days}


@bp.get("/publicity")
@operation("公示名单（无需登录）", tag="公示", public=True, query=n.PublicityQuerySchema,
           responses={200: ("正在公示的项目；给出 year 时为该年已结束的公示", n.PublicityEntrySchema(many=True))})
def list_publicity(query: dict[str, Any]) -> ResponseReturnValue:
    session = db.session()
    entries = publicity.closed(session, query["year"]) if query.get("year") else publicity.current(session)
    return jsonify(n.PublicityEntrySchema(many=True).dump([_entry(e) for e in entries]))


def objection_limited() -> bool:
    """True when this client address has filed as many objections as the window allows."""
    limit, seconds = current_app.config["OBJECTION_RATE_LIMIT"]
    return publicity.too_many(db.session(), request.remote_addr, limit, seconds)


@bp.post("/publicity/<int:application_id>/objections")
@operation("对公示项目提出实名异议（无需登录，按来源地址限制频率）", tag="公示", public=True,
           body=n.ObjectionRequestSchema, responses={
               201: ("已受理", n.ObjectionFiledSchema), 404: ("该项目不在公示名单中", s.ErrorSchema),
               409: ("不在公示期内（说明公示结束日期），或另一异议正在核查", s.ErrorSchema),
               429: ("提交过于频繁，请稍后再试", s.ErrorSchema)})
def file_objection(application_id: int, body: dict[str, Any]) -> ResponseReturnValue:
    if objection_limited():
        abort(429, "提交异议过于频繁，请稍后再试")
    publicity.ensure_open(db.session(), application_id)
    made = publicity.file_objection(db.services().runtime, application_id, body, request.remote_addr)
    return jsonify({"id": made}), 201


@bp.get("/applications/<int:application_id>/documents/<kind>.pdf")
@operation("申报的文书（PDF）", tag="文书", description=(
    "kind 为 application 申报书、recommendation 推荐意见、formal_review 形式审查意见、review_summary 专家评审汇总表"
    "（仅科技厅）、award_notice 立项通知书、contract 任务书、midterm 中期检查意见、acceptance 验收结论；"
    "文书尚未形成时答 404。"), produces="application/pdf",
           responses={200: ("PDF 文件", {"type": "string", "format": "binary"}),
                      404: ("不存在、尚未形成，或您无权查看", s.ErrorSchema)})
def get_document(application_id: int, kind: str) -> ResponseReturnValue:
    found = documents.record_for(db.session(), caller(), application_id, kind)
    return documents.pdf_response(found)
