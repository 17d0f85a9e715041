"""Tests of the forms package: loading, Chinese messages, context rules, JSON Schema and field infos."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from marshmallow import ValidationError
from marshmallow import fields as mfields
from marshmallow import validate as mvalidate

import forms
from forms import FormContext

CJK = re.compile(r"[\u4e00-\u9fff]")
REQUIRED = "此项为必填项"


def member(name: str = "张伟", *, leader: bool = False, role: str = "core") -> dict[str, Any]:
    """A valid team member."""
    return {
        "name": name,
        "role": role,
        "is_leader": leader,
        "title": "研究员",
        "institution": "中国科学院某研究所",
        "region": "domestic",
        "work_location": "elsewhere_in_china",
    }


def application(**extra: Any) -> dict[str, Any]:
    """A valid set of the fields common to every track."""
    data: dict[str, Any] = {
        "title": "高性能铝合金材料产业化",
        "summary": "团队在铝合金材料领域有十年积累。",
        "field": "新材料",
        "city": "柳州市",
        "budget_wan": 300,
        "duration_months": 36,
        "team": [member(leader=True), member("李娜"), member("王强", role="advisor")],
    }
    data.update(extra)
    return data


ENTERPRISE = {
    "name": "广西某新材料科技有限公司",
    "credit_code": "91450200MA5KABCD12",
    "founded_on": "2022-05-18",
    "office_address": "柳州市城中区某路1号",
    "office_in_guangxi": True,
    "operating_normally": True,
}

VALID: dict[str, dict[str, Any]] = {
    "application_t1": application(jiebang_problem_id=7, jiebang_kind="breakthrough"),
    "application_t2": application(partner_institution_id=3, cooperation_mode="tech_marriage"),
    "application_t3": application(platform_type="talent_enclave", platform_location="深圳市南山区"),
    "application_t4": application(enterprise=ENTERPRISE),
    "application_t5": application(
        agency={"name": "南宁某人才服务公司", "agency_type": "intermediary"},
        platform_plan="建设人才数据平台与人才热力图。",
        introductions_planned=4,
    ),
    "recommendation": {"decision": "approve"},
    "formal_review": {"decision": "approve"},
    "expert_assignment": {"experts": [11, 12, 13, 14, 15]},
    "expert_score": {"conflict": False, "score": 86.5, "comment": "技术路线清晰。"},
    "expert_replacement": {"replacements": [21]},
    "award_decision": {"decision": "approve", "funding_wan": 200},
    "objection_review": {"decision": "approve", "finding": "经调查，异议不成立。"},
    "contract": {"contract_no": "桂科带土2025001", "signed_on": "2025-03-01", "targets": "引进核心成员5人。"},
    "confirm_contract": {"decision": "approve"},
    "midterm_report": {"progress": "已完成中试。", "spent_wan": 120},
    "midterm_review": {"decision": "approve", "opinion": "进展良好。"},
    "rectification": {"rectification_report": "已按要求完成整改。"},
    "final_report": {"final_summary": "项目按期完成。", "achievements": "授权发明专利3项。"},
    "acceptance_review": {"decision": "approve", "opinion": "同意通过验收。"},
    "withdrawal": {"reason": "团队成员变动。"},
    "termination": {"reason": "项目单位违约。"},
    "objection": {"name": "王明", "organization": "某研究院", "phone": "0771-5550100",
                  "email": "wangming@example.cn", "reason": "申报材料中的业绩存在夸大。", "truthful": True},
}

CONTEXTS = {"expert_replacement": FormContext(task_data={"conflicted": [3]})}


def messages_of(form_key: str, data: Any, context: FormContext | None = None, partial: bool = False) -> Any:
    """The error messages of a load that must fail."""
    with pytest.raises(ValidationError) as caught:
        forms.load(form_key, data, context, partial=partial)
    return caught.value.messages


def leaf_messages(messages: Any) -> list[str]:
    """Every message string in a nested error structure."""
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in leaf_messages(value)]
    if isinstance(messages, list):
        return [m for value in messages for m in leaf_messages(value)]
    return [messages]


def test_every_form_key_has_a_valid_example() -> None:
    assert set(VALID) == forms.form_keys()
    assert len(forms.form_keys()) == 22


@pytest.mark.parametrize("form_key", sorted(VALID))
def test_valid_payload_loads_and_is_json_safe(form_key: str) -> None:
    result = forms.load(form_key, VALID[form_key], CONTEXTS.get(form_key))
    assert json.loads(json.dumps(result)) == result
    for name, value in VALID[form_key].items():
        if not isinstance(value, (dict, list)):
            assert result[name] == value


@pytest.mark.parametrize("form_key", sorted(VALID))
def test_missing_required_fields_have_chinese_messages(form_key: str) -> None:
    required = {info.name for info in forms.fields_of(form_key) if info.required}
    assert required
    messages = messages_of(form_key, {}, CONTEXTS.get(form_key))
    assert {name: messages[name] for name in required} == {name: [REQUIRED] for name in required}


@pytest.mark.parametrize("form_key", sorted(VALID))
def test_unknown_field_is_rejected(form_key: str) -> None:
    data = {**VALID[form_key], "hacker": 1}
    assert messages_of(form_key, data, CONTEXTS.get(form_key)) == {"hacker": ["不允许提交未定义的字段"]}


def test_application_output_types_and_defaults() -> None:
    result = forms.load(
        "application_t4", application(budget_wan="300.5", duration_months="24", enterprise=ENTERPRISE)
    )
    assert result["budget_wan"] == 300.5 and isinstance(result["budget_wan"], float)
    assert result["duration_months"] == 24 and isinstance(result["duration_months"], int)
    assert result["enterprise"]["founded_on"] == "2022-05-18"
    assert result["team"][0] == member(leader=True)


def test_defaults_appear_when_omitted() -> None:
    assert forms.load("formal_review", {"decision": "approve"}) == {
        "decision": "approve",
        "correction_days": 10,
    }
    assert forms.load("midterm_review", VALID["midterm_review"])["rectify_days"] == 20
    assert forms.load("acceptance_review", VALID["acceptance_review"])["rectify_days"] == 20


def test_dates_come_back_as_iso_strings() -> None:
    from_text = forms.load("contract", VALID["contract"])
    from_date = forms.load("contract", {**VALID["contract"], "signed_on": dt.date(2025, 3, 1)})
    assert from_text["signed_on"] == from_date["signed_on"] == "2025-03-01"
    assert messages_of("contract", {**VALID["contract"], "signed_on": "2025-02-30"}) == {
        "signed_on": ["日期无效，格式应为 YYYY-MM-DD"]
    }


@pytest.mark.parametrize(
    ("form_key", "change", "expected"),
    [
        ("application_t1", {"title": None}, {"title": ["此项不能为空"]}),
        ("application_t1", {"title": 123}, {"title": ["须为文本"]}),
        ("application_t1", {"title": "长" * 101}, {"title": ["不能超过 100 个字"]}),
        ("application_t1", {"duration_months": 61}, {"duration_months": ["须在 12 到 60 之间"]}),
        ("application_t1", {"duration_months": 12.5}, {"duration_months": ["须为整数"]}),
        ("application_t1", {"budget_wan": 0}, {"budget_wan": ["须大于 0，且小于或等于 1000000"]}),
        ("application_t1", {"budget_wan": "很多"}, {"budget_wan": ["须为数字"]}),
        ("application_t1", {"city": "北京市"}, {"city": ["所选项不在可选范围内"]}),
        ("application_t1", {"jiebang_kind": "other"}, {"jiebang_kind": ["所选项不在可选范围内"]}),
        ("application_t1", {"team": "张伟"}, {"team": ["须为列表"]}),
        ("application_t1", {"title": "   "}, {"title": [REQUIRED]}),
        ("application_t4", {"enterprise": "公司"}, {"enterprise": ["须为一组字段（对象）"]}),
        ("expert_score", {"conflict": "也许"}, {"conflict": ["须为“是”或“否”"]}),
        ("expert_score", {"score": 101}, {"score": ["须在 0 到 100 之间"]}),
    ],
)
def test_standard_errors_have_chinese_messages(form_key: str, change: dict[str, Any], expected: Any) -> None:
    assert messages_of(form_key, {**VALID[form_key], **change}) == expected


def test_non_object_payload_is_rejected_in_chinese() -> None:
    assert messages_of("withdrawal", ["撤回"]) == {"_schema": ["数据格式无效，应为一组字段（对象）"]}


def test_nested_team_errors_are_indexed() -> None:
    team = [member(leader=True), {**member("李娜"), "role": "boss", "region": None}]
    assert messages_of("application_t3", {**VALID["application_t3"], "team": team}) == {
        "team": {1: {"role": ["所选项不在可选范围内"], "region": ["此项不能为空"]}}
    }


@pytest.mark.parametrize("leaders", [0, 2])
def test_team_needs_exactly_one_leader(leaders: int) -> None:
    team = [member(str(i), leader=i < leaders) for i in range(3)]
    assert messages_of("application_t2", {**VALID["application_t2"], "team": team}) == {
        "team": ["团队中须有且只有一名团队带头人"]
    }


def test_small_team_is_left_to_the_eligibility_table() -> None:
    data = {**VALID["application_t2"], "team": [member(leader=True), member("顾问", role="advisor")]}
    assert len(forms.load("application_t2", data)["team"]) == 2


def test_enterprise_facts_may_be_false_and_credit_code_is_normalised() -> None:
    enterprise = {**ENTERPRISE, "credit_code": "91450200ma5k abcd12", "office_in_guangxi": False}
    enterprise.update(operating_normally=False)
    result = forms.load("application_t4", application(enterprise=enterprise))["enterprise"]
    assert result["credit_code"] == "91450200MA5KABCD12"
    assert [result[k] for k in ("office_in_guangxi", "operating_normally", "leader_is_legal_rep")] == [
        False
    ] * 3


def test_bad_credit_code_is_rejected() -> None:
    enterprise = {**ENTERPRISE, "credit_code": "9145-0200"}
    assert messages_of("application_t4", application(enterprise=enterprise)) == {
        "enterprise": {"credit_code": ["统一社会信用代码应为18位数字或大写字母（不含 I、O、Z、S、V）"]}
    }
    wrong_check = {**ENTERPRISE, "credit_code": "91450200MA5KABCD13"}
    assert messages_of("application_t4", application(enterprise=wrong_check)) == {
        "enterprise": {"credit_code": ["统一社会信用代码校验位不正确，请核对"]}
    }
    beijing = {**ENTERPRISE, "credit_code": "911101080000000007"}  # valid, but not Guangxi's: the DMN decides
    assert forms.load("application_t4", application(enterprise=beijing))["enterprise"]["credit_code"] == (
        "911101080000000007")


def test_partial_accepts_an_incomplete_application_but_not_bad_values() -> None:
    draft = {"title": "草稿", "summary": "", "team": [{"name": "张伟"}]}
    assert forms.load("application_t5", draft, partial=True) == {"title": "草稿", "team": [{"name": "张伟"}]}
    assert messages_of("application_t5", {"city": "北京市"}, partial=True) == {
        "city": ["所选项不在可选范围内"]
    }
    assert messages_of("application_t5", {"title": "草稿"}, partial=False)["field"] == [REQUIRED]


@pytest.mark.parametrize(
    ("form_key", "field", "good", "bad", "message"),
    [
        ("application_t1", "jiebang_problem_id", 7, 8, "所选题目不在榜单上，或申报当日不在其有效期内"),
        ("application_t2", "partner_institution_id", 3, 4,
         "所选院校不在合作院校名单上，或申报当日其合作协议不在有效期内"),
        ("expert_assignment", "experts", [11, 12, 13, 14, 15], [11, 12, 13, 14, 99], "所选项不在可选范围内"),
    ],
)
def test_dynamic_choices_reject_values_outside_them(form_key: str, field: str, good: Any, bad: Any,
                                                     message: str) -> None:
    allowed = [7, 3, 11, 12, 13, 14, 15]
    context = FormContext(choices={field: allowed})
    assert forms.load(form_key, {**VALID[form_key], field: good}, context)[field] == good
    assert messages_of(form_key, {**VALID[form_key], field: bad}, context) == {field: [message]}
    assert forms.load(form_key, {**VALID[form_key], field: bad})[field] == bad


def test_dynamic_choice_without_options_still_checks_the_type() -> None:
    assert messages_of("application_t1", {**VALID["application_t1"], "jiebang_problem_id": "第七题"}) == {
        "jiebang_problem_id": ["须为整数"]
    }


def test_dynamic_choices_accept_value_label_pairs() -> None:
    context = FormContext(choices={"jiebang_problem_id": [(7, "高端铝材轻量化"), (9, "糖料蔗机械化")]})
    assert forms.load("application_t1", VALID["application_t1"], context)["jiebang_problem_id"] == 7


def test_recommendation_opinion_required_on_return_or_reject() -> None:
    for decision in ("return", "reject"):
        assert messages_of("recommendation", {"decision": decision}) == {
            "opinion": ["退回修改或不通过时须填写审核意见"]
        }
    assert (
        forms.load("recommendation", {"decision": "return", "opinion": "补充合作协议"})["opinion"]
        == "补充合作协议"
    )


def test_formal_review_cannot_approve_an_ineligible_application() -> None:
    ineligible = FormContext(task_data={"eligible": False, "eligibility_reason": "核心成员少于3人"})
    assert messages_of("formal_review", {"decision": "approve"}, ineligible) == {
        "decision": ["资格审查未通过的申报不能通过形式审查：核心成员少于3人"]
    }
    no_reason = FormContext(task_data={"eligible": False})
    assert messages_of("formal_review", {"decision": "approve"}, no_reason) == {
        "decision": ["资格审查未通过的申报不能通过形式审查"]
    }
    assert forms.load("formal_review", {"decision": "reject", "opinion": "不符合条件"}, ineligible)
    for task_data in ({"eligible": True}, {}, {"eligible": None}):
        assert forms.load("formal_review", {"decision": "approve"}, FormContext(task_data=task_data))


def test_formal_review_returns_only_once() -> None:
    data = {"decision": "return", "opinion": "补充材料", "correction_days": 5}
    assert forms.load("formal_review", data, FormContext(task_data={"formal_returns": 0})) == data
    assert messages_of("formal_review", data, FormContext(task_data={"formal_returns": 1})) == {
        "decision": ["已退回修改过一次，不能再次退回"]
    }
    assert forms.load("formal_review", {"decision": "approve"}, FormContext(task_data={"formal_returns": 1}))


def test_expert_assignment_count_and_distinct() -> None:
    assert messages_of("expert_assignment", {"experts": [1, 2, 3]}) == {
        "experts": ["须选择 5 位评审专家，当前选择了 3 位"]
    }
    three = FormContext(task_data={"expert_count": 3})
    assert forms.load("expert_assignment", {"experts": [1, 2, 3]}, three) == {"experts": [1, 2, 3]}
    assert messages_of("expert_assignment", {"experts": [1, 2, 2]}, three) == {
        "experts": ["不能重复选择同一项"]
    }


def test_expert_replacement_matches_conflicted_and_uses_expert_choices() -> None:
    context = FormContext(task_data={"conflicted": [3, 4]}, choices={"experts": [21, 22, 23]})
    assert forms.load("expert_replacement", {"replacements": [21, 22]}, context) == {"replacements": [21, 22]}
    assert messages_of("expert_replacement", {"replacements": [21]}, context) == {
        "replacements": ["须补选 2 位专家，当前选择了 1 位"]
    }
    assert messages_of("expert_replacement", {"replacements": [21, 3]}, context) == {
        "replacements": ["所选项不在可选范围内"]
    }


def test_expert_score_conflict_rules() -> None:
    assert forms.load("expert_score", {"conflict": True, "conflict_reason": "与申报单位同单位"}) == {
        "conflict": True,
        "conflict_reason": "与申报单位同单位",
    }
    assert messages_of("expert_score", {"conflict": True}) == {
        "conflict_reason": ["声明回避时须填写回避原因"]
    }
    assert messages_of("expert_score", {"conflict": False}) == {
        "score": ["不回避时须填写评分"],
        "comment": ["不回避时须填写评审意见"],
    }


def test_award_needs_funding_when_approved() -> None:
    assert messages_of("award_decision", {"decision": "approve"}) == {
        "funding_wan": ["同意立项时须填写资助经费"]
    }
    assert forms.load("award_decision", {"decision": "reject", "opinion": "评分靠后"})["decision"] == "reject"


def test_objection_review_only_approve_or_reject() -> None:
    data = {**VALID["objection_review"], "decision": "return"}
    assert messages_of("objection_review", data) == {"decision": ["所选项不在可选范围内"]}


def test_midterm_review_decisions() -> None:
    data = {"decision": "rectify", "opinion": "进度滞后", "rectify_days": 30}
    assert forms.load("midterm_review", data) == data
    assert messages_of("midterm_review", {**data, "decision": "extend"}) == {
        "decision": ["所选项不在可选范围内"]
    }
    assert messages_of("midterm_review", {**data, "rectify_days": 4}) == {
        "rectify_days": ["须在 5 到 60 之间"]
    }


def test_acceptance_rectify_and_extend_only_once() -> None:
    rectify = {"decision": "rectify", "opinion": "补充测试报告"}
    extend = {"decision": "extend", "opinion": "设备延迟到货", "extension_months": 6}
    once = FormContext(task_data={"acceptance_rectifications": 1, "acceptance_extensions": 1})
    assert forms.load("acceptance_review", rectify)["decision"] == "rectify"
    assert forms.load("acceptance_review", extend)["extension_months"] == 6
    assert messages_of("acceptance_review", rectify, once) == {"decision": ["验收整改只能一次"]}
    assert messages_of("acceptance_review", extend, once) == {"decision": ["只能延期一次"]}
    assert (
        forms.load("acceptance_review", {"decision": "reject", "opinion": "未完成指标"}, once)["decision"]
        == "reject"
    )


def test_acceptance_extension_needs_months() -> None:
    data = {"decision": "extend", "opinion": "设备延迟到货"}
    assert messages_of("acceptance_review", data) == {"extension_months": ["选择延期时须填写延期期限"]}
    assert messages_of("acceptance_review", {**data, "extension_months": 13}) == {
        "extension_months": ["须在 1 到 12 之间"]
    }


def test_objection_is_named_and_confirmed_true() -> None:
    named = VALID["objection"]
    assert messages_of("objection", {**named, "name": " ", "phone": ""}) == {
        "name": ["此项为必填项"], "phone": ["此项为必填项"]}
    assert messages_of("objection", {k: v for k, v in named.items() if k != "email"}) == {"email": ["此项为必填项"]}
    assert messages_of("objection", {**named, "truthful": False}) == {
        "truthful": ["须承诺所反映情况属实，不受理匿名或不实异议"]}


@pytest.mark.parametrize("form_key", sorted(VALID))
def test_json_schema_has_chinese_titles(form_key: str) -> None:
    schema = forms.json_schema(form_key)
    assert schema["type"] == "object"
    assert schema["title"] == forms.title(form_key)
    assert CJK.search(schema["title"])
    assert schema["properties"]
    for name, prop in schema["properties"].items():
        assert CJK.search(prop["title"]), name
    json.dumps(schema)


def test_json_schema_details() -> None:
    schema = forms.json_schema("application_t4")
    team_item = schema["properties"]["team"]["items"]
    assert team_item["properties"]["role"]["enum"] == ["core", "advisor"]
    assert team_item["properties"]["role"]["x-enum-labels"] == ["核心成员", "顾问"]
    assert schema["properties"]["enterprise"]["properties"]["founded_on"] == {
        "type": "string",
        "format": "date",
        "title": "成立日期",
        "x-minimum": "1900-01-01",
        "x-maximum": "2100-12-31",
    }
    assert "enterprise" in schema["required"] and schema["additionalProperties"] is False
    review = forms.json_schema("formal_review")
    assert review["properties"]["correction_days"]["default"] == 10
    assert review["required"] == ["decision"]
    assert (
        forms.json_schema("expert_replacement")["properties"]["replacements"]["x-choices-from"] == "experts"
    )


def test_json_schema_is_a_fresh_copy() -> None:
    forms.json_schema("objection")["properties"].clear()
    assert forms.json_schema("objection")["properties"]


def test_fields_of_describes_kinds_choices_and_nesting() -> None:
    context = FormContext(choices={"jiebang_problem_id": [(7, "高端铝材轻量化")]})
    infos = {info.name: info for info in forms.fields_of("application_t1", context)}
    assert {name: info.kind for name, info in infos.items()} == {
        "title": "string",
        "summary": "text",
        "field": "choice",
        "city": "choice",
        "budget_wan": "number",
        "duration_months": "integer",
        "team": "list",
        "jiebang_problem_id": "choice",
        "jiebang_kind": "choice",
    }
    assert infos["title"].label == "申报名称" and infos["title"].required
    assert infos["jiebang_problem_id"].choices == [(7, "高端铝材轻量化")]
    assert infos["jiebang_kind"].choices == [("breakthrough", "技术攻关类"), ("transformation", "成果转化类")]
    assert len(infos["city"].choices) == 14
    team = {info.name: info.kind for info in infos["team"].fields}
    assert team == {
        "name": "string",
        "role": "choice",
        "is_leader": "boolean",
        "title": "string",
        "institution": "string",
        "region": "choice",
        "work_location": "choice",
    }


def test_fields_of_other_kinds_and_defaults() -> None:
    t4 = {info.name: info for info in forms.fields_of("application_t4")}
    assert t4["enterprise"].kind == "object"
    assert {info.name: info.kind for info in t4["enterprise"].fields}["founded_on"] == "date"
    review = {info.name: info for info in forms.fields_of("formal_review")}
    assert (review["correction_days"].default, review["correction_days"].required) == (10, False)
    assert review["decision"].choices == [("approve", "通过"), ("return", "退回修改"), ("reject", "不通过")]
    experts = forms.fields_of("expert_assignment")[0]
    assert (experts.kind, experts.choices_key, experts.choices) == ("multi_choice", "experts", [])


def test_decision_fields_use_the_shared_values() -> None:
    allowed = {"approve", "return", "reject", "rectify", "terminate", "extend"}
    keyed = [key for key in forms.form_keys() if "decision" in forms.json_schema(key)["properties"]]
    assert len(keyed) == 7
    for key in keyed:
        assert set(forms.json_schema(key)["properties"]["decision"]["enum"]) <= allowed


@pytest.mark.parametrize("call", [forms.title, forms.json_schema, forms.fields_of])
def test_unknown_form_key_raises_key_error(call: Any) -> None:
    with pytest.raises(KeyError):
        call("no_such_form")


def test_unknown_form_key_on_load_and_has_form() -> None:
    with pytest.raises(KeyError):
        forms.load("no_such_form", {})
    assert not forms.has_form("no_such_form")
    assert forms.has_form("application_t3")
    assert forms.title("application_t1") == "团队申报书（揭榜制项目）"


@pytest.mark.parametrize("form_key", sorted(VALID))
def test_all_messages_are_chinese(form_key: str) -> None:
    for message in leaf_messages(messages_of(form_key, {"x": 1})):
        assert CJK.search(message), message


CONTROL = "不能包含控制字符（如空字符、退格符）"
CONTROLS = ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x80", "\x85", "\x9b", "\x9f"]


def text_fields(schema: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], bool]]:
    """(path, multi-line) of every free-text field of a form, in nested groups and the first list entry too."""
    found: list[tuple[tuple[Any, ...], bool]] = []
    for name, field in schema.load_fields.items():
        inner = field.inner if isinstance(field, mfields.List) else field
        path = (*prefix, name, 0) if isinstance(field, mfields.List) else (*prefix, name)
        if isinstance(inner, mfields.Nested):
            found += text_fields(inner.schema, path)
        elif isinstance(field, mfields.String) and field.metadata.get("kind") in ("string", "text"):
            found.append((path, field.metadata["kind"] == "text"))
    return found


def with_value(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    """A deep copy of `data` with `value` at `path`."""
    copied = json.loads(json.dumps(data))
    target = copied
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copied


def error_at(messages: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        messages = messages[key]
    return messages


FORM_TEXT_FIELDS = [(key, path, multi) for key in sorted(VALID)
                    for path, multi in text_fields(forms.registry.get(key).schema())]


def test_every_text_field_is_found() -> None:
    names = {(key, path[-1]) for key, path, _ in FORM_TEXT_FIELDS}
    assert {("application_t4", "credit_code"), ("application_t4", "name"), ("application_t1", "summary"),
            ("objection_review", "finding"), ("application_t5", "platform_plan")} <= names


@pytest.mark.parametrize(("form_key", "path", "multiline"), FORM_TEXT_FIELDS,
                         ids=[f"{k}:{'.'.join(map(str, p))}" for k, p, _ in FORM_TEXT_FIELDS])
def test_control_characters_are_refused_in_every_text_field(form_key: str, path: tuple[Any, ...],
                                                            multiline: bool) -> None:
    for char in CONTROLS:
        for value in (f"甲{char}乙", f"{char}甲乙", f"甲乙{char}"):
            messages = messages_of(form_key, with_value(VALID[form_key], path, value))
            assert CONTROL in error_at(messages, path), (char, value, messages)
    for char in ("\n", "\t", "\r"):  # a line break inside is text in a multi-line field only
        data = with_value(VALID[form_key], path, f"甲{char}乙")
        if multiline:
            assert forms.load(form_key, data)
        else:
            assert CONTROL in error_at(messages_of(form_key, data), path), repr(char)


def test_multi_line_text_keeps_line_breaks_and_tabs() -> None:
    loaded = forms.load("rectification", {"rectification_report": "  已整改完毕\r\n\t附件见后\n  "})
    assert loaded["rectification_report"] == "已整改完毕\n\t附件见后"


def test_a_draft_refuses_control_characters_too() -> None:
    with pytest.raises(ValidationError) as caught:
        forms.load("application_t4", {"title": "新能源\x00团队"}, partial=True)
    assert caught.value.messages == {"title": [CONTROL]}


def all_fields(schema: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted name, field) of every field of a schema, nested groups and list entries included."""
    found: list[tuple[str, Any]] = []
    for name, field in schema.load_fields.items():
        found.append((f"{prefix}{name}", field))
        inner = field.inner if isinstance(field, mfields.List) else field
        if isinstance(inner, mfields.Nested):
            found += all_fields(inner.schema, f"{prefix}{name}.")
        elif inner is not field:
            found.append((f"{prefix}{name}[]", inner))
    return found


