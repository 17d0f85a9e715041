"""API routes administrators use to run the programme: calls (with the award cap) and the reference lists."""
from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from engine import calls, reference
from web import db
from web.api import bp
from web.api import programme_schemas as ps
from web.api import schemas as s
from web.api.operation import caller, operation


@bp.post("/calls")
@operation("新建申报批次（可设单项资助上限 funding_cap_wan）", tag="申报", roles=("admin",), body=ps.CallCreateSchema,
           responses={201: ("已创建的批次", s.CallSchema)})
def create_call(body: dict[str, Any]) -> ResponseReturnValue:
    with db.services().sessions.begin() as session:
        call = calls.create_call(
            session, track=body["track"], title=body["title"], guide=body["guide"],
            opens_at=calls.day_start(body["opens_on"]), closes_at=calls.day_end(body["closes_on"]),
            expert_count=body["expert_count"], field_quota=body["field_quota"],
            avoid_same_city=body["avoid_same_city"], funding_cap_wan=body.get("funding_cap_wan"),
            actor_id=caller().id)
        answer = s.CallSchema().dump(call)
    return jsonify(answer), 201


@bp.put("/calls/<int:call_id>")
@operation("修改申报批次：名称、指南、截止日期、评审专家人数、单项资助上限（此后作出的立项决策适用）", tag="申报",
           roles=("admin",), body=ps.CallWriteSchema, responses={200: ("修改后的批次", s.CallSchema)})
def update_call(call_id: int, body: dict[str, Any]) -> ResponseReturnValue:
    with db.services().sessions.begin() as session:
        call = calls.update_call(
            session, call_id, title=body["title"], guide=body["guide"], closes_at=calls.day_end(body["closes_on"]),
            expert_count=body["expert_count"], field_quota=body["field_quota"],
            avoid_same_city=body["avoid_same_city"],
            funding_cap_wan=body["funding_cap_wan"] if "funding_cap_wan" in body else calls.KEEP,
            actor_id=caller().id)
        answer = s.CallSchema().dump(call)
    return jsonify(answer)


@bp.get("/reference/jiebang-problems")
@operation("揭榜榜单（含已过期的条目；申报时只能选择申报当日有效的条目）", tag="参考名单",
           responses={200: ("榜单", ps.JiebangProblemSchema(many=True))})
def list_jiebang_problems() -> ResponseReturnValue:
    return jsonify(ps.JiebangProblemSchema(many=True).dump(reference.entries(db.session(), "jiebang")))


@bp.post("/reference/jiebang-problems")
@operation("新增揭榜榜单条目", tag="参考名单", roles=("admin",), body=ps.JiebangProblemWriteSchema,
           responses={201: ("已新增", ps.JiebangProblemSchema)})
def add_jiebang_problem(body: dict[str, Any]) -> ResponseReturnValue:
    return jsonify(_save("jiebang", body, None)), 201


@bp.put("/reference/jiebang-problems/<int:entry_id>")
@operation("修改揭榜榜单条目（含有效期）", tag="参考名单", roles=("admin",), body=ps.JiebangProblemWriteSchema,
           responses={200: ("已修改", ps.JiebangProblemSchema)})
def change_jiebang_problem(entry_id: int, body: dict[str, Any]) -> ResponseReturnValue:
    return jsonify(_save("jiebang", body, entry_id))


@bp.get("/reference/partner-institutions")
@operation("合作院校名单（与广西签订合作协议的区外高校院所，含协议有效期）", tag="参考名单",
           responses={200: ("名单", ps.PartnerInstitutionSchema(many=True))})
def list_partner_institutions() -> ResponseReturnValue:
    return jsonify(ps.PartnerInstitutionSchema(many=True).dump(reference.entries(db.session(), "partners")))


@bp.post("/reference/partner-institutions")
@operation("新增合作院校", tag="参考名单", roles=("admin",), body=ps.PartnerInstitutionWriteSchema,
           responses={201: ("已新增", ps.PartnerInstitutionSchema)})
def add_partner_institution(body: dict[str, Any]) -> ResponseReturnValue:
    return jsonify(_save("partners", body, None)), 201


@bp.put("/reference/partner-institutions/<int:entry_id>")
@operation("修改合作院校（含协议有效期）", tag="参考名单", roles=("admin",), body=ps.PartnerInstitutionWriteSchema,
           responses={200: ("已修改", ps.PartnerInstitutionSchema)})
def change_partner_institution(entry_id: int, body: dict[str, Any]) -> ResponseReturnValue:
    return jsonify(_save("partners", body, entry_id))


def _save(kind: str, body: dict[str, Any], entry_id: int | None) -> dict[str, Any]:
    """Add or change an entry (audited); the entry as answered."""
    schema = ps.JiebangProblemSchema() if kind == "jiebang" else ps.PartnerInstitutionSchema()
    with db.services().sessions.begin() as session:
        entry = reference.save(session, kind, body, caller().id, entry_id)
        answer: dict[str, Any] = schema.dump(entry)
    return answer
