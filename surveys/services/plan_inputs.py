"""The survey's answers and population figures as the command line's input files, and the run of a plan on them.

The indices page computes from exactly these tables, and the data download writes them as the files
``python -m analysis --plan plan.json --responses responses.csv …`` reads, so both give the same numbers.

Design weights (``design_weight`` column), one source for the whole survey so communes stay comparable:
the adult population of each answering hamlet, else its households, ÷ the hamlet's respondents; else the
commune's population ÷ its respondents; else none (every respondent weighs 1); the survey's own hamlet
figures, when loaded, come first. Calibration: the survey's own per-commune margins or cells; without
them, the survey's province-wide shares (the margins page) scaled to each commune's total design weight,
an explicit and labelled fallback.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import pandas as pd
from flask_babel import lazy_gettext as _l

import analysis
from surveys.models import SurveyArea

if TYPE_CHECKING:  # indices imports this module
    from surveys.services.indices import RatingData

# Where the design weights came from, for the page's notes.
WEIGHT_SOURCES = {
    "survey_hamlets": _l("dân số (hoặc số hộ) của ấp đã nạp cho phiếu này ÷ số người trả lời của ấp"),
    "hamlet_population": _l("dân số của ấp ÷ số người trả lời của ấp"),
    "hamlet_households": _l("số hộ của ấp ÷ số người trả lời của ấp"),
    "commune_population": _l("dân số của xã ÷ số người trả lời của xã"),
    "none": _l("chưa có số liệu dân số: mọi người trả lời có trọng số bằng 1"),
}


@dataclass(frozen=True)
class PlanInputs:
    """The tables ``analysis.run_plan`` reads, and how the plan had to be adapted to them."""

    plan: analysis.AnalysisPlan  # the plan as run: a calibration without population figures becomes "none"
    responses: pd.DataFrame
    items: list[str]
    margins: pd.DataFrame | None
    cells: pd.DataFrame | None
    weight_source: str
    margins_fallback: bool  # margins scaled from the province-wide shares
    calibration_dropped: bool  # the saved plan asked for a calibration the data cannot support


def plan_inputs(
    plan: analysis.AnalysisPlan, data: RatingData, links: Sequence[SurveyArea],
    population: Mapping[str, tuple[int, pd.DataFrame]] | None = None,
) -> PlanInputs:
    """The responses with their design weights, the population figures, and the plan as it can run on them.

    ``population`` is the survey's own figures (``surveys.services.population.current_population``).
    """
    population = population or {}
    responses = data.frame.copy()
    source, weights = _design_weights(responses, links, population.get("hamlets"))
    if weights is not None:
        responses["design_weight"] = weights
    communes = set(responses["commune"])
    margins = cells = None
    if plan.calibration == "rake" and "margins" in population:
        margins = _of_communes(population["margins"][1], communes)
    elif plan.calibration == "rake":
        margins = _fallback_margins(responses, data.margins)
    elif plan.calibration == "poststratify" and "cells" in population:
        cells = _of_communes(population["cells"][1], communes)
    dropped = plan.calibration != "none" and margins is None and cells is None
    run = replace(plan, calibration="none") if dropped else plan
    return PlanInputs(plan=run, responses=responses, items=list(data.items), margins=margins, cells=cells,
                      weight_source=source, margins_fallback=margins is not None and "margins" not in population,
                      calibration_dropped=dropped)


def _of_communes(table: pd.DataFrame, communes: set[str]) -> pd.DataFrame:
    """The rows of the communes in the viewer's scope (a scope of some communes calibrates only those)."""
    return table[table["commune"].isin(communes)].reset_index(drop=True)


def run_inputs(inputs: PlanInputs) -> pd.DataFrame:
    """The long table of ``analysis.run_plan`` (the table the CLI writes)."""
    return analysis.run_plan(inputs.plan, inputs.responses, inputs.items, margins=inputs.margins,
                             cells=inputs.cells).table


def _design_weights(
    responses: pd.DataFrame, links: Sequence[SurveyArea], survey_hamlets: tuple[int, pd.DataFrame] | None
) -> tuple[str, pd.Series | None]:
    """The first source that covers every respondent, and the weights it gives."""
    hamlets = {(link.area.code, h.code): h for link in links for h in link.area.children}
    communes = {link.area.code: link.area for link in links}
    keys = list(zip(responses["commune"], responses["hamlet"], strict=True))
    per_hamlet = responses.groupby(["commune", "hamlet"])["id"].transform("size")
    per_commune = responses.groupby("commune")["id"].transform("size")
    own = {} if survey_hamlets is None else {
        (row.commune, row.hamlet): row.population for row in survey_hamlets[1].itertuples()
    }
    for source, figure, counts in (
        ("survey_hamlets", [own.get(k) for k in keys], per_hamlet),
        ("hamlet_population", [getattr(hamlets.get(k), "population", None) for k in keys], per_hamlet),
        ("hamlet_households", [getattr(hamlets.get(k), "households", None) for k in keys], per_hamlet),
        ("commune_population", [getattr(communes.get(c), "population", None) for c in responses["commune"]],
         per_commune),
    ):
        if len(responses) and all(value for value in figure):
            return source, pd.Series(figure, index=responses.index, dtype="float64") / counts
    return "none", None


def _fallback_margins(responses: pd.DataFrame, shares: dict[str, dict[str, float]]) -> pd.DataFrame | None:
    """The province-wide shares as per-commune counts adding up to each commune's total design weight."""
    variables = {v: s for v, s in shares.items() if v in responses.columns}
    if not variables or responses.empty:
        return None
    weight = responses["design_weight"] if "design_weight" in responses else pd.Series(1.0, index=responses.index)
    totals = weight.groupby(responses["commune"]).sum()
    rows = [
        (commune, variable, level, share / sum(levels.values()) * total)
        for commune, total in totals.items()
        for variable, levels in variables.items()
        for level, share in levels.items()
    ]
    return pd.DataFrame(rows, columns=["commune", "variable", "level", "count"])


def inputs_zip(inputs: PlanInputs) -> bytes:
    """plan.json, its method paragraph, responses.csv (and margins.csv or cells.csv) and the command
    that reproduces the page, as one ZIP."""
    command = ["python -m analysis --plan plan.json --responses responses.csv",
               f"--items {','.join(inputs.items)}"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("plan.json", analysis.dump_plan(inputs.plan))
        archive.writestr("method.txt", "\n\n".join(analysis.describe_plan(inputs.plan, lang) for lang in ("vi", "en")))
        archive.writestr("responses.csv", inputs.responses.to_csv(index=False))
        for name, table in (("margins", inputs.margins), ("cells", inputs.cells)):
            if table is not None:
                archive.writestr(f"{name}.csv", table.to_csv(index=False))
                command.append(f"--{name} {name}.csv")
        archive.writestr("README.txt", " \\\n    ".join([*command, "--out indices.csv"]) + "\n")
    return buffer.getvalue()