def validators_of(field: Any, kind: type) -> list[Any]:
    return [v for v in field.validators if isinstance(v, kind)]


@pytest.mark.parametrize("form_key", sorted(forms.form_keys()))
def test_every_field_of_every_form_is_bounded(form_key: str) -> None:
    for name, field in all_fields(forms.registry.get(form_key).schema()):
        where = f"{form_key}.{name}"
        if isinstance(field, mfields.Number | mfields.Date) and not isinstance(field, mfields.Boolean):
            (rng,) = validators_of(field, mvalidate.Range)
            assert rng.min is not None and rng.max is not None, where
            assert not getattr(field, "allow_nan", False), where
        elif isinstance(field, mfields.List):
            counts = validators_of(field, mvalidate.Length)
            assert counts and all(c.max is not None for c in counts), where
        elif isinstance(field, mfields.String):
            limits = validators_of(field, mvalidate.Length) + validators_of(field, mvalidate.OneOf) + \
                validators_of(field, mvalidate.Regexp)
            assert limits and all(getattr(v, "max", 0) is not None for v in limits), where


@pytest.mark.parametrize(("form_key", "change", "field"), [
    ("application_t1", {"budget_wan": 1e308}, "budget_wan"),
    ("application_t1", {"budget_wan": 1_000_000.5}, "budget_wan"),
    ("application_t1", {"budget_wan": 10**400}, "budget_wan"),
    ("application_t1", {"budget_wan": "NaN"}, "budget_wan"),
    ("application_t1", {"budget_wan": "Infinity"}, "budget_wan"),
    ("application_t1", {"budget_wan": float("inf")}, "budget_wan"),
    ("application_t1", {"budget_wan": float("nan")}, "budget_wan"),
    ("application_t1", {"budget_wan": "1e999"}, "budget_wan"),
    ("application_t1", {"duration_months": 10**30}, "duration_months"),
    ("application_t1", {"team": [member(leader=True)] + [member(f"成员{i}") for i in range(100)]}, "team"),
    ("application_t4", {"enterprise": {**ENTERPRISE, "founded_on": "0001-01-01"}}, "enterprise"),
    ("application_t4", {"enterprise": {**ENTERPRISE, "founded_on": "9999-12-31"}}, "enterprise"),
    ("application_t4", {"enterprise": {**ENTERPRISE, "founded_on": "1899-12-31"}}, "enterprise"),
    ("application_t5", {"introductions_planned": 5000}, "introductions_planned"),
    ("contract", {"signed_on": "2101-01-01"}, "signed_on"),
    ("contract", {"budget_wan": 2_000_000}, "budget_wan"),
    ("midterm_report", {"spent_wan": 1e308}, "spent_wan"),
    ("final_report", {"spent_wan": -1}, "spent_wan"),
    ("award_decision", {"funding_wan": 1e308}, "funding_wan"),
    ("expert_score", {"score": float("nan")}, "score"),
    ("expert_score", {"score": 100.0001}, "score"),
    ("expert_assignment", {"experts": list(range(1, 17))}, "experts"),
    ("expert_assignment", {"experts": [2**31]}, "experts"),
    ("expert_replacement", {"replacements": list(range(1, 17))}, "replacements"),
    ("acceptance_review", {"decision": "extend", "extension_months": 10**20}, "extension_months"),
])
def test_out_of_bounds_values_are_refused(form_key: str, change: dict[str, Any], field: str) -> None:
    messages = messages_of(form_key, {**VALID[form_key], **change})
    assert field in messages, messages
    for message in leaf_messages(messages):
        assert CJK.search(message), message


