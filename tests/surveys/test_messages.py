"""Builder forms explain mistakes in the interface's language, not WTForms' English defaults."""

from __future__ import annotations


def test_empty_new_survey_form_speaks_vietnamese(client, auth, officer):
    auth.login(officer.email)
    page = client.post("/surveys/new", data={"title": "", "criteria_set": "1"}).get_data(as_text=True)
    assert "Vui lòng điền mục này." in page
    assert "This field is required" not in page


def test_too_long_question_text_speaks_english_when_chosen(client, auth, officer, survey):
    auth.login(officer.email)
    client.get("/lang/en")
    page = client.post(f"/surveys/{survey.id}/questions/q29", data={"text": "x" * 1200}).get_data(as_text=True)
    assert "At most 1000 characters." in page
