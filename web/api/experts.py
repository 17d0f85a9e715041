"""API routes of the expert library (专家库) and of panels drawn for a call."""
from __future__ import annotations

from typing import Any

from flask import jsonify, url_for
from flask.typing import ResponseReturnValue

from engine.experts import library, proposals
from engine.experts.library import Entry
from engine.models import PanelProposal
from web import db
from web.api import bp
from web.api import expert_schemas as x
from web.api import schemas as s
from web.api.operation import caller, operation

OVERSEERS = ("officer", "admin")
TAG = "专家"


@bp.get("/experts")
@operation("专家库：全部专家", tag=TAG, roles=OVERSEERS, responses={200: ("专家列表", x.ExpertSchema(many=True))})
def list_experts() -> ResponseReturnValue:
    rows = library.entries(db.session())
    return jsonify(x.ExpertSchema(many=True).dump([library.as_dict(p, u, org) for p, u, org in rows]))


@bp.post("/experts")
@operation("新增或更新专家（用户名不存在时新建用户并授予评审专家角色）", tag=TAG, roles=("admin",),
           body=x.ExpertCreateSchema, responses={201: ("已保存", x.ExpertCreatedSchema)})
def create_expert(body: dict[str, Any]) -> ResponseReturnValue:
    entry = Entry(username=body["username"], name=body["name"], organization=body["organization"], city=body["city"],
                  fields=tuple(body["fields"]), title=body["title"], yearly_cap=body["yearly_cap"],
                  active=body["active"], email=body["email"] or None, password=body["password"])
    with db.services().sessions.begin() as session:
        profile = library.save(session, entry, caller().id)
        created = {"id": profile.id, "user_id": profile.user_id}
    return jsonify(x.ExpertCreatedSchema().dump(created)), 201


def proposal_view(proposal: PanelProposal) -> dict[str, Any]:
    """A stored proposal as the API shows it."""
    outcome = proposal.outcome or {}
    return {"id": proposal.id, "seed": proposal.seed, "call_id": proposal.call_id, "state": proposal.state,
            "inputs_digest": proposal.inputs_digest, "panels": proposal.panels,
            "load": {str(k): v for k, v in sorted(proposals.loads(proposal).items())},
            "confirmed": outcome.get("confirmed", []), "failed": outcome.get("failed", [])}


@bp.post("/calls/<int:call_id>/panels")
@operation("为批次中等待遴选专家的申报抽取评审专家组（方案，待确认）", tag=TAG, roles=OVERSEERS,
           body=x.PanelRequestSchema, body_required=False, responses={
               201: ("抽取方案；未能满足的要求见各申报的 unmet", x.ProposalSchema),
               404: ("申报批次不存在", s.ErrorSchema),
               422: ("申报不属于本批次或不在遴选专家环节，或回避规则运行出错", s.FieldErrorsSchema)})
def draw_panels(call_id: int, body: dict[str, Any]) -> ResponseReturnValue:
    with db.services().sessions.begin() as session:
        proposal = proposals.propose(session, call_id, body["application_ids"], body["seed"], caller().id)
        view = proposal_view(proposal)
    return jsonify(x.ProposalSchema().dump(view)), 201, {
        "Location": url_for("api.get_panels", proposal_id=view["id"])}


@bp.get("/panels/<int:proposal_id>")
@operation("抽取方案（含替换与确认结果）", tag=TAG, roles=OVERSEERS, responses={
    200: ("抽取方案", x.ProposalSchema), 404: ("方案不存在", s.ErrorSchema)})
def get_panels(proposal_id: int) -> ResponseReturnValue:
    return jsonify(x.ProposalSchema().dump(proposal_view(proposals.get(db.session(), proposal_id))))


@bp.get("/panels/<int:proposal_id>/applications/<int:application_id>/candidates")
@operation("方案中某项申报可换上的专家，以及不可选的专家和原因", tag=TAG, roles=OVERSEERS, responses={
    200: ("候选专家", x.CandidatesSchema), 404: ("方案或申报不存在", s.ErrorSchema)})
def panel_candidates(proposal_id: int, application_id: int) -> ResponseReturnValue:
    session = db.session()
    eligible, blocked = proposals.candidates(session, proposals.get(session, proposal_id), application_id)

    def rows(found: list[proposals.Candidate]) -> list[dict[str, Any]]:
        return [{"user_id": c.expert.user_id, "name": c.expert.label, "organization": c.expert.organization,
                 "city": c.expert.city, "fields": list(c.expert.fields), "reasons": c.reasons} for c in found]

    return jsonify(x.CandidatesSchema().dump({"eligible": rows(eligible), "excluded": rows(blocked)}))


@bp.post("/panels/<int:proposal_id>/confirm")
@operation("确认方案：先按 swaps 替换，再逐项完成“遴选评审专家”任务（各自一个事务）", tag=TAG, roles=OVERSEERS,
           body=x.ConfirmSchema, body_required=False, responses={
               200: ("confirmed 已确认的申报；failed 未能确认的申报及原因", x.ConfirmedSchema),
               404: ("方案不存在", s.ErrorSchema), 409: ("方案已全部确认", s.ErrorSchema)})
def confirm_panels(proposal_id: int, body: dict[str, Any]) -> ResponseReturnValue:
    swaps = [{"application_id": w["application_id"], "out": w["out"], "in": w["in_"]} for w in body["swaps"]]
    confirmed, failed = proposals.confirm(db.services().runtime, proposal_id, swaps, caller().id)
    return jsonify(x.ConfirmedSchema().dump({"confirmed": confirmed, "failed": failed}))
