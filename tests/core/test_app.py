"""The app factory, health check, security headers, languages and error pages."""

from __future__ import annotations

import pytest

from config import ConfigError, ProductionConfig
from core import create_app


def test_factory_takes_test_overrides(app):
    assert app.testing
    assert app.config["SERVER_NAME"] == "ntm.test"


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://localhost/x")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        ProductionConfig()


def test_production_refuses_a_short_secret_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "short")
    monkeypatch.setenv("DATABASE_URL", "postgresql://localhost/x")
    with pytest.raises(ConfigError, match="32 characters"):
        create_app("production")


def test_production_sets_secure_cookies(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql://localhost/x")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://ykien.vinhlong.gov.vn")
    app = create_app("production")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True


def test_healthz_reports_database_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok" and response.json["database"] == "ok"


def test_healthz_reports_unreachable_database(monkeypatch, tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URL": f"sqlite:///{tmp_path}/missing/x.db"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_every_response_carries_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Vary"] == "Accept-Language, Cookie"  # pages differ by language and by sign-in


def test_a_vary_header_a_view_set_keeps_its_own_values(app, client):
    app.add_url_rule("/by-encoding", "by_encoding", lambda: ("x", 200, {"Vary": "Accept-Encoding"}))
    vary = client.get("/by-encoding").headers["Vary"]
    assert {v.strip() for v in vary.split(",")} == {"Accept-Encoding", "Accept-Language", "Cookie"}


def test_a_security_or_cache_header_a_view_set_stands_once(app, client):
    own = {"Cache-Control": "max-age=60", "referrer-policy": "no-referrer"}
    app.add_url_rule("/own-headers", "own_headers", lambda: ("x", 200, own))
    headers = client.get("/own-headers").headers
    assert headers.getlist("Cache-Control") == ["max-age=60"]
    assert headers.getlist("Referrer-Policy") == ["no-referrer"]
    assert headers["X-Frame-Options"] == "DENY"


def test_session_cookie_is_httponly_and_samesite(client, areas, session):
    from tests.factories import make_user

    make_user(session, email="a@example.vn")
    session.commit()
    response = client.post("/auth/login", data={"email": "a@example.vn", "password": "correct horse battery"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_visitor_without_a_session_gets_no_session_cookie_and_a_forged_one_is_ignored(client):
    assert client.get("/").headers.get("Set-Cookie") is None
    client.set_cookie("session", '{"lang":"en"}.forged.signature', domain="ntm.test")
    assert '<html lang="vi">' in client.get("/").get_data(as_text=True)


def test_home_page_is_vietnamese_by_default(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="vi">' in page
    assert "Ý kiến của người dân" in page


def test_language_switch_to_english_and_back(client):
    client.get("/lang/en")
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Residents' views on building new rural areas" in page
    client.get("/lang/vi")
    assert "Ý kiến của người dân" in client.get("/").get_data(as_text=True)


def test_browser_language_is_honoured_until_the_user_chooses(client):
    page = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(as_text=True)
    assert '<html lang="en">' in page


def test_unknown_language_is_ignored(client):
    client.get("/lang/fr")
    assert '<html lang="vi">' in client.get("/").get_data(as_text=True)


def test_language_switch_never_redirects_off_site(client):
    response = client.get("/lang/en?next=//evil.example/")
    assert response.headers["Location"].endswith("/dashboard")


@pytest.mark.parametrize("language, heading", [("vi", "Không tìm thấy trang"), ("en", "Page not found")])
def test_friendly_404_in_both_languages(client, language, heading):
    client.get(f"/lang/{language}")
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert heading in response.get_data(as_text=True)


def test_unexpected_error_shows_calm_500_page(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/boom")
    def boom():
        raise RuntimeError("kaboom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Lỗi hệ thống" in response.get_data(as_text=True)
    assert "kaboom" not in response.get_data(as_text=True)


def test_sqlite_connections_enforce_foreign_keys_with_wal_and_a_busy_timeout(tmp_path):
    from core.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.sqlite3'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
    engine.dispose()


def test_rate_limits_are_shared_through_redis_when_configured(areas, database_url):
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).flushdb()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis server on 127.0.0.1:6379 (.ci/run starts one)")
    settings = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URL": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": url,
        "LOGIN_RATE_LIMIT": "2 per minute",
    }
    # Two app instances stand for two gunicorn workers: the second sees the first's counts.
    apps = [create_app(settings), create_app(settings)]
    first, second = (app.test_client() for app in apps)
    form = {"email": "someone@example.vn", "password": "wrong password"}
    assert first.post("/auth/login", data=form).status_code == 200
    assert first.post("/auth/login", data=form).status_code == 200
    assert second.post("/auth/login", data=form).status_code == 429
    redis.Redis.from_url(url).flushdb()
    for app in apps:
        app.extensions["db"].engine.dispose()


def test_pages_declare_an_empty_favicon_so_phones_make_no_extra_request(client):
    assert '<link rel="icon" href="data:,">' in client.get("/").get_data(as_text=True)


def test_an_error_carrying_its_own_response_keeps_it(app):
    from flask import Response, abort

    @app.route("/custom-429")
    def custom():
        abort(Response("kept answers", status=429))

    response = app.test_client().get("/custom-429")
    assert response.status_code == 429
    assert response.get_data(as_text=True) == "kept answers"


def test_begin_write_takes_sqlites_write_lock_up_front(tmp_path):
    import sqlite3

    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from core.db import begin_write, make_engine

    path = tmp_path / "lock.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    with Session(engine) as writer:
        begin_write(writer)
        # Nothing written yet, but the lock is held: another writer is refused at once.
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        writer.execute(text("INSERT INTO t VALUES (2)"))
        writer.commit()
    other.execute("BEGIN IMMEDIATE")  # released on commit
    other.execute("ROLLBACK")
    other.close()
    engine.dispose()
