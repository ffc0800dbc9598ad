"""Fuzzing the surveys' staff forms and importers: every answer below 500, and refused input changes nothing."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st

from surveys.models import Response, Section
from tests.core.test_fuzz import FIELD, FUZZ, count

CELL = st.one_of(FIELD, st.sampled_from(["29578", "nam", "nu", "sex", "1", "0,5", "1e400", "nan", "-0"]))
TABLE = st.lists(st.lists(CELL, min_size=1, max_size=4), max_size=5)


def csv_bytes(rows: list[list[str]]) -> bytes:
    return "\n".join(",".join('"' + cell.replace('"', '""') + '"' for cell in row) for row in rows).encode(
        "utf-8", "surrogatepass"
    )


@FUZZ
@given(fields=st.fixed_dictionaries({"title": FIELD, "introduction": FIELD, "opens_at": FIELD, "closes_at": FIELD}))
def test_the_survey_details_form_answers_below_500(client, auth, session, officer, survey, fields):
    auth.login(officer.email)
    session.refresh(survey)  # the examples share the fixtures: an earlier one may have changed it
    title = survey.title
    response = client.post(f"/surveys/{survey.id}/edit", data=fields)
    assert response.status_code < 500
    if response.status_code != 302:
        session.refresh(survey)
        assert survey.title == title


@FUZZ
@given(title=FIELD)
def test_adding_a_section_answers_below_500_and_a_refusal_adds_none(client, auth, session, officer, survey, title):
    auth.login(officer.email)
    before = count(session, Section)
    response = client.post(f"/surveys/{survey.id}/sections", data={"title": title}, follow_redirects=True)
    assert response.status_code < 500
    if "tên phần" in response.get_data(as_text=True) or "ký tự điều khiển" in response.get_data(as_text=True):
        assert count(session, Section) == before


@FUZZ
@given(rows=TABLE, name=st.sampled_from(["m.csv", "m.xlsx", "m.txt"]))
def test_the_margins_upload_answers_below_500_and_a_refusal_keeps_the_margins(
    client, auth, session, officer, survey, rows, name
):
    auth.login(officer.email)
    session.refresh(survey)
    margins = survey.margins
    data = csv_bytes([["variable", "category", "count"], *rows])
    response = client.post(f"/surveys/{survey.id}/margins", data={"file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")
    assert response.status_code < 500
    if response.status_code != 302:
        session.refresh(survey)
        assert survey.margins == margins


@FUZZ
@given(rows=TABLE)
def test_the_paper_import_answers_below_500_and_a_refusal_stores_nothing(client, auth, session, officer, survey, rows):
    auth.login(officer.email)
    before = count(session, Response)
    data = csv_bytes([["serial", "commune_code"], *rows])
    response = client.post(f"/surveys/{survey.id}/import", data={"file": (io.BytesIO(data), "phieu.csv")},
                           content_type="multipart/form-data")
    assert response.status_code < 500
    if response.status_code != 302:
        assert count(session, Response) == before
