"""Users, their role grants and the organizations they belong to."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.models.base import Base, utcnow

ROLES = ("applicant", "recommender", "officer", "expert", "admin")


class Organization(Base):
    """An employer, enterprise, agency, university or bureau."""

    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    city: Mapped[str | None] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(30), default="employer")


class User(Base):
    """A person who signs in."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # Part of every session's identity: raised on sign-out, deactivation and a new password, it ends the
    # sessions signed before (a copied session cookie stops working).
    auth_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization | None] = relationship(lazy="joined")
    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", lazy="selectin", cascade="all, delete-orphan"
    )

    def has_role(self, role: str, scope: str | None = None) -> bool:
        """True when a grant gives `role` (with `scope`, when one is asked for)."""
        return any(g.role == role and (scope is None or g.scope in (None, scope)) for g in self.grants)

    @property
    def roles(self) -> set[str]:
        """All roles granted."""
        return {g.role for g in self.grants}


class RoleGrant(Base):
    """A role given to a user, optionally limited to a scope (a city for recommenders)."""

    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("user_id", "role", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    scope: Mapped[str | None] = mapped_column(String(100))

    user: Mapped[User] = relationship(back_populates="grants")
