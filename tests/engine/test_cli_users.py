"""`rootball users` creates accounts that can sign in, and refuses bad input with field messages."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from engine.db import make_sessionmaker
from engine.models import User
from engine.passwords import check_password
from web.cli import main


@pytest.fixture
def cli_env(db_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("ROOTBALL_DATABASE_URL", db_engine.url.render_as_string(hide_password=False))
    return db_engine


def test_users_add_and_list(cli_env: Engine) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["users", "add", "beihai", "--name", "北海市科技局", "--role", "recommender",
                                  "--scope", "北海市"], input="s3cret-pass\ns3cret-pass\n")
    assert result.exit_code == 0, result.output
    with make_sessionmaker(cli_env)() as session:
        user = session.scalar(select(User).where(User.username == "beihai"))
        assert user is not None and user.has_role("recommender", "北海市")
        assert check_password(user.password_hash, "s3cret-pass")
    listing = runner.invoke(main, ["users", "list"])
    assert "beihai" in listing.output and "recommender:北海市" in listing.output


def test_users_add_refuses_bad_scope_and_duplicates(cli_env: Engine) -> None:
    runner = CliRunner()
    bad = runner.invoke(main, ["users", "add", "x1", "--name", "某局", "--role", "recommender", "--scope", "深圳市"],
                        input="s3cret-pass\ns3cret-pass\n")
    assert bad.exit_code == 1 and "scope" in bad.output
    dup = runner.invoke(main, ["users", "add", "officer", "--name", "重复", "--role", "officer"],
                        input="s3cret-pass\ns3cret-pass\n")
    assert dup.exit_code == 1 and "username" in dup.output
    with make_sessionmaker(cli_env)() as session:
        assert session.scalar(select(User).where(User.username == "x1")) is None
