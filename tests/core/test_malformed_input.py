"""A NUL byte or invalid UTF-8 anywhere in a request is a 400 with the Vietnamese page, never a 500."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select
from werkzeug.routing import AnyConverter, IntegerConverter

from core.models import AuditEntry, Organisation, Role
from tests.factories import make_user

MALFORMED_PAGE = "ký tự không hợp lệ"

# The addresses the attack found answering 500, anonymously.
REPORTED_PATHS = [
    "/s/%00",
    "/s/%00/cam-on",
    "/s/%00/qr.png",
    "/d/%00",
    "/feedback/%00",
    "/feedback/%00/answers",
    "/feedback/%00/poster",
    "/feedback/%00/qr.svg",
]


def assert_refused(response):
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Yêu cầu không hợp lệ" in page and MALFORMED_PAGE in page


@pytest.mark.parametrize("path", REPORTED_PATHS)
def test_a_nul_byte_in_a_public_address_is_refused(client, path):
    assert_refused(client.get(path))


@pytest.mark.parametrize("raw_path", [b"/s/\xff", b"/s/ab\xc3", b"/feedback/\xed\xa0\x80"])
def test_invalid_utf8_in_the_path_is_refused(client, raw_path):
    # As a WSGI server passes it: the bytes received, percent-decoded, as a latin-1 string.
    assert_refused(client.get("/", environ_overrides={"PATH_INFO": raw_path.decode("latin-1")}))


@pytest.mark.parametrize("query", ["next=%00", "page=1%00", "q=%FF", "%00=1"])
def test_a_nul_byte_or_invalid_utf8_in_the_query_string_is_refused(client, query):
    assert_refused(client.get(f"/?{query}"))


def test_plain_vietnamese_passes(client):
    assert client.get("/?q=Đồng%20Phú").status_code == 200


def test_the_page_is_english_for_an_english_reader(client):
    client.get("/lang/en")
    assert "invalid characters" in client.get("/s/%00").get_data(as_text=True)


def _arguments_with_nul(rule):
    """Values for every argument of ``rule``: a NUL where the converter takes text."""
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        elif isinstance(converter, IntegerConverter):
            values[name] = 1
        else:
            values[name] = "a\x00b"
    return values


def test_every_address_of_the_application_refuses_a_nul(app, client):
    """Generated from the URL map: a route added later is covered without a new test."""
    adapter = app.url_map.bind("ntm.test")
    for rule in app.url_map.iter_rules():
        url = adapter.build(
            rule.endpoint, _arguments_with_nul(rule), method=next(iter(rule.methods - {"HEAD", "OPTIONS"}))
        )
        url += ("&" if "?" in url else "?") + "x=%00"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            assert response.status_code == 400, (method, url, response.status_code)


class TestForms:
    @pytest.fixture
    def admin(self, session, areas):
        user = make_user(session, role=Role.ADMIN, email="admin@tinh.vn")
        session.commit()
        return user

    def test_a_nul_in_the_sign_in_email_is_refused(self, client, admin):
        assert_refused(client.post("/auth/login", data={"email": "admin@tinh.vn\x00", "password": "x"}))

    def test_invalid_utf8_in_a_form_body_is_refused(self, client, admin):
        response = client.post(
            "/auth/login", data=b"email=admin%40tinh.vn%FF&password=x", content_type="application/x-www-form-urlencoded"
        )
        assert_refused(response)

    def test_a_staff_form_with_a_nul_changes_nothing(self, client, auth, session, admin):
        auth.login("admin@tinh.vn")
        before = session.scalar(select(func.count()).select_from(AuditEntry))
        assert_refused(
            client.post("/admin/organisations", data={"name": "Hội\x00", "kind": "hoi_nong_dan", "area_code": "857"})
        )
        assert session.scalar(select(func.count()).select_from(Organisation)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == before

    @pytest.mark.parametrize(
        "data",
        [
            pytest.param({"name": "Hội\x00"}, id="NUL in a field"),
            pytest.param({"upload": (io.BytesIO(b"x"), "du\x00thao.docx")}, id="NUL in a file name"),
        ],
    )
    def test_multipart_forms_are_checked_too(self, client, auth, session, admin, data):
        auth.login("admin@tinh.vn")
        response = client.post("/admin/organisations", data=data, content_type="multipart/form-data")
        assert_refused(response)

    def test_a_multipart_field_that_is_not_utf8_is_refused(self, client, auth, admin):
        auth.login("admin@tinh.vn")
        body = b'--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nH\xffi\r\n--b--\r\n'
        assert_refused(client.post("/admin/organisations", data=body, content_type="multipart/form-data; boundary=b"))

    def test_a_clean_form_still_goes_through(self, client, auth, session, admin):
        auth.login("admin@tinh.vn")
        response = client.post(
            "/admin/organisations", data={"name": "Hội Nông dân", "kind": "hoi_nong_dan", "area_code": "857"}
        )
        assert response.status_code == 302
        assert session.scalar(select(Organisation.name)) == "Hội Nông dân"




def _huge_id_or_plain_value(converter):
    if isinstance(converter, IntegerConverter):
        return 10**20
    return sorted(converter.items)[0] if isinstance(converter, AnyConverter) else "x"


def test_an_id_past_sql_integers_in_any_address_is_not_found(app, client, auth, session, areas):
    """Found in a user walk-through: a huge ``<int:…>`` reached the query, and SQLite's driver
    overflowed (a 500 on four staff pages). Every address with a number is tried, signed in as admin."""
    make_user(session, role=Role.ADMIN, email="admin@tinh.vn")
    session.commit()
    auth.login("admin@tinh.vn")
    tried = 0
    for rule in app.url_map.iter_rules():
        converters = rule._converters
        if not any(isinstance(c, IntegerConverter) for c in converters.values()):
            continue
        values = {name: _huge_id_or_plain_value(c) for name, c in converters.items()}
        _, path = rule.build(values, append_unknown=False)
        for method in sorted(rule.methods & {"GET", "POST"}):
            tried += 1
            # No route takes the number, so nothing is found (or, where another rule has the same
            # shape for other methods, the method is not allowed): never a 500.
            assert client.open(path, method=method).status_code in (404, 405), (method, path)
    assert tried > 20
