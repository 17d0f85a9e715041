"""Reference data (`rootball init`) and the demonstration data set (`rootball demo`)."""
from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from engine import repository
from engine.db import upgrade
from engine.models import (
    GUANGXI_CITIES,
    Application,
    Call,
    ExpertProfile,
    Organization,
    RoleGrant,
    User,
)
from engine.passwords import hash_password

PROCESSES = Path(os.environ.get("ROOTBALL_PROCESSES", Path(__file__).resolve().parent.parent / "processes"))
TRACK_PROCESSES = {
    "T1": "track1_jiebang", "T2": "track2_partner", "T3": "track3_platform",
    "T4": "track4_enterprise", "T5": "track5_agency",
}
ORGS = [
    ("广西壮族自治区科学技术厅", "南宁市", "department"),
    ("南宁市科学技术局", "南宁市", "bureau"),
    ("柳州市科学技术局", "柳州市", "bureau"),
    ("南宁智造装备有限公司", "南宁市", "employer"),
    ("柳州新能科技有限公司", "柳州市", "enterprise"),
    ("南宁英才人力资源服务有限公司", "南宁市", "agency"),
    ("桂林电子科技大学", "桂林市", "university"),
    ("北海海洋研究院", "北海市", "institute"),
    ("梧州学院", "梧州市", "university"),
    ("广西大学", "南宁市", "university"),
    ("上海交通大学", None, "university"),
    ("浙江大学", None, "university"),
]
# username, display name, organization, [(role, scope)]
USERS: list[tuple[str, str, str, list[tuple[str, str | None]]]] = [
    ("admin", "系统管理员", "广西壮族自治区科学技术厅", [("admin", None)]),
    ("officer", "外专处经办人", "广西壮族自治区科学技术厅", [("officer", None)]),
    ("nanning", "南宁市科技局", "南宁市科学技术局", [("recommender", "南宁市")]),
    ("liuzhou", "柳州市科技局", "柳州市科学技术局", [("recommender", "柳州市")]),
    ("applicant", "南宁智造装备有限公司", "南宁智造装备有限公司", [("applicant", None)]),
    ("founder", "柳州新能科技有限公司", "柳州新能科技有限公司", [("applicant", None)]),
    ("agency", "南宁英才人力资源服务有限公司", "南宁英才人力资源服务有限公司", [("applicant", None)]),
    ("expert1", "李教授（桂林电子科技大学）", "桂林电子科技大学", [("expert", None)]),
    ("expert2", "王研究员（桂林电子科技大学）", "桂林电子科技大学", [("expert", None)]),
    ("expert3", "陈研究员（北海海洋研究院）", "北海海洋研究院", [("expert", None)]),
    ("expert4", "黄教授（梧州学院）", "梧州学院", [("expert", None)]),
    ("expert5", "韦教授（广西大学）", "广西大学", [("expert", None)]),
    ("expert6", "张教授（上海交通大学）", "上海交通大学", [("expert", None)]),
    ("expert7", "刘教授（浙江大学）", "浙江大学", [("expert", None)]),
]
# the demo experts' place in the library: city, title, fields (the first is the primary one)
EXPERT_PROFILES: dict[str, tuple[str, str, list[str]]] = {
    "expert1": ("桂林市", "教授", ["新一代信息技术", "数字经济"]),
    "expert2": ("桂林市", "研究员", ["高端装备制造", "新材料"]),
    "expert3": ("北海市", "研究员", ["海洋经济", "生物医药"]),
    "expert4": ("梧州市", "教授", ["新材料", "绿色环保"]),
    "expert5": ("南宁市", "教授", ["现代农业", "大健康"]),
    "expert6": ("上海市", "教授", ["高端装备制造", "新能源汽车"]),
    "expert7": ("杭州市", "教授", ["生物医药", "大健康", "现代农业"]),
}
CALL_GUIDE = {
    "T1": "面向自治区发布的揭榜制项目榜单，用人单位联合人才团队揭榜，申报须指明所揭榜单项目。",
    "T2": "与我区签订合作协议的区外高校、科研院所，以联合攻关或“技术联姻”方式引进团队。",
    "T3": "按指南方向，通过区内总部、离岸创新创业基地、离岸孵化基地或人才飞地引进团队。",
    "T4": "区外团队来桂创办企业：2021年及以后成立、在桂有实际办公场所、经营正常，团队带头人为企业法人或第一大股东。",
    "T5": "区内人才中介机构、人才研究机构建设人才数据平台、人才画像与热力图，促成团队与我区单位合作。",
}


def init(eng: Engine, processes: Path | None = None) -> list[str]:
    """Create or upgrade the schema (which seeds the reference lists); deploy the bundled processes; organisations."""
    upgrade(eng)
    sessions = sessionmaker(eng, expire_on_commit=False)
    deployed = []
    with sessions.begin() as session:
        files = repository.read_folder(processes or PROCESSES)
        for version in repository.deploy(session, files, note="随系统发布的流程", fill_from_library=False):
            deployed.append(f"{version.process_key} v{version.version}")
        _ensure_reference(session)
    return deployed


