"""A resident follows a comment by its reference code: the landing page after sending, the permalink, the QR."""

from __future__ import annotations

import re

from sqlalchemy import select

from feedback.models import REFERENCE_LENGTH, Comment, DispositionKind, HiddenReason, ModerationMode
from feedback.services.answers import answer_comments
from feedback.services.moderation import moderate_comment
from tests.feedback.conftest import add_comment, make_published


def test_sending_lands_on_the_comment_page_with_its_reference_code(client, session, document):
    response = client.post(f"/feedback/{document.code}/1/s2-p1", data={"body": "Cần nêu rõ xã nào chưa đạt."})
    comment = session.scalars(select(Comment)).one()
    assert re.fullmatch(rf"[a-z2-9]{{{REFERENCE_LENGTH}}}", comment.reference)
    assert response.headers["Location"] == f"/feedback/comment/{comment.reference}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    main = page[page.index('<main id="main">'):]
    assert main.index("Cảm ơn bạn đã góp ý") < main.index("<h1>")
    assert f"Mã góp ý của bạn: {comment.reference}" in page
    assert "Cần nêu rõ xã nào chưa đạt." in page and "Một số tiêu chí chưa bền vững" in page
    assert f'id="permalink">http://ntm.test/feedback/comment/{comment.reference}</a>' in page
    assert "<svg" in page


def test_each_comment_gets_its_own_reference(session, document):
    first = add_comment(session, document, body="Một")
    second = add_comment(session, document, body="Hai")
    assert first.reference != second.reference


def test_the_page_shows_the_answer_once_it_is_published(client, session, document, officer):
    comment = add_comment(session, document, body="Đề nghị bổ sung số liệu.")
    assert "Đang xem xét" in client.get(f"/feedback/comment/{comment.reference}").get_data(as_text=True)
    disposition = answer_comments(session, document, [comment], kind=DispositionKind.TAKEN_IN,
                                  reply="Đã bổ sung ở mục II.", officer=officer, actor=officer)
    session.commit()
    assert "Đã bổ sung ở mục II." not in client.get(f"/feedback/comment/{comment.reference}").get_data(as_text=True)
    disposition.is_published = True
    session.commit()
    page = client.get(f"/feedback/comment/{comment.reference}").get_data(as_text=True)
    assert "Đã bổ sung ở mục II." in page and "Tiếp thu" in page


def test_a_pending_comment_says_it_awaits_moderation(client, session, officer, areas):
    document = make_published(session, officer, areas, moderation=ModerationMode.PRE, title="Dự thảo khác")
    response = client.post(f"/feedback/{document.code}/1/s1-p1", data={"body": "Chờ duyệt"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "sau khi được kiểm duyệt" in page and "Đang chờ kiểm duyệt" in page


def test_a_hidden_comment_page_no_longer_shows_the_text(client, session, document, officer):
    comment = add_comment(session, document, body="Lời lẽ xúc phạm")
    moderate_comment(session, comment, "hide", actor=officer, reason=HiddenReason.ABUSE)
    session.commit()
    page = client.get(f"/feedback/comment/{comment.reference}").get_data(as_text=True)
    assert "Lời lẽ xúc phạm" not in page and "đã bị ẩn" in page


def test_the_code_typed_by_hand_finds_the_comment(client, session, document):
    comment = add_comment(session, document)
    response = client.get("/feedback/comment", query_string={"ref": f" {comment.reference.upper()} "})
    assert response.headers["Location"] == f"/feedback/comment/{comment.reference}"
    assert client.get(f"/feedback/comment/{comment.reference.upper()}").status_code == 302


def test_an_unknown_code_says_so(client, session, document):
    response = client.get("/feedback/comment", query_string={"ref": "zzzzzzzz"})
    assert response.status_code == 404 and "Không tìm thấy góp ý có mã zzzzzzzz" in response.get_data(as_text=True)
    assert client.get("/feedback/comment/zzzzzzzz").status_code == 404


def test_the_qr_code_points_at_the_comment_page(client, session, document):
    comment = add_comment(session, document)
    response = client.get(f"/feedback/comment/{comment.reference}/qr.svg")
    assert response.mimetype == "image/svg+xml"
    assert f"/feedback/comment/{comment.reference}" in response.get_data(as_text=True)


def test_lists_of_comments_link_each_comment_to_its_page(client, session, document):
    comment = add_comment(session, document, anchor="s1-p1")
    permalink = f'href="/feedback/comment/{comment.reference}"'
    assert permalink in client.get(f"/feedback/{document.code}/1/s1-p1").get_data(as_text=True)
    assert permalink in client.get(f"/feedback/{document.code}/answers").get_data(as_text=True)


def test_the_comment_page_and_the_notice_read_in_english(client, session, document):
    client.get("/lang/en")
    response = client.post(f"/feedback/{document.code}/1/s1-p1", data={"body": "Comment"}, follow_redirects=True)
    reference = session.scalars(select(Comment)).one().reference
    page = response.get_data(as_text=True)
    assert f"Your comment&#39;s reference code: {reference}" in page and "Follow this comment" in page
    notice = client.get("/feedback/privacy").get_data(as_text=True)
    assert "What is published, and where" in notice and "Thông tin nào" not in notice
