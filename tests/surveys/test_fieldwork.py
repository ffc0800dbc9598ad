"""Paper entry and import, the fieldwork monitor and the exports, through the Flask client."""

from __future__ import annotations

import csv
import io
import time
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from core.models import Role
from surveys.models import Channel, ImportBatch, Response, WeightingRole
from surveys.respond.store import record_response
from tests.core.test_uploads import with_sheet_data
from tests.factories import make_organisation, make_user
from tests.surveys.conftest import valid_answers


def count(session):
    return session.scalar(select(func.count()).select_from(Response))


def org_user(session, areas):
    org = make_organisation(session, areas["29578"])
    user = make_user(session, role=Role.ORGANISATION, area_code="29578", organisation=org, email="mttq@example.vn")
    session.commit()
    return user


def entry_data(survey, serial):
    return {"serial": serial} | {k: ";".join(v) for k, v in valid_answers(survey).items()}


def test_organisation_enters_a_paper_sheet_with_its_serial(client, auth, session, areas, survey):
    auth.login(org_user(session, areas).email)
    page = client.get(f"/surveys/{survey.id}/entry")
    assert page.status_code == 200 and "Xã Đồng Phú" in page.get_data(as_text=True)
    saved = client.post(f"/surveys/{survey.id}/entry?commune=29578", data=entry_data(survey, "29578-00001"))
    assert saved.status_code == 302
    response = session.scalars(select(Response)).one()
    assert response.channel == Channel.PAPER and response.serial == "29578-00001"
    assert response.entered_by_id is not None and response.client_hash is None


def test_a_serial_can_be_entered_only_once_per_survey(client, auth, session, areas, survey):
    auth.login(org_user(session, areas).email)
    client.post(f"/surveys/{survey.id}/entry?commune=29578", data=entry_data(survey, "A1"))
    again = client.post(f"/surveys/{survey.id}/entry?commune=29578", data=entry_data(survey, "A1"))
    assert again.status_code == 400
    assert "Số phiếu A1 đã được nhập" in again.get_data(as_text=True)
    assert count(session) == 1


def test_the_entry_error_summary_names_questions_by_their_number_on_the_sheet(client, auth, session, areas, survey):
    auth.login(org_user(session, areas).email)
    data = entry_data(survey, "S1") | {"q05": "9"}
    page = client.post(f"/surveys/{survey.id}/entry?commune=29578", data=data).get_data(as_text=True)
    number = next(n for n, q in enumerate(survey.current_version.questions, start=1) if q.code == "q05")
    assert f'<a href="#q05">{number}. ' in page and ">q05: " not in page
    page = client.post(f"/surveys/{survey.id}/entry?commune=29578", data=entry_data(survey, "")).get_data(as_text=True)
    assert '<a href="#serial">Số phiếu: Vui lòng nhập số phiếu.</a>' in page
    assert count(session) == 0


def test_a_sheet_with_a_question_left_blank_is_entered_without_it_but_not_without_sex(
    client, auth, session, areas, survey
):
    auth.login(org_user(session, areas).email)
    required = next(q for q in survey.current_version.questions if q.required and q.weighting_role is None)
    sex = next(q for q in survey.current_version.questions if q.weighting_role is WeightingRole.SEX)
    saved = client.post(
        f"/surveys/{survey.id}/entry?commune=29578", data=entry_data(survey, "B1") | {required.code: ""}
    )
    assert saved.status_code == 302
    assert required.code not in session.scalars(select(Response)).one().answers
    refused = client.post(f"/surveys/{survey.id}/entry?commune=29578", data=entry_data(survey, "B2") | {sex.code: ""})
    assert refused.status_code == 400 and f'<a href="#{sex.code}">' in refused.get_data(as_text=True)
    assert count(session) == 1


