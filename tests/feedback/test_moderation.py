"""Moderation: hide with a reason, unhide, approve, never delete, all audited; the paged list; erasing contacts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.db import utc_now
from core.models import AuditEntry
from feedback.models import Comment, CommentStatus, DispositionKind, HiddenReason, ModerationMode
from feedback.services import FeedbackError
from feedback.services.answers import answer_comments
from feedback.services.comments import ResidentAuthor, submit_comment
from feedback.services.moderation import moderate_comment
from tests.feedback.conftest import add_comment, make_published


def test_hide_with_reason_and_unhide_never_delete_and_every_step_is_audited(client, auth, session, document, officer):
    comment = add_comment(session, document, body="Lời lẽ xúc phạm")
    auth.login("bcd@example.vn")
    client.post(f"/feedback/manage/comments/{comment.id}/moderate",
                data={"action": "hide", "reason": "abuse", "note": "Ngôn từ thô tục"})
    session.expire_all()
    assert comment.status == CommentStatus.HIDDEN and comment.hidden_reason == HiddenReason.ABUSE
    assert "Lời lẽ xúc phạm" not in client.get(f"/feedback/{document.code}/1/s1-p1").get_data(as_text=True)
    client.post(f"/feedback/manage/comments/{comment.id}/moderate", data={"action": "unhide"})
    session.expire_all()
    assert comment.status == CommentStatus.VISIBLE and comment.hidden_reason is None
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == "feedback_comments", AuditEntry.object_id == comment.id)
        .order_by(AuditEntry.id)
    ).all()
    assert [(e.action, e.actor.email, e.reason) for e in entries] == [
        ("feedback.comment.hide", "bcd@example.vn", "Ngôn từ thô tục"),
        ("feedback.comment.unhide", "bcd@example.vn", ""),
    ]
    assert entries[0].details["hidden_reason"] == "abuse" and entries[0].created_at is not None
    audit_page = client.get(f"/feedback/manage/{document.code}/audit").get_data(as_text=True)
    assert "feedback.comment.hide" in audit_page and "Ngôn từ thô tục" in audit_page


def test_hiding_requires_a_reason(session, document, officer):
    comment = add_comment(session, document)
    with pytest.raises(FeedbackError):
        moderate_comment(session, comment, "hide", actor=officer)
    assert comment.status == CommentStatus.VISIBLE


def test_pre_moderated_comment_is_approved(client, auth, session, officer, areas):
    document = make_published(session, officer, areas, moderation=ModerationMode.PRE)
    comment = add_comment(session, document, body="Xin duyệt")
    assert comment.status == CommentStatus.PENDING
    auth.login("bcd@example.vn")
    listing = client.get(f"/feedback/manage/{document.code}/comments?status=pending").get_data(as_text=True)
    assert "Xin duyệt" in listing
    client.post(f"/feedback/manage/comments/{comment.id}/moderate", data={"action": "approve"})
    session.expire_all()
    assert comment.status == CommentStatus.VISIBLE
    assert "Xin duyệt" in client.get(f"/feedback/{document.code}/1/s1-p1").get_data(as_text=True)


def test_hidden_comments_leave_the_visible_counts_and_are_never_deleted(session, document, officer):
    from feedback.services.reading import visible_counts

    c = add_comment(session, document)
    add_comment(session, document, body="khác")
    moderate_comment(session, c, "hide", actor=officer, reason=HiddenReason.PERSONAL_DATA)
    assert visible_counts(session, document.current_version) == {"s1-p1": 1}
    assert session.get(Comment, c.id) is not None  # hidden, never deleted


def test_unhiding_asks_why_and_staff_pages_have_unique_ids(client, auth, session, document, officer):
    import re
    from collections import Counter

    comment = add_comment(session, document, body="Bị ẩn nhầm")
    moderate_comment(session, comment, "hide", actor=officer, reason=HiddenReason.SPAM)
    add_comment(session, document, body="Góp ý khác")
    auth.login("bcd@example.vn")
    for url in (f"/feedback/manage/{document.code}/comments", f"/feedback/manage/{document.code}"):
        ids = Counter(re.findall(r'\bid="([^"]+)"', client.get(url).get_data(as_text=True)))
        assert [i for i, n in ids.items() if n > 1] == [], url
    page = client.get(f"/feedback/manage/{document.code}/comments").get_data(as_text=True)
    assert "Lý do hiện lại" in page
    client.post(f"/feedback/manage/comments/{comment.id}/moderate", data={"action": "unhide", "note": "Ẩn nhầm"})
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "feedback.comment.unhide")).one()
    assert entry.reason == "Ẩn nhầm"


def test_moderation_list_is_paged(client, auth, session, document, officer, monkeypatch):
    import feedback.views.moderation

    monkeypatch.setattr(feedback.views.moderation, "PAGE_SIZE", 2)
    for i in range(3):
        add_comment(session, document, body=f"Góp ý thứ {i}")
    auth.login("bcd@example.vn")
    first = client.get(f"/feedback/manage/{document.code}/comments").get_data(as_text=True)
    assert "Góp ý thứ 1" in first and "Góp ý thứ 2" not in first and "page=2" in first
    second = client.get(f"/feedback/manage/{document.code}/comments?page=2").get_data(as_text=True)
    assert "Góp ý thứ 2" in second and "Trang trước" in second


def test_forget_contacts_erases_contacts_once_the_window_has_closed(app, runner, session, document):
    from datetime import timedelta

    from core.db import utc_now

    version = document.current_version
    target = version.paragraphs[0]
    old = submit_comment(session, version, target, body="a", client_hash="abc",
                         author=ResidentAuthor("Lan", "Đồng Phú", "0901234567"))
    session.commit()
    result = runner.invoke(args=["feedback", "forget-contacts", "--older-than-days", "0"])
    assert "0 comments" in result.output  # the window is still open: contacts may still be needed
    version.closes_at = utc_now() - timedelta(seconds=1)
    session.commit()
    result = runner.invoke(args=["feedback", "forget-contacts", "--older-than-days", "0"])
    assert result.exit_code == 0 and "1 comments" in result.output
    session.expire_all()
    kept = (old.resident_name, old.resident_commune, old.resident_contact, old.client_hash)
    assert kept == ("Lan", "Đồng Phú", "", None)
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "feedback.comment.forget_contacts")).one()
    assert entry.details == {"document": document.code, "count": 1}


def test_hiding_is_a_confirmed_step_with_no_reason_chosen_in_advance(client, auth, session, document, officer):
    comment = add_comment(session, document, body="Quảng cáo bán hàng")
    auth.login("bcd@example.vn")
    listing = client.get(f"/feedback/manage/{document.code}/comments").get_data(as_text=True)
    assert f'href="/feedback/manage/comments/{comment.id}/hide"' in listing
    assert 'name="reason"' not in listing  # no hide form, and no reason picked, on the list itself
    step = client.get(f"/feedback/manage/comments/{comment.id}/hide").get_data(as_text=True)
    assert "Quảng cáo bán hàng" in step and step.count('type="radio" name="reason"') == len(HiddenReason)
    assert "checked" not in step and "selected" not in step
    assert session.get(Comment, comment.id).status == CommentStatus.VISIBLE  # looking is not hiding
    refused = client.post(f"/feedback/manage/comments/{comment.id}/moderate", data={"action": "hide"})
    assert refused.headers["Location"].startswith(f"/feedback/manage/comments/{comment.id}/hide")
    session.expire_all()
    assert comment.status == CommentStatus.VISIBLE
    client.post(f"/feedback/manage/comments/{comment.id}/moderate", data={"action": "hide", "reason": "spam"})
    session.expire_all()
    assert comment.status == CommentStatus.HIDDEN and comment.hidden_reason == HiddenReason.SPAM


def test_anonymising_takes_the_name_off_a_comment_that_stays_public(client, auth, session, document, officer):
    author = ResidentAuthor(name="Trần Thị Lan", commune="Xã Đồng Phú", contact="0901234567")
    comment = submit_comment(session, document.current_version, document.current_version.paragraphs[0],
                             body="Đề nghị làm đường", author=author)
    session.commit()
    auth.login("bcd@example.vn")
    client.post(f"/feedback/manage/comments/{comment.id}/moderate",
                data={"action": "anonymise", "note": "Theo đề nghị"})
    session.expire_all()
    assert (comment.resident_name, comment.resident_commune, comment.resident_contact) == ("", "", "")
    assert comment.status == CommentStatus.VISIBLE
    page = client.get(f"/feedback/comment/{comment.reference}").get_data(as_text=True)
    assert "Đề nghị làm đường" in page and "Trần Thị Lan" not in page
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "feedback.comment.anonymise")).one()
    assert entry.reason == "Theo đề nghị" and "Trần Thị Lan" not in str(entry.details)


def test_the_list_filters_unanswered_answered_and_hidden(client, auth, session, document, officer):
    waiting = add_comment(session, document, body="Chưa ai trả lời")
    answered = add_comment(session, document, body="Đã có trả lời")
    hidden = add_comment(session, document, body="Bị ẩn đi")
    answer_comments(session, document, [answered], kind=DispositionKind.EXPLAINED, reply="Giải trình",
                    officer=officer, actor=officer)
    moderate_comment(session, hidden, "hide", actor=officer, reason=HiddenReason.ABUSE)
    session.commit()
    auth.login("bcd@example.vn")

    def listed(status: str) -> set[str]:
        page = client.get(f"/feedback/manage/{document.code}/comments?status={status}").get_data(as_text=True)
        return {c.body for c in (waiting, answered, hidden) if c.body in page}

    assert listed("unanswered") == {"Chưa ai trả lời"}
    assert listed("answered") == {"Đã có trả lời"}
    assert listed("hidden") == {"Bị ẩn đi"}
    page = client.get(f"/feedback/manage/{document.code}/comments").get_data(as_text=True)
    assert "Chưa trả lời</a>" in page and "Đã trả lời</a>" in page
    assert f"Chọn góp ý số {waiting.id}</label>" in page and "> Chọn</label>" not in page
def test_the_retention_purge_forgets_old_comment_hashes(runner, session, document):
    old, recent = add_comment(session, document, body="Cũ"), add_comment(session, document, body="Mới")
    old.client_hash, old.created_at, recent.client_hash = "old", utc_now() - timedelta(days=100), "new"
    session.commit()
    result = runner.invoke(args=["purge", "--older-than", "90"])
    assert result.exit_code == 0, result.output
    assert "client hashes removed from 1 comments" in result.output
    session.expire_all()
    assert (session.get(Comment, old.id).client_hash, session.get(Comment, recent.id).client_hash) == (None, "new")
