"""Where a place named in free text lies: in Guangxi, elsewhere in mainland China, or outside it.

Used to check a T3 platform's location against its type. Names outside mainland China are tested
first (香港 is no province), then the rest of China once Guangxi's names are taken out, then
Guangxi: "南宁驻深圳人才飞地" lies in 深圳, "广西宁明县" in Guangxi (not in 西宁).
"""
from __future__ import annotations

from forms.choices import GUANGXI_CITIES

GUANGXI = "guangxi"
ELSEWHERE = "elsewhere_in_china"
ABROAD = "abroad"
AREA_LABELS = {GUANGXI: "广西区内", ELSEWHERE: "国内区外", ABROAD: "境外", "": "未能识别"}

_OUTSIDE_MAINLAND = (
    "境外", "海外", "国外", "香港", "澳门", "台湾", "台北", "新加坡", "美国", "英国", "德国", "法国", "日本", "韩国",
    "加拿大", "澳大利亚", "新西兰", "俄罗斯", "以色列", "荷兰", "瑞士", "瑞典", "芬兰", "丹麦", "挪威", "比利时",
    "奥地利", "爱尔兰", "意大利", "西班牙", "葡萄牙", "泰国", "越南", "老挝", "柬埔寨", "缅甸", "马来西亚",
    "印度尼西亚", "菲律宾", "文莱", "印度", "巴基斯坦", "阿联酋", "迪拜", "沙特", "卡塔尔", "巴西", "墨西哥", "智利",
    "阿根廷", "南非", "埃及", "哈萨克斯坦", "乌兹别克斯坦", "蒙古国", "硅谷", "纽约", "波士顿", "旧金山", "洛杉矶",
    "西雅图", "伦敦", "剑桥", "牛津", "巴黎", "柏林", "慕尼黑", "东京", "大阪", "首尔", "悉尼", "墨尔本", "多伦多",
    "温哥华", "曼谷", "河内", "胡志明", "吉隆坡", "雅加达", "万象", "金边", "仰光", "马尼拉", "莫斯科", "特拉维夫",
)
_OTHER_CHINA = (
    "北京", "天津", "上海", "重庆", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建",
    "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "西藏", "陕西", "甘肃", "青海",
    "宁夏", "新疆", "深圳", "广州", "珠海", "佛山", "东莞", "中山", "杭州", "宁波", "温州", "南京", "苏州", "无锡",
    "常州", "合肥", "福州", "厦门", "泉州", "南昌", "济南", "青岛", "烟台", "郑州", "洛阳", "武汉", "长沙", "株洲",
    "海口", "三亚", "成都", "绵阳", "贵阳", "昆明", "拉萨", "西安", "兰州", "西宁", "银川", "乌鲁木齐", "石家庄",
    "太原", "呼和浩特", "沈阳", "大连", "长春", "哈尔滨", "雄安", "粤港澳大湾区", "长三角",
)
_GUANGXI = ("广西", *GUANGXI_CITIES, *(city.removesuffix("市") for city in GUANGXI_CITIES))


def area_of(text: str) -> str:
    """`guangxi`, `elsewhere_in_china`, `abroad`, or "" when the text names no place this table knows."""
    if any(name in text for name in _OUTSIDE_MAINLAND):
        return ABROAD
    rest = text
    for name in sorted(_GUANGXI, key=len, reverse=True):  # "广西宁明县" must not read as 西宁
        rest = rest.replace(name, " ")
    if any(name in rest for name in _OTHER_CHINA):
        return ELSEWHERE
    return GUANGXI if rest != text else ""