def test_import_keeps_a_row_whose_resident_skipped_a_question(client, auth, session, officer, survey):
    auth.login(officer.email)
    required = next(q for q in survey.current_version.questions if q.required and q.weighting_role is None)
    data = import_csv(survey, [("P1", "29578", valid_answers(survey) | {required.code: []})])
    assert upload(client, survey, data).status_code == 302
    assert required.code not in session.scalars(select(Response)).one().answers


@pytest.mark.parametrize(
    "serial, message",
    [("", "Vui lòng nhập số phiếu."), ("   ", "Vui lòng nhập số phiếu."), ("9" * 33, "Số phiếu dài tối đa 32 ký tự.")],
)
def test_a_missing_or_too_long_serial_is_refused_with_its_own_message(
    client, auth, session, areas, survey, serial, message
):
    auth.login(org_user(session, areas).email)
    refused = client.post(f"/surveys/{survey.id}/entry?commune=29578", data=entry_data(survey, serial))
    assert refused.status_code == 400
    assert message in refused.get_data(as_text=True)
    assert count(session) == 0


def test_organisation_cannot_enter_for_a_commune_outside_its_area(client, auth, session, areas, survey):
    auth.login(org_user(session, areas).email)
    assert client.post(f"/surveys/{survey.id}/entry?commune=29581", data=entry_data(survey, "B1")).status_code == 404
    assert count(session) == 0


def import_csv(survey, rows):
    header = ["serial", "commune_code", *(q.code for q in survey.current_version.questions)]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for serial, commune, answers in rows:
        writer.writerow([serial, commune, *(";".join(answers.get(c, [])) for c in header[2:])])
    return buffer.getvalue().encode()


