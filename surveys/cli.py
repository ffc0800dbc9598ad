"""``flask --app wsgi surveys ...``: retention and population margins."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click
from flask.cli import AppGroup

from core.db import get_session
from surveys.models import Survey
from surveys.respond.store import purge_client_hashes
from surveys.services.margins import load_margins
from surveys.services.paper import ImportRefused

surveys_cli = AppGroup("surveys", help="Resident satisfaction surveys.")


@surveys_cli.command("purge-client-hashes")
@click.option("--older-than", "days", type=click.IntRange(min=0), required=True, help="Age in days.")
def purge_client_hashes_command(days: int) -> None:
    """Forget the client hashes of responses older than DAYS (retention, Decree 13/2023)."""
    session = get_session()
    count = purge_client_hashes(session, timedelta(days=days))
    session.commit()
    click.echo(f"client hashes removed from {count} responses older than {days} days")


@surveys_cli.command("load-margins")
@click.argument("survey_id", type=int)
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_margins_command(survey_id: int, csv_file: Path) -> None:
    """Load population shares or counts (CSV or XLSX: variable,category,share|count) for monitor and weights."""
    session = get_session()
    survey = session.get(Survey, survey_id)
    if survey is None:
        raise click.ClickException(f"no survey {survey_id}")
    try:
        margins = load_margins(session, survey, None, csv_file.name, csv_file.read_bytes())
    except ImportRefused as exc:
        lines = (f"{csv_file}:{p.row}:{p.column}: {p.message}" for p in exc.problems)
        raise click.ClickException("\n".join(lines)) from None
    session.commit()
    click.echo(f"margins loaded for survey {survey_id}: {', '.join(sorted(margins))}")
