"""Fixed option lists of the forms: (value, Chinese label) pairs."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

Options = Sequence[tuple[str, str]]

GUANGXI_CITIES: tuple[str, ...] = (
    "南宁市", "柳州市", "桂林市", "梧州市", "北海市", "防城港市", "钦州市",
    "贵港市", "玉林市", "百色市", "贺州市", "河池市", "来宾市", "崇左市",
)

TECH_FIELDS: tuple[str, ...] = (
    "新一代信息技术", "高端装备制造", "新材料", "生物医药", "新能源汽车", "绿色环保",
    "现代农业", "海洋经济", "大健康", "数字经济", "其他",
)

CITY_OPTIONS: Options = tuple((city, city) for city in GUANGXI_CITIES)
TECH_FIELD_OPTIONS: Options = tuple((name, name) for name in TECH_FIELDS)

MEMBER_ROLES: Options = (("core", "核心成员"), ("advisor", "顾问"))
MEMBER_REGIONS: Options = (("domestic", "国内"), ("overseas", "海外"))
WORK_LOCATIONS: Options = (("guangxi", "广西区内"), ("elsewhere_in_china", "国内区外"), ("abroad", "境外"))

JIEBANG_KINDS: Options = (("breakthrough", "技术攻关类"), ("transformation", "成果转化类"))
COOPERATION_MODES: Options = (("joint_research", "联合攻关"), ("tech_marriage", "技术联姻"))
PLATFORM_TYPES: Options = (
    ("headquarters", "区内总部"),
    ("offshore_innovation_base", "离岸创新创业基地"),
    ("offshore_incubator", "离岸孵化基地"),
    ("talent_enclave", "人才飞地"),
)
AGENCY_TYPES: Options = (("intermediary", "人才中介机构"), ("research", "人才研究机构"))

DECISION_LABELS: dict[str, str] = {
    "approve": "通过",
    "return": "退回修改",
    "reject": "不通过",
    "rectify": "整改",
    "terminate": "终止",
    "extend": "延期",
}


def decision_options(values: Sequence[str], labels: Mapping[str, str] | None = None) -> Options:
    """Decision options in the given order, with per-form label overrides."""
    overrides = labels or {}
    return tuple((value, overrides.get(value, DECISION_LABELS[value])) for value in values)
