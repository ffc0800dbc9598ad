"""Command-line tools: ``flask --app wsgi areas|users|seed-demo|backup|restore``."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import NoReturn

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.accounts import AccountError, create_user, list_stranded_scopes
from core.area_files import AreaImportError
from core.areas import import_areas, retire_areas
from core.backup import BackupError, backup_database, record_backup, restore_database
from core.crosswalk import import_crosswalk
from core.db import get_session, utc_now
from core.models import Role, User

areas_cli = AppGroup("areas", help="Administrative units.")
users_cli = AppGroup("users", help="Staff accounts.")

DemoSeeder = Callable[[Session], list[str]]
# Forgets personal data recorded before the cutoff; returns a line saying what it cleared.
Purger = Callable[[Session, datetime], str]


def add_demo_seeder(app: Flask, seeder: DemoSeeder, *, before_reform: bool = False) -> None:
    """Register a feature's demo data; it must be idempotent and return lines to print.

    ``before_reform``: the seeder records history on the 2019 units, so it runs before the
    2025 units are imported (on a first run the 2019 communes and hamlets are then still current).
    The others run last, on the units of today.
    """
    seeders = app.extensions.setdefault("demo_seeders", {"before_reform": [], "current": []})
    seeders["before_reform" if before_reform else "current"].append(seeder)


@areas_cli.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--valid-from", type=click.DateTime(["%Y-%m-%d"]), help="Start date of new units (YYYY-MM-DD).")
def import_areas_command(csv_file: Path, valid_from: datetime | None) -> None:
    """Import areas (and hamlets) from a CSV file; a bad file changes nothing."""
    text = _read_text(csv_file)
    session = get_session()
    try:
        report = import_areas(session, text, valid_from=valid_from.date() if valid_from else None)
    except AreaImportError as exc:
        _refuse(session, csv_file, exc)
    session.commit()
    ended = f", {len(report.retired)} ended on {valid_from.date()}" if valid_from else ""
    click.echo(
        f"{csv_file}: {len(report.created)} created, {len(report.updated)} updated, "
        f"{report.unchanged} unchanged{ended}"
    )


def _read_text(csv_file: Path) -> str:
    """The file as UTF-8 text; anything else is refused with exit code 2, as every bad input is."""
    try:
        return csv_file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        click.echo(f"{csv_file}: refused, not UTF-8 text (byte {exc.start}); nothing imported", err=True)
        sys.exit(2)


def _refuse(session: Session, csv_file: Path, exc: AreaImportError) -> NoReturn:
    session.rollback()
    click.echo(f"{csv_file}: refused, nothing imported:", err=True)
    for error in exc.errors:
        click.echo(f"  {csv_file}:{error}", err=True)
    sys.exit(2)


@areas_cli.command("crosswalk")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--new-date", type=click.DateTime(["%Y-%m-%d"]),
              help="Day the new units start (default: the day the current units with these codes started).")
@click.option("--old-date", type=click.DateTime(["%Y-%m-%d"]),
              help="Day on which the old units are looked up (default: the day before --new-date).")
def import_crosswalk_command(csv_file: Path, new_date: datetime | None, old_date: datetime | None) -> None:
    """Record which old units each new unit was made from; a bad file changes nothing."""
    text = _read_text(csv_file)
    session = get_session()
    try:
        report = import_crosswalk(
            session,
            text,
            new_date=new_date.date() if new_date else None,
            old_date=old_date.date() if old_date else None,
        )
    except AreaImportError as exc:
        _refuse(session, csv_file, exc)
    session.commit()
    click.echo(f"{csv_file}: {report.created} line(s) recorded, {report.unchanged} already known "
               f"(new units from {report.new_date})")
    if report.not_carried:
        click.echo(f"{len(report.not_carried)} old commune(s) not carried into any new unit "
                   "(add their lines to a crosswalk file when the province supplies them):")
        for area in report.not_carried:
            click.echo(f"  {area.code}\t{area.name}\tended {area.valid_to}")


@areas_cli.command("retire")
@click.argument("codes", nargs=-1, required=True)
@click.option("--on", "on", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day + 1 (YYYY-MM-DD).")
@click.option("--with-units-below", is_flag=True, help="End every current unit below them as well.")
def retire_areas_command(codes: tuple[str, ...], on: datetime, with_units_below: bool) -> None:
    """End the validity of merged or dissolved units; their history is kept."""
    session = get_session()
    try:
        retired = retire_areas(session, list(codes), on.date(), with_units_below=with_units_below)
    except AreaImportError as exc:
        session.rollback()
        for error in exc.errors:
            click.echo(f"refused: {error}", err=True)
        sys.exit(2)
    session.commit()
    click.echo(f"{len(retired)} unit(s) valid until {on.date()}")


@areas_cli.command("orphans")
def list_orphans_command() -> None:
    """List accounts and organisations rooted in a unit that has ended; an admin moves them."""
    stranded = list_stranded_scopes(get_session())
    for user in stranded.users:
        click.echo(f"user\t{user.email}\t{user.role.value}\t{user.area.code}\t{user.area.name}\t"
                   f"ended {user.area.valid_to}")
    for org in stranded.organisations:
        click.echo(f"organisation\t{org.name}\t{org.kind.value}\t{org.area.code}\t{org.area.name}\t"
                   f"ended {org.area.valid_to}")
    click.echo(f"{len(stranded.users)} account(s), {len(stranded.organisations)} organisation(s) to move "
               "(admin pages: /admin/users, /admin/organisations)")


def _read_password() -> str:
    """From the terminal (asked twice) or the first line of standard input."""
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != first:
            raise click.ClickException("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--area", "area_code", help="GSO code of the area the account is scoped to.")
@click.option("--organisation", "organisation_name", help="Name of the account's organisation.")
@click.option("--name", "full_name", default="", help="Full name.")
def create_user_command(
    email: str, role: str, area_code: str | None, organisation_name: str | None, full_name: str
) -> None:
    """Create an account; the password is read from standard input, never an argument."""
    password = _read_password()
    session = get_session()
    try:
        user = create_user(
            session,
            email,
            password,
            role,
            area_code=area_code,
            organisation_name=organisation_name,
            full_name=full_name,
        )
    except AccountError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from None
    session.commit()
    click.echo(f"created {user.role.value} {user.email}")


@users_cli.command("list")
def list_users_command() -> None:
    """Print every account with its role and scope."""
    for user in get_session().scalars(select(User).order_by(User.email)):
        scope = user.area.code if user.area else "-"
        state = "active" if user.is_active else "inactive"
        click.echo(f"{user.email}\t{user.role.value}\t{scope}\t{state}")


@click.command("compile-translations")
@with_appcontext
def compile_translations_command() -> None:
    """Compile the .po catalogs of every package into .mo files."""
    from core import PROJECT_DIR, translation_dirs
    from core.i18n import compile_catalogs

    for path in compile_catalogs(translation_dirs()):
        click.echo(f"compiled {path.relative_to(PROJECT_DIR)}")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load demo areas, accounts and content (safe to run again)."""
    from core.demo import seed_core, seed_reform_2025

    session = get_session()
    seeders = current_app.extensions.get("demo_seeders", {})
    lines = seed_core(session)
    for seeder in seeders.get("before_reform", []):
        lines += seeder(session)
    lines += seed_reform_2025(session)
    for seeder in seeders.get("current", []):
        lines += seeder(session)
    session.commit()
    for line in lines:
        click.echo(line)


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path) -> None:
    """Copy the whole database into FILE while the site runs (SQLite online backup; PostgreSQL pg_dump -Fc)."""
    try:
        record = backup_database(current_app.extensions["db"].engine, file)
    except BackupError as exc:
        click.echo(f"{file}: refused: {exc}", err=True)
        sys.exit(2)
    record_backup(Path(current_app.config["BACKUP_STATUS_FILE"]), record)
    click.echo(f"{file}: {record.size} bytes at {record.taken_at.isoformat(timespec='seconds')}")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the database without asking.")
