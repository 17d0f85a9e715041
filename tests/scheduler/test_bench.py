"""The benchmarks still run, at tiny sizes (their figures are not checked: only that they finish and count)."""
from __future__ import annotations

import pytest
from sqlalchemy import Engine

from bench import mail, migration, scheduler


def test_scheduler_bench_runs_at_tiny_sizes(db_engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    scheduler.run(db_engine, db_engine.dialect.name, tasks=1, timers=2)
    out = capsys.readouterr().out
    assert "inserted 1 open tasks and 2 timer instances (1 due)" in out
    assert "1 fired, 0 failed" in out and "overdue 1, escalation 1" in out and "2 sent, 0 not" in out


def test_mail_bench_runs_at_tiny_sizes(db_engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    mail.run(db_engine, db_engine.dialect.name, mails=3)
    out = capsys.readouterr().out
    assert "mail: 3 sent in" in out and "1 SMTP connection)" in out and "0 not sent" in out


def test_migration_bench_runs_at_tiny_sizes(db_engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    migration.run_on(db_engine, db_engine.dialect.name, count=6)
    out = capsys.readouterr().out
    assert "6 running instances prepared" in out and "on v1: 6 running, 1 waiting on changed elements" in out
    assert "migrated: 6, refused: 0" in out and "restored: 6, refused: 0" in out
