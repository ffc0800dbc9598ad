"""Commenting: residents without an account, officials in the name of their organisation; window, honeypot, limits."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core.db import utc_now
from core.models import OrganisationKind, Role
from feedback.models import AuthorKind, Comment, CommentStatus, CommentTarget, ModerationMode
from feedback.services import FeedbackError
from feedback.services.comments import OrganisationAuthor, commune_names, submit_comment
from tests.factories import make_organisation, make_user
from tests.feedback.conftest import link_label, make_published


def count_comments(session) -> int:
    return session.scalar(select(func.count()).select_from(Comment))


def test_resident_comments_on_a_paragraph_without_an_account(client, session, document):
    form_page = client.get(f"/feedback/{document.code}/1/s2-p1").get_data(as_text=True)
    assert "91/2025/QH15" in form_page and "Nghị định 356/2025/NĐ-CP" in form_page
    assert "Một số tiêu chí chưa bền vững" in form_page
    response = client.post(f"/feedback/{document.code}/1/s2-p1", data={"body": "Cần nêu rõ xã nào chưa đạt."})
    assert response.status_code == 302
    comment = session.scalars(select(Comment)).one()
    assert comment.author_kind == AuthorKind.RESIDENT and comment.status == CommentStatus.VISIBLE
    assert comment.target == CommentTarget.PARAGRAPH and comment.paragraph.anchor == "s2-p1"
    assert comment.resident_name == "" and len(comment.client_hash) == 32
    assert "127.0.0.1" not in (comment.client_hash or "")
    page = client.get(f"/feedback/{document.code}").get_data(as_text=True)
    assert link_label(page, "s2-p1") == "Góp ý cho đoạn 3 (1)"
    assert link_label(page, "s1-p1") == "Góp ý cho đoạn 1"


def test_resident_who_gives_a_name_must_consent(client, session, document):
    data = {"body": "Ý kiến", "name": "Trần Thị Lan", "commune": "Xã Đồng Phú", "contact": "0901234567"}
    response = client.post(f"/feedback/{document.code}/1/s1-p1", data=data)
    assert response.status_code == 200 and "Hãy đánh dấu đồng ý" in response.get_data(as_text=True)
    assert count_comments(session) == 0
    client.post(f"/feedback/{document.code}/1/s1-p1", data=data | {"consent": "y"})
    comment = session.scalars(select(Comment)).one()
    assert (comment.resident_name, comment.resident_commune, comment.resident_contact) == (
        "Trần Thị Lan", "Xã Đồng Phú", "0901234567")
    # The contact is for the committee only, never on a public page.
    assert "0901234567" not in client.get(f"/feedback/{document.code}/1/s1-p1").get_data(as_text=True)


def test_comments_on_a_section_and_on_the_whole_document(client, session, document):
    client.post(f"/feedback/{document.code}/1/s3", data={"body": "Về phương hướng"})
    client.post(f"/feedback/{document.code}/1/document", data={"body": "Về toàn bộ"})
    targets = {c.body: (c.target, c.section.anchor if c.section else None) for c in session.scalars(select(Comment))}
    assert targets == {"Về phương hướng": (CommentTarget.SECTION, "s3"), "Về toàn bộ": (CommentTarget.DOCUMENT, None)}
    assert client.get(f"/feedback/{document.code}/1/s9-p9").status_code == 404


def test_organisation_comments_in_its_name_with_meeting_details(client, session, auth, document, org_user):
    auth.login("mttq@example.vn")
    page = client.get(f"/feedback/{document.code}/1/s1-p2").get_data(as_text=True)
    assert "Ban Thường trực UBMTTQ xã Đồng Phú" in page and "Số người dự họp" in page
    meeting = (date.today() - timedelta(days=2)).isoformat()
    client.post(f"/feedback/{document.code}/1/s1-p2",
                data={"body": "Hội nghị thống nhất đề nghị bổ sung số liệu.", "meeting_date": meeting,
                      "participants": "35"})
    comment = session.scalars(select(Comment)).one()
    assert comment.author_kind == AuthorKind.ORGANISATION
    assert comment.organisation.name == "Ban Thường trực UBMTTQ xã Đồng Phú"
    assert comment.entered_by.email == "mttq@example.vn"
    assert (comment.meeting_date.isoformat(), comment.participants) == (meeting, 35)
    assert comment.commenter_type == "mttq" and comment.client_hash is None


def test_each_organisation_kind_is_its_commenter_type(client, session, auth, document, womens_union_user):
    auth.login("phunu@example.vn")
    client.post(f"/feedback/{document.code}/1/document", data={"body": "Ý kiến của Hội Phụ nữ"})
    assert session.scalars(select(Comment)).one().commenter_type == "hoi_phu_nu"


def test_organisation_meeting_with_zero_participants_is_refused(client, session, auth, document, org_user):
    auth.login("mttq@example.vn")
    response = client.post(f"/feedback/{document.code}/1/s1-p2", data={"body": "x", "participants": "0"})
    assert response.status_code == 200 and count_comments(session) == 0


def test_pre_moderation_holds_residents_comments(client, session, officer, areas):
    document = make_published(session, officer, areas, moderation=ModerationMode.PRE)
    response = client.post(f"/feedback/{document.code}/1/s1-p1", data={"body": "Chờ duyệt"}, follow_redirects=True)
    assert "sau khi được kiểm duyệt" in response.get_data(as_text=True)
    assert session.scalars(select(Comment)).one().status == CommentStatus.PENDING
    assert "Chờ duyệt" not in client.get(f"/feedback/{document.code}/1/s1-p1").get_data(as_text=True)


def test_closed_window_shows_a_clear_page_and_stores_nothing(client, session, document):
    version = document.current_version
    version.closes_at = utc_now() - timedelta(minutes=1)
    session.commit()
    page = client.get(f"/feedback/{document.code}/1/s1-p1")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "hiện không nhận góp ý" in text and "<form" not in text.split("<main")[1]
    response = client.post(f"/feedback/{document.code}/1/s1-p1", data={"body": "Muộn"})
    assert response.status_code == 403 and "Đã hết thời gian góp ý" in response.get_data(as_text=True)
    assert count_comments(session) == 0


def test_window_not_yet_open_refuses_comments(client, session, document):
    document.current_version.opens_at = utc_now() + timedelta(days=1)
    session.commit()
    response = client.post(f"/feedback/{document.code}/1/s1-p1", data={"body": "Sớm"})
    assert response.status_code == 403 and "Chưa đến thời gian góp ý" in response.get_data(as_text=True)
    assert count_comments(session) == 0


def test_honeypot_filled_by_a_bot_stores_nothing(client, session, document):
    response = client.post(f"/feedback/{document.code}/1/s1-p1", data={"body": "Mua ngay", "website": "http://spam"})
    assert response.status_code == 302
    assert count_comments(session) == 0


def test_overlong_comment_is_refused(client, session, document):
    response = client.post(f"/feedback/{document.code}/1/s1-p1", data={"body": "a" * 5001})
    assert response.status_code == 200 and count_comments(session) == 0
    assert "Nội dung góp ý dài quá 5000 ký tự" in response.get_data(as_text=True)


def test_a_comment_the_browser_accepted_is_not_refused_for_its_line_breaks(client, session, document):
    """The textarea's maxlength counts a line break once; the browser sends it as CR LF."""
    typed = "\n".join(["c" * 249] * 20)  # 4,999 characters as the resident typed them
    response = client.post(f"/feedback/{document.code}/1/s1-p1", data={"body": typed.replace("\n", "\r\n")})
    assert response.status_code == 302
    assert session.scalars(select(Comment)).one().body == typed


