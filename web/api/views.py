"""API routes for everyone: tokens, calls, applications and tasks."""
from __future__ import annotations

from typing import Any

from flask import abort, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

import forms
from engine import inbox_query, reviews
from engine.access import can_see_application, can_work, oversees
from engine.calendar import china_date
from engine.errors import NotAllowed, NotFound, TaskNotFound
from engine.inbox import form_values
from engine.models import Application, Call, HumanTask, utcnow
from web import db
from web.api import bp, present, tokens
from web.api import schemas as s
from web.api.operation import caller, caller_token, operation
from web.auth import sign_in

NOT_FOUND = ("不存在，或您无权查看", s.ErrorSchema)


@bp.post("/auth/token")
@operation("用用户名和密码换取访问令牌", tag="认证", public=True, body=s.TokenRequestSchema, responses={
    200: ("访问令牌", s.TokenSchema), 401: ("用户名或密码错误", s.ErrorSchema),
    429: ("登录失败次数过多，请稍后再试", s.ErrorSchema)})
def issue_token(body: dict[str, Any]) -> ResponseReturnValue:
    user = sign_in(body["username"], body["password"])  # throttled like the sign-in page: 429 with Retry-After
    if user is None:
        abort(401, "用户名或密码错误")
    session = db.session()
    token, row = tokens.issue(session, user)
    session.commit()
    return jsonify(s.TokenSchema().dump({"token": token, "expires_at": row.expires_at}))


@bp.delete("/auth/token")
@operation("作废当前访问令牌（扩展）", tag="认证", responses={204: ("已作废", None)})
def revoke_token() -> ResponseReturnValue:
    session = db.session()
    tokens.revoke(session, caller_token())
    session.commit()
    return "", 204


@bp.get("/calls")
@operation("正在开放的申报批次", tag="申报", responses={200: ("申报批次列表", s.CallSchema(many=True))})
def list_calls() -> ResponseReturnValue:
    now = utcnow()
    calls = db.session().scalars(select(Call).where(Call.status == "open", Call.opens_at <= now, Call.closes_at >= now)
                                 .order_by(Call.track, Call.id)).all()
    return jsonify(s.CallSchema(many=True).dump(calls))


@bp.post("/applications")
@operation("发起申报；申报书任务随即出现在本人待办中", tag="申报", roles=("applicant",),
           body=s.ApplicationCreateSchema, responses={
               201: ("已创建", s.ApplicationStateSchema), 404: ("申报批次不存在", s.ErrorSchema),
               409: ("申报批次未开放或已截止", s.ErrorSchema)})
def create_application(body: dict[str, Any]) -> ResponseReturnValue:
    app = db.services().runtime.start_application(body["call_id"], body["title"], caller().id)
    state = s.ApplicationStateSchema().dump(present.application_state(db.session(), app))
    return jsonify(state), 201, {"Location": url_for("api.get_application", application_id=app.id)}


def _visible_application(application_id: int) -> Application:
    session = db.session()
    app = session.get(Application, application_id)
    # Existence is never revealed to those who may not see an application.
    if app is None or not can_see_application(session, caller(), app):
        raise NotFound(f"申报 {application_id} 不存在")
    return app


@bp.get("/applications/<int:application_id>")
@operation("申报详情与办理记录", tag="申报", responses={200: ("申报", s.ApplicationSchema), 404: NOT_FOUND})
def get_application(application_id: int) -> ResponseReturnValue:
    app = _visible_application(application_id)
    return jsonify(s.ApplicationSchema().dump(present.application(db.session(), app, caller())))


@bp.post("/applications/<int:application_id>/withdraw")
@operation("撤回申报（立项前）；未办结的任务随之取消", tag="申报", body=s.WithdrawSchema, body_required=False,
           responses={200: ("已撤回", s.ApplicationStateSchema), 403: ("不是本单位的申报", s.ErrorSchema),
                      404: NOT_FOUND, 409: ("当前阶段不能撤回", s.ErrorSchema)})
def withdraw_application(application_id: int, body: dict[str, Any]) -> ResponseReturnValue:
    app = db.services().runtime.withdraw(application_id, caller().id, body["reason"])
    return jsonify(s.ApplicationStateSchema().dump(present.application_state(db.session(), app)))