@with_appcontext
def restore_command(file: Path, yes: bool) -> None:
    """Replace the whole database with the backup FILE; stop the site first (README: restore runbook)."""
    if not yes and not click.confirm(f"Replace every row of the database with {file}?"):
        sys.exit(1)
    try:
        restore_database(current_app.extensions["db"].engine, file)
    except BackupError as exc:
        click.echo(f"{file}: refused, nothing changed: {exc}", err=True)
        sys.exit(2)
    click.echo(f"restored {file}; now run: alembic -c migrations/alembic.ini upgrade head")


def add_purger(app: Flask, purger: Purger) -> None:
    """Register a feature's retention step for ``flask purge`` (client hashes, contacts...)."""
    app.extensions.setdefault("purgers", []).append(purger)


@click.command("purge")
@click.option("--older-than", "days", type=click.IntRange(min=0), required=True, help="Age in days.")
@with_appcontext
def purge_command(days: int) -> None:
    """Forget personal data older than DAYS in every feature (retention, Decree 13/2023); run it with the backups."""
    session = get_session()
    cutoff = utc_now() - timedelta(days=days)
    lines = [purger(session, cutoff) for purger in current_app.extensions.get("purgers", [])]
    session.commit()
    for line in lines:
        click.echo(line)
    # Throttle counters live in the rate limiter's storage under hashed keys and expire with their window.
    click.echo("throttle counters: hashed keys that expire by themselves with their rate-limit window")


def register_cli(app: Flask) -> None:
    """Attach the command groups to the app."""
    app.cli.add_command(areas_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(compile_translations_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(purge_command)
