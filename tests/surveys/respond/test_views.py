"""The respondent form through the Flask client: submit, resend, closed survey, bad answers."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from core.models import Area
from surveys.models import Channel, Response, SurveyStatus
from tests.surveys.conftest import reword, valid_answers


def form_token(html: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


def post_form(client, link, answers, token, via="link"):
    data = {k: v for k, v in answers.items()} | {"token": token, "via": via}
    return client.post(f"/s/{link.code}", data=data)


def responses(session):
    return session.scalar(select(func.count()).select_from(Response))


def test_form_shows_commune_questions_and_privacy_notice(client, link):
    page = client.get(f"/s/{link.code}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Xã Đồng Phú" in html
    assert "Nghị định 13/2023/NĐ-CP" in html
    assert "<legend>" in html and "Ấp Phú Mỹ" in html
    assert "Tiêu chí 3 – Thủy lợi và phòng, chống thiên tai" in html
    assert "<script" not in html


def test_submission_is_stored_once_with_channel_and_commune(client, session, link, survey):
    token = form_token(client.get(f"/s/{link.code}?via=qr").get_data(as_text=True))
    answer = post_form(client, link, valid_answers(survey), token, via="qr")
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(f"/s/{link.code}/cam-on")
    thanks = client.get(answer.headers["Location"])
    assert "Cảm ơn" in thanks.get_data(as_text=True)
    response = session.scalars(select(Response)).one()
    assert response.channel == Channel.QR
    assert response.commune.code == "29578" and response.hamlet.code == "29578-01"
    assert response.version_id == survey.current_version.id
    assert len(response.client_hash) == 32  # a keyed hash, never the address
    assert "127.0.0.1" not in response.client_hash
    assert list(response.answers) == [q.code for q in survey.current_version.questions]  # in the form's order


def test_double_submission_stores_one_response_and_shows_same_thanks(client, session, link, survey):
    token = form_token(client.get(f"/s/{link.code}").get_data(as_text=True))
    first = post_form(client, link, valid_answers(survey), token)
    second = post_form(client, link, valid_answers(survey), token)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert responses(session) == 1


def test_a_resent_form_gets_the_thanks_even_if_its_answers_were_changed_since(client, session, link, survey):
    token = form_token(client.get(f"/s/{link.code}").get_data(as_text=True))
    assert post_form(client, link, valid_answers(survey), token).status_code == 303
    changed = valid_answers(survey) | {"q05": ["1"]}
    invalid = valid_answers(survey) | {"q05": ["9"]}
    for answers in (changed, invalid):
        again = post_form(client, link, answers, token)
        assert again.status_code == 303 and again.headers["Location"].endswith("/cam-on")
    assert responses(session) == 1
    assert session.scalars(select(Response)).one().answers["q05"] != "1"


def test_two_forms_from_one_client_with_same_answers_are_both_kept_and_flagged(client, session, link, survey):
    for _ in range(2):
        token = form_token(client.get(f"/s/{link.code}").get_data(as_text=True))
        assert post_form(client, link, valid_answers(survey), token).status_code == 303
    flags = session.scalars(select(Response.is_possible_duplicate).order_by(Response.id)).all()
    assert flags == [False, True]


def test_forged_or_missing_token_stores_nothing_and_keeps_answers(client, session, link, survey):
    answers = valid_answers(survey)
    page = post_form(client, link, answers, "forged")
    assert page.status_code == 400
    assert "Phiếu đã hết hạn" in page.get_data(as_text=True)
    assert 'value="Đường ấp cần thêm đèn."' not in page.get_data(as_text=True)  # long text is in a textarea
    assert "Đường ấp cần thêm đèn." in page.get_data(as_text=True)
    assert responses(session) == 0


def test_closed_survey_shows_a_clear_page_and_stores_nothing(client, session, link, survey):
    token = form_token(client.get(f"/s/{link.code}").get_data(as_text=True))
    survey.status = SurveyStatus.CLOSED
    session.commit()
    page = post_form(client, link, valid_answers(survey), token)
    assert page.status_code == 410
    assert "đã kết thúc nhận ý kiến" in page.get_data(as_text=True)
    assert client.get(f"/s/{link.code}").status_code == 410
    assert responses(session) == 0


def test_draft_survey_is_not_public(client, session, link, survey):
    survey.status = SurveyStatus.DRAFT
    session.commit()
    assert client.get(f"/s/{link.code}").status_code == 404


def test_unknown_link_is_404(client, survey):
    assert client.get("/s/nope42").status_code == 404


def bad(survey, code_of, value):
    answers = valid_answers(survey)
    answers[code_of] = value
    return answers


def test_each_kind_of_bad_answer_is_refused_with_a_message_next_to_the_field(client, session, link, survey):
    questions = {q.code: q for q in survey.current_version.questions}
    satisfaction = next(c for c, q in questions.items() if q.type.value == "satisfaction5")
    single = next(c for c, q in questions.items() if q.weighting_role and q.weighting_role.value == "sex")
    hamlet = next(c for c, q in questions.items() if q.weighting_role and q.weighting_role.value == "hamlet")
    comment = next(c for c, q in questions.items() if q.type.value == "long_text")
    cases = [
        (satisfaction, ["7"], "không nằm trong các lựa chọn"),  # out of range
        (single, ["khac"], "không nằm trong các lựa chọn"),  # unknown option
        (hamlet, ["29641-01"], "không nằm trong các lựa chọn"),  # a hamlet of another commune
        (satisfaction, ["4", "5"], "Chỉ được chọn một"),  # wrong shape
        (satisfaction, [""], "Vui lòng trả lời câu này"),  # missing required
        (comment, ["x" * 2001], "Tối đa 2000 ký tự"),  # too long
    ]
    token = form_token(client.get(f"/s/{link.code}").get_data(as_text=True))
    for code, value, message in cases:
        page = post_form(client, link, bad(survey, code, value), token)
        html = page.get_data(as_text=True)
        assert page.status_code == 400, code
        assert message in html
        assert f'href="#{code}"' in html  # the summary links to the field
        assert 'value="4" checked' in html  # other answers are kept
    assert responses(session) == 0


def test_commune_without_hamlets_on_record_is_not_asked_for_one(app, client, session, officer, criteria_2022):
    from core.areas import import_areas
    from surveys.services.surveys import create_survey_from_template

    import_areas(session, "level,code,name,parent_code\ncommune,29599,Xã Không Ấp,857\n")
    commune = session.scalar(select(Area).where(Area.code == "29599"))
    survey = create_survey_from_template(session, officer, criteria_set=criteria_2022, communes=[commune])
    survey.status = SurveyStatus.OPEN
    session.commit()
    link = survey.areas[0]
    html = client.get(f"/s/{link.code}").get_data(as_text=True)
    assert "ở ấp nào" not in html
    answers = valid_answers(survey)
    del answers["q01"]
    assert post_form(client, link, answers, form_token(html)).status_code == 303
    assert session.scalars(select(Response)).one().hamlet is None


def test_an_edited_question_shows_at_once_despite_the_form_cache(app, client, session, officer, survey, link):

    first = client.get(f"/s/{link.code}").get_data(as_text=True)
    assert client.get(f"/s/{link.code}").get_data(as_text=True).count("<fieldset") == first.count("<fieldset")
    with app.app_context():
        reword(session, survey, officer, "q05", text="Câu hỏi vừa sửa", required=True)
    session.commit()
    assert "Câu hỏi vừa sửa" in client.get(f"/s/{link.code}").get_data(as_text=True)
    client.get("/lang/en")
    assert "Very satisfied" in client.get(f"/s/{link.code}").get_data(as_text=True)


def test_questions_are_numbered_in_the_order_shown_and_empty_sections_are_hidden(
    app, client, session, officer, survey, link
):
    from surveys.services.builder import add_section, move_section

    with app.app_context():
        move_section(session, survey, officer, survey.current_version.sections[-1].position, -1)
        add_section(session, survey, officer, "Phần chưa có câu hỏi")
    session.commit()
    html = client.get(f"/s/{link.code}").get_data(as_text=True)
    numbers = [int(n) for n in re.findall(r"<legend>(\d+)\. |<label for=\"q\d+\">(\d+)\. ", html) for n in n if n]
    assert numbers == list(range(1, len(numbers) + 1))
    assert "Phần chưa có câu hỏi" not in html
    # the error summary uses the same numbers as the form
    codes = re.findall(r'name="(q\d+)"', html)
    last_code = list(dict.fromkeys(codes))[-1]
    answers = valid_answers(survey) | {last_code: ["x" * 2001]}
    page = post_form(client, link, answers, form_token(html)).get_data(as_text=True)
    assert f'href="#{last_code}">{numbers[-1]}. ' in page


def test_a_connection_the_database_dropped_costs_the_resident_nothing(client, session, link, survey, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from surveys.respond import links

    real, failures = links.find_respondent_link, []

    def dropped_once(db_session, code):
        if not failures:
            failures.append(code)
            raise OperationalError("SELECT …", {}, Exception("server closed the connection unexpectedly"))
        return real(db_session, code)

    monkeypatch.setattr(links, "find_respondent_link", dropped_once)
    page = client.get(f"/s/{link.code}")
    assert failures and page.status_code == 200
    failures.clear()
    assert post_form(client, link, valid_answers(survey), form_token(page.get_data(as_text=True))).status_code == 303
    assert failures and responses(session) == 1
