"""The conflict rules (回避规则): the deployed `expert_conflicts` decision table, run in the sandbox.

Python finds the relations between an expert and an application (same organisation as the applicant,
as a team member, the same city, a conflict declared before); the table, which an administrator edits
and deploys like any other DMN file, decides which relations exclude the expert and says why. A reason
may name the people and places of the relation: `{member}`, `{institution}`, `{organization}` and `{city}`
are filled in after the table has decided (plain replacement, never formatting).
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from sqlalchemy.orm import Session

from engine import repository
from engine.errors import NotFound, ScriptFailure
from engine.models import ProcessVersion
from engine.sandbox import make_script_engine
from engine.sandbox.explain import reason as explain

DECISION = "expert_conflicts"
DECISION_NAME = "评审专家回避规则"
PLACEHOLDERS = ("member", "institution", "organization", "city")
_CACHE: OrderedDict[tuple[str, int, str], DMNEngine] = OrderedDict()


@dataclass(frozen=True)
class Relation:
    """One relation between an expert and an application, as the table sees it (no names: those fill the reason)."""

    kind: str  # applicant_org | team_member | member_institution | same_city | declared
    member_role: str  # core | advisor for the two team relations, else empty
    avoid_same_city: bool  # the call's setting


@dataclass(frozen=True)
class Verdict:
    excluded: bool
    reason: str  # with placeholders


class _Task:
    """What SpiffWorkflow's DMN engine reads of a task, for a table evaluated outside any workflow."""

    def __init__(self, data: dict[str, Any]):
        self.data = data
        self.workflow = self
        self.top_workflow = self
        self.script_engine = make_script_engine()
        self.spec = SimpleNamespace(file=f"{DECISION}.dmn")
        self.task_spec = SimpleNamespace(bpmn_id=DECISION, bpmn_name=DECISION_NAME, name=DECISION)


class ConflictRules:
    """The deployed table, each distinct relation decided once."""

    def __init__(self, engine: DMNEngine, version: int, sha256: str):
        self.engine = engine
        self.version = version
        self.sha256 = sha256
        self._decided: dict[Relation, Verdict] = {}

    def decide(self, relation: Relation) -> Verdict:
        found = self._decided.get(relation)
        if found is None:
            found = self._decided[relation] = self._run(relation)
        return found

    def _run(self, relation: Relation) -> Verdict:
        data = {"relation": relation.kind, "member_role": relation.member_role,
                "avoid_same_city": relation.avoid_same_city}
        try:
            result = self.engine.result(_Task(data))
        except Exception as e:  # the table is process code: any failure is the table's
            raise ScriptFailure(DECISION, DECISION_NAME, explain(e)) from e
        excluded, text = result.get("excluded", False), result.get("reason", "")
        if not isinstance(excluded, bool) or not isinstance(text, str):
            raise ScriptFailure(DECISION, DECISION_NAME, "输出 excluded 应为 True/False，reason 应为文本")
        return Verdict(excluded, text)


def fill(template: str, **values: str) -> str:
    """A reason with its placeholders filled in."""
    for name in PLACEHOLDERS:
        template = template.replace("{" + name + "}", values.get(name) or "")
    return template


def load(session: Session) -> ConflictRules:
    """The newest deployed conflict table."""
    version = repository.latest(session, DECISION)
    if version is None:
        raise NotFound(f"回避规则 {DECISION} 尚未部署（rootball init 部署 processes/ 中的规则表）")
    key = (str(session.get_bind().engine.url), version.id, version.sha256)
    engine = _CACHE.get(key)
    if engine is None:
        engine = _CACHE[key] = _parse(version)
        if len(_CACHE) > 16:
            _CACHE.popitem(last=False)
    return ConflictRules(engine, version.version, version.sha256)


def _parse(version: ProcessVersion) -> DMNEngine:
    parser = SpiffBpmnParser(validator=VALIDATOR)
    for name, text in version.files.items():
        if name.endswith(".dmn"):
            parser.add_dmn_str(text.encode(), filename=name)
    return parser.get_engine(DECISION, None)
