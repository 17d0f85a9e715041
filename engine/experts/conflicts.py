"""回避: which experts may not review an application, and why, in Chinese.

Relations are found through indexes of the library (organisation names, people's names, cities), so a
call of hundreds of applications is screened without comparing every expert with every application;
the conflict table (`rules`) decides which relations exclude.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

from engine.experts.pool import Applicant, Expert
from engine.experts.rules import ConflictRules, Relation, fill

MIN_PREFIX = 4  # `上海交通大学` and `上海交通大学医学院` are one institution; `中国` and `中国科学院` are not
_BRACKETS = re.compile(r"\(.*?\)")


def institution_key(name: str) -> str:
    """An organisation's name compared loosely: width, blanks, case and bracketed remarks ignored."""
    text = unicodedata.normalize("NFKC", name or "")
    return _BRACKETS.sub("", "".join(text.split())).lower()


def city_key(city: str) -> str:
    text = "".join(unicodedata.normalize("NFKC", city or "").split())
    return text[:-1] if text.endswith("市") and len(text) > 2 else text


def name_key(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name or "").split()).lower()


class Screen:
    """The library indexed for conflict screening under one set of rules and one call's settings."""

    def __init__(self, experts: list[Expert], rules: ConflictRules, declared: dict[int, set[int]],
                 avoid_same_city: bool):
        self.experts = {e.user_id: e for e in experts}
        self.rules = rules
        self.declared = declared
        self.avoid_same_city = avoid_same_city
        self.by_org: dict[str, list[int]] = {}
        self.by_org_prefix: dict[str, list[int]] = {}
        self.by_name: dict[str, list[int]] = {}
        self.by_city: dict[str, list[int]] = {}
        for e in experts:
            key = institution_key(e.organization)
            if key:
                self.by_org.setdefault(key, []).append(e.user_id)
                for n in range(MIN_PREFIX, len(key)):
                    self.by_org_prefix.setdefault(key[:n], []).append(e.user_id)
            self.by_name.setdefault(name_key(e.name), []).append(e.user_id)
            if city_key(e.city):
                self.by_city.setdefault(city_key(e.city), []).append(e.user_id)

    def at_institution(self, institution: str) -> Iterator[int]:
        """Experts working at `institution`, at a part of it, or at what it is a part of."""
        key = institution_key(institution)
        if not key:
            return
        yield from self.by_org.get(key, ())
        if len(key) >= MIN_PREFIX:
            yield from self.by_org_prefix.get(key, ())
        for n in range(MIN_PREFIX, len(key)):
            yield from self.by_org.get(key[:n], ())

    def exclusions(self, app: Applicant) -> dict[int, list[str]]:
        """Excluded experts of the library and each one's reasons."""
        found: dict[int, list[str]] = {}
        for expert_id, relation, values in self._relations(app):
            verdict = self.rules.decide(relation)
            if verdict.excluded:
                reasons = found.setdefault(expert_id, [])
                text = fill(verdict.reason, **values)
                if text not in reasons:
                    reasons.append(text)
        return found

    def _relations(self, app: Applicant) -> Iterator[tuple[int, Relation, dict[str, str]]]:
        org = {"organization": app.organization, "city": app.city}
        city_rule = self.avoid_same_city
        for expert_id in _unique(self.at_institution(app.organization)):
            yield expert_id, Relation("applicant_org", "", city_rule), org
        for member in app.team:
            values = {**org, "member": member.name, "institution": member.institution}
            at_institution = set(self.at_institution(member.institution))
            for expert_id in self.by_name.get(name_key(member.name), ()):
                if expert_id in at_institution:
                    yield expert_id, Relation("team_member", member.role, city_rule), values
            for expert_id in sorted(at_institution):
                yield expert_id, Relation("member_institution", member.role, city_rule), values
        for expert_id in self.by_city.get(city_key(app.city), ()) if city_key(app.city) else ():
            yield expert_id, Relation("same_city", "", city_rule), org
        for expert_id in sorted(self.declared.get(app.organization_id or 0, ())):
            if expert_id in self.experts:
                yield expert_id, Relation("declared", "", city_rule), org


def _unique(ids: Iterable[int]) -> list[int]:
    return sorted(set(ids))
