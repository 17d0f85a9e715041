"""`rootball tick --now`: a usable time runs one pass; anything else is a Chinese message and a non-zero exit."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from web.cli import main

ROOTBALL = str(Path(sys.executable).parent / "rootball")
UNUSABLE = ["garbage", "", "  ", "2025-02-30", "2025-10-20T25:00", "9999-12-31T23:59:59", "0001-01-01T00:00:00",
            "1999-12-31T15:59:59+00:00", "2100-01-01T00:00:00Z", "2025-10-20T09:00:00+99:00", "1e10", "2025-10-20\x00"]


@pytest.fixture
def cli_env(db_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("ROOTBALL_DATABASE_URL", db_engine.url.render_as_string(hide_password=False))
    return db_engine


@pytest.mark.parametrize("value", UNUSABLE)
def test_an_unusable_now_is_refused_in_chinese(cli_env: Engine, value: str) -> None:
    for command in ("tick", "scheduler"):
        result = CliRunner().invoke(main, [command, "--now", value])
        assert result.exit_code == 2, (command, value, result.output, result.exception)
        assert isinstance(result.exception, SystemExit), result.exception
        assert "--now 的值" in result.stderr and ("ISO 8601" in result.stderr or "范围" in result.stderr)
        assert result.stdout == "" and "Traceback" not in result.output


def test_a_usable_now_runs_one_pass_as_of_then(cli_env: Engine) -> None:
    for value in ("2025-10-20T09:00:00+08:00", "2025-10-20T01:00:00", "2099-12-31T23:00:00Z"):
        result = CliRunner().invoke(main, ["tick", "--now", value])
        assert result.exit_code == 0, (value, result.output, result.exception)
        report = json.loads(result.stdout)
        assert report["event"] == "scheduler_pass" and report["errors"] == []
    assert json.loads(CliRunner().invoke(main, ["tick", "--now", "2025-10-20T01:00:00"]).stdout)["now"].startswith(
        "2025-10-20T01:00:00")


def test_the_real_command_prints_no_traceback(cli_env: Engine, tmp_path: Path) -> None:
    env = {"PATH": str(Path(sys.executable).parent), "ROOTBALL_DATABASE_URL": str(
        cli_env.url.render_as_string(hide_password=False)), "HOME": str(tmp_path)}
    for value in ("garbage", "9999-12-31T23:59:59"):
        done = subprocess.run([ROOTBALL, "tick", "--now", value], env=env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 2 and "Traceback" not in done.stderr and "--now 的值" in done.stderr, done.stderr


def test_a_pass_whose_steps_fail_exits_non_zero(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROOTBALL_DATABASE_URL", f"sqlite:///{tmp_path / 'missing' / 'rootball.db'}")
    result = CliRunner().invoke(main, ["tick", "--now", "2025-10-20T09:00:00+08:00"])
    assert result.exit_code == 1 and "步骤出错" in result.stderr
    assert json.loads(result.stdout)["errors"]
