"""Public reading pages: the draft by paragraph, the short link, QR and poster, open drafts, the feedback loop."""

from __future__ import annotations

import re
from datetime import timedelta

from core.db import utc_now
from core.models import Role
from feedback.importers import parse_docx
from feedback.models import ModerationMode
from feedback.services.comments import submit_comment
from feedback.services.documents import create_document
from feedback.services.versions import add_version, publish_version, set_window
from tests.factories import make_user
from tests.feedback.conftest import build_docx, link_label, make_published


def test_reading_page_has_contents_paragraphs_and_a_plain_comment_link_per_paragraph(client, document):
    page = client.get(f"/feedback/{document.code}").get_data(as_text=True)
    assert "Mục lục" in page
    assert 'href="#s2"' in page and 'id="s2-p1"' in page
    for anchor in ("s1-p1", "s1-p2", "s2-p1", "s3-p1"):
        assert f'href="/feedback/{document.code}/1/{anchor}"' in page
    assert "<script" not in page  # works without JavaScript


def test_short_link_redirects_to_the_reading_page(client, document):
    response = client.get(f"/d/{document.code}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/feedback/{document.code}")
    assert client.get("/d/nosuchcode").status_code == 404


def test_qr_codes_and_poster_point_at_the_short_link(client, app, document):
    png = client.get(f"/feedback/{document.code}/qr.png")
    assert png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")
    svg = client.get(f"/feedback/{document.code}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    poster = client.get(f"/feedback/{document.code}/poster").get_data(as_text=True)
    assert f"http://ntm.test/d/{document.code}" in poster and "<svg" in poster
    app.config["PUBLIC_BASE_URL"] = "https://gopy.vinhlong.gov.vn"
    poster = client.get(f"/feedback/{document.code}/poster").get_data(as_text=True)
    assert f"https://gopy.vinhlong.gov.vn/d/{document.code}" in poster


def test_draft_versions_are_not_public(client, session, officer, areas):
    from feedback.importers import parse_markdown
    from feedback.services.documents import create_document
    from feedback.services.versions import add_version

    document = create_document(session, title="Nháp", area=areas["857"], moderation=ModerationMode.POST, actor=officer)
    add_version(session, document, parse_markdown(b"# A\n\nB\n"), filename="a.md", data=b"x", actor=officer)
    session.commit()
    assert client.get(f"/feedback/{document.code}?v=1").status_code == 404
    assert client.get(f"/feedback/{document.code}/1/s1-p1").status_code == 404
    # Nothing public yet: not even the title on a poster or a QR code.
    for page in ("poster", "qr.png", "qr.svg", "answers"):
        assert client.get(f"/feedback/{document.code}/{page}").status_code == 404


def test_analysts_see_no_links_to_drafts_they_cannot_open(client, auth, session, officer, document):
    from feedback.importers import parse_markdown
    from feedback.services.versions import add_version

    add_version(session, document, parse_markdown(b"# A\n\nB\n"), filename="b.md", data=b"y", actor=officer)
    session.commit()
    make_user(session, role=Role.ANALYST, area_code=None, email="phantich@example.vn")
    session.commit()
    auth.login("phantich@example.vn")
    page = client.get(f"/feedback/manage/{document.code}").get_data(as_text=True)
    assert f'href="/feedback/{document.code}?v=1"' in page
    assert f'href="/feedback/{document.code}?v=2"' not in page
    assert client.get(f"/feedback/{document.code}?v=2").status_code == 404


def test_home_page_lists_drafts_open_for_comments(client, document):
    page = client.get("/").get_data(as_text=True)
    assert "Dự thảo đang lấy ý kiến" in page and f"/feedback/{document.code}" in page


def test_answers_page_lists_visible_comments_with_published_answers_only(client, session, document, officer):
    from feedback.models import DispositionKind
    from feedback.services.answers import answer_comments
    from feedback.services.comments import ResidentAuthor

    version = document.current_version
    answered = submit_comment(session, version, None, body="Đã được trả lời", author=ResidentAuthor())
    submit_comment(session, version, None, body="Chưa trả lời", author=ResidentAuthor())
    answer_comments(session, document, [answered], kind=DispositionKind.TAKEN_IN, reply="Tiếp thu ở Mục I",
                    officer=officer, actor=officer, publish=True)
    session.commit()
    page = client.get(f"/feedback/{document.code}/answers").get_data(as_text=True)
    assert "Tiếp thu ở Mục I" in page and "Chưa trả lời" in page and "Đang xem xét" in page
    assert "1/2" in page


def test_open_drafts_list_queries_do_not_grow_with_the_number_of_drafts(client, session, connection, officer, areas):
    from sqlalchemy import event

    statements: list[str] = []
    event.listen(connection, "before_cursor_execute", lambda _c, _cur, sql, *_a: statements.append(sql))
    counts = []
    for batch in (1, 4):
        for i in range(batch):
            make_published(session, officer, areas, title=f"Dự thảo {batch}-{i}")
        statements.clear()
        assert client.get("/feedback/").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_draft_tables_read_as_tables_with_a_comment_link_per_row(client, session, officer, areas):
    document = create_document(session, title="Có bảng", area=areas["857"], moderation=ModerationMode.POST,
                               actor=officer)
    data = build_docx()
    version = add_version(session, document, parse_docx(data), filename="bang.docx", data=data, actor=officer)
    set_window(session, version, opens_at=utc_now() - timedelta(days=1), closes_at=None, actor=officer)
    publish_version(session, version, actor=officer)
    session.commit()
    page = client.get(f"/feedback/{document.code}").get_data(as_text=True)
    assert "Long Hồ | 14" not in page
    table = page[page.index('<table class="draft-table">'):page.index("</table>")]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    assert [re.findall(r"<td>(.*?)</td>", row) for row in rows] == [
        ["Huyện", "Số xã", "Đạt chuẩn"], ["Long Hồ", "14", "9"], ["Mang Thít", "12", "6"]]
    row = next(p for p in version.paragraphs if p.text.startswith("Long Hồ"))
    assert f'<tr id="{row.anchor}">' in table and link_label(page, row.anchor).startswith("Góp ý cho đoạn")
