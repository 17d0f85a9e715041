"""The demo library beyond expert1…expert7: three experts at each of 25 institutions, in and outside Guangxi."""
from __future__ import annotations

# institution, city, the fields it is known for
INSTITUTIONS: list[tuple[str, str, list[str]]] = [
    ("广西大学", "南宁市", ["新材料", "现代农业", "高端装备制造"]),
    ("广西医科大学", "南宁市", ["生物医药", "大健康"]),
    ("广西科学院", "南宁市", ["海洋经济", "新材料", "绿色环保"]),
    ("广西壮族自治区农业科学院", "南宁市", ["现代农业", "大健康"]),
    ("桂林理工大学", "桂林市", ["新材料", "绿色环保"]),
    ("广西师范大学", "桂林市", ["数字经济", "新一代信息技术"]),
    ("广西科技大学", "柳州市", ["高端装备制造", "新能源汽车"]),
    ("北部湾大学", "钦州市", ["海洋经济", "绿色环保"]),
    ("玉林师范学院", "玉林市", ["现代农业", "生物医药"]),
    ("右江民族医学院", "百色市", ["生物医药", "大健康"]),
    ("清华大学", "北京市", ["新一代信息技术", "高端装备制造", "新能源汽车"]),
    ("中国科学院自动化研究所", "北京市", ["新一代信息技术", "数字经济"]),
    ("复旦大学", "上海市", ["生物医药", "新材料"]),
    ("同济大学", "上海市", ["新能源汽车", "绿色环保"]),
    ("中山大学", "广州市", ["生物医药", "海洋经济"]),
    ("华南理工大学", "广州市", ["新材料", "高端装备制造"]),
    ("深圳大学", "深圳市", ["数字经济", "新一代信息技术"]),
    ("中国海洋大学", "青岛市", ["海洋经济", "现代农业"]),
    ("厦门大学", "厦门市", ["海洋经济", "生物医药"]),
    ("华中科技大学", "武汉市", ["高端装备制造", "新一代信息技术"]),
    ("中南大学", "长沙市", ["新材料", "大健康"]),
    ("四川大学", "成都市", ["生物医药", "绿色环保"]),
    ("西安交通大学", "西安市", ["新能源汽车", "高端装备制造"]),
    ("南京农业大学", "南京市", ["现代农业", "绿色环保"]),
    ("哈尔滨工业大学", "哈尔滨市", ["高端装备制造", "新材料"]),
]
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐韩冯邓曹彭曾肖田董潘袁蔡"
            "蒋余杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱")
GIVEN = ["建国", "海峰", "晓明", "丽华", "志强", "文静", "国栋", "雪梅", "立新", "红霞", "振宇", "秀英", "宏伟", "佳琪",
         "卫东", "春燕", "永刚", "慧敏", "德胜", "晓燕", "俊杰", "淑珍", "明辉", "雅琴", "光荣"]
TITLES = ["教授", "研究员", "正高级工程师", "教授", "副教授", "研究员"]
PER_INSTITUTION = 3


def _library() -> list[tuple[str, str, str, str, str, list[str]]]:
    rows = []
    n = 8
    for i, (institution, city, known) in enumerate(INSTITUTIONS):
        for k in range(PER_INSTITUTION):
            name = SURNAMES[(i * PER_INSTITUTION + k) % len(SURNAMES)] + GIVEN[(i * 7 + k * 3) % len(GIVEN)]
            primary = known[k % len(known)]
            fields = [primary, *[f for f in known if f != primary][:2]]
            rows.append((f"expert{n}", name, institution, city, TITLES[(i + k) % len(TITLES)], fields))
            n += 1
    return rows


# username, name, institution, city, title, fields
LIBRARY = _library()