def test_form_errors_are_in_vietnamese(client, auth, session, document, org_user):
    page = client.post(f"/feedback/{document.code}/1/s1-p1", data={"body": ""}).get_data(as_text=True)
    assert "Hãy nhập nội dung góp ý" in page and "This field is required" not in page
    auth.login("mttq@example.vn")
    response = client.post(f"/feedback/{document.code}/1/s1-p1", data={"body": "x", "participants": "-5"})
    page = response.get_data(as_text=True)
    assert "Số người dự họp phải từ 1 đến 100000" in page and "Number must be" not in page
    assert count_comments(session) == 0


def test_double_submit_stores_one_comment(client, session, document):
    for _ in range(2):
        client.post(f"/feedback/{document.code}/1/s1-p1", data={"body": "Một lần thôi"})
    assert count_comments(session) == 1


@pytest.mark.parametrize("kind", list(OrganisationKind))
def test_every_organisation_kind_can_comment_in_its_name(session, document, areas, kind):
    from feedback.services.comments import OrganisationAuthor, submit_comment

    org = make_organisation(session, areas["29581"], name=f"Tổ chức {kind.value}", kind=kind)
    official = make_user(session, role=Role.ORGANISATION, area_code="29581", organisation=org)
    comment = submit_comment(
        session, document.current_version, None, body="Ý kiến", author=OrganisationAuthor(official)
    )
    assert comment.commenter_type == kind.value and comment.entered_by is official