def test_values_at_the_bounds_are_accepted() -> None:
    top = {**VALID["application_t4"], "budget_wan": 1_000_000,
           "team": [member(leader=True)] + [member(f"成员{i}") for i in range(99)],
           "enterprise": {**ENTERPRISE, "founded_on": "1900-01-01"}}
    assert forms.load("application_t4", top)["budget_wan"] == 1_000_000
    assert forms.load("contract", {**VALID["contract"], "signed_on": "2100-12-31"})["signed_on"] == "2100-12-31"
    assert forms.load("expert_score", {**VALID["expert_score"], "score": 100})["score"] == 100


def test_t4_legal_representative_and_largest_shareholder_are_team_members() -> None:
    team = [{**member(leader=True), "is_largest_shareholder": True}, {**member("李娜"), "is_legal_rep": True}]
    result = forms.load("application_t4", application(team=team, enterprise=ENTERPRISE))
    assert (result["enterprise"]["leader_is_legal_rep"], result["enterprise"]["leader_is_largest_shareholder"]) == (
        False, True)
    two_reps = [{**member(leader=True), "is_legal_rep": True}, {**member("李娜"), "is_legal_rep": True}]
    assert messages_of("application_t4", application(team=two_reps, enterprise=ENTERPRISE)) == {
        "team": ["企业法定代表人只能有一人"]}
    sent = {**ENTERPRISE, "leader_is_legal_rep": True}  # derived now, never sent
    assert "leader_is_legal_rep" in messages_of("application_t4", application(enterprise=sent))["enterprise"]


