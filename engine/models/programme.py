"""The programme's own records: calls, applications, expert assignments and reference lists."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.models.base import Base, utcnow
from engine.models.people import Organization

TRACKS = {
    "T1": "揭榜制项目",
    "T2": "合作院校 / 技术联姻",
    "T3": "指南方向 / 离岸基地 / 人才飞地",
    "T4": "来桂创办企业",
    "T5": "人才中介机构",
}

GUANGXI_CITIES = (
    "南宁市", "柳州市", "桂林市", "梧州市", "北海市", "防城港市", "钦州市",
    "贵港市", "玉林市", "百色市", "贺州市", "河池市", "来宾市", "崇左市",
)


class Call(Base):
    """A call for applications (申报批次) on one track, with its guide and deadline."""

    __tablename__ = "call"

    id: Mapped[int] = mapped_column(primary_key=True)
    track: Mapped[str] = mapped_column(String(2), index=True)
    process_key: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    guide: Mapped[str] = mapped_column(Text, default="")
    # The attachments an application must carry: [{kind, label, required}]; None: no list, nothing is checked.
    required_documents: Mapped[list[Any] | None]
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    expert_count: Mapped[int] = mapped_column(default=5)
    # Panel drawing: experts of the application's primary field per panel, and 回避 of the applicant's city.
    field_quota: Mapped[int] = mapped_column(default=2)
    avoid_same_city: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    # The most one award of this call may grant (万元); None: no cap beyond the budget asked for.
    funding_cap_wan: Mapped[float | None]


class Application(Base):
    """One team's application and its place in the lifecycle."""

    __tablename__ = "application"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    applicant_user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    track: Mapped[str] = mapped_column(String(2), index=True)
    title: Mapped[str] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(20), index=True)
    stage: Mapped[str] = mapped_column(String(30), default="application", index=True)
    status: Mapped[str] = mapped_column(String(30), default="draft", index=True)
    summary: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    awarded_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    call: Mapped[Call] = relationship(lazy="joined")
    organization: Mapped[Organization | None] = relationship(lazy="joined")


class ReviewAssignment(Base):
    """An expert asked to score an application: conflict declaration, score and comment."""

    __tablename__ = "review_assignment"
    __table_args__ = (UniqueConstraint("application_id", "expert_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    human_task_id: Mapped[int | None] = mapped_column(ForeignKey("human_task.id"))
    conflict: Mapped[bool | None]
    conflict_reason: Mapped[str | None] = mapped_column(Text)
    score: Mapped[float | None]
    comment: Mapped[str | None] = mapped_column(Text)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]


class JiebangProblem(Base):
    """A technical problem published on the 揭榜 list (track 1), open to applications from valid_from to valid_to."""

    __tablename__ = "jiebang_problem"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]  # None: until further notice

    def valid_on(self, day: date) -> bool:
        """Whether an application submitted on `day` may name this problem."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class PartnerInstitution(Base):
    """An out-of-region university or institute with a cooperation agreement (track 2), in force valid_from–valid_to."""

    __tablename__ = "partner_institution"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    region: Mapped[str] = mapped_column(String(50), default="")  # country or region, e.g. 广东, 香港, 新加坡
    agreement_no: Mapped[str] = mapped_column(String(50), default="")
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]

    def valid_on(self, day: date) -> bool:
        """Whether the agreement is in force on `day`."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class ProgrammeSetting(Base):
    """The programme's plan period and target: the goal of 100 teams counts awards in first_year–last_year."""

    __tablename__ = "programme_setting"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_name: Mapped[str] = mapped_column(String(50), default="“十四五”时期")
    first_year: Mapped[int] = mapped_column(default=2021)
    last_year: Mapped[int] = mapped_column(default=2025)
    target: Mapped[int] = mapped_column(default=100)
