"""The respondent form's caches never show stale questions, another language, another commune's hamlets
or another visitor's tokens."""

from __future__ import annotations

import re

from sqlalchemy import select

from surveys.models import Response
from surveys.respond import questions
from tests.conftest import AuthActions
from tests.surveys.conftest import reword, valid_answers
from tests.surveys.respond.test_views import form_token, post_form


def page(client, link) -> str:
    return client.get(f"/s/{link.code}").get_data(as_text=True)


def submit(client, link, survey, answers=None):
    return post_form(client, link, answers or valid_answers(survey), form_token(page(client, link)))


def test_an_unanswered_version_is_read_afresh_and_not_cached(client, session, link, survey):
    version = survey.current_version
    key = (version.id, version.created_at)
    page(client, link)
    assert key not in questions.cached_keys()
    assert submit(client, link, survey).status_code == 303
    page(client, link)
    assert key in questions.cached_keys()


def test_an_edit_after_responses_shows_the_new_version_at_once(app, client, session, officer, survey, link):
    assert submit(client, link, survey).status_code == 303
    old_version = survey.current_version.id
    assert "Câu hỏi đã đổi" not in page(client, link)  # the answered version is now cached
    assert (old_version, survey.current_version.created_at) in questions.cached_keys()
    with app.app_context():
        reword(session, survey, officer, "q05", text="Câu hỏi đã đổi", required=True)
    session.commit()
    new_version = survey.current_version.id
    assert new_version != old_version
    assert "Câu hỏi đã đổi" in page(client, link)
    assert submit(client, link, survey).status_code == 303
    latest = session.scalars(select(Response).order_by(Response.id.desc())).first()
    assert latest.version_id == new_version
    # the new version, now answered, is cached too; edits go to yet another version
    assert "Câu hỏi đã đổi" in page(client, link)
    with app.app_context():
        reword(session, survey, officer, "q05", text="Lần sửa thứ hai", required=False)
    session.commit()
    html = page(client, link)
    assert "Lần sửa thứ hai" in html and "Câu hỏi đã đổi" not in html


def test_an_unanswered_open_version_edited_in_place_shows_the_edit(app, client, session, officer, survey, link):
    assert "Sửa tại chỗ" not in page(client, link)
    with app.app_context():
        reword(session, survey, officer, "q05", text="Sửa tại chỗ", required=True)
    session.commit()
    assert "Sửa tại chỗ" in page(client, link)


def test_a_cached_form_is_never_shown_in_the_other_language(client, link, survey):
    assert submit(client, link, survey).status_code == 303  # frozen: both caches in use
    vietnamese = page(client, link)
    assert "Rất hài lòng" in vietnamese and "Very satisfied" not in vietnamese
    client.get("/lang/en")
    english = page(client, link)
    assert "Very satisfied" in english and "Rất hài lòng" not in english
    client.get("/lang/vi")
    again = page(client, link)
    assert "Rất hài lòng" in again and "Very satisfied" not in again


def test_each_commune_gets_its_own_hamlets_from_the_cache(client, survey):
    links = {sa.area.code: sa for sa in survey.areas}
    dong_phu, other = links["29578"], links["29581"]
    assert submit(client, dong_phu, survey).status_code == 303
    for _round in range(2):  # the second round is served from the caches
        first, second = page(client, dong_phu), page(client, other)
        assert "Ấp Phú Mỹ" in first and "Ấp Bình Thuận" not in first
        assert "Ấp Bình Thuận" in second and "Ấp Phú Mỹ" not in second


def test_a_hamlet_from_another_commune_is_refused_even_when_cached(client, session, survey):
    links = {sa.area.code: sa for sa in survey.areas}
    assert submit(client, links["29578"], survey).status_code == 303
    answer = submit(client, links["29581"], survey, valid_answers(survey, hamlet="29578-01"))
    assert answer.status_code == 400
    assert session.scalars(select(Response)).all()[-1].commune.code == "29578"


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def test_every_blank_form_carries_its_own_token_and_each_one_submits(client, session, link, survey):
    first, second = page(client, link), page(client, link)
    assert hidden(first, "token") != hidden(second, "token")
    # the rest of the page is the same page
    assert first.replace(hidden(first, "token"), "") == second.replace(hidden(second, "token"), "")
    assert post_form(client, link, valid_answers(survey), hidden(first, "token")).status_code == 303
    assert post_form(client, link, valid_answers(survey), hidden(second, "token")).status_code == 303
    assert len(session.scalars(select(Response)).all()) == 2


def test_a_new_title_or_introduction_shows_at_once(client, session, link, survey):
    assert submit(client, link, survey).status_code == 303  # frozen: the page is served from the cache
    page(client, link)
    survey.title, survey.introduction = "Tiêu đề mới của phiếu", "Lời giới thiệu mới"
    session.commit()
    html = page(client, link)
    assert "Tiêu đề mới của phiếu" in html and "Lời giới thiệu mới" in html


def test_a_signed_in_officer_sees_their_own_menu_and_visitors_never_do(app, client, officer, link, survey):
    assert submit(client, link, survey).status_code == 303
    assert "Đăng xuất" not in page(client, link)
    auth = AuthActions(client)
    auth.login(officer.email)
    assert "Đăng xuất" in page(client, link)
    assert "Đăng xuất" not in page(app.test_client(), link)
    auth.logout()
    assert "Đăng xuất" not in page(client, link)
