"""Command line: ``flask --app wsgi feedback list|export``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from core.db import get_session, utc_now
from feedback.exports import write_docx, write_synthesis_xlsx
from feedback.services.documents import all_documents, find_document
from feedback.services.moderation import forget_contacts
from feedback.services.synthesis import load_synthesis

feedback_cli = AppGroup("feedback", help="Draft reports open to comments.")


@feedback_cli.command("list")
def list_documents() -> None:
    """Print every draft with its code, area and versions."""
    for document in all_documents(get_session()):
        versions = ", ".join(f"{v.number}:{v.status.value}" for v in document.versions) or "-"
        click.echo(f"{document.code}\t{document.area.code}\t{versions}\t{document.title}")


@feedback_cli.command("forget-contacts")
@click.option("--older-than-days", type=click.IntRange(min=0), help="Default: FEEDBACK_RETENTION_DAYS.")
def forget_contacts_command(older_than_days: int | None) -> None:
    """Erase residents' contacts and client hashes on comments whose window has closed."""
    if older_than_days is None:  # the period the privacy notice promises
        older_than_days = current_app.config["FEEDBACK_RETENTION_DAYS"]
    session = get_session()
    count = forget_contacts(session, created_before=utc_now() - timedelta(days=older_than_days))
    session.commit()
    click.echo(f"erased contact details of {count} comments")


@feedback_cli.command("export")
@click.argument("code")
@click.argument("output", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--version", "version", type=int, help="Only this version number.")
@click.option("--type", "commenter_type", help="Only this commenter type (resident, mttq, ...).")
def export_command(code: str, output: Path, version: int | None, commenter_type: str | None) -> None:
    """Write the synthesis table to OUTPUT (.docx or .xlsx)."""
    session = get_session()
    document = find_document(session, code)
    if document is None:
        raise click.ClickException(f"no document with code {code!r}")
    if output.suffix not in (".docx", ".xlsx"):
        raise click.ClickException("OUTPUT must end in .docx or .xlsx")
    table = load_synthesis(session, document, version=version, commenter_type=commenter_type)
    with output.open("wb") as out:
        (write_docx if output.suffix == ".docx" else write_synthesis_xlsx)(table, out)
    click.echo(f"{output}: {len(table.rows)} comments")
