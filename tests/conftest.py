"""Shared fixtures: a migrated database, an app per test, a rolled-back transaction per test.

The suite runs on SQLite by default and on PostgreSQL when DATABASE_URL points at
one (.ci/run does both). The schema always comes from the Alembic migrations.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, make_url
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from core import create_app, translation_dirs
from core.db import make_engine
from core.i18n import compile_catalogs
from tests.factories import DEFAULT_PASSWORD, build_area_tree

PROJECT_DIR = Path(__file__).resolve().parent.parent


def alembic_config(url: str) -> AlembicConfig:
    """Alembic's configuration pointed at ``url`` (without touching logging)."""
    config = AlembicConfig(str(PROJECT_DIR / "migrations" / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """DATABASE_URL when set (a database the run may fill), else a fresh SQLite file."""
    return (
        os.environ.get("DATABASE_URL")
        or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    )


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """The test database, migrated to head once per run."""
    compile_catalogs(translation_dirs())
    command.upgrade(alembic_config(database_url), "head")
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """One connection and outer transaction per test, rolled back afterwards."""
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Per-module overrides; a test module redefines this fixture to change settings."""
    return {}


@pytest.fixture
def app(connection: Connection, database_url: str, app_config: dict[str, Any]) -> Iterator[Flask]:
    """The app with its sessions joined to the test's transaction.

    CSRF and rate limits are off unless a module's ``app_config`` turns them on:
    the tests that prove them do, the others are about something else.
    """
    settings = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URL": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": "ntm.test",
    } | app_config
    app = create_app(settings)
    # SQLAlchemy's "join a session into an external transaction" recipe: the
    # views' commits become savepoint releases inside the test's transaction.
    app.extensions["db"].sessionmaker.configure(
        bind=connection, join_transaction_mode="create_savepoint"
    )
    yield app
    app.extensions["db"].engine.dispose()  # a test that used the engine itself leaves no open connection


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session on the test's transaction, for arranging data and checking results.

    No app context stays pushed: the test client's requests must each get their own.
    """
    db_session = app.extensions["db"].sessionmaker()
    yield db_session
    db_session.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser without JavaScript."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    """Runs the app's CLI commands."""
    return app.test_cli_runner()


@pytest.fixture
def areas(session: Session) -> dict[str, Any]:
    """A small province: 2 districts, 3 communes, 4 hamlets (see factories.build_area_tree)."""
    tree = build_area_tree(session)
    session.commit()
    return tree


class AuthActions:
    """Sign in and out through the real forms."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, email: str, password: str = DEFAULT_PASSWORD) -> Any:
        return self._client.post("/auth/login", data={"email": email, "password": password})

    def logout(self) -> Any:
        return self._client.post("/auth/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    """Sign-in helper bound to ``client``."""
    return AuthActions(client)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class LiveServer:
    """The app served over real HTTP on loopback, with its own committed database."""

    url: str
    app: Flask

    def session(self) -> Session:
        """A session on the served database, for arranging data and checking results."""
        return self.app.extensions["db"].sessionmaker()


@pytest.fixture
def live_database_url(tmp_path: Path, database_url: str) -> Iterator[str]:
    """A fresh, migrated database whose commits are real: a SQLite file, or on PostgreSQL a new
    database beside DATABASE_URL's, dropped afterwards (the shared one must stay empty)."""
    if not database_url.startswith("postgresql"):
        url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
        command.upgrade(alembic_config(url), "head")
        yield url
        return
    name = f"live_{secrets.token_hex(6)}"
    admin = make_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    try:
        command.upgrade(alembic_config(url), "head")
        yield url
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


@pytest.fixture
def live_server(live_database_url: str) -> Iterator[LiveServer]:
    """Serve a fresh, migrated database (see ``live_database_url``) in a background thread."""
    url = live_database_url
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URL": url, "RATELIMIT_ENABLED": False})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    server.shutdown()
    thread.join(timeout=5)
    app.extensions["db"].engine.dispose()


@pytest.fixture
def browser() -> Iterator[Any]:
    """Debian's headless Chromium driven by Playwright (no downloaded browser)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (.ci/install-system.sh installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A page on a 360×740 phone viewport."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="vi-VN"
    )
    yield context.new_page()
    context.close()


@pytest.fixture
def phone_without_javascript(browser: Any) -> Iterator[Any]:
    """The same phone with JavaScript switched off."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
        java_script_enabled=False,
        locale="vi-VN",
    )
    yield context.new_page()
    context.close()
