"""Production settings that a deployment relies on: HSTS, a fixed public address, proxies
counted strictly, and downloads no cache keeps."""

from __future__ import annotations

import io

import pytest
from flask import request, send_file

from config import ConfigError, ProductionConfig
from core import create_app
from tests.factories import make_user


@pytest.fixture
def production_env(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql://localhost/x")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://ykien.vinhlong.gov.vn")
    monkeypatch.delenv("TRUST_PROXY_HOPS", raising=False)
    monkeypatch.delenv("HSTS_MAX_AGE", raising=False)
    return monkeypatch


@pytest.mark.parametrize("value", [None, "", "http://ykien.vinhlong.gov.vn", "ykien.vinhlong.gov.vn"])
def test_production_refuses_to_start_without_an_https_public_address(production_env, value):
    if value is None:
        production_env.delenv("PUBLIC_BASE_URL")
    else:
        production_env.setenv("PUBLIC_BASE_URL", value)
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        ProductionConfig()


@pytest.mark.parametrize("value", ["-1", "one", "1.5", ""])
def test_a_proxy_count_that_is_not_a_whole_number_stops_the_start(production_env, value):
    production_env.setenv("TRUST_PROXY_HOPS", value)
    with pytest.raises(ConfigError, match="TRUST_PROXY_HOPS"):
        ProductionConfig()


def test_production_sends_hsts(production_env):
    app = create_app("production")  # on the suite's database, read when config.py was imported
    try:
        response = app.test_client().get("/", base_url="https://ykien.vinhlong.gov.vn")
    finally:
        app.extensions["db"].engine.dispose()
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_development_sends_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/").headers


class TestBehindOneProxy:
    @pytest.fixture
    def app_config(self):
        return {"TRUST_PROXY_HOPS": 1}

    @pytest.fixture
    def seen(self, app):
        app.add_url_rule("/seen", "seen", lambda: {"host": request.host, "addr": request.remote_addr})
        return app.test_client()

    def test_a_forged_forwarded_host_moves_nothing(self, seen):
        body = seen.get("/seen", headers={"X-Forwarded-Host": "evil.example"}).json
        assert body["host"] == "ntm.test"

    def test_the_client_address_is_the_one_the_proxy_saw(self, seen):
        # The client wrote the first address itself; the proxy appended what it saw.
        forwarded = {"X-Forwarded-For": "10.9.9.9, 203.0.113.7"}
        assert (
            seen.get("/seen", headers=forwarded, environ_base={"REMOTE_ADDR": "127.0.0.1"}).json["addr"]
            == "203.0.113.7"
        )


class TestDownloads:
    @pytest.fixture
    def download(self, app):
        app.add_url_rule(
            "/file", "file", lambda: send_file(io.BytesIO(b"a,b\n"), download_name="x.csv", as_attachment=True)
        )
        return "/file"

    def test_a_file_sent_to_a_signed_in_user_is_no_store(self, client, auth, session, areas, download):
        make_user(session, email="analyst@tinh.vn")
        session.commit()
        auth.login("analyst@tinh.vn")
        assert client.get(download).headers["Cache-Control"] == "no-store"

    def test_pages_of_signed_in_users_are_no_store_and_public_ones_no_cache(self, client, auth, session, areas):
        assert client.get("/").headers["Cache-Control"] == "no-cache"
        make_user(session, email="analyst@tinh.vn")
        session.commit()
        auth.login("analyst@tinh.vn")
        assert client.get("/dashboard").headers["Cache-Control"] == "no-store"


class TestEveryKindOfResponse:
    """The security headers are on pages, redirects, refusals, errors, files, JSON and static files."""

    @pytest.fixture
    def app_config(self):
        return {"HSTS_MAX_AGE": 600}

    @pytest.fixture
    def officer_browser(self, app, session, areas):
        from core.models import Role

        officer = make_user(session, role=Role.OFFICER, area_code="857")
        session.commit()
        browser = app.test_client()
        with browser.session_transaction() as cookie:
            cookie["_user_id"], cookie["_fresh"] = officer.get_id(), True
        app.add_url_rule(
            "/file", "file", lambda: send_file(io.BytesIO(b"a"), download_name="x.csv", as_attachment=True)
        )
        return browser

    @pytest.mark.parametrize(
        "method, path, status",
        [
            ("GET", "/", 200),
            ("GET", "/dashboard", 200),
            ("GET", "/lang/en", 302),
            ("GET", "/s/%00", 400),
            ("GET", "/admin/users", 403),
            ("GET", "/no-such-page", 404),
            ("POST", "/healthz", 405),
            ("GET", "/healthz", 200),
            ("GET", "/file", 200),
            ("GET", "/static/app.css", 200),
        ],
    )
    def test_every_kind_of_response_carries_the_headers(self, officer_browser, method, path, status):
        with officer_browser.open(path, method=method) as response:
            assert response.status_code == status
            headers = response.headers
            assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
            assert headers["X-Content-Type-Options"] == "nosniff"
            assert headers["X-Frame-Options"] == "DENY"
            assert headers["Referrer-Policy"] == "same-origin"
            assert headers["Strict-Transport-Security"] == "max-age=600; includeSubDomains"
            if path != "/static/app.css":
                assert headers["Cache-Control"] == "no-store"  # signed in: nothing kept by any cache
