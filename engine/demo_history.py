"""The demo's earlier years: teams the programme awarded in 2022–2025 before this system, recorded as closed calls
and their awarded applications (no process runs for them), so that the dashboard and the talent map show the
programme's figures across tracks, cities and years."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import audit
from engine.models import Application, Call
from engine.seed import TRACK_PROCESSES

SHORT = {"T1": "揭榜制", "T2": "合作院校", "T3": "指南方向", "T4": "来桂创企", "T5": "人才中介"}


def _member(name: str, title: str, where: str, born: int, *, leader: bool = False,
            role: str = "core") -> dict[str, Any]:
    return {"name": name, "role": role, "is_leader": leader, "title": title, "institution": "",
            "region": "overseas" if where == "abroad" else "domestic", "work_location": where, "birth_year": born}


def _team(leader: tuple[str, str, str, int], *others: tuple[str, str, str, int]) -> list[dict[str, Any]]:
    members = [_member(*leader, leader=True)] + [_member(*m) for m in others]
    return members + [_member("顾问", "教授", "elsewhere_in_china", 1960, role="advisor")]


C, A, G = "elsewhere_in_china", "abroad", "guangxi"
# (year awarded, track, city, status, stage, title, field, funding 万元, team)
AWARDS: list[tuple[int, str, str, str, str, str, str, float, list[dict[str, Any]]]] = [
    (2022, "T1", "南宁市", "accepted", "closed", "北斗高精度定位终端揭榜团队", "新一代信息技术", 300.0, _team(
        ("陈立", "研究员", C, 1975), ("周敏", "高级工程师", C, 1986), ("吴昊", "副研究员", C, 1990))),
    (2022, "T2", "柳州市", "accepted", "closed", "汽车轻量化材料联合攻关团队", "新材料", 260.0, _team(
        ("郑涛", "教授", C, 1970), ("孙悦", "副教授", C, 1984), ("钱坤", "博士", A, 1992))),
    (2023, "T3", "桂林市", "in_progress", "acceptance", "深圳人才飞地智能传感研发团队", "高端装备制造", 280.0, _team(
        ("冯刚", "教授级高级工程师", C, 1972), ("褚蕾", "高级工程师", C, 1983), ("卫东", "工程师", C, 1993))),
    (2023, "T4", "柳州市", "in_progress", "midterm", "新能源电驱系统创业团队", "新能源汽车", 200.0, _team(
        ("蒋毅", "研究员", A, 1978), ("沈洁", "博士", A, 1989), ("韩冰", "高级工程师", C, 1985))),
    (2023, "T1", "玉林市", "in_progress", "midterm", "内燃机低碳燃烧揭榜团队", "高端装备制造", 320.0, _team(
        ("杨帆", "教授", C, 1968), ("朱琳", "副教授", C, 1982), ("秦川", "讲师", C, 1991))),
    (2024, "T2", "北海市", "in_progress", "midterm", "海洋生物活性物质技术联姻团队", "海洋经济", 240.0, _team(
        ("尤达", "研究员", C, 1974), ("许静", "副研究员", A, 1987), ("何平", "博士", C, 1994))),
    (2024, "T5", "南宁市", "in_progress", "midterm", "东盟科技人才数据平台", "数字经济", 150.0, _team(
        ("吕方", "高级经济师", C, 1980), ("施雨", "经济师", C, 1990), ("张弛", "工程师", G, 1992))),
    (2024, "T3", "钦州市", "in_progress", "contract", "新加坡离岸基地绿色化工团队", "绿色环保", 260.0, _team(
        ("孔亮", "教授", A, 1971), ("曹颖", "研究员", A, 1981), ("严松", "博士", A, 1993))),
    (2024, "T1", "百色市", "in_progress", "midterm", "铝产业低碳冶炼揭榜团队", "新材料", 300.0, _team(
        ("华强", "教授级高级工程师", C, 1969), ("金铭", "高级工程师", C, 1985), ("魏然", "工程师", C, 1995))),
    (2025, "T4", "南宁市", "awarded", "contract", "跨境数字支付创业团队", "数字经济", 180.0, _team(
        ("陶然", "博士", A, 1988), ("姜楠", "高级工程师", C, 1986), ("戚薇", "工程师", A, 1996))),
    (2025, "T2", "梧州市", "awarded", "contract", "六堡茶功效成分研究团队", "大健康", 160.0, _team(
        ("谢安", "教授", C, 1966), ("邹容", "副教授", C, 1983), ("喻晓", "博士", C, 1993))),
    (2025, "T1", "防城港市", "in_progress", "midterm", "中药材种苗繁育揭榜团队", "现代农业", 220.0, _team(
        ("柏林", "研究员", C, 1973), ("水清", "副研究员", C, 1988), ("窦文", "博士", A, 1995))),
]


def _call(session: Session, year: int, track: str) -> Call:
    """The (closed) call of that year and track, created when missing."""
    title = f"{year}年度广西“带土移植”引育计划（{SHORT[track]}）"
    call = session.scalar(select(Call).where(Call.title == title))
    if call is None:
        call = Call(track=track, process_key=TRACK_PROCESSES[track], title=title, guide="",
                    opens_at=datetime(year, 3, 1, tzinfo=UTC), closes_at=datetime(year, 5, 31, 15, 59, tzinfo=UTC),
                    status="closed")
        session.add(call)
        session.flush()
    return call


def record(session: Session, applicants: dict[str, int]) -> list[str]:
    """The earlier years' awarded teams (applicant user per track in `applicants`); returns one line per team."""
    lines = []
    for year, track, city, status, stage, title, field, funding, team in AWARDS:
        call = _call(session, year, track)
        awarded_at = datetime(year, 7, 15, 2, 0, tzinfo=UTC)
        app = Application(call_id=call.id, applicant_user_id=applicants[track], track=track, title=title, city=city,
                          stage=stage, status=status, submitted_at=datetime(year, 5, 10, 2, 0, tzinfo=UTC),
                          awarded_at=awarded_at, closed_at=awarded_at.replace(year=year + 2) if stage == "closed"
                          else None, summary={"field": field, "funding_wan": funding, "team": team})
        session.add(app)
        session.flush()
        audit.record(session, "application_imported", application_id=app.id,
                     data={"call_id": call.id, "year": year, "status": status})
        lines.append(f"#{app.id} {track} {year} 年立项（往年数据）：{title}，{city}")
    return lines
