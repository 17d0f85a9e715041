"""What the admin views share: one transaction per command, and field errors shown as messages."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import flash
from sqlalchemy.orm import Session

from engine.errors import FormInvalid
from web import db


@contextmanager
def command() -> Iterator[Session]:
    """A session whose work commits at the end of the block, or rolls back on an error."""
    with db.services().sessions.begin() as session:
        yield session


def flash_invalid(error: FormInvalid) -> None:
    """Flash every field message of a rejected form."""
    for messages in error.errors.values():
        for message in messages if isinstance(messages, list) else [messages]:
            flash(str(message), "danger")
