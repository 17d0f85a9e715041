"""What one command made happen besides the workflow's own state, written in the command's transaction:
notices (in-app and mail) and the publicity record. A rolled-back command leaves none of it."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from sqlalchemy.orm import Session

from engine import publicity
from engine.mailer import MailSettings
from engine.models import Application, HumanTask, ProcessInstance, utcnow
from engine.notices import deliver


@dataclass
class Happened:
    """One command's outcome: the tasks that finished in it and the inbox rows it opened."""

    session: Session
    instance: ProcessInstance
    application: Application | None
    workflow: BpmnWorkflow
    ran: list[Task]
    opened: list[HumanTask]
    data: dict[str, Any]
    settings: MailSettings
    now: datetime = field(default_factory=utcnow)


def record(happened: Happened) -> None:
    """Write the notices and the publicity record that follow from `happened`."""
    publicity.sync(happened)
    deliver.record(happened)
