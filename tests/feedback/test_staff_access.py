"""Who reaches the staff pages: officers only for documents of their area, never organisations or residents."""

from __future__ import annotations

from sqlalchemy import select

from core.models import Role
from feedback.models import CommentStatus, ModerationMode
from tests.factories import make_user
from tests.feedback.conftest import add_comment, make_published


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
    response = client.post(
        "/feedback/manage/new", data={"title": "Ngoài phạm vi", "area_code": "29641", "moderation": "post"}
    )
    assert response.status_code == 200
    assert session.query(Document).count() == 1


def test_staff_dashboard_links_the_feedback_pages(client, auth, officer, document):
    auth.login("bcd@example.vn")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "/feedback/manage" in page
