"""Forms after the award: task contract, midterm check, rectification and acceptance."""
from __future__ import annotations

import datetime as dt
from typing import Any

from forms.base import Errors, FormSchema, require
from forms.choices import decision_options
from forms.inputs import MAX_WAN, Integer, choice, date, integer, number, string, text

RECTIFY_ONCE = "验收整改只能一次"
EXTEND_ONCE = "只能延期一次"


def _rectify_days() -> Integer:
    """The deadline of a rectification ordered at midterm or acceptance."""
    return integer(
        "整改期限（工作日）", minimum=5, maximum=60, default=20, help="选择整改时项目单位完成整改的期限，按工作日计"
    )


class ContractSchema(FormSchema):
    """The task contract (任务书) signed after the award."""

    contract_no = string("任务书编号", max_length=50)
    signed_on = date("签订日期", help="不早于立项决策日期，不晚于今天")
    budget_wan = number("合同经费（万元）", required=False, exclusive_minimum=0, maximum=MAX_WAN)
    targets = text("考核指标", max_length=5000)

    def rules(self, data: dict[str, Any], complete: bool) -> Errors:
        """The contract is signed on or after the award decision (`award_decided_on`) and not after today."""
        signed = data.get("signed_on")
        if not signed:
            return {}
        signed_on = dt.date.fromisoformat(signed) if isinstance(signed, str) else signed
        decided = self.form_context.task_data.get("award_decided_on")
        if isinstance(decided, str) and signed_on < dt.date.fromisoformat(decided[:10]):
            return {"signed_on": [f"签订日期不能早于立项决策日期（{decided[:10]}）"]}
        today = self.form_context.today
        if today is not None and signed_on > today:
            return {"signed_on": [f"签订日期不能晚于今天（{today.isoformat()}）"]}
        return {}


class ContractConfirmationSchema(FormSchema):
    """The officer's check of the signed 任务书: confirm it, or send it back to be signed again."""

    decision = choice("确认结论", decision_options(("approve", "return"), {"approve": "确认任务书",
                                                                        "return": "退回重签"}))
    opinion = text("意见", required=False, help="退回重签时必填：写明需要改正之处")

    def rules(self, data: dict[str, Any], complete: bool) -> Errors:
        """An opinion is required when the contract goes back to the applicant."""
        if complete and data.get("decision") == "return":
            return require(data, "opinion", "退回重签时须填写意见")
        return {}


class MidtermReportSchema(FormSchema):
    """The team's progress report at about half the term."""

    progress = text("项目进展情况", max_length=5000)
    spent_wan = number("已使用经费（万元）", required=False, minimum=0, maximum=MAX_WAN)
    next_steps = text("下一步工作计划", required=False, max_length=5000)


class MidtermReviewSchema(FormSchema):
    """The midterm check's outcome: pass, rectify or terminate."""

    decision = choice("中期检查结论", decision_options(("approve", "rectify", "terminate")))
    opinion = text("评审意见")
    rectify_days = _rectify_days()


class RectificationSchema(FormSchema):
    """The team's report on the rectification it was ordered to make."""

    rectification_report = text("整改报告", max_length=5000)


class FinalReportSchema(FormSchema):
    """The team's final report (结题报告)."""

    final_summary = text("项目总结", max_length=5000)
    achievements = text("主要成果", max_length=5000, help="考核指标完成情况、成果转化、人才引进培养等")
    spent_wan = number("经费使用总额（万元）", required=False, minimum=0, maximum=MAX_WAN)


class AcceptanceReviewSchema(FormSchema):
    """The acceptance outcome: pass, rectify once, extend once, or fail."""

    decision = choice(
        "验收结论",
        decision_options(
            ("approve", "rectify", "extend", "reject"), {"approve": "通过验收", "reject": "不通过验收"}
        ),
    )
    opinion = text("验收意见")
    extension_months = integer("延期期限（月）", required=False, minimum=1, maximum=12, help="选择延期时必填")
    rectify_days = _rectify_days()

    def rules(self, data: dict[str, Any], complete: bool) -> Errors:
        """Rectification and extension are each allowed once; an extension needs its length."""
        task_data = self.form_context.task_data
        decision = data.get("decision")
        if decision == "rectify" and task_data.get("acceptance_rectifications", 0) >= 1:
            return {"decision": [RECTIFY_ONCE]}
        if decision == "extend" and task_data.get("acceptance_extensions", 0) >= 1:
            return {"decision": [EXTEND_ONCE]}
        if decision == "extend" and complete:
            return require(data, "extension_months", "选择延期时须填写延期期限")
        return {}