def _ensure_reference(session: Session) -> None:
    for name, city, kind in ORGS:
        if session.scalar(select(Organization).where(Organization.name == name)) is None:
            session.add(Organization(name=name, city=city, kind=kind))


def demo_password() -> str:
    """The demo accounts' password."""
    return os.environ.get("ROOTBALL_DEMO_PASSWORD", "demo-password")


def ensure_users(session: Session, password: str) -> dict[str, User]:
    """The demo users of API.md, created once."""
    hashed = hash_password(password)
    orgs = {o.name: o for o in session.scalars(select(Organization)).all()}
    users: dict[str, User] = {}
    for username, display, org, grants in USERS:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            user = User(username=username, display_name=display, email=f"{username}@rootball.example",
                        password_hash=hashed, organization_id=orgs[org].id)
            user.grants = [RoleGrant(role=r, scope=s) for r, s in grants]
            session.add(user)
        users[username] = user
    session.flush()
    for username, (city, title, fields) in EXPERT_PROFILES.items():
        ensure_profile(session, users[username], city, title, fields)
    return users


def ensure_profile(session: Session, user: User, city: str, title: str, fields: list[str], cap: int = 20) -> None:
    """The expert's library entry; an entry without fields (made by the upgrade) gets them."""
    profile = session.scalar(select(ExpertProfile).where(ExpertProfile.user_id == user.id))
    if profile is None:
        session.add(ExpertProfile(user_id=user.id, city=city, title=title, fields=fields, yearly_cap=cap))
    elif not profile.fields:
        profile.city, profile.title, profile.fields = city, title, fields


def ensure_calls(session: Session, opens: datetime, closes: datetime) -> dict[str, Call]:
    """One open call per track."""
    calls: dict[str, Call] = {}
    for track, key in TRACK_PROCESSES.items():
        call = session.scalar(select(Call).where(Call.track == track, Call.status == "open"))
        if call is None:
            call = Call(track=track, process_key=key, title=f"2025年度广西“带土移植”引育计划（{_TRACK_SHORT[track]}）",
                        guide=CALL_GUIDE[track], opens_at=opens, closes_at=closes, expert_count=5)
            session.add(call)
        calls[track] = call
    session.flush()
    return calls


# The demo's calls that ask for documents (engine.required_documents), so that the checklist can be tried.
DEMO_DOCUMENTS = {
    "T2": [{"kind": "cooperation_agreement", "label": "合作协议", "required": True},
           {"kind": "recommendation_letter", "label": "推荐函盖章件", "required": False}],
    "T4": [{"kind": "business_license", "label": "营业执照", "required": True},
           {"kind": "recommendation_letter", "label": "推荐函盖章件", "required": True}],
}
_TRACK_SHORT = {"T1": "揭榜制", "T2": "合作院校", "T3": "指南方向", "T4": "来桂创企", "T5": "人才中介"}


def ensure_library(session: Session, password_hash: str) -> None:
    """The demo library beyond expert1…expert7: experts of every field across Guangxi and the country."""
    from engine.experts.demo import LIBRARY

    orgs = {o.name: o for o in session.scalars(select(Organization)).all()}
    for username, name, org_name, city, title, fields in LIBRARY:
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            continue
        org = orgs.get(org_name)
        if org is None:
            org = orgs[org_name] = Organization(name=org_name, city=city if city in GUANGXI_CITIES else None,
                                                kind="institution")
            session.add(org)
            session.flush()
        user = User(username=username, display_name=name, email=f"{username}@rootball.example",
                    password_hash=password_hash, organization_id=org.id)
        user.grants = [RoleGrant(role="expert", scope=None)]
        session.add(user)
        session.flush()
        ensure_profile(session, user, city, title, fields)


def demo(eng: Engine) -> dict[str, Any]:
    """`init`, then demo users, calls and a few applications at various stages; idempotent."""
    from engine.demo_story import play

    deployed = init(eng)
    sessions = sessionmaker(eng, expire_on_commit=False)
    with sessions.begin() as session:
        users = ensure_users(session, demo_password())
        ensure_library(session, users["admin"].password_hash)
        ensure_calls(session, datetime(2025, 1, 1, tzinfo=UTC), datetime(2027, 12, 31, tzinfo=UTC))
        user_ids = {name: u.id for name, u in users.items()}
        has_apps = session.scalar(select(Application.id).limit(1)) is not None
    stories = [] if has_apps else play(sessions, user_ids)
    if not has_apps:
        from engine.demo_history import record

        applicants = {"T1": user_ids["applicant"], "T2": user_ids["applicant"], "T3": user_ids["applicant"],
                      "T4": user_ids["founder"], "T5": user_ids["agency"]}
        with sessions.begin() as session:
            stories += record(session, applicants)
            # Set after the stories: their forms were filed before the calls asked for documents.
            for track, documents in DEMO_DOCUMENTS.items():
                call = session.scalars(select(Call).where(Call.track == track, Call.status == "open")).one()
                call.required_documents = documents
    return {"deployed": deployed, "users": sorted(user_ids), "applications": stories}
