"""Fuzzing the feedback staff forms, parameters and importer: every answer below 500, refusals change nothing."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st

from feedback.models import DocumentVersion
from tests.core.test_fuzz import FIELD, FUZZ, count

FILE_DATA = st.one_of(
    st.binary(max_size=400),
    st.builds(lambda text: text.encode("utf-8", "surrogatepass"), FIELD),
    st.builds(lambda head, tail: b"PK\x03\x04" + head + b"PK\x01\x02" + tail + b"PK\x05\x06" + bytes(18),
              st.binary(max_size=60), st.binary(max_size=60)),
)


@FUZZ
@given(opens_at=FIELD, closes_at=FIELD)
def test_the_comment_window_form_answers_below_500(client, auth, session, document, officer, opens_at, closes_at):
    auth.login(officer.email)
    response = client.post(f"/feedback/manage/{document.code}/1/window",
                           data={"v1-opens_at": opens_at, "v1-closes_at": closes_at})
    assert response.status_code < 500


@FUZZ
@given(comment=st.lists(FIELD, max_size=3), page=FIELD, status=FIELD)
def test_staff_pages_answer_any_parameter_below_500(client, auth, session, document, officer, comment, page, status):
    auth.login(officer.email)
    assert client.get(f"/feedback/manage/{document.code}/answer", query_string={"comment": comment}).status_code < 500
    listed = client.get(f"/feedback/manage/{document.code}/comments", query_string={"page": page, "status": status})
    assert listed.status_code < 500


@FUZZ
@given(data=FILE_DATA, name=st.sampled_from(["du-thao.docx", "du-thao.md", "du-thao.pdf"]))
def test_a_draft_upload_answers_below_500_and_a_refusal_stores_no_version(
    client, auth, session, document, officer, data, name
):
    auth.login(officer.email)
    before = count(session, DocumentVersion)
    response = client.post(f"/feedback/manage/{document.code}/upload", data={"file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")
    assert response.status_code < 500
    if response.status_code != 302:
        assert count(session, DocumentVersion) == before
