"""Application forms: the fields common to every track and each track's extras."""
from __future__ import annotations

from typing import Any

from marshmallow import post_load
from stdnum.cn import uscc

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
    work_location = choice("现工作所在地", choices.WORK_LOCATIONS, help="申报时的工作地点：广西区内、国内区外或境外")


class ApplicationSchema(FormSchema):
    """Fields every track's application has."""

    title = string("申报名称", max_length=100)
    summary = text("项目简介", max_length=2000, help="团队、项目和技术的基本情况，不超过2000字")
    field = choice("技术领域", choices.TECH_FIELD_OPTIONS)
    city = choice("所在地市", choices.CITY_OPTIONS, required=False,
                  help="申报单位所在的设区市，由申报单位登记信息决定，据此交由该市推荐")
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

    @post_load
    def _organisation_city(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """The city is the applicant organisation's (it decides the recommender): a value sent is ignored."""
        known = self.form_context.task_data.get("city")
        if known:
            data["city"] = known
        return data


class JiebangApplicationSchema(ApplicationSchema):
    """Track 1: a team unveils a problem on the Department's 揭榜 list."""

    choice_messages = {"jiebang_problem_id": "所选题目不在榜单上，或申报当日不在其有效期内"}

    jiebang_problem_id = dynamic_choice("揭榜题目", "jiebang_problem_id",
                                        help="从科技厅发布的榜单中选择（须在有效期内）")
    jiebang_kind = choice("揭榜类别", choices.JIEBANG_KINDS)


class PartnerApplicationSchema(ApplicationSchema):
    """Track 2: cooperation with an out-of-region institution that has an agreement with Guangxi."""

    choice_messages = {"partner_institution_id": "所选院校不在合作院校名单上，或申报当日其合作协议不在有效期内"}

    partner_institution_id = dynamic_choice(
        "合作高校院所", "partner_institution_id", help="须为与广西签订合作协议且协议在有效期内的区外高校、科研院所"
    )
    cooperation_mode = choice("合作方式", choices.COOPERATION_MODES)


class PlatformApplicationSchema(ApplicationSchema):
    """Track 3: the employer introduces the team through its own platform."""

    platform_type = choice("引进平台类型", choices.PLATFORM_TYPES)
    platform_location = string("平台所在地", max_length=100,
                               help="写明省（区、市）或国家和城市，如“广西南宁市”“广东省深圳市”“新加坡”")


class EnterpriseSchema(FormSchema):
    """The enterprise an out-of-region team founded in Guangxi; its facts are judged by the DMN."""

    name = string("企业名称", max_length=100)
    credit_code = code(
        "统一社会信用代码",
        r"^[0-9A-HJ-NP-RTUW-Y]{18}$",
        "统一社会信用代码应为18位数字或大写字母（不含 I、O、Z、S、V）",
    )
    founded_on = date("成立日期")
    office_address = string("办公地址", max_length=200)
    office_in_guangxi = boolean("是否在广西有实际办公场所")
    operating_normally = boolean("是否正常经营")

    def rules(self, data: dict[str, Any], complete: bool) -> Errors:
        """The credit code's check character (GB 32100-2015) must be right: a wrong one is a typing error."""
        credit_code = data.get("credit_code")
        if credit_code and not uscc.is_valid(credit_code):
            return {"credit_code": ["统一社会信用代码校验位不正确，请核对"]}
        return {}


class EnterpriseTeamMemberSchema(TeamMemberSchema):
    """A member of a team that founded an enterprise: who is its legal representative and largest shareholder."""

    is_legal_rep = boolean("企业法定代表人", required=False)
    is_largest_shareholder = boolean("企业第一大股东", required=False)


class EnterpriseApplicationSchema(ApplicationSchema):
    """Track 4: an out-of-region team founds an enterprise in Guangxi."""

    team = entries(
        "团队成员",
        EnterpriseTeamMemberSchema,
        "团队成员",
        max_items=MAX_TEAM,
        help="核心成员一般不少于3人（顾问不计入），须指定一名团队带头人；标明企业法定代表人和第一大股东",
    )
    enterprise = group("创办企业信息", EnterpriseSchema)

    def rules(self, data: dict[str, Any], complete: bool) -> Errors:
        """One leader; at most one legal representative and one largest shareholder among the members."""
        errors = super().rules(data, complete)
        team = data.get("team") or []
        for flag, label in (("is_legal_rep", "企业法定代表人"), ("is_largest_shareholder", "企业第一大股东")):
            if sum(1 for member in team if member.get(flag)) > 1:
                errors.setdefault("team", []).append(f"{label}只能有一人")
        return errors

    @post_load
    def _leader_controls(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Whether the leader is the legal representative or largest shareholder follows from the member rows."""
        enterprise, team = data.get("enterprise"), data.get("team")
        if isinstance(enterprise, dict) and team is not None:
            leader: dict[str, Any] = next((m for m in team if m.get("is_leader")), {})
            enterprise["leader_is_legal_rep"] = bool(leader.get("is_legal_rep"))
            enterprise["leader_is_largest_shareholder"] = bool(leader.get("is_largest_shareholder"))
        return data


class AgencySchema(FormSchema):
    """The applying talent agency."""

    name = string("机构名称", max_length=100)
    agency_type = choice("机构类型", choices.AGENCY_TYPES)


class AgencyApplicationSchema(ApplicationSchema):
    """Track 5: an in-region talent agency brokers introductions."""

    agency = group("申报机构信息", AgencySchema)
    platform_plan = text("人才数据平台建设方案", help="人才数据平台、人才画像、人才热力图的建设方案")
    introductions_planned = integer("计划促成引进团队数", minimum=0, maximum=100, help="本计划共引进 100 个团队")
