"""The synthesis table as DOCX (read back with python-docx) and XLSX (read back with openpyxl); answer progress."""

from __future__ import annotations

import io

from docx import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from openpyxl import load_workbook

from feedback.models import DispositionKind
from feedback.services.answers import answer_comments
from feedback.services.comments import OrganisationAuthor, ResidentAuthor, submit_comment
from feedback.services.synthesis import load_synthesis
from tests.feedback.conftest import add_comment

HEADER = ["STT", "Đơn vị/cá nhân góp ý", "Mục/đoạn", "Nội dung góp ý", "Ý kiến tiếp thu, giải trình"]


def seed_comments(session, document, officer, org_user):
    version = document.current_version
    p = {x.anchor: x for x in version.paragraphs}
    a = submit_comment(session, version, p["s1-p1"], body="Cần số liệu từng huyện.",
                       author=ResidentAuthor("Trần Thị Lan", "Xã Đồng Phú"))
    b = submit_comment(session, version, p["s1-p2"], body="Thu nhập tính theo giá nào?", author=ResidentAuthor())
    c = submit_comment(session, version, version.sections[1], body="Hội nghị đề nghị bổ sung giải pháp môi trường.",
                       author=OrganisationAuthor(org_user, participants=40))
    answer_comments(session, document, [a, b], kind=DispositionKind.TAKEN_IN, reply="Đã bổ sung phụ lục số liệu.",
                    officer=officer, actor=officer)
    session.commit()
    return a, b, c


def docx_rows(data: bytes) -> tuple[object, list[list[str]]]:
    doc = DocxDocument(io.BytesIO(data))
    return doc, [[cell.text for cell in row.cells] for row in doc.tables[0].rows]


def test_docx_is_a_landscape_table_grouped_by_section(client, auth, session, document, officer, org_user):
    seed_comments(session, document, officer, org_user)
    auth.login("bcd@example.vn")
    response = client.get(f"/feedback/manage/{document.code}/export.docx")
    assert response.status_code == 200 and response.mimetype.endswith("wordprocessingml.document")
    doc, rows = docx_rows(response.data)
    assert doc.sections[0].orientation == WD_ORIENT.LANDSCAPE
    assert doc.sections[0].page_width > doc.sections[0].page_height
    assert "BẢNG TỔNG HỢP, TIẾP THU, GIẢI TRÌNH Ý KIẾN GÓP Ý" in doc.paragraphs[0].text
    assert rows[0] == HEADER and all(len(r) == 5 for r in rows)
    assert doc.tables[0].rows[0]._tr.trPr.xml.count("tblHeader") == 1  # repeated on every page
    assert rows[1] == ["I. Kết quả thực hiện"] * 5  # a merged group row
    assert rows[2][:4] == ["1", "Trần Thị Lan, Xã Đồng Phú", "Mục 1, đoạn 1", "Cần số liệu từng huyện."]
    assert rows[2][4].startswith("Tiếp thu: Đã bổ sung phụ lục số liệu.") and "Trả lời chung" in rows[2][4]
    assert rows[3][:3] == ["2", "Người dân (không nêu tên)", "Mục 1, đoạn 2"]
    assert rows[4] == ["II. Tồn tại, hạn chế"] * 5
    assert rows[5][:3] == ["3", "Ban Thường trực UBMTTQ xã Đồng Phú, 40 người dự", "Mục 2"]
    assert rows[5][4] == "Chưa có ý kiến tiếp thu, giải trình."
    assert len(rows) == 6
    counts = [[c.text for c in r.cells] for r in doc.tables[1].rows]
    assert counts == [["Người góp ý", "Số góp ý", "Đã trả lời"], ["Người dân", "2", "2"],
                      ["Ủy ban Mặt trận Tổ quốc", "1", "0"]]
    kinds = {r.cells[0].text: r.cells[1].text for r in doc.tables[2].rows}
    assert kinds["Tiếp thu"] == "2" and kinds["Chưa trả lời"] == "1"


def test_exports_filter_by_commenter_type_and_version(client, auth, session, document, officer, org_user):
    seed_comments(session, document, officer, org_user)
    auth.login("bcd@example.vn")
    _, rows = docx_rows(client.get(f"/feedback/manage/{document.code}/export.docx?type=mttq").data)
    assert len(rows) == 3 and rows[2][1].startswith("Ban Thường trực UBMTTQ")
    _, rows = docx_rows(client.get(f"/feedback/manage/{document.code}/export.docx?version=2").data)
    assert len(rows) == 1  # header only: version 2 has no comments