def upload(client, survey, data, name="phieu.csv"):
    return client.post(f"/surveys/{survey.id}/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_import_stores_every_row_and_refuses_the_same_file_twice(client, auth, session, officer, survey):
    auth.login(officer.email)
    data = import_csv(
        survey, [("P1", "29578", valid_answers(survey)), ("P2", "29581", valid_answers(survey, "29581-01"))]
    )
    assert upload(client, survey, data).status_code == 302
    assert count(session) == 2
    assert session.scalars(select(ImportBatch)).one().row_count == 2
    again = upload(client, survey, data)
    assert again.status_code == 400 and "đã được nhập" in again.get_data(as_text=True)
    assert count(session) == 2
    # The date is the officer's local time (Asia/Ho_Chi_Minh), not the server's UTC clock.
    imported = session.scalars(select(ImportBatch)).one().imported_at
    local = imported.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%d/%m/%Y %H:%M")
    assert local in again.get_data(as_text=True)


def test_import_with_one_bad_row_stores_nothing_and_reports_row_and_column(client, auth, session, officer, survey):
    auth.login(officer.email)
    broken = valid_answers(survey) | {"q06": ["9"]}
    data = import_csv(
        survey,
        [("P1", "29578", valid_answers(survey)), ("P2", "29578", broken), ("P3", "29641", valid_answers(survey))],
    )
    page = upload(client, survey, data)
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "<td class=\"num\">3</td><td>q06</td>" in html
    assert "<td class=\"num\">4</td><td>commune_code</td>" in html
    assert count(session) == 0


def test_import_reads_xlsx_and_offers_templates(client, auth, session, officer, survey):
    auth.login(officer.email)
    template = client.get(f"/surveys/{survey.id}/import-template.xlsx")
    header = next(load_workbook(io.BytesIO(template.data)).active.iter_rows(values_only=True))
    assert header[:3] == ("serial", "commune_code", "q01")
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    answers = valid_answers(survey)
    sheet.append(["X1", 29578, *(";".join(answers[c]) if c in answers else None for c in header[2:])])
    buffer = io.BytesIO()
    book.save(buffer)
    assert upload(client, survey, buffer.getvalue(), "phieu.xlsx").status_code == 302
    assert count(session) == 1
    assert client.get(f"/surveys/{survey.id}/import-template.csv").data.startswith("\ufeff".encode())


def add_responses(app, session, survey, link, n):
    with app.app_context():
        for i in range(n):
            record_response(session, link, valid_answers(survey, f"29578-0{1 + i % 2}"), channel=Channel.QR)
    session.commit()


def test_monitor_counts_by_commune_hamlet_channel_and_sex(app, client, auth, session, officer, survey, link):
    add_responses(app, session, survey, link, 3)
    survey.margins = {"sex": {"nam": 0.48, "nu": 0.52}}
    session.commit()
    auth.login(officer.email)
    html = client.get(f"/surveys/{survey.id}/monitor").get_data(as_text=True)
    assert "Ấp Phú Mỹ" in html
    # Channels and groups by their Vietnamese labels, not the stored codes.
    assert "<td>Quét mã QR</td>" in html and "<td>qr</td>" not in html
    assert "<td>Nam</td>" in html and "<td>Nữ</td>" in html and "<td>nu</td>" not in html
    assert "48,0%" in html and "48.0" not in html  # Vietnamese writes a decimal comma
    rows = list(csv.reader(io.StringIO(client.get(f"/surveys/{survey.id}/monitor.csv").data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["level", "code", "name", "responses"]
    assert ["commune", "29578", "Xã Đồng Phú", "3", "1200", "0.0025"] in rows
    assert ["hamlet", "29578-01", "Ấp Phú Mỹ", "2", "400", "0.005"] in rows


def test_export_csv_has_one_row_per_response_and_a_codebook(app, client, auth, session, officer, survey, link):
    add_responses(app, session, survey, link, 2)
    auth.login(officer.email)
    rows = list(csv.reader(io.StringIO(client.get(f"/surveys/{survey.id}/export.csv").data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["response_id", "version", "commune_code"] and "q05" in rows[0]
    assert len(rows) == 3 and rows[1][2] == "29578"
    assert rows[1][rows[0].index("q05")] == "4"
    codebook = client.get(f"/surveys/{survey.id}/codebook.csv").data.decode("utf-8-sig")
    assert "4=Hài lòng" in codebook and "29578-01=Xã Đồng Phú/Ấp Phú Mỹ" in codebook
    with client.get(f"/surveys/{survey.id}/export.xlsx") as xlsx:
        book = load_workbook(io.BytesIO(xlsx.data), read_only=True)
    assert book.sheetnames == ["responses", "codebook"]
    assert next(book["responses"].iter_rows(min_row=2, max_col=3, values_only=True))[2] == "29578"
    book.close()


def test_export_is_scoped_to_the_organisations_commune(app, client, auth, session, areas, survey, link):
    other = next(sa for sa in survey.areas if sa.area.code == "29581")
    add_responses(app, session, survey, link, 1)
    with app.app_context():
        record_response(session, other, valid_answers(survey, "29581-01"), channel=Channel.LINK)
    session.commit()
    auth.login(org_user(session, areas).email)
    rows = list(csv.reader(io.StringIO(client.get(f"/surveys/{survey.id}/export.csv").data.decode("utf-8-sig"))))
    assert [r[2] for r in rows[1:]] == ["29578"]


def test_paper_questionnaire_prints_serials_and_the_qr(client, auth, officer, survey, link):
    auth.login(officer.email)
    html = client.get(f"/surveys/{survey.id}/paper?commune=29578&first=7&count=2").get_data(as_text=True)
    assert "29578-00007" in html and "29578-00008" in html and "<svg" in html


def test_sheets_from_a_hamlet_meeting_are_recorded_as_such(client, auth, session, areas, survey):
    auth.login(org_user(session, areas).email)
    data = entry_data(survey, "M1") | {"channel": "meeting"}
    assert client.post(f"/surveys/{survey.id}/entry?commune=29578", data=data).status_code == 302
    assert session.scalars(select(Response.channel)).one() == Channel.MEETING


def test_analyst_cannot_enter_or_import(client, auth, session, survey):
    analyst = make_user(session, role=Role.ANALYST, email="analyst2@example.vn")
    session.commit()
    auth.login(analyst.email)
    assert client.post(f"/surveys/{survey.id}/entry", data=entry_data(survey, "Z1")).status_code == 403
    assert client.get(f"/surveys/{survey.id}/import").status_code == 403


def test_import_refuses_a_serial_already_typed_in(client, auth, session, officer, survey):
    auth.login(officer.email)
    client.post(f"/surveys/{survey.id}/entry?commune=29578", data=entry_data(survey, "P7"))
    page = upload(
        client,
        survey,
        import_csv(survey, [("P8", "29578", valid_answers(survey)), ("P7", "29578", valid_answers(survey))]),
    )
    assert page.status_code == 400 and "Số phiếu P7 đã được nhập" in page.get_data(as_text=True)
    assert count(session) == 1
    assert session.scalars(select(ImportBatch)).first() is None


def test_import_refuses_text_that_is_not_utf8_and_damaged_xlsx(client, auth, session, officer, survey):
    auth.login(officer.email)
    assert "UTF-8" in upload(client, survey, "serial;commune_code\nĐ;1\n".encode("cp1258")).get_data(as_text=True)
    assert "bị hỏng" in upload(client, survey, b"not a zip", "phieu.xlsx").get_data(as_text=True)
    assert count(session) == 0


def test_import_refuses_a_million_row_workbook_at_the_limit_and_a_huge_csv_cell(client, auth, session, officer, survey):
    auth.login(officer.email)
    million = with_sheet_data(b"<row><c><v>1</v></c></row>" * 1_000_000)
    assert len(million) < 200_000  # small to upload; read whole, it took 17.6 s and 131 MB
    started = time.monotonic()
    page = upload(client, survey, million, "phieu.xlsx")
    assert page.status_code == 400 and "hơn 20001 dòng" in page.get_data(as_text=True)
    assert time.monotonic() - started < 10
    page = upload(client, survey, b"serial,commune_code\n\"" + b"x" * 140_000 + b"\",29578\n")
    assert page.status_code == 400 and "CSV" in page.get_data(as_text=True)
    assert count(session) == 0


def test_import_of_a_file_without_the_columns_lists_them(client, auth, session, officer, survey):
    auth.login(officer.email)
    for data in (b"serial\n1\n", b"", b"\xef\xbb\xbf"):
        page = upload(client, survey, data)
        assert page.status_code == 400 and "Thiếu cột." in page.get_data(as_text=True)


def test_import_accepts_semicolon_csv_from_excel(client, auth, session, officer, survey):
    auth.login(officer.email)
    data = import_csv(survey, [("S1", "29578", valid_answers(survey))]).decode().replace(",", ";")
    assert upload(client, survey, data.encode()).status_code == 302
    assert count(session) == 1


def test_csv_downloads_declare_one_charset(client, auth, officer, survey):
    auth.login(officer.email)
    for path in ("monitor.csv", "export.csv", "codebook.csv"):
        assert client.get(f"/surveys/{survey.id}/{path}").headers["Content-Type"] == "text/csv; charset=utf-8"


def test_an_analysis_table_is_written_through_the_safe_workbook_writer():
    import numpy as np
    import pandas as pd

    from core.spreadsheets import write_xlsx
    from surveys.exports import table_rows

    table = pd.DataFrame({"area": ["=HYPERLINK(1)", "Ấp\x0b1"], "estimate": [np.float64(0.5), np.nan], "n": [3, 4]})
    out = io.BytesIO()
    write_xlsx([("indices", *table_rows(table))], out)
    rows = list(load_workbook(io.BytesIO(out.getvalue())).active.iter_rows(values_only=True))
    assert rows == [("area", "estimate", "n"), ("'=HYPERLINK(1)", 0.5, 3), ("Ấp 1", None, 4)]
