"""Versions: each upload is a new version, published text frozen, comments stay on their paragraph."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from feedback.importers import parse_docx, parse_markdown
from feedback.models import Comment, DocumentVersion, ModerationMode, ParagraphChange, VersionStatus
from feedback.services import FeedbackError
from feedback.services.comments import ResidentAuthor, submit_comment
from feedback.services.documents import create_document
from feedback.services.versions import add_version, publish_version, removed_paragraphs
from tests.feedback.conftest import DRAFT_MD, build_docx, link_label

SECOND_DRAFT = DRAFT_MD.replace(
    "Toàn tỉnh có 45/89 xã đạt chuẩn nông thôn mới.", "Toàn tỉnh có 46/89 xã đạt chuẩn nông thôn mới."
).replace("Tiếp tục huy động nguồn lực xã hội hóa.", "Huy động nguồn lực xã hội hóa.\n\nĐẩy mạnh chuyển đổi số.")


def upload_second(session, document, officer):
    data = SECOND_DRAFT.encode()
    return add_version(session, document, parse_markdown(data), filename="v2.md", data=data, actor=officer)


def test_stored_version_numbers_sections_and_gives_anchors(session, document):
    version = document.current_version
    assert [(s.number, s.anchor) for s in version.sections] == [(1, "s1"), (2, "s2"), (3, "s3")]
    assert [(p.number, p.anchor) for p in version.paragraphs] == [
        (1, "s1-p1"), (2, "s1-p2"), (3, "s2-p1"), (4, "s3-p1")
    ]
    assert version.source_filename == "du-thao.md" and len(version.source_sha256) == 64


def test_text_before_the_first_heading_goes_to_section_zero(session, officer, areas):
    document = create_document(session, title="T", area=areas["857"], moderation=ModerationMode.POST, actor=officer)
    version = add_version(session, document, parse_docx(build_docx()), filename="a.docx", data=b"x", actor=officer)
    assert [s.anchor for s in version.sections] == ["s0", "s1", "s2", "s3"]
    assert version.paragraphs[0].anchor == "s0-p1"


def test_next_version_marks_changed_new_and_unchanged_paragraphs(session, document, officer):
    second = upload_second(session, document, officer)
    changes = {p.anchor: p.change for p in second.paragraphs}
    assert changes == {
        "s1-p1": ParagraphChange.CHANGED,
        "s1-p2": ParagraphChange.UNCHANGED,
        "s2-p1": ParagraphChange.UNCHANGED,
        "s3-p1": ParagraphChange.CHANGED,
        "s3-p2": ParagraphChange.NEW,
    }
    first = document.versions[0]
    assert second.paragraphs[0].previous is first.paragraphs[0]
    assert removed_paragraphs(session, second) == []


def test_comments_stay_on_the_version_and_paragraph_they_were_made_on(session, document, officer, client):
    first = document.current_version
    target = first.paragraphs[0]
    comment = submit_comment(session, first, target, body="Số xã đạt chuẩn?", author=ResidentAuthor())
    session.commit()
    second = upload_second(session, document, officer)
    publish_version(session, second, actor=officer)
    session.commit()
    session.refresh(comment)
    assert comment.version_id == first.id and comment.paragraph_id == target.id
    assert first.status == VersionStatus.FROZEN and second.status == VersionStatus.PUBLISHED
    assert target.text == "Toàn tỉnh có 45/89 xã đạt chuẩn nông thôn mới."  # the old text is kept as it was
    # The old version stays readable with its comments; it no longer takes new ones.
    old_page = client.get(f"/feedback/{document.code}?v=1").get_data(as_text=True)
    assert "45/89" in old_page and "đã được thay thế" in old_page
    assert link_label(old_page, "s1-p1") == "Xem góp ý cho đoạn 1 (1)"
    assert client.post(f"/feedback/{document.code}/1/s1-p1", data={"body": "muộn"}).status_code == 403
    new_page = client.get(f"/feedback/{document.code}").get_data(as_text=True)
    assert "46/89" in new_page and "Đã sửa so với bản trước" in new_page and "Đoạn mới" in new_page
    assert session.scalar(select(func.count()).select_from(Comment)) == 1


def test_removed_paragraphs_are_listed(session, document, officer):
    text = DRAFT_MD.replace("Thu nhập bình quân đầu người khu vực nông thôn tăng gấp 2,5 lần.\n", "")
    version = add_version(session, document, parse_markdown(text.encode()), filename="v2.md", data=b"v2", actor=officer)
    assert [p.text for p in removed_paragraphs(session, version)] == [
        "Thu nhập bình quân đầu người khu vực nông thôn tăng gấp 2,5 lần."
    ]


def test_only_a_draft_can_be_published(session, document, officer):
    with pytest.raises(FeedbackError):
        publish_version(session, document.current_version, actor=officer)


def test_upload_page_stores_a_docx_as_a_new_draft_version(client, auth, session, document, officer):
    from tests.feedback.conftest import build_docx

    auth.login("bcd@example.vn")
    response = client.post(
        f"/feedback/manage/{document.code}/upload",
        data={"file": (io.BytesIO(build_docx()), "du-thao-2.docx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    version = session.scalar(select(DocumentVersion).where(DocumentVersion.number == 2))
    assert version.status == VersionStatus.DRAFT and version.source_filename == "du-thao-2.docx"
    assert [s.heading for s in version.sections][:2] == ["", "Phần I. Đặc điểm tình hình"]
    client.post(f"/feedback/manage/{document.code}/2/publish")
    session.expire_all()
    assert [v.status for v in session.scalars(select(DocumentVersion).order_by(DocumentVersion.number))] == [
        VersionStatus.FROZEN, VersionStatus.PUBLISHED]


@pytest.mark.parametrize(
    ("name", "data"),
    [("broken.docx", b"PK\x03\x04 broken"), ("empty.md", b""), ("nothing.md", b"# Tieu de\n"), ("x.pdf", b"%PDF")],
)
def test_upload_page_refuses_a_bad_file_and_stores_nothing(client, auth, session, document, officer, name, data):
    auth.login("bcd@example.vn")
    before = session.scalar(select(func.count()).select_from(DocumentVersion))
    response = client.post(
        f"/feedback/manage/{document.code}/upload", data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data", follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Chưa lưu gì" in response.get_data(as_text=True) or "Hãy chọn tệp" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(DocumentVersion)) == before


def test_comment_window_is_set_in_local_time(client, auth, session, document, officer):
    auth.login("bcd@example.vn")
    client.post(f"/feedback/manage/{document.code}/1/window",
                data={"v1-opens_at": "2026-12-01T08:00", "v1-closes_at": "2026-12-31T17:00"})
    session.expire_all()
    version = session.get(DocumentVersion, document.current_version.id)
    assert version.opens_at.isoformat() == "2026-12-01T01:00:00+00:00"
    assert version.closes_at.isoformat() == "2026-12-31T10:00:00+00:00"
    response = client.post(f"/feedback/manage/{document.code}/1/window",
                           data={"v1-opens_at": "2026-12-31T08:00", "v1-closes_at": "2026-12-01T17:00"},
                           follow_redirects=True)
    assert "phải sau thời điểm bắt đầu" in response.get_data(as_text=True)


def test_a_comment_window_outside_2000_to_2100_is_a_message_not_a_500(client, auth, session, document, officer):
    auth.login("bcd@example.vn")
    before = (document.current_version.opens_at, document.current_version.closes_at)
    for moment in ("0001-01-01T00:00", "2101-01-01T00:00"):
        for field in ("v1-opens_at", "v1-closes_at"):
            response = client.post(f"/feedback/manage/{document.code}/1/window", data={field: moment},
                                   follow_redirects=True)
            assert response.status_code == 200
            assert "từ năm 2000 đến năm 2100" in response.get_data(as_text=True), (moment, field)
    session.expire_all()
    version = session.get(DocumentVersion, document.current_version.id)
    assert (version.opens_at, version.closes_at) == before


def test_an_unpublished_draft_is_skipped_when_comparing(session, document, officer):
    data = SECOND_DRAFT.encode()
    add_version(session, document, parse_markdown(data), filename="v2.md", data=data, actor=officer)
    third = add_version(session, document, parse_markdown(DRAFT_MD.encode()), filename="v3.md", data=b"v3",
                        actor=officer)
    # Version 2 was never published: version 3 is compared with version 1, which the public saw.
    assert third.number == 3 and third.based_on.number == 1
    assert {p.change for p in third.paragraphs} == {ParagraphChange.UNCHANGED}


def test_closed_comment_page_still_shows_the_comments(client, session, document):
    version = document.current_version
    submit_comment(session, version, version.paragraphs[0], body="Ý kiến cũ", author=ResidentAuthor())
    from datetime import timedelta

    from core.db import utc_now

    version.closes_at = utc_now() - timedelta(seconds=1)
    session.commit()
    page = client.get(f"/feedback/{document.code}/1/s1-p1").get_data(as_text=True)
    assert "Ý kiến cũ" in page and "Đã hết thời gian góp ý" in page and "Gửi góp ý" not in page
    page = client.get(f"/feedback/{document.code}").get_data(as_text=True)
    assert link_label(page, "s1-p1") == "Xem góp ý cho đoạn 1 (1)"


def test_a_draft_published_after_another_version_is_compared_with_that_version(session, document, officer):
    """v2 and v3 are both uploaded while v1 is public; v2 is published first, so v3 must show what changed since v2."""
    second = upload_second(session, document, officer)
    third_text = SECOND_DRAFT.replace("Đẩy mạnh chuyển đổi số.", "Đẩy mạnh chuyển đổi số trong quản lý.")
    third = add_version(session, document, parse_markdown(third_text.encode()), filename="v3.md",
                        data=third_text.encode(), actor=officer)
    publish_version(session, second, actor=officer)
    publish_version(session, third, actor=officer)
    assert third.based_on is second
    changes = {p.anchor: p.change for p in third.paragraphs}
    assert changes["s1-p1"] == ParagraphChange.UNCHANGED  # "46/89" was already in v2
    assert changes["s3-p2"] == ParagraphChange.CHANGED
    assert {p.previous.version for p in third.paragraphs} == {second}
    assert [p.text for p in removed_paragraphs(session, third)] == []