@bp.get("/tasks")
@operation("待办任务，一页一页地取", tag="任务", query=s.TaskQuerySchema, paged=True, description=(
    "按截止时间排序（无截止时间的在后）。响应体是本页的行；下一页的地址在 `Link` 头（rel=\"next\"），"
    "总行数在 `X-Total-Count` 头。筛选条件在数据库中执行。"),
    responses={200: ("本页的待办行", s.TaskRowSchema(many=True))})
def list_tasks(query: dict[str, Any]) -> ResponseReturnValue:
    session = db.session()
    page = inbox_query.page(session, caller(), query["scope"], inbox_query.TaskFilter.of(query),
                            limit=query["limit"], cursor=query.get("cursor"))
    rows = s.TaskRowSchema(many=True).dump(present.task_rows(session, page.rows))
    return jsonify(rows), present.page_headers(page, "api.list_tasks", request.args, s.TaskQuerySchema)


def _readable_task(task_id: int) -> HumanTask:
    session, user = db.session(), caller()
    row = session.get(HumanTask, task_id)
    if row is None:
        raise TaskNotFound(f"任务 {task_id} 不存在")
    if oversees(user):
        return row
    app = session.get(Application, row.application_id) if row.application_id else None
    # A worker who may no longer see the application (an expert who declared a conflict) sees nothing of it.
    visible = app is None or can_see_application(session, user, app)
    if visible and can_work(user, row):
        return row
    if visible:
        raise NotAllowed("这不是您的任务")
    raise TaskNotFound(f"任务 {task_id} 不存在")


@bp.get("/tasks/<int:task_id>")
@operation("任务详情：表单的 JSON Schema 与当前值", tag="任务", responses={
    200: ("任务", s.TaskDetailSchema), 403: ("这不是您的任务", s.ErrorSchema), 404: NOT_FOUND})
def get_task(task_id: int) -> ResponseReturnValue:
    row = _readable_task(task_id)
    form = forms.json_schema(row.form_key) if row.form_key and forms.has_form(row.form_key) else None
    names = {f.name for f in forms.fields_of(row.form_key)} if form is not None and row.form_key else set()
    session = db.session()
    app = session.get(Application, row.application_id) if row.application_id else None
    data = form_values(session, row, app) if row.state == "open" else dict(row.data or {})
    choices = reviews.choices(session, names, app, china_date(utcnow()))
    detail = {**present.task_rows(session, [row])[0], "state": row.state, "form": form,
              "data": {k: v for k, v in data.items() if k in names}, "choices": choices}
    return jsonify(s.TaskDetailSchema().dump(detail))


def _task_answer(row: HumanTask) -> ResponseReturnValue:
    return jsonify(s.TaskRowSchema().dump(present.task_rows(db.session(), [row])[0]))


@bp.post("/tasks/<int:task_id>/claim")
@operation("领取任务", tag="任务", responses={
    200: ("已领取", s.TaskRowSchema), 403: ("您无权领取此任务", s.ErrorSchema), 404: NOT_FOUND,
    409: ("任务已被他人领取或已办结", s.ErrorSchema)})
def claim_task(task_id: int) -> ResponseReturnValue:
    return _task_answer(db.services().runtime.claim(task_id, caller().id))


@bp.post("/tasks/<int:task_id>/unclaim")
@operation("退回任务池", tag="任务", responses={
    200: ("已退回", s.TaskRowSchema), 403: ("任务未被领取或为指定任务", s.ErrorSchema), 404: NOT_FOUND,
    409: ("任务在他人名下或已办结", s.ErrorSchema)})
def unclaim_task(task_id: int) -> ResponseReturnValue:
    return _task_answer(db.services().runtime.unclaim(task_id, caller().id))


@bp.post("/tasks/<int:task_id>/complete")
@operation("提交表单，办结任务", tag="任务", body=s.CompleteSchema, responses={
    200: ("已办结；next 为本人接下来可办理的任务", s.CompletedSchema), 403: ("这不是您的任务", s.ErrorSchema),
    404: NOT_FOUND, 409: ("任务已办结或已取消", s.ErrorSchema)})
def complete_task(task_id: int, body: dict[str, Any]) -> ResponseReturnValue:
    created = db.services().runtime.complete_task(task_id, body["data"], caller().id)
    return jsonify(s.CompletedSchema().dump({"next": present.task_rows(db.session(), created)}))

