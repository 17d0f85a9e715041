"""Options of the database-backed form fields (experts, the 揭榜 list, partner institutions), with labels."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import reference
from engine.calendar import china_date
from engine.models import Application, JiebangProblem, PartnerInstitution, RoleGrant, User, utcnow
from engine.reviews import eligible_experts
from forms import FieldInfo, FormContext
from forms.choices import JIEBANG_KINDS

Options = list[tuple[Any, str]]


def expert_label(expert: User) -> str:
    """An expert as the officer picks them: name, organization and city."""
    org = expert.organization
    parts = [expert.display_name]
    if org is not None and org.name not in expert.display_name:
        parts.append(org.name)
    if org is not None:
        parts.append(org.city or "区外")
    return " · ".join(parts)


def choices_keys(fields: list[FieldInfo]) -> set[str]:
    """The choices keys used anywhere in `fields`."""
    return {f.choices_key for f in _walk(fields) if f.choices_key}


def _walk(fields: list[FieldInfo]) -> Iterator[FieldInfo]:
    for info in fields:
        yield info
        yield from _walk(info.fields)


def context(session: Session, fields: list[FieldInfo], app: Application | None, *, for_input: bool,
            task_data: dict[str, Any] | None = None) -> FormContext:
    """A FormContext whose choices carry labels: what may be picked now, or (for reading) every known value."""
    keys = choices_keys(fields)
    today = china_date(utcnow())
    options: dict[str, list[Any]] = {}
    if "jiebang_problem_id" in keys:
        problems = (reference.valid_on(session, JiebangProblem, today) if for_input
                    else session.scalars(select(JiebangProblem).order_by(JiebangProblem.code)).all())
        kinds = dict(JIEBANG_KINDS)
        options["jiebang_problem_id"] = [(p.id, f"{p.code} {p.title}（{kinds.get(p.kind, p.kind)}）")
                                         for p in problems]
    if "partner_institution_id" in keys:
        partners = (reference.valid_on(session, PartnerInstitution, today) if for_input
                    else session.scalars(select(PartnerInstitution).order_by(PartnerInstitution.id)).all())
        options["partner_institution_id"] = [
            (p.id, f"{p.name}（{p.region}，协议 {p.agreement_no}）") for p in partners]
    if "experts" in keys:
        if for_input:
            experts = eligible_experts(session, app) if app is not None else []
        else:
            experts = list(session.scalars(select(User).join(RoleGrant, RoleGrant.user_id == User.id)
                                           .where(RoleGrant.role == "expert").order_by(User.id)).unique().all())
        options["experts"] = [(e.id, expert_label(e)) for e in experts]
    return FormContext(task_data=dict(task_data or {}), choices=options)
