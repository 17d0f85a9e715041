"""Decision forms of reviewers, officers and experts."""
from __future__ import annotations

from typing import Any

from forms.base import Errors, FormSchema, merge, require
from forms.choices import decision_options
from forms.inputs import MAX_WAN, boolean, choice, integer, multi_choice, number, text

OPINION_ON_RETURN = "退回修改或不通过时须填写审核意见"
INELIGIBLE = "资格审查未通过的申报不能通过形式审查"
RETURNED_ONCE = "已退回修改过一次，不能再次退回"
MAX_PANEL = 15  # experts on one application's panel (a call asks for at most this many)


def _opinion_required_on_return(data: dict[str, Any], complete: bool) -> Errors:
    """An opinion is required when the decision sends the application back or rejects it."""
    if complete and data.get("decision") in ("return", "reject"):
        return require(data, "opinion", OPINION_ON_RETURN)
    return {}


class RecommendationSchema(FormSchema):
    """The recommending body's check of an application from its area."""

    decision = choice(
        "审核结论",
        decision_options(("approve", "return", "reject"), {"approve": "同意推荐", "reject": "不予推荐"}),
    )
    opinion = text("审核意见", required=False, help="退回修改或不予推荐时必填")

    def rules(self, data: dict[str, Any], complete: bool) -> Errors:
        """Opinion required on return or reject."""
        return _opinion_required_on_return(data, complete)


class FormalReviewSchema(FormSchema):
    """The officer's check of completeness and hard eligibility."""

    decision = choice("形式审查结论", decision_options(("approve", "return", "reject")))
    opinion = text("审查意见", required=False, help="退回修改或不通过时必填")
    correction_days = integer(
        "补正期限（工作日）", minimum=1, maximum=30, default=10, help="退回修改时申报单位补正材料的期限"
    )

    def rules(self, data: dict[str, Any], complete: bool) -> Errors:
        """Ineligible applications cannot pass; an application is returned for correction at most once."""
        task_data = self.form_context.task_data
        decision = data.get("decision")
        errors: Errors = {}
        if decision == "approve" and task_data.get("eligible") is False:
            reason = task_data.get("eligibility_reason")
            errors["decision"] = [f"{INELIGIBLE}：{reason}" if reason else INELIGIBLE]
        if decision == "return" and task_data.get("formal_returns", 0) >= 1:
            errors["decision"] = [RETURNED_ONCE]
        return merge(errors, _opinion_required_on_return(data, complete))


class ExpertAssignmentSchema(FormSchema):
    """The officer picks the experts who will score the application."""

    experts = multi_choice("评审专家", "experts", max_items=MAX_PANEL, help="选择的专家人数须与本批次要求一致")

    def rules(self, data: dict[str, Any], complete: bool) -> Errors:
        """Exactly the number of experts the process asks for."""
        wanted = self.form_context.task_data.get("expert_count", 5)
        experts = data.get("experts")
        if complete and experts is not None and len(experts) != wanted:
            return {"experts": [f"须选择 {wanted} 位评审专家，当前选择了 {len(experts)} 位"]}
        return {}


class ExpertScoreSchema(FormSchema):
    """One expert's score, or their declaration of a conflict of interest."""

    conflict = boolean("是否存在利益冲突需回避", help="与申报单位或团队成员同单位、合作、亲属等关系时须回避")
    conflict_reason = text("回避原因", required=False, max_length=500)
    score = number("评分", required=False, minimum=0, maximum=100, help="满分100分；回避时不填")
    comment = text("评审意见", required=False, help="回避时不填")

    def rules(self, data: dict[str, Any], complete: bool) -> Errors:
        """A conflict needs a reason; otherwise score and comment are required."""
        if not complete or data.get("conflict") is None:
            return {}
        if data["conflict"]:
            return require(data, "conflict_reason", "声明回避时须填写回避原因")
        return merge(
            require(data, "score", "不回避时须填写评分"),
            require(data, "comment", "不回避时须填写评审意见"),
        )


class ExpertReplacementSchema(FormSchema):
    """The officer picks replacements for experts who declared a conflict."""

    replacements = multi_choice("补选专家", "experts", max_items=MAX_PANEL, help="人数须与回避的专家人数相同")

    def rules(self, data: dict[str, Any], complete: bool) -> Errors:
        """One replacement per conflicted expert."""
        wanted = len(self.form_context.task_data.get("conflicted", []))
        chosen = data.get("replacements")
        if complete and chosen is not None and len(chosen) != wanted:
            return {"replacements": [f"须补选 {wanted} 位专家，当前选择了 {len(chosen)} 位"]}
        return {}


class AwardDecisionSchema(FormSchema):
    """The Department's award decision."""

    decision = choice(
        "立项决策", decision_options(("approve", "reject"), {"approve": "同意立项", "reject": "不予立项"})
    )
    opinion = text("决策意见", required=False)
    funding_wan = number("资助经费（万元）", required=False, exclusive_minimum=0, maximum=MAX_WAN,
                         help="同意立项时必填")

    def rules(self, data: dict[str, Any], complete: bool) -> Errors:
        """Funding is required when the award is approved, and never more than the budget asked for nor the
        call's cap (`funding_cap_wan`, when the call has one)."""
        if complete and data.get("decision") == "approve":
            missing = require(data, "funding_wan", "同意立项时须填写资助经费")
            if missing:
                return missing
        funding = data.get("funding_wan")
        if not isinstance(funding, int | float):
            return {}
        messages = []
        budget = self.form_context.task_data.get("budget_wan")
        if isinstance(budget, int | float) and funding > budget:
            messages.append(f"资助经费不能超过申报预算（{budget:g} 万元）")
        cap = self.form_context.task_data.get("funding_cap_wan")
        if isinstance(cap, int | float) and funding > cap:
            messages.append(f"资助经费不能超过本批次单项资助上限（{cap:g} 万元）")
        return {"funding_wan": messages} if messages else {}


class ObjectionReviewSchema(FormSchema):
    """The officer's finding on an objection raised during publicity."""

    decision = choice(
        "处理结论",
        decision_options(
            ("approve", "reject"), {"approve": "异议不成立，维持立项", "reject": "异议成立，撤销立项"}
        ),
    )
    finding = text("调查结论")
    reply = text("答复异议人", required=False, help="以邮件发送给异议人；不填时发送调查结论")
