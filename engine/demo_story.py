"""A few demonstration applications at different stages, played through the real engine."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine import samples
from engine.models import Call
from engine.runtime import Runtime
from engine.scenario import Scenario


def play(sessions: sessionmaker[Session], users: dict[str, int]) -> list[str]:
    """Create the demo applications; returns one line per application."""
    runtime = Runtime(sessions)
    play_ = Scenario(runtime, users)
    with sessions() as session:
        calls = {c.track: c.id for c in session.scalars(select(Call).where(Call.status == "open")).all()}
    lines = []

    draft = play_.start(calls["T1"], "applicant", "糖料蔗机械化收获技术团队（草稿）")
    lines.append(f"#{draft} T1 草稿：applicant 尚未提交")

    t4 = play_.start(calls["T4"], "founder", "新能源汽车电驱系统创业团队")
    play_.do(t4, "application_form", "founder", samples.application("T4", city="柳州市",
             title="新能源汽车电驱系统创业团队"))
    lines.append(f"#{t4} T4 已提交：等待 liuzhou 推荐")

    t5 = play_.start(calls["T5"], "agency", "广西人才热力图平台建设")
    play_.do(t5, "application_form", "agency", samples.application("T5", title="广西人才热力图平台建设"))
    play_.do(t5, "recommendation", "nanning", samples.DECISIONS["recommendation"])
    lines.append(f"#{t5} T5 形式审查：等待 officer 审查")

    t2 = play_.start(calls["T2"], "applicant", "智能装备联合攻关团队")
    play_.do(t2, "application_form", "applicant", samples.application("T2", title="智能装备联合攻关团队"))
    play_.do(t2, "recommendation", "nanning", samples.DECISIONS["recommendation"])
    play_.do(t2, "formal_review_task", "officer", samples.DECISIONS["formal_review"])
    experts = [users[f"expert{i}"] for i in (1, 2, 3, 4, 6)]
    play_.do(t2, "assign_experts", "officer", {"experts": experts})
    play_.do(t2, "expert_score", "expert1", samples.score(86))
    play_.do(t2, "expert_score", "expert2", samples.score(79))
    lines.append(f"#{t2} T2 专家评审：expert3、expert4、expert6 待评分")

    # Two applications wait for their experts, so that officer can draw panels for the T1 call at once;
    # the first team works at 上海交通大学 and 浙江大学, whose experts must stand aside (回避).
    for title, field, team in WAITING:
        app_id = play_.start(calls["T1"], "applicant", title)
        play_.do(app_id, "application_form", "applicant",
                 samples.application("T1", title=title, field=field, team=team))
        play_.do(app_id, "recommendation", "nanning", samples.DECISIONS["recommendation"])
        play_.do(app_id, "formal_review_task", "officer", samples.DECISIONS["formal_review"])
        lines.append(f"#{app_id} T1 遴选评审专家：officer 在“抽取专家”页整批抽取")
    return lines


def _member(name: str, role: str, leader: bool, institution: str) -> dict[str, object]:
    return {"name": name, "role": role, "is_leader": leader, "title": "教授", "institution": institution,
            "region": "domestic", "work_location": "elsewhere_in_china"}


WAITING = [
    ("海洋生物医药成果转化团队", "生物医药", [
        _member("张伟", "core", True, "上海交通大学"), _member("王强", "core", False, "上海交通大学"),
        _member("李娜", "core", False, "复旦大学"), _member("赵敏", "advisor", False, "浙江大学")]),
    ("铝基新材料高性能制备团队", "新材料", samples.team()),
]
