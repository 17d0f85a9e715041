"""Printable records: every document renders to a PDF with the application's facts and embedded CJK fonts, and
is refused (404, as the application itself) to those who may not see it."""
from __future__ import annotations

import io

import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader

from engine.lifecycle import Lifecycle
from engine.runtime import Runtime
from tests.web.api_client import PREFIX, api_as
from tests.web.conftest import login_as

TITLE = "高端装备智能制造关键技术团队引进"
# kind -> words its PDF must hold besides the title and the team leader
EXPECTED = {
    "application": ["申报书", "300", "核心成员3", "附件清单"],
    "recommendation": ["推荐意见", "同意推荐"],
    "formal_review": ["形式审查意见", "形式审查合格"],
    "review_summary": ["专家评审汇总表", "88", "91", "李教授"],
    "award_notice": ["立项通知书", "200", "资助经费"],
    "contract": ["任务书", "GK-2025-001", "300"],
    "midterm": ["中期检查意见", "中期检查意见。"],
    "acceptance": ["验收结论", "验收意见。"],
}


def fonts(reader: PdfReader) -> set[str]:
    """Base names of the fonts embedded in the PDF."""
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


# Rendering does not depend on the database: one backend is enough for the slow part.
@pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)
def test_every_document_renders_to_pdf_and_follows_the_record_s_visibility(client: FlaskClient,
                                                                         runtime: Runtime) -> None:
    lc = Lifecycle(runtime, "T2")
    lc.happy_path()
    accepted = lc.app_id
    login_as(client, "officer")
    for kind, words in EXPECTED.items():
        response = client.get(f"/applications/{accepted}/documents/{kind}.pdf")
        assert response.status_code == 200 and response.mimetype == "application/pdf", kind
        reader = PdfReader(io.BytesIO(response.data))
        text = "".join(page.extract_text() for page in reader.pages).replace(" ", "").replace("\n", "")
        for word in [TITLE, "核心成员1", "广西壮族自治区科学技术厅", "第1页", *words]:
            assert word.replace(" ", "") in text, (kind, word)
        assert any("CJK" in name for name in fonts(reader)), (kind, fonts(reader))
    page = client.get(f"/applications/{accepted}").get_data(as_text=True)
    assert page.count("data-document=") == len(EXPECTED) and "打印" in page
    printable = client.get(f"/applications/{accepted}/documents/award_notice").get_data(as_text=True)
    assert "data-print" in printable and "/static/js/print.js" in printable and "/static/documents.css" in printable
    with client.get("/static/documents.css") as stylesheet:
        assert "@media print" in stylesheet.get_data(as_text=True)

    login_as(client, "applicant")
    assert client.get(f"/applications/{accepted}/documents/award_notice.pdf").status_code == 200
    assert client.get(f"/applications/{accepted}/documents/review_summary.pdf").status_code == 404
    assert "data-document=\"review_summary\"" not in client.get(f"/applications/{accepted}").get_data(as_text=True)
    for stranger in ("founder", "liuzhou", "expert7"):
        login_as(client, stranger)
        assert client.get(f"/applications/{accepted}/documents/application.pdf").status_code == 404, stranger
    api = api_as(client, "expert1")  # on the panel, declared no conflict: reads the record, not the summary
    assert api.get(f"/applications/{accepted}/documents/application.pdf").status_code == 200
    assert api.get(f"/applications/{accepted}/documents/review_summary.pdf").status_code == 404


def test_a_document_is_404_before_its_record_exists(client: FlaskClient, runtime: Runtime) -> None:
    lc = Lifecycle(runtime, "T2")
    lc.apply()
    officer = api_as(client, "officer")
    assert officer.get(f"/applications/{lc.app_id}/documents/application.pdf").status_code == 200
    for kind in ("recommendation", "award_notice", "contract", "acceptance", "review_summary"):
        answer = officer.get(f"/applications/{lc.app_id}/documents/{kind}.pdf")
        assert answer.status_code == 404 and answer.get_json()["error"], kind
    assert officer.get(f"/applications/{lc.app_id}/documents/unknown.pdf").status_code == 404
    assert client.get(f"{PREFIX}/applications/{lc.app_id}/documents/application.pdf").status_code == 401
