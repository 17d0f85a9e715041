"""Process versions: validate uploads, deploy them as new versions, and cache their specs."""
from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path

from lxml import etree
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import audit, serialization
from engine.errors import InvalidProcess, NotFound, Problem
from engine.models import ProcessVersion, utcnow
from engine.validation import ParsedUpload, closure, parse_upload
from forms.inputs import CONTROL_CHARACTERS, has_control_characters, text_problems

SpecPair = tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]
_CACHE: OrderedDict[tuple[str, int], SpecPair] = OrderedDict()
_CACHE_SIZE = 64
MAX_NOTE = 2000


def validate(files: dict[str, bytes]) -> list[Problem]:
    """Every problem in an upload; empty when it could be deployed."""
    return parse_upload(files)[1]


def _digest(files: dict[str, str]) -> str:
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + files[name].encode() + b"\0")
    return h.hexdigest()


def latest(session: Session, process_key: str) -> ProcessVersion | None:
    """The newest deployed version of a process."""
    return session.scalar(
        select(ProcessVersion)
        .where(ProcessVersion.process_key == process_key, ProcessVersion.state == "deployed")
        .order_by(ProcessVersion.version.desc())
        .limit(1)
    )


def deployed_files(session: Session) -> dict[str, bytes]:
    """The files of the newest deployed version of every process, by file name."""
    keys = session.scalars(select(ProcessVersion.process_key).distinct()).all()
    newest = [v for key in keys if (v := latest(session, key)) is not None]
    files: dict[str, bytes] = {}
    for version in sorted(newest, key=lambda v: (v.deployed_at, v.id), reverse=True):
        for name, text in version.files.items():
            files.setdefault(name, text.encode())
    return files


def defined_ids(data: bytes) -> frozenset[str]:
    """Ids of the processes and decisions a BPMN/DMN file defines (none when it is not well-formed XML)."""
    try:
        root = etree.fromstring(data)
    except etree.XMLSyntaxError:
        return frozenset()
    return frozenset(str(i) for i in root.xpath("//*[local-name()='process' or local-name()='decision']/@id"))


@dataclass
class Merged:
    """An upload put in place in the library: every file, and the name each uploaded file was given."""

    files: dict[str, bytes]
    names: dict[str, str]  # uploaded name -> name in `files`

    def as_uploaded(self, problems: list[Problem]) -> list[Problem]:
        """Problems named by the files as they were uploaded."""
        back = {given: uploaded for uploaded, given in self.names.items()}
        return [replace(p, file=back.get(p.file, p.file)) for p in problems]


def with_library(library: dict[str, bytes], upload: dict[str, bytes]) -> Merged:
    """The library with each uploaded file in place of the library files it replaces.

    An upload replaces the library file of its name and every library file defining one of its
    process or decision ids: a file is known by what it defines, not by the path it was uploaded
    from (`processes/track4_enterprise.bpmn`, an absolute path, a renamed copy). When it replaces
    exactly one file it takes that file's name, so the versions of a process keep comparable files.
    """
    owners = {defined: name for name, data in library.items() for defined in defined_ids(data)}
    files, names = dict(library), dict[str, str]()
    for name, data in upload.items():
        replaced = {owners[i] for i in defined_ids(data) if i in owners} | ({name} & set(library))
        for old in replaced:
            files.pop(old, None)
        given = next(iter(replaced)) if len(replaced) == 1 else name
        if given != name and (given in upload or given in names.values()):
            given = name  # never onto another uploaded file's name
        names[name] = given
        files[given] = data
    return Merged(files, names)


def check(session: Session, files: dict[str, bytes]) -> list[Problem]:
    """Every problem of an upload validated together with the deployed library it would join."""
    merged = with_library(deployed_files(session), files)
    return merged.as_uploaded(validate(merged.files))


@dataclass
class Planned:
    """A root process an upload would give a new version: its files, and its current version."""

    root: str
    bundle: dict[str, str]
    current: ProcessVersion | None
    upload: ParsedUpload


