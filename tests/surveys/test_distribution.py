"""QR codes that decode to the commune's link, posters, the district ZIP and the page budget."""

from __future__ import annotations

import gzip
import io
import re
import shutil
import subprocess
import zipfile

import pytest

from tests.surveys.conftest import valid_answers

ZBARIMG = shutil.which("zbarimg")


def decode_qr(png: bytes, tmp_path) -> str:
    """The text of the QR code in a PNG, read by zbar (Debian package zbar-tools)."""
    if ZBARIMG is None:
        pytest.skip("no QR decoder: install Debian's zbar-tools (zbarimg)")
    path = tmp_path / "qr.png"
    path.write_bytes(png)
    out = subprocess.run([ZBARIMG, "--quiet", "--raw", str(path)], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_qr_png_decodes_to_the_communes_short_link(client, link, tmp_path):
    png = client.get(f"/s/{link.code}/qr.png")
    assert png.mimetype == "image/png"
    assert decode_qr(png.data, tmp_path) == f"http://ntm.test/s/{link.code}?via=qr"


def test_qr_uses_the_public_base_url_when_configured(app, client, link, tmp_path):
    app.config["PUBLIC_BASE_URL"] = "https://ykien.vinhlong.gov.vn/"
    assert (
        decode_qr(client.get(f"/s/{link.code}/qr.png").data, tmp_path)
        == f"https://ykien.vinhlong.gov.vn/s/{link.code}?via=qr"
    )


def test_qr_svg_is_served(client, link):
    svg = client.get(f"/s/{link.code}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data


def test_poster_has_commune_qr_short_link_and_instructions(client, auth, officer, survey, link):
    auth.login(officer.email)
    html = client.get(f"/surveys/{survey.id}/poster/{link.code}").get_data(as_text=True)
    assert "Xã Đồng Phú" in html and "<svg" in html and f"/s/{link.code}" in html
    assert "quét mã QR" in html
    assert "<style" not in html  # served pages obey the CSP; only ZIP copies inline their CSS


def test_district_zip_holds_a_poster_and_qr_codes_per_commune(client, auth, officer, survey, tmp_path):
    auth.login(officer.email)
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/surveys/{survey.id}/posters.zip?district=857").data))
    names = archive.namelist()
    assert sum(n.endswith("/poster.html") for n in names) == 2
    png = next(n for n in names if n.startswith("29581-") and n.endswith("qr.png"))
    code = png.split("-")[1].split("/")[0]
    assert decode_qr(archive.read(png), tmp_path).endswith(f"/s/{code}?via=qr")
    assert "@page{size:A4" in archive.read(png.replace("qr.png", "poster.html")).decode()
    assert client.get(f"/surveys/{survey.id}/posters.zip?district=858").status_code == 404


def test_respondent_page_is_within_15_kb_gzipped_in_2_requests(client, link):
    page = client.get(f"/s/{link.code}")
    html = page.data
    assets = re.findall(rb'(?:href|src)="(/[^"]+\.(?:css|js|png|svg|woff2?))"', html)
    assert assets == [b"/static/app.css"]
    with client.get("/static/app.css") as stylesheet:
        css = stylesheet.data
    total = len(gzip.compress(html)) + len(gzip.compress(css))
    assert total <= 15 * 1024, total
    assert b"http://" not in html.replace(b"http://ntm.test", b"") and b"https://" not in html


def test_resident_can_answer_with_keyboard_labels_for_every_control(client, link, survey):
    html = client.get(f"/s/{link.code}").get_data(as_text=True)
    inputs = re.findall(r"<input[^>]*>", html)
    visible = [i for i in inputs if 'type="hidden"' not in i]
    # Every visible radio sits inside a <label>; the text inputs/textarea have <label for>.
    assert len(re.findall(r"<label><input", html)) == len(
        [i for i in visible if 'type="radio"' in i or 'type="checkbox"' in i]
    )
    for code in (q.code for q in survey.current_version.questions if q.type.value == "long_text"):
        assert f'<label for="{code}">' in html
    assert valid_answers(survey)


def test_posters_and_paper_sheets_stay_vietnamese_for_an_english_speaking_officer(client, auth, officer, survey, link):
    auth.login(officer.email)
    client.get("/lang/en")
    assert "Satisfaction surveys" in client.get("/surveys/").get_data(as_text=True)
    assert "quét mã QR" in client.get(f"/surveys/{survey.id}/poster/{link.code}").get_data(as_text=True)
    paper = client.get(f"/surveys/{survey.id}/paper").get_data(as_text=True)
    assert "Rất hài lòng" in paper and "Very satisfied" not in paper


def test_without_districts_the_survey_page_offers_every_commune_in_one_zip(client, auth, two_tier_survey):
    auth.login("officer87@example.vn")
    page = client.get(f"/surveys/{two_tier_survey.id}").get_data(as_text=True)
    assert "cả huyện (ZIP)" not in page  # no district to bundle by
    assert f"/surveys/{two_tier_survey.id}/posters.zip\"" in page
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/surveys/{two_tier_survey.id}/posters.zip").data))
    assert sorted(n.split("-")[0] for n in archive.namelist() if n.endswith("/poster.html")) == ["30001", "30002"]
    # The province is not a district: asking for its communes as one is refused, as for any unknown district.
    assert client.get(f"/surveys/{two_tier_survey.id}/posters.zip?district=87").status_code == 404


def test_with_districts_the_survey_page_offers_each_districts_zip(client, auth, officer, survey):
    auth.login(officer.email)
    page = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert "cả huyện (ZIP)" in page and "posters.zip?district=857" in page
