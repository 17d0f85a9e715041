"""Checks an upload of BPMN/DMN files and reports every problem with file, line and element id."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptEngineTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.specs.defaults import UserTask

import forms
from engine.errors import Problem
from engine.models.people import ROLES
from engine.sandbox import HELPER_NAMES, UnsafeExpression, compile_checked
from engine.timing import parse_due_in

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DMN_TAGS = ("inputExpression", "inputEntry", "outputEntry")
SYNTAX_ERROR = "表达式语法错误"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
# Every BPMN element whose text the engine evaluates (any tFormalExpression is checked too).
CODE_TAGS = {"script": "exec", "preScript": "exec", "postScript": "exec", "conditionExpression": "eval",
             "completionCondition": "eval", "loopCardinality": "eval", "timeDate": "eval", "timeDuration": "eval",
             "timeCycle": "eval", "condition": "eval", "formalExpression": "eval", "messageVariable": "eval"}
LANE_ROLES = frozenset(ROLES)


@dataclass
class ParsedUpload:
    """What a valid upload yields: the parser, the roots, and which file holds which id."""

    parser: SpiffBpmnParser
    roots: list[str]
    process_files: dict[str, str] = field(default_factory=dict)
    decision_files: dict[str, str] = field(default_factory=dict)
    calls: dict[str, set[str]] = field(default_factory=dict)


class Locator:
    """Finds the source line of an element id in the uploaded files."""

    def __init__(self) -> None:
        self.trees: dict[str, etree._Element] = {}

    def add(self, name: str, root: etree._Element) -> None:
        self.trees[name] = root

    def line(self, element_id: str | None, file: str | None = None) -> tuple[str, int | None]:
        names = [file] if file in self.trees else list(self.trees)
        for name in names:
            if element_id:
                hits = self.trees[name].xpath("//*[@id=$i]", i=element_id)
                if hits:
                    return name, hits[0].sourceline
        return (file or (names[0] if names else "?")), None

    def file_of(self, element_id: str, preferred: str | None = None) -> str | None:
        """The file defining `element_id`: `preferred` when it does (ids repeat across files), else the first."""
        names = ([preferred] if preferred in self.trees else []) + [n for n in self.trees if n != preferred]
        return next((n for n in names if self.trees[n].xpath("//*[@id=$i]", i=element_id)), None)


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _expression_problem(source: str, mode: str = "eval") -> str | None:
    try:
        compile_checked(source, mode, helpers=HELPER_NAMES)
    except SyntaxError as e:
        return f"{SYNTAX_ERROR}：{e.msg}（{source.strip()[:60]}）"
    except UnsafeExpression as e:
        return f"表达式不安全：{e}"
    return None


def _dmn_entry_problem(text: str) -> str | None:
    text = text.strip()
    if not text or text == "-":
        return None
    if "?" in text:
        return _expression_problem(re.sub(r"\?", "dmninputexpr", text))
    plain = _expression_problem(text)
    if plain is None:
        return None
    # "< 3" is an entry the engine completes as `input < 3`.
    completed = _expression_problem(f"v {text}")
    if completed is None:
        return None
    return completed if plain.startswith(SYNTAX_ERROR) else plain


def _check_xml(name: str, data: bytes, locator: Locator) -> list[Problem]:
    try:
        root = etree.fromstring(data)
    except etree.XMLSyntaxError as e:
        return [Problem(name, e.lineno, "", f"XML 格式错误：{e.msg}")]
    locator.add(name, root)
    problems: list[Problem] = []
    if name.endswith(".dmn"):
        for node in root.iter():
            if _local(node.tag) in DMN_TAGS:
                text_node = next((c for c in node if _local(c.tag) == "text"), None)
                text = (text_node.text or "") if text_node is not None else ""
                check = _expression_problem if _local(node.tag) != "inputEntry" else _dmn_entry_problem
                message = check(text) if text.strip() and text.strip() != "-" else None
                if message:
                    problems.append(Problem(name, node.sourceline, node.get("id", ""), message))
        return problems
    for lane in root.iter(f"{{{BPMN_NS}}}lane"):
        if lane.get("name") not in LANE_ROLES:
            problems.append(Problem(name, lane.sourceline, lane.get("id", ""),
                                    f"未知泳道“{lane.get('name')}”，泳道名必须是角色：{', '.join(sorted(LANE_ROLES))}"))
    subprocesses = {node.get("id") for node in root.iter(f"{{{BPMN_NS}}}subProcess")}
    for ref in root.iter(f"{{{BPMN_NS}}}flowNodeRef"):
        if (ref.text or "").strip() in subprocesses:
            # SpiffWorkflow would silently move every task inside into this lane.
            problems.append(Problem(name, ref.sourceline, (ref.text or "").strip(),
                                    "嵌入子流程不能放在泳道内（其中的任务会全部归入该泳道），请将其移出泳道"))
    for node in root.iter():
        tag = _local(node.tag)
        mode = CODE_TAGS.get(tag) or ("eval" if node.get(XSI_TYPE, "").endswith("tFormalExpression") else None)
        source = node.text or ""
        if mode is None or not source.strip():
            continue
        message = _expression_problem(source, mode)
        if message:
            owner = next((a for a in node.iterancestors() if a.get("id")), None)
            problems.append(Problem(name, owner.sourceline if owner is not None else node.sourceline,
                                    owner.get("id", "") if owner is not None else "", message))
    return problems


def _iter_expressions(spec: BpmnProcessSpec) -> Iterator[tuple[str, str, str]]:
    for ts in spec.task_specs.values():
        bpmn_id = getattr(ts, "bpmn_id", None) or ts.name
        if isinstance(ts, ScriptEngineTask) and getattr(ts, "script", None):
            yield bpmn_id, "exec", ts.script
        for attr in ("prescript", "postscript"):
            if getattr(ts, attr, None):
                yield bpmn_id, "exec", getattr(ts, attr)
        for attr in ("condition", "cardinality"):
            if getattr(ts, attr, None):
                yield bpmn_id, "eval", getattr(ts, attr)
        event = getattr(ts, "event_definition", None)
        if event is not None and getattr(event, "expression", None):
            yield bpmn_id, "eval", event.expression
        for name in ("assignee", "scope", "notAfter"):
            value = (getattr(ts, "extensions", None) or {}).get("properties", {}).get(name)
            if value:
                yield bpmn_id, "eval", value


def _check_user_task(ts: UserTask) -> Iterator[str]:
    props = (ts.extensions or {}).get("properties", {})
    form_key = props.get("formKey")
    if not form_key:
        yield "用户任务缺少 formKey 属性"
    elif not forms.has_form(form_key):
        yield f"未知表单 formKey“{form_key}”"
    due_in = props.get("dueIn")
    if due_in:
        try:
            parse_due_in(due_in)
        except ValueError as e:
            yield str(e)
    if ts.lane is None:
        yield "用户任务必须位于某个角色泳道内"


def _check_spec(name_of: dict[str, str], spec: BpmnProcessSpec, locator: Locator, home: str | None = None
                ) -> list[Problem]:
    problems: list[Problem] = []
    # An embedded subprocess is no process of its own: find it in the file of the process being checked.
    file = name_of.get(spec.name) or locator.file_of(spec.name, home)
    for element_id, mode, source in _iter_expressions(spec):
        message = _expression_problem(source, mode)
        if message:
            f, line = locator.line(element_id, file)
            problems.append(Problem(f, line, element_id, message))
    for ts in spec.task_specs.values():
        if isinstance(ts, UserTask):
            for message in _check_user_task(ts):
                f, line = locator.line(ts.bpmn_id, file)
                problems.append(Problem(f, line, ts.bpmn_id or ts.name, message))
    return problems


def _index_ids(files: dict[str, bytes]) -> tuple[dict[str, str], dict[str, str], dict[str, set[str]]]:
    process_files: dict[str, str] = {}
    decision_files: dict[str, str] = {}
    calls: dict[str, set[str]] = {}
    for name, data in files.items():
        root = etree.fromstring(data)
        refs = calls.setdefault(name, set())
        for node in root.iter():
            tag = _local(node.tag)
            if tag == "process":
                process_files[node.get("id", "")] = name
            elif tag == "decision":
                decision_files[node.get("id", "")] = name
            elif tag == "callActivity" and node.get("calledElement"):
                refs.add(node.get("calledElement", ""))
            elif tag == "calledDecisionId" and node.text:
                refs.add(node.text.strip())
    return process_files, decision_files, calls


def parse_upload(files: dict[str, bytes]) -> tuple[ParsedUpload | None, list[Problem]]:
    """Validate every file together; return the parsed upload, or None and the problems."""
    locator = Locator()
    problems: list[Problem] = []
    for name, data in files.items():
        problems += _check_xml(name, data, locator)
    if any(p.message.startswith("XML 格式错误") for p in problems):
        return None, problems
    parser = SpiffBpmnParser(validator=VALIDATOR)
    for name, data in files.items():
        try:
            if name.endswith(".dmn"):
                parser.add_dmn_str(data, filename=name)
            else:
                parser.add_bpmn_str(data, filename=name)
        except ValidationException as e:
            problems.append(Problem(name, _int(e.line_number), e.id or "", _msg(e)))
        except (SpiffWorkflowException, etree.LxmlError, ValueError) as e:
            problems.append(Problem(name, None, "", str(e)))
    if problems:
        return None, problems
    process_files, decision_files, calls = _index_ids(files)
    called = {ref for refs in calls.values() for ref in refs}
    roots = [pid for pid in parser.get_process_ids() if pid not in called]
    # A decision no process calls stands on its own (the panels' conflict rules): a version of its own.
    roots += [did for did in decision_files if did not in called]
    if not roots and not decision_files:
        problems.append(Problem(next(iter(files), "?"), None, "", "没有可执行的流程"))
    for pid in parser.get_process_ids():
        try:
            spec = parser.get_spec(pid)
            subs = parser.get_subprocess_specs(pid)
        except ValidationException as e:
            f, line = locator.line(e.id, e.file_name or process_files.get(pid))
            problems.append(Problem(f, _int(e.line_number) or line, e.id or pid, _msg(e)))
            continue
        except SpiffWorkflowException as e:
            problems.append(Problem(process_files.get(pid, "?"), None, pid, str(e)))
            continue
        for s in [spec, *subs.values()]:
            problems += _check_spec(process_files, s, locator, process_files.get(pid))
    unique = list(dict.fromkeys(problems))
    if unique:
        return None, unique
    return ParsedUpload(parser, roots, process_files, decision_files, calls), []


def closure(upload: ParsedUpload, root: str) -> list[str]:
    """The file names a root process needs: its own and every file it calls, transitively."""
    owner = {**upload.process_files, **upload.decision_files}
    needed: list[str] = []
    pending = [owner[root]]
    while pending:
        name = pending.pop()
        if name in needed:
            continue
        needed.append(name)
        pending += [owner[ref] for ref in upload.calls.get(name, ()) if ref in owner]
    return sorted(needed)


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload,no-any-return]
    except (TypeError, ValueError):
        return None


def _msg(e: ValidationException) -> str:
    text = str(e).strip()
    return re.sub(r"\s+", " ", text)
