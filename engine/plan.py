"""The programme's plan period and target (`programme_setting`): what the 100-team goal counts; audited."""
from __future__ import annotations

from sqlalchemy.orm import Session

from engine import audit
from engine.errors import FormInvalid
from engine.models import ProgrammeSetting
from forms.inputs import text_problems

FIRST, LAST = 2000, 2099


def current(session: Session) -> ProgrammeSetting:
    """The setting row; the 14th Five-Year Plan (2021–2025, 100 teams) when none was stored."""
    found = session.get(ProgrammeSetting, 1)
    return found if found is not None else ProgrammeSetting(id=1, plan_name="“十四五”时期", first_year=2021,
                                                            last_year=2025, target=100)


def change(session: Session, *, plan_name: str, first_year: int, last_year: int, target: int,
           actor_id: int | None) -> ProgrammeSetting:
    """Set the plan period and target; FormInvalid with per-field Chinese messages when a value is wrong."""
    errors: dict[str, list[str]] = {}
    if not plan_name.strip():
        errors["plan_name"] = ["请填写计划期名称"]
    elif problems := text_problems(plan_name.strip(), max_length=50):
        errors["plan_name"] = problems
    if not FIRST <= first_year <= LAST:
        errors["first_year"] = [f"首年须在 {FIRST}–{LAST} 之间"]
    if not FIRST <= last_year <= LAST:
        errors["last_year"] = [f"末年须在 {FIRST}–{LAST} 之间"]
    elif last_year < first_year:
        errors["last_year"] = ["末年不能早于首年"]
    if not 1 <= target <= 100_000:
        errors["target"] = ["目标团队数须在 1–100000 之间"]
    if errors:
        raise FormInvalid(errors)
    setting = session.get(ProgrammeSetting, 1)
    if setting is None:
        setting = ProgrammeSetting(id=1)
        session.add(setting)
    before = {"plan_name": setting.plan_name, "first_year": setting.first_year, "last_year": setting.last_year,
              "target": setting.target}
    setting.plan_name, setting.first_year, setting.last_year, setting.target = (
        plan_name.strip(), first_year, last_year, target)
    after = {"plan_name": setting.plan_name, "first_year": first_year, "last_year": last_year, "target": target}
    audit.record(session, "plan_changed", actor_id=actor_id,
                 data={k: [before[k], after[k]] for k in after if before[k] != after[k]})
    return setting
