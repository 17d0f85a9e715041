"""What the pages show of an application: access-checked loading, its form data, tasks, panel and timeline."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

import forms
from engine import versions
from engine.access import can_see_application, may_read_content, visible_summary
from engine.inspect_instance import instance_view
from engine.models import Application, Attachment, HumanTask, ProcessVersion, ReviewAssignment, User
from engine.scoring import PanelScores, summarize
from web import attachments as files
from web import form_choices
from web.admin.instances import diagram_marks
from web.display import STAGES, SUMMARY_LABELS, version_label
from web.forms_render import FieldView, build

APPLICATION_FORM_PREFIX = "application_"


def visible(session: Session, user: User, app_id: int) -> Application:
    """The application if `user` may see it; 404 otherwise (its existence is not revealed)."""
    app = session.get(Application, app_id)
    if app is None or not can_see_application(session, user, app):
        abort(404)
    return app


def readable(session: Session, user: User, app_id: int) -> Application:
    """The application if `user` may read its content (experts only after declaring no conflict); else 404."""
    app = visible(session, user, app_id)
    if not may_read_content(session, user, app):
        abort(404)
    return app


def shown_summary(session: Session, user: User, app: Application) -> list[tuple[str, Any]]:
    """(label, value) of the summary fields `user` may see, for the summary card."""
    summary = visible_summary(session, user, app)
    return [(label, summary[key]) for key, label in SUMMARY_LABELS.items() if summary.get(key) is not None]


def form_submission(session: Session, app: Application) -> tuple[str, dict[str, Any]] | None:
    """The newest submitted application form (first submission or correction): its key and data."""
    row = session.scalars(
        select(HumanTask).where(HumanTask.application_id == app.id, HumanTask.state == "done",
                                HumanTask.form_key.startswith(APPLICATION_FORM_PREFIX))
        .order_by(HumanTask.completed_at.desc(), HumanTask.id.desc()).limit(1)).first()
    if row is None or row.form_key is None:
        return None
    return row.form_key, dict(row.data or {})


def read_views(session: Session, form_key: str, data: dict[str, Any], app: Application | None) -> list[FieldView]:
    """Read-only views of submitted data, with option labels."""
    fields = forms.fields_of(form_key)
    context = form_choices.context(session, fields, app, for_input=False)
    return build(forms.fields_of(form_key, context), data, defaults=False)


def application_views(session: Session, app: Application) -> list[FieldView] | None:
    """The submitted application form as read-only views, or None before the first submission."""
    found = form_submission(session, app)
    return read_views(session, found[0], found[1], app) if found else None


@dataclass
class TaskLine:
    """A task of the application with the names of its assignee and completer."""

    task: HumanTask
    assignee: str | None
    completer: str | None


def task_lines(session: Session, app: Application) -> list[TaskLine]:
    """Every task of the application, oldest first."""
    assignee, completer = aliased(User), aliased(User)
    rows = session.execute(
        select(HumanTask, assignee.display_name, completer.display_name)
        .outerjoin(assignee, assignee.id == HumanTask.assignee_id)
        .outerjoin(completer, completer.id == HumanTask.completed_by)
        .where(HumanTask.application_id == app.id).order_by(HumanTask.id)).all()
    return [TaskLine(t, a, c) for t, a, c in rows]


@dataclass
class PanelLine:
    """One expert on the panel."""

    assignment: ReviewAssignment
    expert: User
    outlier: bool


def panel(session: Session, app: Application) -> tuple[list[PanelLine], PanelScores]:
    """The panel's assignments (conflicts included) and the summary of the valid scores."""
    rows = session.execute(
        select(ReviewAssignment, User).join(User, User.id == ReviewAssignment.expert_id)
        .where(ReviewAssignment.application_id == app.id).order_by(ReviewAssignment.id)).all()
    scored = [(a, u) for a, u in rows if a.conflict is False and a.score is not None]
    summary = summarize([a.score for a, _ in scored if a.score is not None])
    outlying = {scored[i][0].id for i in summary.outliers}
    return [PanelLine(a, u, a.id in outlying) for a, u in rows], summary


def attachments(session: Session, app: Application, user: User) -> list[tuple[Attachment, str, bool]]:
    """The application's files with the uploader's name and whether `user` may remove each, newest first."""
    return [(a, name, files.removable(a, state, user.id)) for a, name, state in session.execute(
        select(Attachment, User.display_name, HumanTask.state).join(User, User.id == Attachment.uploaded_by)
        .outerjoin(HumanTask, HumanTask.id == Attachment.human_task_id)
        .where(Attachment.application_id == app.id).order_by(Attachment.id.desc())).all()]


def timeline(app: Application, history: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(stage, label, state) along the lifecycle; state is done, current, stopped or pending.

    Only the stages before the current one are done: a returned application is back at 申报 with 推荐 still
    ahead; a closed one is done up to the stage it ended in, which is marked stopped unless it was accepted.
    """
    order = [key for key, _ in STAGES]
    at, state_there = app.stage, "current"
    if app.stage == "closed":
        ended_in = next((str(change[0]) for change in reversed([
            (event.get("data") or {}).get("stage") for event in history if event["action"] == "stage_changed"])
            if isinstance(change, list) and change and change[-1] == "closed" and change[0] in order), order[0])
        at, state_there = ended_in, "done" if app.status == "accepted" else "stopped"
    here = order.index(at) if at in order else 0
    return [(key, label, "done" if i < here else state_there if i == here else "pending")
            for i, (key, label) in enumerate(STAGES)]


def diagram(session: Session, instance_id: int) -> dict[str, Any]:
    """What the record page's diagram needs: the version's main file and its elements' marks."""
    view = instance_view(session, instance_id)
    version = session.get(ProcessVersion, view["version_id"])
    assert version is not None
    files = dict(version.files)
    main = versions.root_file(files, version.process_key)
    return {"xml_url": url_for("admin.version_file", version_id=version.id, name=main),
            "marks": diagram_marks(view, files[main]), "version": version_label(version.process_key, version.version)}
