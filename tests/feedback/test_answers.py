"""Official answers: one for a group or a single comment, edited once given, published on the feedback loop."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.models import AuditEntry, Role
from feedback.models import Disposition, DispositionKind, HiddenReason
from feedback.services import FeedbackError
from feedback.services.answers import answer_comments
from feedback.services.comments import OrganisationAuthor, ResidentAuthor, submit_comment
from feedback.services.moderation import moderate_comment
from tests.factories import make_user
from tests.feedback.conftest import add_comment, make_published


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


def test_the_answer_form_shows_the_paragraph_and_its_section_beside_the_comment(client, auth, session, document):
    comment = add_comment(session, document, "s2-p1", body="Cần nêu rõ xã nào")
    auth.login("bcd@example.vn")
    page = client.get(f"/feedback/manage/{document.code}/answer?comment={comment.id}").get_data(as_text=True)
    card = page[page.index(f'id="c{comment.id}"'):]
    heading, paragraph = card.index("II. Tồn tại, hạn chế"), card.index("Một số tiêu chí chưa bền vững")
    assert heading < paragraph < card.index("Cần nêu rõ xã nào")


@pytest.fixture
def answered_draft(session, document, officer, org_user):
    """Three visible comments: a resident's on section I (taken in), the Front's on section II, one general."""
    resident = add_comment(session, document, "s1-p1", body="Rác thải ở ấp Phú Hòa chưa được thu gom",
                           author=ResidentAuthor(name="Lê Văn Tư", commune="Xã Đồng Phú"))
    add_comment(session, document, "s2-p1", body="Cần nêu rõ tiêu chí môi trường", author=OrganisationAuthor(org_user))
    version = document.current_version
    submit_comment(session, version, None, body="Báo cáo cần ngắn gọn hơn", author=ResidentAuthor())
    answer_comments(session, document, [resident], kind=DispositionKind.TAKEN_IN, reply="Đã bổ sung lịch thu gom",
                    officer=officer, actor=officer, publish=True)
    session.commit()
    return document


def shown_bodies(client, document, **params) -> set[str]:
    page = client.get(f"/feedback/{document.code}/answers", query_string=params).get_data(as_text=True)
    bodies = ("Rác thải ở ấp Phú Hòa chưa được thu gom", "Cần nêu rõ tiêu chí môi trường", "Báo cáo cần ngắn gọn hơn")
    return {body for body in bodies if body in page}


def test_the_answers_page_filters_by_section_commenter_type_and_disposition(client, answered_draft):
    assert len(shown_bodies(client, answered_draft)) == 3
    assert shown_bodies(client, answered_draft, section="s2") == {"Cần nêu rõ tiêu chí môi trường"}
    assert shown_bodies(client, answered_draft, section="document") == {"Báo cáo cần ngắn gọn hơn"}
    assert shown_bodies(client, answered_draft, commenter_type="mttq") == {"Cần nêu rõ tiêu chí môi trường"}
    assert shown_bodies(client, answered_draft, commenter_type="resident") == {
        "Rác thải ở ấp Phú Hòa chưa được thu gom", "Báo cáo cần ngắn gọn hơn"}
    assert shown_bodies(client, answered_draft, disposition="tiep_thu") == {"Rác thải ở ấp Phú Hòa chưa được thu gom"}
    assert shown_bodies(client, answered_draft, disposition="pending", commenter_type="resident") == {
        "Báo cáo cần ngắn gọn hơn"}


def test_the_answers_page_searches_comments_and_answers_with_or_without_accents(client, answered_draft):
    assert shown_bodies(client, answered_draft, query="rac thai") == {"Rác thải ở ấp Phú Hòa chưa được thu gom"}
    assert shown_bodies(client, answered_draft, query="LỊCH THU GOM") == {"Rác thải ở ấp Phú Hòa chưa được thu gom"}
    assert shown_bodies(client, answered_draft, query="dong phu") == {"Rác thải ở ấp Phú Hòa chưa được thu gom"}
    page = client.get(f"/feedback/{answered_draft.code}/answers", query_string={"query": "không có đâu"})
    text = page.get_data(as_text=True)
    assert "Không có góp ý nào phù hợp" in text and "0/3 góp ý phù hợp" in text


def test_the_answers_page_filters_with_a_plain_get_form(client, answered_draft):
    page = client.get(f"/feedback/{answered_draft.code}/answers?section=s1").get_data(as_text=True)
    assert '<form method="get"' in page and "<script" not in page
    assert '<option value="s1" selected>I. Kết quả thực hiện</option>' in page
    assert 'name="commenter_type"' in page and 'name="disposition"' in page and 'name="query"' in page


def test_without_smtp_no_e_mail_is_offered(client, session, document):
    assert not client.application.config["MAIL_SERVER"]
    assert 'name="notify"' not in client.get(f"/feedback/{document.code}/1/s1-p1").get_data(as_text=True)
@pytest.mark.parametrize("comment", ["²", "99999999999", "-1", "١٢"])
def test_answer_page_ignores_ids_that_are_not_row_ids(client, auth, session, document, officer, comment):
    auth.login(officer.email)
    page = client.get(f"/feedback/manage/{document.code}/answer?comment={comment}")
    assert page.status_code == 200


def test_a_page_number_past_the_last_page_is_not_found(client, auth, session, document, officer):
    add_comment(session, document, body="Rác thải ở ấp 1")
    auth.login(officer.email)
    assert client.get(f"/feedback/manage/{document.code}/comments?page=1").status_code == 200
    for page in ("2", "99999999999999999"):
        assert client.get(f"/feedback/manage/{document.code}/comments?page={page}").status_code == 404
