"""Every attack payload is refused at upload with its element id, and by the run-time layer with the same words."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from engine import repository
from engine.sandbox import UnsafeExpression, make_script_engine
from tests.sandbox.corpus import EXPRESSIONS, STATEMENTS
from tests.sandbox.embed import ELEMENT, PLACES, embedded
from web.cli import main

ENV = make_script_engine().environment
CASES = [(name, place) for name in EXPRESSIONS for place in PLACES] + [(name, "script") for name in STATEMENTS]


def test_the_corpus_is_large_enough() -> None:
    assert len(EXPRESSIONS) + len(STATEMENTS) >= 40


def test_harmless_diagrams_pass() -> None:
    for place in PLACES:
        code = "score >= 60" if place == "dmn_entry" else {"script": "y = 1", "condition": "y == 1",
                                                              "timer": '"2030-01-01T00:00:00+00:00"'}[place]
        name, content = embedded(place, code)
        assert repository.validate({name: content}) == [], place


@pytest.mark.parametrize(("name", "place"), CASES, ids=[f"{n}-{p}" for n, p in CASES])
def test_upload_refuses_the_payload_with_its_element(name: str, place: str) -> None:
    code = {**EXPRESSIONS, **STATEMENTS}[name]
    file, content = embedded(place, code)
    problems = repository.validate({file: content})
    hits = [p for p in problems if p.element_id == ELEMENT[place]]
    assert hits, problems
    assert hits[0].file == file and hits[0].line and hits[0].line > 1
    assert hits[0].message.startswith("表达式不安全"), hits[0].message  # refused by the allow-list, not by syntax


@pytest.mark.parametrize("name", sorted(EXPRESSIONS))
def test_run_time_layer_refuses_expressions_with_the_checkers_error(name: str) -> None:
    code = EXPRESSIONS[name]
    with pytest.raises((UnsafeExpression, SyntaxError)) as refused:
        ENV.evaluate(code, {"x": 1, "w": 3})
    file, content = embedded("condition", code)
    (problem,) = [p for p in repository.validate({file: content}) if p.element_id == "f_attack"]
    assert str(refused.value).split("（")[0] in problem.message or isinstance(refused.value, SyntaxError)


@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_run_time_layer_refuses_statements(name: str) -> None:
    with pytest.raises((UnsafeExpression, SyntaxError)):
        ENV.execute(STATEMENTS[name], {"x": 1})


def test_validate_command_prints_each_problem_with_file_line_and_element(tmp_path: Path) -> None:
    paths = []
    for index, (place, name) in enumerate([("script", "gen_frame"), ("condition", "format_bound"),
                                           ("timer", "open"), ("dmn_entry", "mro")]):
        file, content = embedded(place, EXPRESSIONS[name], key=f"attack{index}")
        path = tmp_path / file
        path.write_bytes(content)
        paths.append(path)
    result = CliRunner().invoke(main, ["validate", *map(str, paths)])
    assert result.exit_code == 1
    for path, element in zip(paths, ("attack_script", "f_attack", "wait_attack", "entry_attack"), strict=True):
        assert any(line.startswith(f"{path}:") and f": {element}: " in line for line in result.output.splitlines()), (
            element, result.output)
