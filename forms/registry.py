"""Every form key with its Chinese title and schema."""
from __future__ import annotations

from dataclasses import dataclass

from forms.application import (
    AgencyApplicationSchema,
    EnterpriseApplicationSchema,
    JiebangApplicationSchema,
    PartnerApplicationSchema,
    PlatformApplicationSchema,
)
from forms.base import FormSchema
from forms.payloads import ObjectionSchema, TerminationSchema, WithdrawalSchema
from forms.reports import (
    AcceptanceReviewSchema,
    ContractConfirmationSchema,
    ContractSchema,
    FinalReportSchema,
    MidtermReportSchema,
    MidtermReviewSchema,
    RectificationSchema,
)
from forms.review import (
    AwardDecisionSchema,
    ExpertAssignmentSchema,
    ExpertReplacementSchema,
    ExpertScoreSchema,
    FormalReviewSchema,
    ObjectionReviewSchema,
    RecommendationSchema,
)


@dataclass(frozen=True)
class Form:
    """A registered form: its Chinese title and the schema that validates it."""

    title: str
    schema: type[FormSchema]


FORMS: dict[str, Form] = {
    "application_t1": Form("团队申报书（揭榜制项目）", JiebangApplicationSchema),
    "application_t2": Form("团队申报书（区外高校院所合作）", PartnerApplicationSchema),
    "application_t3": Form("团队申报书（用人单位自主引进）", PlatformApplicationSchema),
    "application_t4": Form("团队申报书（区外团队来桂创办企业）", EnterpriseApplicationSchema),
    "application_t5": Form("团队申报书（人才中介及研究机构）", AgencyApplicationSchema),
    "recommendation": Form("推荐单位审核", RecommendationSchema),
    "formal_review": Form("形式审查", FormalReviewSchema),
    "expert_assignment": Form("遴选评审专家", ExpertAssignmentSchema),
    "expert_score": Form("专家评分", ExpertScoreSchema),
    "expert_replacement": Form("补选评审专家", ExpertReplacementSchema),
    "award_decision": Form("立项决策", AwardDecisionSchema),
    "objection_review": Form("异议处理", ObjectionReviewSchema),
    "contract": Form("签订任务书", ContractSchema),
    "confirm_contract": Form("确认任务书", ContractConfirmationSchema),
    "midterm_report": Form("中期报告", MidtermReportSchema),
    "midterm_review": Form("中期检查评审", MidtermReviewSchema),
    "rectification": Form("整改报告", RectificationSchema),
    "final_report": Form("结题报告", FinalReportSchema),
    "acceptance_review": Form("验收评审", AcceptanceReviewSchema),
    "withdrawal": Form("撤回申报", WithdrawalSchema),
    "termination": Form("终止项目", TerminationSchema),
    "objection": Form("提出异议", ObjectionSchema),
}


def get(form_key: str) -> Form:
    """The registered form; KeyError naming the key when there is none."""
    try:
        return FORMS[form_key]
    except KeyError:
        raise KeyError(f"未知的表单：{form_key}") from None