def planned(session: Session, files: dict[str, bytes], note: str = "", fill_from_library: bool = True) -> list[Planned]:
    """The new versions an upload would deploy, each root with its files; raises InvalidProcess.

    Files a root calls but the upload lacks are taken from the newest deployed versions, so an
    administrator can upload one edited diagram; an uploaded file replaces the library's file that
    defines the same processes (see `with_library`). A root whose files are unchanged keeps its
    current version (it is listed with `bundle` equal to the current files).
    """
    stated = [Problem(name, None, "", f"文件名{CONTROL_CHARACTERS}") for name in files if has_control_characters(name)]
    stated += [Problem("", None, "", f"版本说明：{message}")
               for message in text_problems(note, max_length=MAX_NOTE, multiline=True)]
    if stated:
        raise InvalidProcess(stated)
    merged = with_library(deployed_files(session) if fill_from_library else {}, files)
    files, upload_names = merged.files, set(merged.names.values())
    upload, problems = parse_upload(files)
    if upload is None:
        relevant = [p for p in problems if p.file in upload_names] or problems
        raise InvalidProcess(merged.as_uploaded(relevant))
    found: list[Planned] = []
    for root in upload.roots:
        needed = closure(upload, root)
        if fill_from_library and not upload_names & set(needed):
            continue
        found.append(Planned(root, {name: files[name].decode() for name in needed}, latest(session, root), upload))
    return found


def deploy(
    session: Session, files: dict[str, bytes], note: str = "", actor_id: int | None = None,
    fill_from_library: bool = True,
) -> list[ProcessVersion]:
    """Validate and store a new version of each root process in `files` (see `planned`).

    Raises InvalidProcess with every problem; nothing is stored then.
    """
    if not files:
        return []
    versions: list[ProcessVersion] = []
    for plan in planned(session, files, note, fill_from_library):
        root, bundle, current, upload = plan.root, plan.bundle, plan.current, plan.upload
        digest = _digest(bundle)
        if current is not None and current.sha256 == digest:
            versions.append(current)
            continue
        # A decision deployed on its own has no process spec: it is read from its file where it is used.
        spec_json = serialization.dump_specs(upload.parser.get_spec(root), upload.parser.get_subprocess_specs(root)) \
            if root in upload.process_files else ""
        number = (session.scalar(
            select(func.max(ProcessVersion.version)).where(ProcessVersion.process_key == root)
        ) or 0) + 1
        version = ProcessVersion(
            process_key=root, version=number, files=bundle, spec_json=spec_json,
            sha256=digest, state="deployed", deployed_by=actor_id, deployed_at=utcnow(), note=note,
        )
        session.add(version)
        session.flush()
        # Ids restart in every fresh database: never serve a spec cached under a reused id.
        _CACHE.pop(_cache_key(session, version.id), None)
        audit.record(session, "deploy", actor_id=actor_id, task_name=f"{root} v{number}",
                     data={"files": sorted(bundle), "note": note})
        versions.append(version)
    return versions


def read_folder(folder: Path) -> dict[str, bytes]:
    """All BPMN and DMN files under `folder`, named by their path relative to it."""
    return {
        str(p.relative_to(folder)).replace("\\", "/"): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.suffix in (".bpmn", ".dmn")
    }


def _cache_key(session: Session, version_id: int) -> tuple[str, int]:
    bind = session.get_bind()
    return str(bind.engine.url), version_id


def specs(session: Session, version_id: int) -> SpecPair:
    """The parsed spec objects of a version, deserialized once per process and cached."""
    key = _cache_key(session, version_id)
    pair = _CACHE.get(key)
    if pair is not None:
        _CACHE.move_to_end(key)
        return pair
    version = session.get(ProcessVersion, version_id)
    if version is None:
        raise NotFound(f"流程版本 {version_id} 不存在")
    pair = serialization.load_specs(version.spec_json)
    _CACHE[key] = pair
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return pair
