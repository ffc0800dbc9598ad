"""Alembic environment: URL from config.py, metadata from every feature's models."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context

from config import load_config
from core.db import Base, UtcDateTime, import_models, make_engine

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

import_models()
target_metadata = Base.metadata


def database_url() -> str:
    """An explicit sqlalchemy.url (tests) wins over the environment's configuration."""
    return config.get_main_option("sqlalchemy.url") or load_config().SQLALCHEMY_DATABASE_URL


def render_item(type_: str, obj: object, _autogen_context: object) -> str | bool:
    """Render project column types as plain SQLAlchemy ones, so revisions never import app code."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline() -> None:
    """Emit SQL to standard output instead of running it."""
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against the database; SQLite gets batch mode so ALTERs work there too."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(database_url())
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()  # also when a migration fails: its pooled connection would stay open


def _run(connection) -> None:  # noqa: ANN001 - alembic's connection type
    sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=sqlite,
        compare_type=True,
        render_item=render_item,
    )
    if sqlite:
        # Batch mode rebuilds a table (copy, drop, rename); with foreign keys on, dropping a
        # table that other rows refer to fails. SQLite's own ALTER TABLE procedure switches
        # them off outside the transaction and checks every reference before committing.
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
    try:
        with context.begin_transaction():
            context.run_migrations()
            if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                raise RuntimeError("the migration left rows that refer to missing rows (PRAGMA foreign_key_check)")
    finally:
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
