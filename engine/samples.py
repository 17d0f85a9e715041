"""Ready-made form payloads for the demonstration data, the tests and the benchmarks."""
from __future__ import annotations

from typing import Any

# A Guangxi (45…) unified social credit code with a correct check character (GB 32100-2015).
CREDIT_CODE = "91450200MA5L000003"


def team(core: int = 3, advisors: int = 1) -> list[dict[str, Any]]:
    """A team with `core` core members (the first is the leader) and some advisors."""
    members = [
        {"name": f"核心成员{i + 1}", "role": "core", "is_leader": i == 0, "title": "研究员",
         "institution": "苏州大学", "region": "domestic" if i % 2 == 0 else "overseas",
         "work_location": "elsewhere_in_china"}
        for i in range(core)
    ]
    members += [
        {"name": f"顾问{i + 1}", "role": "advisor", "is_leader": False, "title": "教授",
         "institution": "天津大学", "region": "domestic", "work_location": "elsewhere_in_china"}
        for i in range(advisors)
    ]
    return members


def application(track: str, city: str = "南宁市", **overrides: Any) -> dict[str, Any]:
    """A complete, eligible application form for `track`."""
    data: dict[str, Any] = {
        "title": "高端装备智能制造关键技术团队引进", "summary": "引进团队攻关智能制造关键技术并实现产业化。",
        "field": "高端装备制造", "city": city, "budget_wan": 300.0, "duration_months": 36, "team": team(),
    }
    extras: dict[str, dict[str, Any]] = {
        "T1": {"jiebang_problem_id": 1, "jiebang_kind": "breakthrough"},
        "T2": {"partner_institution_id": 1, "cooperation_mode": "joint_research"},
        "T3": {"platform_type": "talent_enclave", "platform_location": "广东省深圳市南山区"},
        "T4": {"enterprise": {
            "name": "柳州新能科技有限公司", "credit_code": CREDIT_CODE, "founded_on": "2022-03-15",
            "office_address": "柳州市柳东新区创业路1号", "office_in_guangxi": True, "operating_normally": True}},
        "T5": {"agency": {"name": "南宁英才人力资源服务有限公司", "agency_type": "intermediary"},
               "platform_plan": "建设广西人才数据平台，形成人才画像与热力图。", "introductions_planned": 5},
    }
    data.update(extras[track])
    data.update(overrides)
    if track == "T4":  # unless told otherwise, the founding leader is the enterprise's legal representative
        data["team"] = [m if "is_legal_rep" in m or "is_largest_shareholder" in m
                        else {**m, "is_legal_rep": bool(m.get("is_leader"))} for m in data["team"]]
    return data


DECISIONS: dict[str, dict[str, Any]] = {
    "recommendation": {"decision": "approve", "opinion": "材料齐全，同意推荐。"},
    "formal_review": {"decision": "approve", "opinion": "形式审查合格。"},
    "award_decision": {"decision": "approve", "opinion": "同意立项。", "funding_wan": 200.0},
    "contract": {"contract_no": "GK-2025-001", "signed_on": "2025-10-20", "budget_wan": 300.0,
                 "targets": "突破关键技术3项，实现产值5000万元。"},
    "confirm_contract": {"decision": "approve", "opinion": "任务书内容与立项一致，予以确认。"},
    "midterm_report": {"progress": "已完成关键技术攻关的一半。", "spent_wan": 120.0, "next_steps": "中试。"},
    "midterm_review": {"decision": "approve", "opinion": "进展符合预期。"},
    "final_report": {"final_summary": "项目全面完成。", "achievements": "授权发明专利5项。", "spent_wan": 290.0},
    "acceptance_review": {"decision": "approve", "opinion": "通过验收。"},
    "rectification": {"rectification_report": "已按要求完成整改。"},
    "objection_review": {"decision": "approve", "finding": "经核查，异议不成立。"},
}


def score(value: float, comment: str = "团队结构合理，技术先进。") -> dict[str, Any]:
    """An expert's scoring form without conflict."""
    return {"conflict": False, "score": value, "comment": comment}


CONFLICT = {"conflict": True, "conflict_reason": "与申报团队成员有合作关系"}
