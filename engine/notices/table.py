"""THE notice table: which process event tells whom what, in Chinese.

An event is named after a BPMN element id, the same in every track's diagram and shared call activity:

- `ran:ELEMENT` — the element finished in this command (a script task, a user task, an event);
- `ready:ELEMENT` — the user task became someone's to do (one inbox row).

`when` is an expression over the task data at that moment, run in the process-code sandbox; a name
missing from the data is None. `to` names the recipients:

- `applicant` — the user who applied; `recommenders` — the recommenders of the application's city;
- `officers` — every officer; `workers` — whoever may work the ready task (its assignee, or the group);
- `completer` — who completed the user task that ran; `objector` — the objector's e-mail only.

Templates are `str.format` text over the facts of the event (see `engine.notices.facts`): `{title}`,
`{city}`, `{reason}`, `{deadline}`, `{publicity_ends}`, `{funding}`, `{decision}`, `{task}`, `{reply}`,
`{acceptance_at}`, `{objector}`. `link` is where the person acts or reads the result: the
application's record (`application`), the task (`task`) or the public publicity page (`publicity`).
Changing who is told, or the wording, is an edit of this table, never of a page.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """A kind of notice, as the administrator sees it (and may switch off)."""

    label: str
    who: str


@dataclass(frozen=True)
class Rule:
    """One line of the table: on `on` (when `when`), tell `to` this `title` and `body`."""

    on: str
    kind: str
    to: tuple[str, ...]
    title: str
    body: str
    link: str = "application"
    when: str | None = None
    reason: str = "opinion"  # the data path read as {reason}
    deadline: str | None = None  # a data path, or "due_at" for the ready task's due date


KINDS: dict[str, Kind] = {
    "submitted": Kind("申报已提交", "申报单位"),
    "recommended": Kind("已获推荐，进入形式审查", "申报单位"),
    "returned": Kind("退回修改", "申报单位"),
    "rejected": Kind("未通过（不予推荐、形式审查不通过、不予立项）", "申报单位"),
    "expert_review_started": Kind("进入专家评审", "申报单位"),
    "publicity_started": Kind("拟立项并公示", "申报单位"),
    "objection_received": Kind("公示期间收到异议", "申报单位"),
    "objection_result": Kind("异议处理结果", "申报单位"),
    "contract_due": Kind("正式立项，请签订任务书", "申报单位"),
    "contract_returned": Kind("任务书退回重签", "申报单位"),
    "contract_confirmed": Kind("任务书已确认，进入实施期", "申报单位"),
    "midterm_due": Kind("中期检查开始，请提交中期报告", "申报单位"),
    "midterm_result": Kind("中期检查结论", "申报单位"),
    "acceptance_due": Kind("验收开始，请提交验收报告", "申报单位"),
    "acceptance_result": Kind("验收结论", "申报单位"),
    "extension_granted": Kind("同意延期验收", "申报单位"),
    "deemed_withdrawn": Kind("逾期未补正，视为撤回", "申报单位"),
    "award_revoked": Kind("撤销立项", "申报单位"),
    "terminated": Kind("项目终止", "申报单位"),
    "to_recommend": Kind("新的申报待推荐", "推荐单位"),
    "corrected_back": Kind("修改后的申报待推荐", "推荐单位"),
    "arrived": Kind("推荐的申报待形式审查", "科技厅经办人"),
    "expert_conflict": Kind("专家声明回避，需补选", "科技厅经办人"),
    "scores_in": Kind("专家评分全部提交", "科技厅经办人"),
    "objection_filed": Kind("收到公示异议", "科技厅经办人"),
    "contract_signed": Kind("任务书已签订，待确认", "科技厅经办人"),
    "report_submitted": Kind("报告已提交", "科技厅经办人"),
    "expert_assigned": Kind("受邀评审", "评审专家"),
    "expert_released": Kind("回避后解除评审任务", "评审专家"),
    "objection_reply": Kind("异议答复（邮件）", "异议人"),
}

RESUBMITTED = 'decision == "return"'

RULES: tuple[Rule, ...] = (
    # -- application and recommendation -----------------------------------------------------------
    Rule("ready:recommendation", "submitted", ("applicant",), "申报已提交：{title}",
         "您的申报《{title}》已提交，已送{city}推荐单位审核推荐。"),
    Rule("ready:recommendation", "to_recommend", ("workers",), "新的申报待推荐：{title}",
         "{city}的申报《{title}》已提交，请在{deadline}前审核并出具推荐意见。", link="task", deadline="due_at",
         when=f"not ({RESUBMITTED})"),
    Rule("ready:recommendation", "corrected_back", ("workers",), "修改后的申报待推荐：{title}",
         "退回修改的申报《{title}》已重新提交，请在{deadline}前再次审核。", link="task", deadline="due_at",
         when=RESUBMITTED),
    Rule("ready:application_form", "returned", ("applicant",), "申报被退回修改：{title}",
         "推荐单位将您的申报《{title}》退回修改。退回理由：{reason}。请在申报截止时间（{deadline}）前修改后重新提交。",
         link="task", deadline="due_at", when=RESUBMITTED),
    Rule("ran:set_recommendation_rejected", "rejected", ("applicant",), "申报未获推荐：{title}",
         "推荐单位决定不予推荐您的申报《{title}》。理由：{reason}。"),
    # -- formal review ------------------------------------------------------------------------
    Rule("ready:formal_review_task", "recommended", ("applicant",), "申报进入形式审查：{title}",
         "您的申报《{title}》已送科技厅进行形式审查。"),
    Rule("ready:formal_review_task", "arrived", ("workers",), "申报待形式审查：{title}",
         "{city}的申报《{title}》已到达，请在{deadline}前完成形式审查。", link="task", deadline="due_at"),
    Rule("ready:correction", "returned", ("applicant",), "申报被退回补正：{title}",
         "科技厅形式审查将您的申报《{title}》退回补正。退回理由：{reason}。请在{deadline}前补正并重新提交，逾期视为撤回。",
         link="task", deadline="correction_deadline"),
    Rule("ran:set_formal_rejected", "rejected", ("applicant",), "形式审查未通过：{title}",
         "您的申报《{title}》未通过形式审查。理由：{reason}。"),
    Rule("ran:set_correction_overdue", "deemed_withdrawn", ("applicant",), "逾期未补正，视为撤回：{title}",
         "您的申报《{title}》未在补正期限内重新提交，按规定视为撤回。", reason="withdrawn_reason"),
    # -- expert review ------------------------------------------------------------------------
    Rule("ran:set_expert_review_stage", "expert_review_started", ("applicant",), "申报进入专家评审：{title}",
         "您的申报《{title}》已通过形式审查，进入专家评审。"),
    Rule("ready:expert_score", "expert_assigned", ("workers",), "评审邀请：{title}",
         "您被遴选为申报《{title}》的评审专家，请先作出回避声明，并在{deadline}前完成评分。", link="task",
         deadline="due_at"),
    Rule("ran:expert_score", "expert_released", ("completer",), "已解除评审任务：{title}",
         "您已就申报《{title}》声明回避，该评审任务已解除，感谢您的配合。", when="conflict"),
    Rule("ready:replace_experts", "expert_conflict", ("workers",), "专家声明回避，请补选：{title}",
         "申报《{title}》有评审专家声明回避，请在{deadline}前补选专家。", link="task", deadline="due_at"),
    Rule("ready:award_decision", "scores_in", ("workers",), "专家评分已全部提交：{title}",
         "申报《{title}》的专家评分已全部提交，请在{deadline}前作出立项决策。", link="task", deadline="due_at"),
    # -- award, publicity, objections, contract ---------------------------------------------------
    Rule("ran:set_award_rejected", "rejected", ("applicant",), "不予立项：{title}",
         "经研究，您的申报《{title}》不予立项。意见：{reason}。"),
    Rule("ran:start_publicity", "publicity_started", ("applicant",), "拟立项并公示：{title}",
         "您的申报《{title}》拟予立项（拟资助{funding}万元），现予公示，公示期至{publicity_ends}。"
         "公示期满无异议后正式立项。"),
    Rule("ready:objection_review", "objection_received", ("applicant",), "公示期间收到异议：{title}",
         "您的申报《{title}》在公示期间收到异议，科技厅正在核查，核查结果将另行通知。"),
    Rule("ready:objection_review", "objection_filed", ("workers",), "收到公示异议，请核查：{title}",
         "公示中的申报《{title}》收到实名异议，请在{deadline}前核查并答复异议人。", link="task",
         deadline="due_at"),
    Rule("ran:objection_review", "objection_result", ("applicant",), "异议核查结果：{title}",
         "对您的申报《{title}》所提异议，经核查：{decision}。", when='decision == "approve"'),
    Rule("ran:set_objection_upheld", "objection_result", ("applicant",), "异议成立，不予立项：{title}",
         "对您的申报《{title}》所提异议经核查成立，不予立项。核查结论：{reason}。", reason="finding"),
    Rule("ran:objection_review", "objection_reply", ("objector",), "您提出的异议已有核查结果",
         "{objector}：\n\n您对公示项目《{title}》提出的异议，经核查：{decision}。\n\n答复：{reply}",
         link="publicity"),
    Rule("ready:contract_signing", "contract_due", ("applicant",), "正式立项，请签订任务书：{title}",
         "公示期满，您的申报《{title}》已正式立项。请在{deadline}前签订任务书，逾期将撤销立项。", link="task",
         deadline="contract_deadline", when="not contract_returns"),
    Rule("ready:contract_signing", "contract_returned", ("applicant",), "任务书退回重签：{title}",
         "项目《{title}》的任务书经科技厅核对退回。意见：{reason}。请在{deadline}前重新签订，逾期将撤销立项。",
         link="task", deadline="contract_deadline", when="contract_returns"),
    Rule("ready:confirm_contract", "contract_signed", ("workers",), "任务书已签订，请确认：{title}",
         "项目《{title}》的任务书已签订，请在{deadline}前核对确认或退回重签。", link="task", deadline="due_at"),
    Rule("ran:set_award_signed", "contract_confirmed", ("applicant",), "任务书已确认：{title}",
         "项目《{title}》的任务书已经科技厅确认，项目进入实施期，中期检查和验收时间自确认之日起算。"),
    Rule("ran:set_award_revoked", "award_revoked", ("applicant",), "撤销立项：{title}",
         "项目《{title}》{reason}。", reason="revoked_reason"),
    # -- midterm and acceptance ---------------------------------------------------------------
    Rule("ready:midterm_report", "midterm_due", ("applicant",), "请提交中期报告：{title}",
         "项目《{title}》已到中期检查时间，请在{deadline}前提交中期报告。", link="task", deadline="due_at"),
    Rule("ready:final_report", "acceptance_due", ("applicant",), "请提交验收报告：{title}",
         "项目《{title}》已到验收时间，请在{deadline}前提交验收报告。", link="task", deadline="due_at"),
    Rule("ran:midterm_report", "report_submitted", ("officers",), "中期报告已提交：{title}",
         "项目《{title}》已提交中期报告，请组织中期检查。"),
    Rule("ran:midterm_rectification", "report_submitted", ("officers",), "整改报告已提交：{title}",
         "项目《{title}》已提交中期整改报告，请评议。"),
    Rule("ran:final_report", "report_submitted", ("officers",), "验收报告已提交：{title}",
         "项目《{title}》已提交验收报告，请组织验收。"),
    Rule("ran:acceptance_rectification", "report_submitted", ("officers",), "验收整改材料已提交：{title}",
         "项目《{title}》已提交验收整改材料，请评议。"),
    Rule("ran:set_midterm_passed", "midterm_result", ("applicant",), "中期检查通过：{title}",
         "项目《{title}》中期检查通过。意见：{reason}。"),
    Rule("ready:midterm_rectification", "midterm_result", ("applicant",), "中期检查要求整改：{title}",
         "项目《{title}》中期检查结论为整改。意见：{reason}。请在{deadline}前提交整改报告，逾期将终止项目。",
         link="task", deadline="rectify_deadline"),
    Rule("ran:set_accepted", "acceptance_result", ("applicant",), "验收通过：{title}",
         "项目《{title}》通过验收。意见：{reason}。"),
    Rule("ready:acceptance_rectification", "acceptance_result", ("applicant",), "验收要求整改：{title}",
         "项目《{title}》验收结论为整改。意见：{reason}。请在{deadline}前提交整改材料，逾期将终止项目。",
         link="task", deadline="rectify_deadline"),
    Rule("ran:set_failed", "acceptance_result", ("applicant",), "验收未通过：{title}",
         "项目《{title}》未通过验收。意见：{reason}。"),
    Rule("ran:extend_acceptance", "extension_granted", ("applicant",), "同意延期验收：{title}",
         "项目《{title}》获准延期验收，验收时间推迟至{acceptance_at}。意见：{reason}。"),
    # -- termination --------------------------------------------------------------------------
    Rule("ran:set_midterm_terminated", "terminated", ("applicant",), "项目终止：{title}",
         "项目《{title}》中期检查未通过或逾期未整改，项目终止。意见：{reason}。"),
    Rule("ran:set_acceptance_terminated", "terminated", ("applicant",), "项目终止：{title}",
         "项目《{title}》逾期未提交验收整改材料，项目终止。"),
    Rule("ran:set_terminated_before_award", "terminated", ("applicant",), "申报已被终止：{title}",
         "科技厅终止了您的申报《{title}》。理由：{reason}。", reason="termination.reason"),
    Rule("ran:set_terminated_after_award", "terminated", ("applicant",), "项目已被终止：{title}",
         "科技厅终止了项目《{title}》。理由：{reason}。", reason="termination.reason"),
)
