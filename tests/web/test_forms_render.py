"""The form renderer's conversions: posted HTML fields to schema JSON, nested errors to HTML names, views."""
from __future__ import annotations

from werkzeug.datastructures import MultiDict

import forms
from engine import samples
from tests.web.flows import as_form
from web.forms_render import build, flatten_errors, parse, unplaced_errors


def posted(flat: dict[str, str | list[str]]) -> MultiDict[str, str]:
    """What a browser posts for flattened fields (a list is several values under one name)."""
    return MultiDict([(k, v) for k, vs in flat.items() for v in (vs if isinstance(vs, list) else [vs])])


def test_posted_fields_become_the_nested_json_the_schema_loads() -> None:
    data = samples.application("T4", city="柳州市")
    form = posted({**as_form(data), "team-7-name": "", "team-7-title": " "})
    parsed = parse(forms.fields_of("application_t4"), form)
    assert parsed["enterprise"]["founded_on"] == "2022-03-15" and parsed["enterprise"]["office_in_guangxi"] == "true"
    assert [m["name"] for m in parsed["team"]] == ["核心成员1", "核心成员2", "核心成员3", "顾问1"]  # blank row dropped
    assert forms.load("application_t4", parsed) == forms.load("application_t4", data)


def test_rows_keep_their_order_by_index_and_blank_values_are_missing() -> None:
    fields = forms.fields_of("application_t4")
    form = MultiDict([("team-10-name", "乙"), ("team-2-name", "甲"), ("budget_wan", "  "), ("enterprise-name", "")])
    assert parse(fields, form) == {"team": [{"name": "甲"}, {"name": "乙"}], "enterprise": {}}
    assert parse(fields, form, complete=False) == {"team": [{"name": "甲"}, {"name": "乙"}]}


def test_multi_choice_takes_every_checked_value() -> None:
    parsed = parse(forms.fields_of("expert_assignment"), MultiDict([("experts", "3"), ("experts", "5")]))
    assert parsed == {"experts": ["3", "5"]}


def test_nested_errors_are_keyed_by_html_name_and_placed_on_fields() -> None:
    errors = flatten_errors({"budget_wan": ["须为数字"], "team": {0: {"name": ["此项为必填项"]}, "_schema": ["x"]},
                             "enterprise": {"founded_on": ["日期无效"]}, "bogus": ["不允许提交未定义的字段"]})
    assert errors == {"budget_wan": ["须为数字"], "team-0-name": ["此项为必填项"], "team": ["x"],
                      "enterprise-founded_on": ["日期无效"], "bogus": ["不允许提交未定义的字段"]}
    views = build(forms.fields_of("application_t4"), {"team": [{"name": ""}]}, errors, defaults=False)
    by_name = {v.name: v for v in views}
    assert by_name["team"].rows[0][0].errors == ["此项为必填项"] and by_name["team"].errors == ["x"]
    assert by_name["enterprise"].children[2].errors == ["日期无效"]
    assert unplaced_errors(views, errors) == ["不允许提交未定义的字段"]


def test_values_display_with_option_labels() -> None:
    views = build(forms.fields_of("application_t4"), samples.application("T4", city="柳州市"))
    team = next(v for v in views if v.name == "team")
    role, leader = team.rows[0][1], team.rows[0][2]
    assert role.display() == "核心成员" and leader.display() == "是" and leader.is_checked(True)
    assert next(v for v in views if v.name == "summary").display().startswith("引进团队")
