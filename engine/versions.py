"""Differences between two process versions, element by element (by file and BPMN/DMN id)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.models import ProcessVersion

DIAGRAM_NAMESPACES = frozenset({
    "http://www.omg.org/spec/BPMN/20100524/DI", "http://www.omg.org/spec/DD/20100524/DC",
    "http://www.omg.org/spec/DD/20100524/DI", "https://www.omg.org/spec/DMN/20191111/DMNDI/",
    "http://www.omg.org/spec/DMN/20180521/DMNDI/",
})
# Children that carry an id but belong to their parent's meaning (a timer's expression, a rule's cells).
FOLDED = frozenset({
    "conditionExpression", "multiInstanceLoopCharacteristics", "standardLoopCharacteristics", "loopCardinality",
    "completionCondition", "inputEntry", "outputEntry", "inputExpression", "ioSpecification", "dataInput",
    "dataOutput", "inputSet", "outputSet", "dataInputAssociation", "dataOutputAssociation", "text",
})
LISTS = frozenset({"incoming", "outgoing", "flowNodeRef"})
SKIPPED_ATTRIBUTES = frozenset({"id", "type"})
# BPMN's default attribute values: editors write or omit them freely, so written-as-default equals absent.
DEFAULTS = {
    "cancelActivity": "true", "isInterrupting": "true", "isForCompensation": "false", "startQuantity": "1",
    "completionQuantity": "1", "parallelMultiple": "false", "isClosed": "false", "gatewayDirection": "Unspecified",
    "instantiate": "false", "triggeredByEvent": "false", "isSequential": "false", "processType": "None",
    "isImmediate": "true", "implementation": "##unspecified",
}


@dataclass(frozen=True)
class Element:
    """One BPMN/DMN element of a version: file, id, type (tag) and name."""

    file: str
    element_id: str
    type: str
    name: str
    process: str = ""  # the process or subprocess it belongs to (the workflow that runs it)


@dataclass(frozen=True)
class Change:
    """One fact of an element that differs: `field` (e.g. `name`, `property:dueIn`, `script`)."""

    field: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class ChangedElement:
    """An element present in both versions whose facts differ."""

    element: Element
    changes: tuple[Change, ...]


@dataclass
class VersionDiff:
    """What changed from one version's files to another's."""

    added: list[Element] = field(default_factory=list)
    removed: list[Element] = field(default_factory=list)
    changed: list[ChangedElement] = field(default_factory=list)
    files_added: list[str] = field(default_factory=list)
    files_removed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when nothing differs."""
        return not (self.added or self.removed or self.changed or self.files_added or self.files_removed)


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _namespace(tag: object) -> str:
    return etree.QName(tag).namespace or "" if isinstance(tag, str) else ""


def _text(node: etree._Element) -> str:
    lines = [line.rstrip() for line in (node.text or "").strip().splitlines()]
    return "\n".join(lines)


def _is_element(node: etree._Element) -> bool:
    """True for a node compared on its own (it has an id and is not folded into its parent)."""
    tag = _local(node.tag)
    return bool(node.get("id")) and tag not in FOLDED and not tag.endswith("EventDefinition")


def _facts_into(node: etree._Element, prefix: str, facts: dict[str, str], lists: dict[str, list[str]]) -> None:
    seen: dict[str, int] = {}
    for child in node:
        tag = _local(child.tag)
        if not tag or _is_element(child) or _namespace(child.tag) in DIAGRAM_NAMESPACES:
            continue
        if tag in LISTS:
            lists.setdefault(tag, []).append(_text(child))
        elif tag == "property" and child.get("name"):
            facts[f"property:{child.get('name')}"] = child.get("value") or _text(child)
        elif tag in ("extensionElements", "properties"):
            _facts_into(child, prefix, facts, lists)
        else:
            seen[tag] = seen.get(tag, 0) + 1
            key = f"{prefix}{tag}" + (f"[{seen[tag]}]" if seen[tag] > 1 else "")
            facts.update({f"{key}@{name}": value for name, value in _attributes(child).items()})
            if _text(child):
                facts[key] = _text(child)
            _facts_into(child, f"{key}.", facts, lists)


def _attributes(node: etree._Element) -> dict[str, str]:
    """An element's meaningful attributes (no id, no xsi:type, no value equal to BPMN's default)."""
    found = {_local(a): str(v) for a, v in node.attrib.items()}
    return {a: v for a, v in found.items() if a not in SKIPPED_ATTRIBUTES and DEFAULTS.get(a) != v}


