"""``flask --app wsgi surveys ...``: retention and population margins."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import click
from flask.cli import AppGroup

from core.db import get_session
from surveys.models import Survey
from surveys.services import purge_client_hashes

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
    """Load population shares (columns variable,category,share) for the fieldwork monitor."""
    session = get_session()
    survey = session.get(Survey, survey_id)
    if survey is None:
        raise click.ClickException(f"no survey {survey_id}")
    margins: dict[str, dict[str, float]] = {}
    for number, row in enumerate(csv.DictReader(io.StringIO(csv_file.read_text("utf-8-sig"))), 2):
        try:
            variable, category, share = row["variable"], row["category"], float(row["share"])
        except (KeyError, TypeError, ValueError):
            raise click.ClickException(f"{csv_file}:{number}: need variable,category,share") from None
        if variable not in ("sex", "age_group") or not 0 <= share <= 1:
            raise click.ClickException(f"{csv_file}:{number}: variable sex|age_group, share 0..1")
        margins.setdefault(variable, {})[category] = share
    survey.margins = margins
    session.commit()
    click.echo(f"margins loaded for survey {survey_id}: {', '.join(sorted(margins))}")
