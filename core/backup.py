"""Backups of the whole database into one file, and restoring one.

SQLite: its online backup API, a consistent copy taken while the site keeps writing.
PostgreSQL: ``pg_dump`` in its custom format, restored by ``pg_restore`` in a single
transaction (all or nothing). A backup is written to a private temporary file beside the
target and renamed only when complete, so a file under the target name is always whole.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import URL, Engine

from core.db import utc_now


class BackupError(RuntimeError):
    """A backup or restore that could not be done; nothing was changed. The message says why."""


@dataclass(frozen=True)
class BackupRecord:
    """One backup taken: where, when, how large."""

    path: str
    taken_at: datetime
    size: int


def backup_database(engine: Engine, target: Path) -> BackupRecord:
    """Copy the whole database behind ``engine`` into ``target``, which must not exist yet."""
    if target.exists():
        raise BackupError(f"{target} exists already; give a new file name (backups are never overwritten)")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} is not a directory")
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")  # mode 0600
    os.close(handle)
    try:
        if engine.dialect.name == "sqlite":
            _sqlite_copy(_sqlite_path(engine.url), Path(temporary))
        else:
            _run([_tool("pg_dump"), "--format=custom", f"--file={temporary}"], engine.url)
        os.replace(temporary, target)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return BackupRecord(path=str(target.resolve()), taken_at=utc_now(), size=target.stat().st_size)


def restore_database(engine: Engine, source: Path) -> None:
    """Replace the whole database behind ``engine`` with the backup ``source``, after checking it is one."""
    engine.dispose()  # no connection of this process keeps a table or a page locked
    if engine.dialect.name == "sqlite":
        _check_sqlite_backup(source)
        _sqlite_copy(source, _sqlite_path(engine.url))
        return
    listing = _run([_tool("pg_restore"), "--list", str(source)], engine.url)
    if " TABLE public alembic_version " not in listing:
        raise BackupError(f"{source} is not a backup of this platform's database (no alembic_version table)")
    _run([_tool("pg_restore"), "--clean", "--if-exists", "--single-transaction", "--exit-on-error",
          f"--dbname={engine.url.database}", str(source)], engine.url)


def record_backup(status_file: Path, record: BackupRecord) -> None:
    """Note the latest backup where /healthz reads it (replaced in one rename, never half written)."""
    status_file.parent.mkdir(parents=True, exist_ok=True)
    partial = status_file.with_name(status_file.name + ".partial")
    partial.write_text(json.dumps({"path": record.path, "taken_at": record.taken_at.isoformat(), "size": record.size}))
    os.replace(partial, status_file)


def last_backup(status_file: Path) -> BackupRecord | None:
    """The latest backup noted by ``record_backup``, or None when there is none (or the note is unreadable)."""
    try:
        note = json.loads(status_file.read_text())
        return BackupRecord(path=note["path"], taken_at=datetime.fromisoformat(note["taken_at"]), size=note["size"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _sqlite_path(url: URL) -> Path:
    if url.database in (None, "", ":memory:"):
        raise BackupError("an in-memory SQLite database has nothing to back up or restore")
    return Path(url.database)


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: readers and writers of ``source`` go on meanwhile (WAL)."""
    with closing(sqlite3.connect(source)) as origin, closing(sqlite3.connect(target)) as destination:
        origin.backup(destination)


def _check_sqlite_backup(source: Path) -> None:
    try:
        with closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as backup:
            intact = backup.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            ours = backup.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source} is not a SQLite database ({exc})") from None
    if not intact:
        raise BackupError(f"{source} is damaged (PRAGMA quick_check failed)")
    if ours is None:
        raise BackupError(f"{source} is not a backup of this platform's database (no alembic_version table)")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools of the server's version")
    return path


def _run(command: list[str], url: URL) -> str:
    """Run a PostgreSQL client tool on ``url``; the password goes in its environment, never its arguments."""
    settings = {"PGHOST": url.host, "PGPORT": url.port, "PGUSER": url.username, "PGPASSWORD": url.password,
                "PGDATABASE": url.database}
    env = os.environ | {name: str(value) for name, value in settings.items() if value is not None}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip() or done.returncode}")
    return done.stdout