def test_staff_accounts_cannot_comment_in_the_name_of_an_organisation(session, document, officer):
    from feedback.services import FeedbackError
    from feedback.services.comments import OrganisationAuthor, submit_comment

    with pytest.raises(FeedbackError):
        submit_comment(session, document.current_version, None, body="x", author=OrganisationAuthor(officer))


def test_a_meeting_held_today_in_vietnam_is_not_in_the_future(session, document, org_user):
    """At 03:00 in Hà Nội it is still yesterday in UTC: today's meeting must be accepted."""
    now = utc_now().replace(hour=20, minute=0)  # 03:00 tomorrow in Vietnam (UTC+7)
    if now < utc_now():
        now += timedelta(days=1)
    now = min(now, document.current_version.closes_at - timedelta(minutes=1))
    vietnam_today = (now + timedelta(hours=7)).date()
    comment = submit_comment(session, document.current_version, None, body="Họp sáng nay", now=now,
                             author=OrganisationAuthor(org_user, meeting_date=vietnam_today, participants=20))
    assert comment.meeting_date == vietnam_today
    with pytest.raises(FeedbackError):
        submit_comment(session, document.current_version, None, body="Họp tuần sau", now=now,
                       author=OrganisationAuthor(org_user, meeting_date=vietnam_today + timedelta(days=7)))


def test_a_future_meeting_date_is_reported_on_the_date_field(client, auth, session, document, org_user):
    auth.login("mttq@example.vn")
    future = (date.today() + timedelta(days=30)).isoformat()
    page = client.post(f"/feedback/{document.code}/1/s1-p1",
                       data={"body": "Ý kiến", "meeting_date": future}).get_data(as_text=True)
    assert '<p class="error" id="meeting_date-error">Ngày họp không thể ở tương lai.</p>' in page
    assert count_comments(session) == 0


def test_comment_page_queries_do_not_grow_with_answered_comments(
    client, session, connection, document, officer, org_user
):
    from sqlalchemy import event

    from feedback.models import DispositionKind
    from feedback.services.answers import answer_comments
    from feedback.services.comments import ResidentAuthor

    version = document.current_version
    target = next(p for p in version.paragraphs if p.anchor == "s1-p1")

    def add_answered(count: int) -> None:
        for i in range(count):
            author = ResidentAuthor() if i % 2 else OrganisationAuthor(org_user)
            comment = submit_comment(session, version, target, body=f"Góp ý {count}-{i}", author=author)
            answer_comments(session, document, [comment], kind=DispositionKind.TAKEN_IN, reply=f"Trả lời {i}",
                            officer=officer, actor=officer, publish=True)
        session.commit()

    statements: list[str] = []
    event.listen(connection, "before_cursor_execute", lambda _c, _cur, sql, *_a: statements.append(sql))
    counts = []
    for batch in (2, 6):
        add_answered(batch)
        statements.clear()
        assert client.get(f"/feedback/{document.code}/1/s1-p1").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_the_commune_is_chosen_from_the_communes_of_the_drafts_area(client, session, document):
    page = client.get(f"/feedback/{document.code}/1/s1-p1").get_data(as_text=True)
    assert '<select id="commune" name="commune">' in page
    assert '<option value="Xã Bình Hòa Phước">' in page and '<option value="Xã Đồng Phú">' in page
    refused = client.post(f"/feedback/{document.code}/1/s1-p1",
                          data={"body": "Ý kiến", "commune": "Xã Đồng Phúuu", "consent": "y"})
    assert refused.status_code == 200 and count_comments(session) == 0
    client.post(f"/feedback/{document.code}/1/s1-p1", data={"body": "Ý kiến", "commune": "Xã Đồng Phú", "consent": "y"})
    assert session.scalars(select(Comment)).one().resident_commune == "Xã Đồng Phú"


def test_a_province_wide_draft_names_the_district_after_the_commune(session, officer, areas):
    document = make_published(session, make_user(session, role=Role.ADMIN), areas, area_code="86", title="Toàn tỉnh")
    assert "Xã Đồng Phú, Huyện Long Hồ" in commune_names(session, document)
