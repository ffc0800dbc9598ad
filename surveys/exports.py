"""Raw responses and the codebook as rows, streamed from the database in chunks; the indices workbook."""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from core.models import Area
from core.spreadsheets import write_xlsx
from surveys.models import Response, Survey, SurveyArea, SurveyVersion
from surveys.respond.answers import value_labels

FIXED_COLUMNS = (
    "response_id", "version", "commune_code", "commune", "hamlet_code", "channel", "serial",
    "submitted_at", "possible_duplicate", "duplicate_review",
)
CHUNK = 1000


def question_codes(survey: Survey) -> list[str]:
    """Every question code over all versions, in the latest version's order first."""
    codes: list[str] = []
    for version in reversed(survey.versions):
        codes += [q.code for q in version.questions if q.code not in codes]
    return codes


def export_header(survey: Survey) -> list[str]:
    """Column names of the raw export."""
    return [*FIXED_COLUMNS, *question_codes(survey)]


def iter_export_rows(
    session: Session, survey_id: int, codes: Sequence[str], commune_ids: Sequence[int], *, counted_only: bool = False
) -> Iterator[list[Any]]:
    """One row per response of the given communes; memory stays flat (server-side chunks).

    Takes plain values, not ORM objects, so it can run after the view returned (streaming).
    The raw export keeps every response with its review status; ``counted_only`` leaves out
    the duplicates a reviewer excluded, for the numbers computed from these rows.
    """
    commune, hamlet = aliased(Area), aliased(Area)
    stmt = (
        select(
            Response.id, SurveyVersion.number, commune.code, commune.name, hamlet.code,
            Response.channel, Response.serial, Response.submitted_at, Response.is_possible_duplicate,
            Response.duplicate_review, Response.answers,
        )
        .join(SurveyVersion, Response.version_id == SurveyVersion.id)
        .join(commune, Response.commune_id == commune.id)
        .outerjoin(hamlet, Response.hamlet_id == hamlet.id)
        .where(Response.survey_id == survey_id, Response.commune_id.in_(commune_ids))
        .order_by(Response.id)
        .execution_options(yield_per=CHUNK)
    )
    if counted_only:
        stmt = stmt.where(Response.is_counted)
    for row in session.execute(stmt):
        answers = row[10]
        yield [
            row[0], row[1], row[2], row[3], row[4], row[5].value, row[6], row[7].isoformat(timespec="seconds"),
            int(row[8]), row[9].value if row[9] else None, *(answers.get(code) for code in codes),
        ]


CODEBOOK_HEADER = ("version", "code", "section", "text", "type", "required", "criterion", "weighting", "values")


def codebook_rows(survey: Survey, links: Sequence[SurveyArea]) -> list[list[Any]]:
    """Question codes, texts and value labels of every version (small: built at once)."""
    return list(_iter_codebook(survey, links))


def _iter_codebook(survey: Survey, links: Sequence[SurveyArea]) -> Iterator[list[Any]]:
    for version in survey.versions:
        for q in version.questions:
            if q.weighting_role is not None and q.weighting_role.value == "hamlet":
                labels = "; ".join(f"{h.code}={link.area.name}/{h.name}" for link in links for h in link.area.children)
            else:
                labels = "; ".join(f"{k}={v}" for k, v in value_labels(q, links[0].area if links else None).items())
            yield [
                version.number, q.code, q.section.title, q.text, q.type.value, int(q.required),
                f"{q.criterion.number}. {q.criterion.name}" if q.criterion else "",
                q.weighting_role.value if q.weighting_role else "", labels,
            ]


def indices_workbook(table: pd.DataFrame, plan_label: str, method: str, notes: Sequence[str]) -> bytes:
    """The indices' long table and, on a second sheet, the plan that made it and its method paragraph.

    Written through core.spreadsheets, so formulas are neutralised and XML-illegal text is cleaned."""
    buffer = io.BytesIO()
    about = [[line] for line in (plan_label, method, *notes)]
    write_xlsx([("indices", *table_rows(table)), ("method", ["plan"], about)], buffer)
    return buffer.getvalue()
def table_rows(table: Any) -> tuple[list[str], Iterator[list[Any]]]:
    """Header and rows of an analysis table (a pandas DataFrame) for core.spreadsheets' writers.

    Missing values become empty cells (openpyxl would write NaN, which Excel refuses), NumPy scalars
    plain Python numbers.
    """
    def plain(value: Any) -> Any:
        value = value.item() if hasattr(value, "item") else value
        return None if isinstance(value, float) and math.isnan(value) else value

    rows = table.itertuples(index=False, name=None)
    return [str(c) for c in table.columns], ([plain(v) for v in row] for row in rows)