def test_xlsx_has_the_comments_and_the_counts(client, auth, session, document, officer, org_user):
    seed_comments(session, document, officer, org_user)
    auth.login("bcd@example.vn")
    response = client.get(f"/feedback/manage/{document.code}/export.xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    assert book.sheetnames == ["Tổng hợp", "Thống kê"]
    rows = list(book["Tổng hợp"].iter_rows(values_only=True))
    assert rows[0][:6] == ("STT", "Nhóm", "Đơn vị/cá nhân góp ý", "Loại người góp ý", "Mục/đoạn", "Nội dung góp ý")
    assert [r[0] for r in rows[1:]] == [1, 2, 3]
    assert rows[3][2:4] == ("Ban Thường trực UBMTTQ xã Đồng Phú, 40 người dự", "Ủy ban Mặt trận Tổ quốc")
    assert rows[1][6] == "Tiếp thu" and rows[3][6] is None
    counts = list(book["Thống kê"].iter_rows(values_only=True))
    assert ("Người góp ý", "Người dân", 2, 2) in counts


def test_analyst_may_export_but_not_moderate(client, auth, session, document):
    from core.models import Role
    from tests.factories import make_user

    make_user(session, role=Role.ANALYST, email="pt@example.vn")
    session.commit()
    auth.login("pt@example.vn")
    assert client.get(f"/feedback/manage/{document.code}/export.xlsx").status_code == 200
    assert client.get(f"/feedback/manage/{document.code}/progress").status_code == 200
    assert client.get(f"/feedback/manage/{document.code}/comments").status_code == 403


def test_cli_exports_the_table(runner, session, document, officer, org_user, tmp_path):
    seed_comments(session, document, officer, org_user)
    out = tmp_path / "bang.docx"
    result = runner.invoke(args=["feedback", "export", document.code, str(out)])
    assert result.exit_code == 0, result.output
    assert "3 comments" in result.output and len(docx_rows(out.read_bytes())[1]) == 6
    assert document.code in runner.invoke(args=["feedback", "list"]).output


def test_a_group_answer_points_at_the_other_rows_by_their_number_in_the_table(session, document, officer, org_user):
    from feedback.services.synthesis import load_synthesis

    version = document.current_version
    p = {x.anchor: x for x in version.paragraphs}
    later = submit_comment(session, version, p["s3-p1"], body="Về phương hướng", author=ResidentAuthor())
    earlier = submit_comment(session, version, p["s1-p1"], body="Về kết quả", author=ResidentAuthor())
    other_type = submit_comment(
        session, version, p["s2-p1"], body="Ý kiến hội nghị", author=OrganisationAuthor(org_user)
    )
    answer_comments(session, document, [later, earlier, other_type], kind=DispositionKind.EXPLAINED,
                    reply="Giải trình chung.", officer=officer, actor=officer)
    table = load_synthesis(session, document)
    assert [(r.number, r.body) for r in table.rows] == [
        (1, "Về kết quả"), (2, "Ý kiến hội nghị"), (3, "Về phương hướng")
    ]
    assert table.rows[0].answer == "Giải trình: Giải trình chung. (Trả lời chung với góp ý số 2, 3 trong bảng này.)"
    residents_only = load_synthesis(session, document, commenter_type="resident")
    assert residents_only.rows[1].answer == (
        "Giải trình: Giải trình chung. (Trả lời chung với góp ý số 1 trong bảng này và 1 góp ý khác.)"
    )


def test_progress_counts_answers_per_section_and_commenter_type(client, auth, session, document, officer, org_user):
    a = add_comment(session, document, "s1-p1")
    add_comment(session, document, "s2-p1")
    add_comment(session, document, "s2-p1", body="Mặt trận", author=OrganisationAuthor(org_user))
    answer_comments(session, document, [a], kind=DispositionKind.TAKEN_IN, reply="ok", officer=officer, actor=officer)
    session.commit()
    from feedback.services.synthesis import load_progress

    report = load_progress(session, document)
    assert [(g.label, len(g.rows), g.answered) for g in report.groups] == [
        ("I. Kết quả thực hiện", 1, 1), ("II. Tồn tại, hạn chế", 2, 0)]
    assert report.by_type() == [("Người dân", 2, 1), ("Ủy ban Mặt trận Tổ quốc", 1, 0)]
    auth.login("bcd@example.vn")
    page = client.get(f"/feedback/manage/{document.code}/progress").get_data(as_text=True)
    assert "Đã trả lời 1/3 góp ý" in page


def test_the_synthesis_table_names_the_officer_never_by_e_mail(session, document, officer, org_user):
    seed_comments(session, document, officer, org_user)
    assert {row.officer for row in load_synthesis(session, document).rows} == {"Nguyễn Văn Bình", ""}
    officer.full_name = ""
    session.commit()
    officers = {row.officer for row in load_synthesis(session, document).rows} - {""}
    assert officers == {"Cán bộ Ban Chỉ đạo Huyện Long Hồ"}
