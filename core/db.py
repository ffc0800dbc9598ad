"""Database plumbing: declarative base, engine, one session per app context.

Features import ``Base``, ``get_session`` and ``utc_now`` from here and nothing else.
"""

from __future__ import annotations

import enum
import importlib
import json
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    Enum,
    MetaData,
    TypeDecorator,
    create_engine,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Every package whose models live in Base.metadata; Alembic and tests import them all.
MODEL_MODULES: tuple[str, ...] = ("core.models", "surveys.models", "feedback.models")


class Base(DeclarativeBase):
    """Declarative base with named constraints, so migrations are stable across databases."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def portable_enum(cls: type[enum.Enum], name: str) -> Enum:
    """A portable enum stored as its value in a VARCHAR with a CHECK constraint."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


# Ids are SQL integers: a larger one from a URL or a form would fail the query itself
# (out of range on PostgreSQL, an OverflowError in SQLite's driver) instead of finding nothing.
MAX_ID = 2**31 - 1


def parse_id(text: str) -> int | None:
    """A row id typed in a URL or form ("12"), or None for anything else ("²", "-1", "99999999999")."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and int(text) <= MAX_ID else None


def utc_now() -> datetime:
    """Timezone-aware now, used as a column default (called per row, never at import)."""
    return datetime.now(UTC)


def import_models() -> None:
    """Import every model module so that ``Base.metadata`` is complete."""
    for name in MODEL_MODULES:
        importlib.import_module(name)


def _configure_sqlite(engine: Engine) -> None:
    """Foreign keys on, WAL, a busy timeout and real SAVEPOINTs for SQLite.

    pysqlite opens transactions lazily and breaks SAVEPOINT; taking over BEGIN
    ourselves is SQLAlchemy's documented fix ("Serializable isolation / Savepoints").
    """

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN " + conn.get_execution_options().get("sqlite_begin", "DEFERRED"))


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the settings this platform relies on."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # JSON columns keep Vietnamese as text ("Đường xấu"), not as \u escapes, which would make
    # a comment several times longer and unreadable in the database. One encoder for all:
    # json.dumps builds a new one on each call given any option.
    kwargs.setdefault("json_serializer", json.JSONEncoder(ensure_ascii=False).encode)
    if url.startswith("sqlite"):
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    # No pool_pre_ping: it costs a round trip per request, paid again under load while the
    # database waits for a core. A connection the server dropped (restart, idle timeout)
    # fails one request instead, and SQLAlchemy then replaces every older connection of the
    # pool; the respondent form retries that failure itself (surveys.respond.views).
    return create_engine(url, **kwargs)


class Database:
    """The engine and session factory of one app, kept in ``app.extensions['db']``."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)


def init_app(app: Flask) -> None:
    """Build the engine from config and close the request's session on teardown."""
    app.extensions["db"] = Database(app.config["SQLALCHEMY_DATABASE_URL"])
    app.teardown_appcontext(close_session)


def get_session() -> Session:
    """The session of the current app context, opened on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["db"].sessionmaker()
    return g.db_session


def begin_write(session: Session) -> None:
    """Start the session's transaction as a writer: BEGIN IMMEDIATE on SQLite.

    On SQLite a transaction that reads and then writes fails at once with "database
    is locked" when another writer got in between; one that takes the write lock
    first waits for it (busy_timeout) instead. Call it before reading anything that
    a write depends on; what the session read earlier is discarded. PostgreSQL's
    row locks need nothing here.
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        session.rollback()
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


def begin_single_write(session: Session) -> None:
    """Start a request whose reads come first and whose only write is a single statement.

    SQLite: BEGIN IMMEDIATE, as ``begin_write``. PostgreSQL: no transaction, as ``begin_read``;
    the one statement is atomic on its own, and a READ COMMITTED transaction around the reads
    and it would isolate nothing more (each statement sees what was committed when it began),
    while costing a BEGIN and a COMMIT round trip. The respondent form's submission is such
    a request (``surveys.respond.store.store_response`` writes in one statement there).
    """
    if session.get_bind().dialect.name == "sqlite":
        begin_write(session)
    else:
        begin_read(session)


def begin_read(session: Session) -> None:
    """Let the session's next statements run outside a transaction: for a request that only reads.

    On PostgreSQL this saves the BEGIN and ROLLBACK round trips and, above all, keeps the
    connection's prepared statements: psycopg deallocates them all at every ROLLBACK, so a
    read-only page that ended with one made the next request plan its statements again
    (about 1 ms of server time for the respondent link query). SQLite runs in-process and
    keeps its own BEGIN handling (see ``_configure_sqlite``): nothing to do there.
    """
    bind = session.get_bind()
    # A session joined to an outer connection (the test suite's rolled-back transaction) stays in it.
    if bind.dialect.name == "sqlite" or isinstance(bind, Connection):
        return
    if session.in_transaction():
        session.rollback()
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def close_session(_exc: BaseException | None = None) -> None:
    """Close the context's session; anything not committed is rolled back."""
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


class UtcDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every database.

    SQLite has no time zones and hands back naive values; this type stores UTC
    and always returns aware datetimes, so comparisons never mix the two kinds.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
