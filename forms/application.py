"""Application forms: the fields common to every track and each track's extras."""
from __future__ import annotations

from typing import Any

from forms import choices
from forms.base import Errors, FormSchema
from forms.inputs import (
    MAX_WAN,
    boolean,
    choice,
    code,
    date,
    dynamic_choice,
    entries,
    group,
    integer,
    number,
    string,
    text,
)

ONE_LEADER = "团队中须有且只有一名团队带头人"
MAX_TEAM = 100


class TeamMemberSchema(FormSchema):
    """One member of the introduced team."""

    name = string("姓名", max_length=50)
    role = choice("成员类型", choices.MEMBER_ROLES, help="核心成员计入团队人数，顾问不计入")
    is_leader = boolean("是否团队带头人")
    title = string("职称", max_length=50)
    institution = string("工作单位", max_length=100)
    region = choice("来源地区", choices.MEMBER_REGIONS)


class ApplicationSchema(FormSchema):
    """Fields every track's application has."""

    title = string("申报名称", max_length=100)
    summary = text("项目简介", max_length=2000, help="团队、项目和技术的基本情况，不超过2000字")
    field = choice("技术领域", choices.TECH_FIELD_OPTIONS)
    city = choice("所在地市", choices.CITY_OPTIONS, help="申报单位所在的设区市")
    budget_wan = number("项目总预算（万元）", exclusive_minimum=0, maximum=MAX_WAN)
    duration_months = integer("实施周期（月）", minimum=12, maximum=60)
    team = entries(
        "团队成员",
        TeamMemberSchema,
        "团队成员",
        max_items=MAX_TEAM,
        help="核心成员一般不少于3人（顾问不计入），须指定一名团队带头人",
    )

    def rules(self, data: dict[str, Any], complete: bool) -> Errors:
        """Exactly one leader in a complete application; never more than one in a draft."""
        team = data.get("team")
        if team is None:
            return {}
        leaders = sum(1 for member in team if member.get("is_leader"))
        if leaders > 1 or (complete and leaders != 1):
            return {"team": [ONE_LEADER]}
        return {}


class JiebangApplicationSchema(ApplicationSchema):
    """Track 1: a team unveils a problem on the Department's 揭榜 list."""

    jiebang_problem_id = dynamic_choice("揭榜题目", "jiebang_problem_id", help="从科技厅发布的榜单中选择")
    jiebang_kind = choice("揭榜类别", choices.JIEBANG_KINDS)


class PartnerApplicationSchema(ApplicationSchema):
    """Track 2: cooperation with an out-of-region institution that has an agreement with Guangxi."""

    partner_institution_id = dynamic_choice(
        "合作高校院所", "partner_institution_id", help="须为已与广西签订合作协议的区外高校、科研院所"
    )
    cooperation_mode = choice("合作方式", choices.COOPERATION_MODES)


class PlatformApplicationSchema(ApplicationSchema):
    """Track 3: the employer introduces the team through its own platform."""

    platform_type = choice("引进平台类型", choices.PLATFORM_TYPES)
    platform_location = string("平台所在地", max_length=100)


class EnterpriseSchema(FormSchema):
    """The enterprise an out-of-region team founded in Guangxi; its facts are judged by the DMN."""

    name = string("企业名称", max_length=100)
    credit_code = code(
        "统一社会信用代码",
        r"^[0-9A-Z]{18}$",
        "统一社会信用代码应为18位数字或大写字母",
    )
    founded_on = date("成立日期")
    office_address = string("办公地址", max_length=200)
    office_in_guangxi = boolean("是否在广西有实际办公场所")
    operating_normally = boolean("是否正常经营")
    leader_is_legal_rep = boolean("团队带头人是否为企业法人")
    leader_is_largest_shareholder = boolean("团队带头人是否为第一大股东")


class EnterpriseApplicationSchema(ApplicationSchema):
    """Track 4: an out-of-region team founds an enterprise in Guangxi."""

    enterprise = group("创办企业信息", EnterpriseSchema)


class AgencySchema(FormSchema):
    """The applying talent agency."""

    name = string("机构名称", max_length=100)
    agency_type = choice("机构类型", choices.AGENCY_TYPES)


class AgencyApplicationSchema(ApplicationSchema):
    """Track 5: an in-region talent agency brokers introductions."""

    agency = group("申报机构信息", AgencySchema)
    platform_plan = text("人才数据平台建设方案", help="人才数据平台、人才画像、人才热力图的建设方案")
    introductions_planned = integer("计划促成引进团队数", minimum=0, maximum=100, help="本计划共引进 100 个团队")
