"""Moderation (hide with a reason, unhide, never delete, audited), official answers and progress."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.models import AuditEntry, Role
from feedback.models import (
    Comment,
    CommentStatus,
    Disposition,
    DispositionKind,
    HiddenReason,
    ModerationMode,
)
from feedback.services import FeedbackError
from feedback.services.answers import answer_comments
from feedback.services.comments import ResidentAuthor, submit_comment
from feedback.services.moderation import moderate_comment
from tests.factories import make_user
from tests.feedback.conftest import make_published


def add_comment(session, document, anchor="s1-p1", body="Góp ý", author=None):
    version = document.current_version
    target = next(p for p in version.paragraphs if p.anchor == anchor)
    comment = submit_comment(session, version, target, body=body, author=author or ResidentAuthor())
    session.commit()
    return comment


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


def test_one_answer_for_a_group_of_comments_and_one_for_a_single_comment(client, auth, session, document, officer):
    first = add_comment(session, document, body="Rác thải ở ấp 1")
    second = add_comment(session, document, "s1-p2", body="Rác thải ở ấp 2")
    third = add_comment(session, document, "s2-p1", body="Ngoài phạm vi")
    auth.login("bcd@example.vn")
    form = client.get(f"/feedback/manage/{document.code}/answer?comment={first.id}&comment={second.id}")
    assert "Rác thải ở ấp 1" in form.get_data(as_text=True) and "Rác thải ở ấp 2" in form.get_data(as_text=True)
    client.post(f"/feedback/manage/{document.code}/answer", data={
        "comment": [str(first.id), str(second.id)], "kind": "tiep_thu", "reply": "Đã bổ sung vào Mục III.",
        "officer_id": str(officer.id), "publish": "y"})
    client.post(f"/feedback/manage/{document.code}/answer", data={
        "comment": [str(third.id)], "kind": "khong_thuoc_pham_vi", "reply": "Không thuộc phạm vi báo cáo.",
        "officer_id": str(officer.id)})
    session.expire_all()
    group = session.scalars(select(Disposition).where(Disposition.kind == DispositionKind.TAKEN_IN)).one()
    assert [c.id for c in group.comments] == [first.id, second.id] and group.officer.email == "bcd@example.vn"
    assert third.disposition.kind == DispositionKind.OUT_OF_SCOPE and not third.disposition.is_published
    # Only published answers reach the public feedback-loop page.
    loop = client.get(f"/feedback/{document.code}/answers").get_data(as_text=True)
    assert "Đã bổ sung vào Mục III." in loop and "Rác thải ở ấp 2" in loop
    assert "Không thuộc phạm vi báo cáo." not in loop
    client.post(f"/feedback/manage/{document.code}/publish-answers")
    assert "Không thuộc phạm vi báo cáo." in client.get(f"/feedback/{document.code}/answers").get_data(as_text=True)
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("feedback.disposition.%"))).all()
    assert actions.count("feedback.disposition.create") == 2 and "feedback.disposition.publish_all" in actions


def test_a_comment_is_answered_once_then_the_answer_is_edited(client, auth, session, document, officer):
    comment = add_comment(session, document)
    disposition = answer_comments(session, document, [comment], kind=DispositionKind.EXPLAINED,
                                  reply="Giải trình", officer=officer, actor=officer)
    session.commit()
    with pytest.raises(FeedbackError):
        answer_comments(session, document, [comment], kind=DispositionKind.TAKEN_IN, reply="x",
                        officer=officer, actor=officer)
    auth.login("bcd@example.vn")
    client.post(f"/feedback/manage/dispositions/{disposition.id}", data={
        "kind": "tiep_thu_mot_phan", "reply": "Tiếp thu một phần", "officer_id": str(officer.id)})
    session.expire_all()
    assert disposition.kind == DispositionKind.PARTLY_TAKEN_IN and disposition.reply == "Tiếp thu một phần"
    update = session.scalars(select(AuditEntry).where(AuditEntry.action == "feedback.disposition.update")).one()
    assert update.details["before"]["reply"] == "Giải trình"


def test_hidden_comments_cannot_be_answered_and_the_officer_must_be_staff(session, document, officer, org_user):
    comment = add_comment(session, document)
    with pytest.raises(FeedbackError):
        answer_comments(session, document, [comment], kind=DispositionKind.TAKEN_IN, reply="x",
                        officer=org_user, actor=officer)
    moderate_comment(session, comment, "hide", actor=officer, reason=HiddenReason.SPAM)
    with pytest.raises(FeedbackError):
        answer_comments(session, document, [comment], kind=DispositionKind.TAKEN_IN, reply="x",
                        officer=officer, actor=officer)


def test_progress_counts_answers_per_section_and_commenter_type(client, auth, session, document, officer, org_user):
    from feedback.services.comments import OrganisationAuthor

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


def test_officers_manage_only_documents_of_their_area(client, auth, session, areas, officer):
    other_officer = make_user(session, role=Role.OFFICER, area_code="858", email="mangthit@example.vn")
    session.commit()
    document = make_published(session, officer, areas, title="Dự thảo Long Hồ")
    auth.login("mangthit@example.vn")
    assert client.get(f"/feedback/manage/{document.code}").status_code == 403
    assert client.get(f"/feedback/manage/{document.code}/comments").status_code == 403
    assert client.get(f"/feedback/manage/{document.code}/export.docx").status_code == 403
    assert "Dự thảo Long Hồ" not in client.get("/feedback/manage").get_data(as_text=True)
    comment = add_comment(session, document)
    assert client.post(f"/feedback/manage/comments/{comment.id}/moderate",
                       data={"action": "hide", "reason": "spam"}).status_code == 403
    session.expire_all()
    assert comment.status == CommentStatus.VISIBLE
    # A provincial officer's subtree includes the district's document.
    make_user(session, role=Role.OFFICER, area_code="86", email="tinh@example.vn")
    session.commit()
    auth.logout()
    auth.login("tinh@example.vn")
    assert client.get(f"/feedback/manage/{document.code}").status_code == 200
    assert other_officer.role == Role.OFFICER


def test_organisation_accounts_and_residents_cannot_reach_staff_pages(client, auth, document, org_user):
    assert client.get(f"/feedback/manage/{document.code}").status_code == 302  # to sign-in
    auth.login("mttq@example.vn")
    assert client.get(f"/feedback/manage/{document.code}").status_code == 403
    assert client.get(f"/feedback/manage/{document.code}/export.xlsx").status_code == 403


def test_officer_creates_a_document_only_in_scope(client, auth, session, officer, areas):
    from feedback.models import Document

    auth.login("bcd@example.vn")
    page = client.get("/feedback/manage/new").get_data(as_text=True)
    assert "Xã Đồng Phú" in page and "Xã Chánh An" not in page
    client.post("/feedback/manage/new", data={"title": "Dự thảo Long Hồ", "area_code": "857", "moderation": "pre"})
    document = session.scalars(select(Document)).one()
    assert document.moderation == ModerationMode.PRE and document.area.code == "857"
    response = client.post("/feedback/manage/new", data={"title": "Ngoài phạm vi", "area_code": "29641", "moderation": "post"})
    assert response.status_code == 200
    assert session.query(Document).count() == 1


def test_staff_dashboard_links_the_feedback_pages(client, auth, officer, document):
    auth.login("bcd@example.vn")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "/feedback/manage" in page


def test_comments_count_helper_ignores_hidden(session, document, officer):
    from feedback.services.reading import visible_counts

    c = add_comment(session, document)
    add_comment(session, document, body="khác")
    moderate_comment(session, c, "hide", actor=officer, reason=HiddenReason.PERSONAL_DATA)
    assert visible_counts(session, document.current_version) == {"s1-p1": 1}
    assert session.get(Comment, c.id) is not None  # hidden, never deleted


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
    assert (old.resident_name, old.resident_commune, old.resident_contact, old.client_hash) == ("Lan", "Đồng Phú", "", None)
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "feedback.comment.forget_contacts")).one()
    assert entry.details == {"document": document.code, "count": 1}


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


def test_answer_page_shows_only_comments_of_the_officers_own_document(client, auth, session, areas, officer):
    """Comment ids are sequential: an officer must not read another area's (hidden) comments through them."""
    provincial = make_user(session, role=Role.OFFICER, area_code="86", email="tinh@example.vn")
    session.commit()
    theirs = make_published(session, provincial, areas, title="Dự thảo của tỉnh", area_code="86")
    secret = add_comment(session, theirs, body="Số điện thoại riêng 0901234567")
    moderate_comment(session, secret, "hide", actor=provincial, reason=HiddenReason.PERSONAL_DATA)
    session.commit()
    mine = make_published(session, officer, areas, title="Dự thảo của huyện")
    auth.login("bcd@example.vn")
    page = client.get(f"/feedback/manage/{mine.code}/answer?comment={secret.id}").get_data(as_text=True)
    assert "0901234567" not in page and "Chưa chọn góp ý nào" in page
    response = client.post(f"/feedback/manage/{mine.code}/answer",
                           data={"comment": secret.id, "kind": "tiep_thu", "reply": "x", "officer_id": officer.id})
    assert "0901234567" not in response.get_data(as_text=True)
    session.expire_all()
    assert secret.disposition_id is None


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
