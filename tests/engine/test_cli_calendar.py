"""`rootball calendar import FILE` enters a published schedule (or names each bad line); `calendar show YEAR`."""
from __future__ import annotations

from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner
from sqlalchemy import Engine, func, select

from engine.db import make_sessionmaker
from engine.lifecycle import Lifecycle, china
from engine.models import HolidayDay
from engine.runtime import Runtime
from web.cli import main

SCHEDULE_2027 = Path(__file__).parent / "data" / "holidays_2027.txt"


@pytest.fixture
def cli_env(db_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("ROOTBALL_DATABASE_URL", db_engine.url.render_as_string(hide_password=False))
    return db_engine


def _entered(eng: Engine) -> int:
    with make_sessionmaker(eng)() as session:
        return int(session.scalar(select(func.count(HolidayDay.id))) or 0)


def test_import_a_published_year_and_show_it(cli_env: Engine, runtime: Runtime, tmp_path: Path) -> None:
    runner = CliRunner()
    before = runner.invoke(main, ["calendar", "show", "2027"])
    assert before.exit_code == 0, before.output
    assert "2027 年放假安排（法定节日推算）" in before.output
    assert "2027 年放假安排尚未录入，按法定节日推算" in before.output
    assert "2027-02-08\t周一\t休\t春节\t法定节日推算" in before.output

    experts = Lifecycle(runtime, "T2")
    experts.to_expert_review(china(2027, 2, 1, 9, 0))
    with time_machine.travel(china(2027, 2, 3, 9, 0), tick=False):
        result = runner.invoke(main, ["calendar", "import", str(SCHEDULE_2027), "--source", "国办发明电〔2026〕9号"])
    assert result.exit_code == 0, result.output
    assert "2027 年放假安排：33 天（已录入）" in result.output
    assert f"申报 #{experts.app_id}" in result.output
    assert "专家评分（回避声明） 2027-02-17 → 2027-02-20" in result.output

    after = runner.invoke(main, ["calendar", "show", "2027"])
    assert "2027 年放假安排（已录入）" in after.output and "尚未录入" not in after.output
    assert "2027-02-11\t周四\t休\t春节\t国办发明电〔2026〕9号" in after.output
    assert "2027-02-20\t周六\t班\t春节" in after.output
    assert _entered(cli_env) == 33

    # importing the year again replaces its days
    smaller = tmp_path / "one_day.txt"
    smaller.write_text("2027-06-09 休 端午节\n", "utf-8")
    assert runner.invoke(main, ["calendar", "import", str(smaller)]).exit_code == 0
    assert _entered(cli_env) == 1


def test_a_bad_file_names_its_lines_and_changes_nothing(cli_env: Engine, tmp_path: Path) -> None:
    bad = tmp_path / "2027.txt"
    bad.write_text("# 2027\n2027-02-05 休 春节\n2027-02-30 休 春节\n\n2027-02-09 班 春节\n2027-02-06 放 春节\n",
                   "utf-8")
    result = CliRunner().invoke(main, ["calendar", "import", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:3: 日期“2027-02-30”无效，应为 YYYY-MM-DD" in result.output
    assert f"{bad}:5: 2027-02-09 是工作日，调休上班日应为周六或周日" in result.output
    assert f"{bad}:6: 类别“放”无效，应为 off（休）或 work（班）" in result.output
    assert _entered(cli_env) == 0
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes("2027-02-05 休 春节\n".encode("gbk"))
    assert CliRunner().invoke(main, ["calendar", "import", str(gbk)]).exit_code == 1
    assert CliRunner().invoke(main, ["calendar", "show", "1850"]).exit_code == 1


def test_recount_catches_up_a_change_whose_recount_did_not_run(cli_env: Engine, runtime: Runtime) -> None:
    from engine.holidays import entry

    experts = Lifecycle(runtime, "T2")
    experts.to_expert_review(china(2027, 2, 1, 9, 0))
    days = entry.parse_file(SCHEDULE_2027.read_text("utf-8"), "2027.txt")
    with runtime.sessions.begin() as session:  # the schedule stored, the deadlines not yet counted again
        entry.save_year(session, 2027, days[2027], None)
    with time_machine.travel(china(2027, 2, 3, 9, 0), tick=False):
        result = CliRunner().invoke(main, ["calendar", "recount", "2027"])
        assert result.exit_code == 0, result.output
        assert "专家评分（回避声明） 2027-02-17 → 2027-02-20" in result.output
        again = CliRunner().invoke(main, ["calendar", "recount", "2027"])
    assert again.exit_code == 0 and again.output.strip() == "没有需要重新计算的期限"
