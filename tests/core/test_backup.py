"""Backup and restore: backup, change, restore gives back exactly the data backed up.

On SQLite always; on PostgreSQL when the suite runs there (DATABASE_URL) and pg_dump exists.
"""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from core import create_app
from core.backup import BackupRecord, record_backup
from core.db import Base, import_models, utc_now
from core.models import Area, User
from tests.factories import build_area_tree, make_user


@pytest.fixture
def site(live_database_url, tmp_path):
    """The app on a fresh, migrated database whose commits are real (SQLite, or PostgreSQL beside the suite's)."""
    if live_database_url.startswith("postgresql") and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump and pg_restore are not installed")
    app = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URL": live_database_url,
        "BACKUP_STATUS_FILE": str(tmp_path / "status" / "last-backup.json"),
    })
    yield app
    app.extensions["db"].engine.dispose()


def every_row(app) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    import_models()
    with app.extensions["db"].engine.connect() as connection:
        return {
            table.name: [tuple(row) for row in connection.execute(table.select().order_by(*table.primary_key.columns))]
            for table in Base.metadata.sorted_tables
        }


def fill(app) -> None:
    with app.app_context():
        session = app.extensions["db"].sessionmaker()
        build_area_tree(session)
        make_user(session, email="admin@tinh.vn", full_name="Nguyễn Văn A")
        session.commit()
        session.close()


def test_backup_change_restore_gives_back_identical_data(site, tmp_path):
    fill(site)
    before = every_row(site)
    runner = site.test_cli_runner()
    backup = tmp_path / "ntm-backup.dump"
    result = runner.invoke(args=["backup", str(backup)])
    assert result.exit_code == 0, result.output
    assert backup.stat().st_size > 0 and backup.stat().st_mode & 0o077 == 0  # personal data: owner only

    with site.app_context():
        session = site.extensions["db"].sessionmaker()
        session.scalar(select(User)).full_name = "changed after the backup"
        session.add(Area(code="99999", name="Xã mới", unit_type="xa", level="commune", valid_from=utc_now().date()))
        session.commit()
        session.close()
    assert every_row(site) != before

    result = runner.invoke(args=["restore", "--yes", str(backup)])
    assert result.exit_code == 0, result.output
    assert every_row(site) == before


def test_a_backup_never_overwrites_a_file(site, tmp_path):
    existing = tmp_path / "kept.dump"
    existing.write_bytes(b"an older backup")
    result = site.test_cli_runner().invoke(args=["backup", str(existing)])
    assert result.exit_code == 2
    assert "exists already" in result.output
    assert existing.read_bytes() == b"an older backup"


@pytest.mark.parametrize("content", [b"", b"not a backup at all", b"PGDMP\x01\x0e\x00 damaged"])
def test_a_file_that_is_not_a_backup_is_refused_and_nothing_changes(site, tmp_path, content):
    fill(site)
    before = every_row(site)
    bogus = tmp_path / "bogus.dump"
    bogus.write_bytes(content)
    result = site.test_cli_runner().invoke(args=["restore", "--yes", str(bogus)])
    assert result.exit_code == 2
    assert "refused, nothing changed" in result.output
    assert every_row(site) == before


def test_restore_asks_before_replacing_the_database(site, tmp_path):
    fill(site)
    backup = tmp_path / "b.dump"
    site.test_cli_runner().invoke(args=["backup", str(backup)])
    result = site.test_cli_runner().invoke(args=["restore", str(backup)], input="n\n")
    assert result.exit_code == 1
    assert "Replace every row" in result.output


def test_healthz_reports_the_age_of_the_last_backup(site, tmp_path):
    client = site.test_client()
    assert client.get("/healthz").json["backup_age_seconds"] is None
    site.test_cli_runner().invoke(args=["backup", str(tmp_path / "b.dump")])
    assert 0 <= client.get("/healthz").json["backup_age_seconds"] < 60
    status = Path(site.config["BACKUP_STATUS_FILE"])
    record_backup(status, BackupRecord(path="/x", taken_at=utc_now() - timedelta(days=2), size=1))
    assert 2 * 86400 <= client.get("/healthz").json["backup_age_seconds"] < 2 * 86400 + 60
    assert json.loads(status.read_text())["path"] == "/x"


def test_an_unreadable_status_note_reads_as_no_backup(site):
    status = Path(site.config["BACKUP_STATUS_FILE"])
    status.parent.mkdir(parents=True, exist_ok=True)
    status.write_text("{not json")
    assert site.test_client().get("/healthz").json["backup_age_seconds"] is None
