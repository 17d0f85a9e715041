"""Deploying a file the library already holds, named however it is typed: matched by the processes it defines."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select
from sqlalchemy.orm import undefer

from bench.timer_process import timer_bpmn
from engine import repository
from engine.db import make_sessionmaker
from engine.models import ProcessVersion
from web.cli import main

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
TASK_NAME = 'name="推荐单位审核推荐"'


def versions(eng: Engine, key: str) -> list[ProcessVersion]:
    with make_sessionmaker(eng)() as session:
        return list(session.scalars(select(ProcessVersion).where(ProcessVersion.process_key == key)
                                    .options(undefer(ProcessVersion.files)).order_by(ProcessVersion.version)))


def edited(text: str, marker: str, path: Path | None = None) -> bytes:
    """track4 with its recommendation task renamed after `marker` (written to `path` when given)."""
    data = (PROCESSES / "track4_enterprise.bpmn").read_text().replace(TASK_NAME, f'name="审核推荐（{marker}）"')
    assert data != (PROCESSES / "track4_enterprise.bpmn").read_text()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(data)
    return data.encode()


@pytest.fixture
def project(db_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the project's processes/ folder as the current folder, on the test database."""
    monkeypatch.setenv("ROOTBALL_DATABASE_URL", db_engine.url.render_as_string(hide_password=False))
    root = tmp_path / "project"
    shutil.copytree(PROCESSES, root / "processes")
    monkeypatch.chdir(root)
    return root


def deploy(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["deploy", *args])
    return result.exit_code, result.output


def test_deploy_by_relative_path_absolute_path_and_another_name(project: Path, db_engine: Engine) -> None:
    library = set(versions(db_engine, "track4_enterprise")[0].files)
    edited(TASK_NAME, "相对路径", project / "processes" / "track4_enterprise.bpmn")
    assert deploy("processes/track4_enterprise.bpmn") == (0, "已部署 track4_enterprise v2\n")
    edited(TASK_NAME, "绝对路径", project / "processes" / "track4_enterprise.bpmn")
    code, output = deploy(str(project / "processes" / "track4_enterprise.bpmn"), "--note", "绝对路径")
    assert (code, output) == (0, "已部署 track4_enterprise v3\n")
    edited(TASK_NAME, "另一个文件名", project / "我的修改" / "t4-copy.bpmn")
    assert deploy("我的修改/t4-copy.bpmn") == (0, "已部署 track4_enterprise v4\n")
    assert deploy("./processes/../我的修改/t4-copy.bpmn") == (0, "已部署 track4_enterprise v4\n")  # unchanged
    found = versions(db_engine, "track4_enterprise")
    assert [v.version for v in found] == [1, 2, 3, 4]
    assert all(set(v.files) == library for v in found), "every version keeps the library's file names"
    assert "审核推荐（另一个文件名）" in found[-1].files["track4_enterprise.bpmn"]
    assert [v.version for v in versions(db_engine, "track1_jiebang")] == [1]


def test_a_shared_subprocess_deployed_by_path_makes_new_versions_of_its_callers(project: Path,
                                                                               db_engine: Engine) -> None:
    award = project / "processes" / "common" / "award.bpmn"
    award.write_text(award.read_text().replace("publicity_ends_at", "publicity_until"))
    code, output = deploy("processes/common/award.bpmn")
    assert code == 0 and output.count("已部署") == 5 and "v2" in output
    assert all("common/award.bpmn" in versions(db_engine, key)[-1].files
               for key in ("track1_jiebang", "track4_enterprise"))


def test_problems_name_the_file_as_typed(project: Path, db_engine: Engine) -> None:
    broken = (PROCESSES / "track4_enterprise.bpmn").read_text().replace('value="application_t4"',
                                                                         'value="no_such_form"', 1)
    (project / "processes" / "track4_enterprise.bpmn").write_text(broken)
    code, output = deploy("processes/track4_enterprise.bpmn")
    assert code == 1 and output.startswith("processes/track4_enterprise.bpmn:") and "no_such_form" in output
    code, output = deploy(str(project / "processes" / "track4_enterprise.bpmn"))
    assert code == 1 and output.startswith(f"{project}/processes/track4_enterprise.bpmn:")
    assert [v.version for v in versions(db_engine, "track4_enterprise")] == [1]


def test_a_new_process_keeps_its_own_name(project: Path, db_engine: Engine) -> None:
    key, data = timer_bpmn()
    (project / "elsewhere").mkdir()
    (project / "elsewhere" / "wake.bpmn").write_bytes(data)
    assert deploy(str(project / "elsewhere" / "wake.bpmn")) == (0, f"已部署 {key} v1\n")
    assert deploy("elsewhere/wake.bpmn") == (0, f"已部署 {key} v1\n")  # the same file: matched, unchanged
    (only,) = versions(db_engine, key)
    assert set(only.files) == {"wake.bpmn"}  # no path of this machine in the library


def test_with_library_matches_by_what_a_file_defines() -> None:
    library = {name: (PROCESSES / name).read_bytes() for name in ("track4_enterprise.bpmn", "common/award.bpmn")}
    merged = repository.with_library(library, {"x/anything.bpmn": edited(TASK_NAME, "甲"),
                                               "common/award.bpmn": library["common/award.bpmn"]})
    assert set(merged.files) == set(library)
    assert merged.names == {"x/anything.bpmn": "track4_enterprise.bpmn", "common/award.bpmn": "common/award.bpmn"}
    garbled = repository.with_library(library, {"track4_enterprise.bpmn": b"<not xml"})
    assert garbled.files["track4_enterprise.bpmn"] == b"<not xml" and len(garbled.files) == 2