def element_facts(node: etree._Element) -> dict[str, str]:
    """The comparable facts of one element: attributes, extension properties, texts, flows."""
    facts = _attributes(node)
    lists: dict[str, list[str]] = {}
    _facts_into(node, "", facts, lists)
    facts.update({name: ", ".join(sorted(values)) for name, values in lists.items()})
    return facts


def elements(file: str, xml: str | bytes) -> dict[str, tuple[Element, dict[str, str]]]:
    """Every compared element of one BPMN/DMN file by id, with its facts (diagram layout ignored)."""
    root = etree.fromstring(xml.encode() if isinstance(xml, str) else xml)
    found: dict[str, tuple[Element, dict[str, str]]] = {}
    for node in root.iterdescendants():
        if not isinstance(node.tag, str) or _namespace(node.tag) in DIAGRAM_NAMESPACES or not _is_element(node):
            continue
        if any(_namespace(a.tag) in DIAGRAM_NAMESPACES for a in node.iterancestors()):
            continue
        name = re.sub(r"\s+", " ", node.get("name") or node.get("label") or "")
        owner = next((a.get("id", "") for a in node.iterancestors() if _local(a.tag) in ("process", "subProcess")), "")
        element = Element(file, node.get("id", ""), _local(node.tag), name, owner)
        found[element.element_id] = (element, element_facts(node))
    return found


def diff_files(old: dict[str, str], new: dict[str, str]) -> VersionDiff:
    """Added, removed and changed elements between two sets of files (name → XML)."""
    result = VersionDiff(files_added=sorted(set(new) - set(old)), files_removed=sorted(set(old) - set(new)))
    for name in sorted(set(old) | set(new)):
        before = elements(name, old[name]) if name in old else {}
        after = elements(name, new[name]) if name in new else {}
        result.added += [after[i][0] for i in after if i not in before]
        result.removed += [before[i][0] for i in before if i not in after]
        for element_id in (i for i in after if i in before):
            (was, old_facts), (element, new_facts) = before[element_id], after[element_id]
            changes = [Change(key, old_facts.get(key), new_facts.get(key))
                       for key in sorted(set(old_facts) | set(new_facts)) if old_facts.get(key) != new_facts.get(key)]
            if was.type != element.type:
                changes.insert(0, Change("type", was.type, element.type))
            if changes:
                result.changed.append(ChangedElement(element, tuple(changes)))
    return result


def diff_versions(session: Session, old_id: int, new_id: int) -> VersionDiff:
    """The difference from version `old_id` to version `new_id`."""
    old, new = session.get(ProcessVersion, old_id), session.get(ProcessVersion, new_id)
    if old is None or new is None:
        raise NotFound("流程版本不存在")
    return diff_files(dict(old.files), dict(new.files))


def root_file(files: dict[str, str], process_key: str) -> str:
    """The name of the file that defines process `process_key` (the first file when none does)."""
    for name in sorted(files):
        if name.endswith(".bpmn"):
            root = etree.fromstring(files[name].encode())
            if root.xpath("//*[local-name()='process' and @id=$key]", key=process_key):
                return name
    return min(files)


def process_ids(xml: str) -> set[str]:
    """Ids of the processes and embedded subprocesses a BPMN file defines."""
    root = etree.fromstring(xml.encode())
    return set(root.xpath("//*[local-name()='process' or local-name()='subProcess']/@id"))


def element_names(files: dict[str, str]) -> dict[str, str]:
    """The name of every named BPMN/DMN element of a version's files, by id (what people read for an id)."""
    names: dict[str, str] = {}
    for file in sorted(files):
        for element_id, (element, _facts) in elements(file, files[file]).items():
            if element.name:
                names.setdefault(element_id, element.name)
    return names


def file_titles(files: dict[str, str]) -> dict[str, str]:
    """Each file's title: the name of the first process or decision it defines, else the file's name."""
    titles: dict[str, str] = {}
    for file in sorted(files):
        root = etree.fromstring(files[file].encode())
        named = root.xpath("(//*[local-name()='process' or local-name()='decision'][@name])[1]/@name")
        titles[file] = re.sub(r"\s+", " ", str(named[0])) if named else file
    return titles
