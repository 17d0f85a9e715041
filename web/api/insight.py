"""API routes for a call's required documents, attachment upload by kind, and the talent figures."""
from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from engine import required_documents, talent
from engine.access import can_work
from engine.errors import Conflict, FormInvalid, NotAllowed, NotFound
from engine.filed import APPLICATION_FORM_PREFIX
from engine.models import Call, HumanTask
from engine.scope import Scope
from web import attachments, db
from web.api import bp
from web.api import insight_schemas as x
from web.api import schemas as s
from web.api.operation import caller, operation
from web.api.views import NOT_FOUND, _visible_application

OVERSEERS = ("officer", "admin")


def _documents_view(call: Call) -> dict[str, Any]:
    return {"call_id": call.id, "required_documents": call.required_documents}


@bp.get("/calls/<int:call_id>/required-documents")
@operation("申报批次的申报材料清单（申报书须附的材料）", tag="申报", responses={
    200: ("材料清单；required_documents 为 null 时不核对", x.CallDocumentsSchema),
    404: ("申报批次不存在", s.ErrorSchema)})
def get_required_documents(call_id: int) -> ResponseReturnValue:
    call = db.session().get(Call, call_id)
    if call is None:
        raise NotFound(f"申报批次 {call_id} 不存在")
    return jsonify(x.CallDocumentsSchema().dump(_documents_view(call)))


@bp.put("/calls/<int:call_id>/required-documents")
@operation("设置申报批次的申报材料清单；null 取消清单（已提交的申报不再核对）", tag="申报", roles=("admin",),
           body=x.CallDocumentsWriteSchema, responses={
               200: ("已保存", x.CallDocumentsSchema), 404: ("申报批次不存在", s.ErrorSchema)})
def set_required_documents(call_id: int, body: dict[str, Any]) -> ResponseReturnValue:
    with db.services().sessions.begin() as session:
        call = required_documents.set_list(session, call_id, body["required_documents"], caller().id)
        view = _documents_view(call)
    return jsonify(x.CallDocumentsSchema().dump(view))


def _checklist(items: list[required_documents.Item]) -> list[dict[str, Any]]:
    return [{"kind": i.kind, "label": i.label, "required": i.required, "done": i.done, "files": list(i.files)}
            for i in items]


@bp.post("/applications/<int:application_id>/attachments")
@operation("为申报书上传附件（multipart：files 可多个，kind 为批次材料清单中的代码）", tag="申报",
           body=x.AttachmentUploadSchema, multipart=True, responses={
               201: ("已上传；checklist 为上传后的材料清单", x.UploadAnswerSchema), 404: NOT_FOUND,
               403: ("不是您的申报书", s.ErrorSchema), 409: ("申报书已提交，不能再上传", s.ErrorSchema),
               413: ("上传的内容过大", s.ErrorSchema)})
def upload_attachments(application_id: int, body: dict[str, Any]) -> ResponseReturnValue:
    session = db.session()
    app = _visible_application(application_id)
    form = session.scalars(select(HumanTask).where(
        HumanTask.application_id == app.id, HumanTask.state == "open",
        HumanTask.form_key.startswith(APPLICATION_FORM_PREFIX))).first()
    if form is None:
        raise Conflict("申报书已提交或尚未开始，不能上传附件")
    if not can_work(caller(), form):
        raise NotAllowed("只有申报书的填报人可以上传附件")
    kind = body.get("kind")
    if kind is not None and kind not in required_documents.kinds(app.call):
        raise FormInvalid({"kind": ["不是本批次材料清单中的材料代码" if app.call.required_documents
                                    else "本批次未设材料清单，请不填 kind"]})
    uploads = [f for f in body["files"] if getattr(f, "filename", None)]
    if not uploads:
        raise FormInvalid({"files": ["请至少上传一个文件"]})
    try:
        stored = attachments.store_all(uploads)
    except attachments.UploadRejected as e:
        raise FormInvalid({"files": [str(e)]}) from e
    rows = attachments.record(session, app, form, caller().id, stored, kind)
    session.commit()
    uploaded = [{"id": r.id, "filename": r.filename, "kind": r.kind, "size": r.size, "sha256": r.sha256} for r in rows]
    answer = {"uploaded": uploaded, "checklist": _checklist(required_documents.checklist(session, app))}
    return jsonify(x.UploadAnswerSchema().dump(answer)), 201


@bp.get("/stats/talent")
@operation("人才热力图与人才画像：各设区市立项团队、引进核心成员与技术领域，核心成员的领域、职称、来源、年龄段",
           tag="统计", roles=OVERSEERS, query=x.TalentQuerySchema, responses={200: ("人才统计", x.TalentSchema)})
def get_talent(query: dict[str, Any]) -> ResponseReturnValue:
    session = db.session()
    if query.get("call_id") and session.get(Call, query["call_id"]) is None:
        raise FormInvalid({"call_id": ["申报批次不存在"]})
    scope = Scope(year=query.get("year"), track=query.get("track"), call_id=query.get("call_id"))
    return jsonify(x.TalentSchema().dump(talent.figures(session, scope)))