def test_city_is_the_organisations_whatever_is_sent() -> None:
    context = forms.FormContext(task_data={"city": "南宁市"})
    loaded = forms.load("application_t2", {**VALID["application_t2"], "city": "柳州市"}, context)
    assert loaded["city"] == "南宁市"


def test_work_location_is_required_of_every_member() -> None:
    team = [{k: v for k, v in member(leader=True).items() if k != "work_location"}]
    assert messages_of("application_t2", {**VALID["application_t2"], "team": team}) == {
        "team": {0: {"work_location": [REQUIRED]}}}


def test_award_funding_is_at_most_the_budget_asked_for() -> None:
    context = forms.FormContext(task_data={"budget_wan": 300})
    decision = {"decision": "approve", "opinion": "同意", "funding_wan": 300}
    assert forms.load("award_decision", decision, context)["funding_wan"] == 300
    assert messages_of("award_decision", {**decision, "funding_wan": 5000}, context=context) == {
        "funding_wan": ["资助经费不能超过申报预算（300 万元）"]}


def test_award_funding_is_at_most_the_calls_cap_as_well() -> None:
    context = forms.FormContext(task_data={"budget_wan": 500, "funding_cap_wan": 300})
    decision = {"decision": "approve", "opinion": "同意", "funding_wan": 300}
    assert forms.load("award_decision", decision, context)["funding_wan"] == 300
    assert messages_of("award_decision", {**decision, "funding_wan": 300.01}, context=context) == {
        "funding_wan": ["资助经费不能超过本批次单项资助上限（300 万元）"]}
    both = forms.FormContext(task_data={"budget_wan": 200, "funding_cap_wan": 150})
    assert messages_of("award_decision", {**decision, "funding_wan": 250}, context=both) == {
        "funding_wan": ["资助经费不能超过申报预算（200 万元）", "资助经费不能超过本批次单项资助上限（150 万元）"]}
    uncapped = forms.FormContext(task_data={"budget_wan": 5000, "funding_cap_wan": None})
    assert forms.load("award_decision", {**decision, "funding_wan": 5000}, uncapped)["funding_wan"] == 5000


def test_contract_is_signed_between_the_award_decision_and_today() -> None:
    context = forms.FormContext(task_data={"award_decided_on": "2025-09-26"}, today=dt.date(2025, 10, 20))
    contract = VALID["contract"]
    for day in ("2025-09-26", "2025-10-20"):
        assert forms.load("contract", {**contract, "signed_on": day}, context)["signed_on"] == day
    assert messages_of("contract", {**contract, "signed_on": "2025-09-25"}, context=context) == {
        "signed_on": ["签订日期不能早于立项决策日期（2025-09-26）"]}
    assert messages_of("contract", {**contract, "signed_on": "2025-10-21"}, context=context) == {
        "signed_on": ["签订日期不能晚于今天（2025-10-20）"]}


def test_a_contract_goes_back_only_with_an_opinion() -> None:
    assert messages_of("confirm_contract", {"decision": "return"}) == {"opinion": ["退回重签时须填写意见"]}
    assert forms.load("confirm_contract", {"decision": "return", "opinion": "指标不符。"})["decision"] == "return"
