"""Command line: ``python -m analysis --responses FILE ... --out FILE``.

Everything is read, validated and computed in memory first; the output files are then written to
temporary files beside their targets and renamed, so a failed run writes nothing. Bad files or
options print one message naming the file, line and column and exit with status 2.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile

import pandas as pd

from .api import compute_indices
from .data import (
    InputError,
    read_table,
    validate_cells,
    validate_hamlet_population,
    validate_margins,
)
from .exports import write_table
from .reliability import cronbach_alpha, fit_drivers
from .thresholds import DEFAULT_RULES, parse_rule
from .weights import WeightingError

__all__ = ["main"]

FORMATS = {".csv": "csv", ".xlsx": "xlsx"}


class UsageError(Exception):
    """A bad option; reported as one line with exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line instead of usage + error
        raise UsageError(f"{self.prog}: {message} (see --help)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m analysis``."""
    p = _Parser(
        prog="python -m analysis",
        description="Weighted satisfaction indices per commune, district and overall, with "
        "linearized standard errors matching R's survey package.",
    )
    p.add_argument(
        "--responses",
        required=True,
        metavar="FILE",
        help="responses CSV/XLSX, one row per respondent",
    )
    pop = p.add_mutually_exclusive_group()
    pop.add_argument(
        "--cells", metavar="FILE", help="population cells: commune, <variables...>, count"
    )
    pop.add_argument(
        "--margins", metavar="FILE", help="population margins: commune, variable, level, count"
    )
    p.add_argument(
        "--item-weights", metavar="FILE", help="item, weight[, group] for the weighted composite"
    )
    p.add_argument(
        "--hamlet-population",
        metavar="FILE",
        help="commune, hamlet, population: design weight = hamlet population ÷ hamlet sample",
    )
    p.add_argument("--design", required=True, choices=["stratified", "clustered"])
    p.add_argument("--weighting", required=True, choices=["none", "poststratify", "rake"])
    p.add_argument(
        "--design-weights",
        default="auto",
        choices=["auto", "one", "given", "hamlet"],
        help="auto: the design_weight column if present, else hamlet populations if given, else 1",
    )
    p.add_argument(
        "--items", help="comma-separated item columns (default: every non-reserved column)"
    )
    p.add_argument("--out", required=True, metavar="FILE", help="long table, .csv or .xlsx")
    p.add_argument(
        "--weights-out", metavar="FILE", help="also write one row per respondent with its weight"
    )
    p.add_argument(
        "--reliability-out",
        metavar="FILE",
        help="also write Cronbach's alpha and item-total correlations",
    )
    p.add_argument(
        "--diagnostics-out",
        metavar="FILE",
        help="also write weight diagnostics per commune (min, max, ratio, Kish n_eff, deff_w)",
    )
    p.add_argument(
        "--drivers-out",
        metavar="FILE",
        help="also write a weighted ordinal-logit model of --outcome on the items",
    )
    p.add_argument(
        "--outcome", metavar="COLUMN", help="overall satisfaction column for --drivers-out"
    )
    p.add_argument(
        "--satisfied-min", type=int, default=4, help="answers ≥ this are satisfied (default 4)"
    )
    p.add_argument(
        "--dissatisfied-max",
        type=int,
        default=2,
        help="answers ≤ this are dissatisfied (default 2)",
    )
    p.add_argument("--scale-max", type=int, default=5, help="highest answer code (default 5)")
    p.add_argument("--conf-level", type=float, default=0.95)
    p.add_argument(
        "--ci",
        default="logit",
        choices=["logit", "t", "normal"],
        help="logit: logit-t for shares and t for means (default); t; normal",
    )
    p.add_argument(
        "--target",
        action="append",
        default=None,
        metavar="LEVEL:MEASURE:VALUE[:ITEM]",
        help="pass/fail target judged on the CI bound, e.g. commune:prop_sat:0.8 (repeatable; "
        "replaces the defaults commune:prop_sat:0.8 and district:prop_sat:0.9)",
    )
    p.add_argument(
        "--min-n-eff",
        type=float,
        default=30.0,
        help="flag areas whose Kish effective n is below this",
    )
    p.add_argument(
        "--trim",
        metavar="LOW,HIGH",
        help="bounds on weight ÷ commune mean weight, then re-calibrate",
    )
    p.add_argument(
        "--epsilon", type=float, default=1e-12, help="raking tolerance relative to Σ weights"
    )
    p.add_argument("--max-iter", type=int, default=1000, help="raking iteration cap")
    return p


def _format(path: str, option: str) -> str:
    fmt = FORMATS.get(os.path.splitext(path)[1].lower())
    if fmt is None:
        raise UsageError(f"{option} {path}: use a .csv or .xlsx file name")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise UsageError(f"{option} {path}: directory {directory} does not exist")
    return fmt


def _serialise(table: pd.DataFrame, fmt: str) -> bytes:
    if fmt == "csv":
        buf = io.StringIO()
        write_table(table, buf, "csv")
        return buf.getvalue().encode("utf-8")
    buf = io.BytesIO()
    write_table(table, buf, "xlsx")
    return buf.getvalue()


def _commit(outputs: list[tuple[str, bytes]]) -> None:
    """Write every output to a temporary file first, then rename them all into place."""
    staged = []
    try:
        for path, payload in outputs:
            fd, tmp = tempfile.mkstemp(
                prefix=".analysis-", dir=os.path.dirname(os.path.abspath(path))
            )
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
            staged.append((tmp, path))
        for tmp, path in staged:
            os.replace(tmp, path)
    finally:
        for tmp, _ in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)


def _locate(err: WeightingError, tables: dict[str, tuple[str, pd.DataFrame]]) -> str:
    """Prefix a weighting error with the file and line it points at, when one can be found."""
    pairs = []
    for part in (err.cell or "").split(", "):
        if "=" in part:
            pairs.append(tuple(part.split("=", 1)))
    for role in ("population", "responses"):
        if role not in tables:
            continue
        path, frame = tables[role]
        if err.commune is None or "commune" not in frame.columns:
            continue
        mask = frame["commune"].astype(str).str.strip() == str(err.commune)
        column = "commune"
        for var, level in pairs:
            if var in frame.columns:
                mask &= frame[var].astype(str).str.strip() == level
                column = var
            elif {"variable", "level"} <= set(frame.columns):
                mask &= (frame["variable"].astype(str).str.strip() == var) & (
                    frame["level"].astype(str).str.strip() == level
                )
                column = "level"
        hits = mask.to_numpy().nonzero()[0]
        if len(hits) and (role == "responses" or pairs or "totals" in str(err)):
            return f"{path}, line {hits[0] + 2}, column {column!r}: {err}"
    return f"{tables.get('population', tables['responses'])[0]}: {err}"


def run(argv=None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    outputs = [(args.out, _format(args.out, "--out"))]
    if args.drivers_out and not args.outcome:
        raise UsageError("--drivers-out needs --outcome COLUMN")
    for option in ("weights_out", "reliability_out", "drivers_out", "diagnostics_out"):
        if getattr(args, option):
            outputs.append(
                (
                    getattr(args, option),
                    _format(getattr(args, option), "--" + option.replace("_", "-")),
                )
            )
    if len({os.path.abspath(p) for p, _ in outputs}) != len(outputs):
        raise UsageError("output files must differ")
    if args.weighting == "poststratify" and not args.cells:
        raise UsageError("--weighting poststratify needs --cells FILE")
    if args.weighting == "rake" and not args.margins:
        raise UsageError("--weighting rake needs --margins FILE")
    if args.weighting == "none" and (args.cells or args.margins):
        raise UsageError("--cells/--margins given but --weighting is none")
    try:
        rules = tuple(parse_rule(t) for t in args.target) if args.target else DEFAULT_RULES
    except ValueError as exc:
        raise UsageError(f"--target: {exc}") from None
    trim = None
    if args.trim:
        try:
            trim = tuple(float(x) for x in args.trim.split(","))
            if len(trim) != 2 or not 0 <= trim[0] < 1 < trim[1]:
                raise ValueError
        except ValueError:
            raise UsageError(
                f"--trim {args.trim}: expected LOW,HIGH with 0 ≤ LOW < 1 < HIGH"
            ) from None

    responses = read_table(args.responses)
    tables = {"responses": (args.responses, responses)}
    cells = margins = hamlets = None
    if args.cells:
        cells = read_table(args.cells)
        tables["population"] = (args.cells, cells)
        cells, _ = validate_cells(cells, source=args.cells)
    if args.margins:
        margins = read_table(args.margins)
        tables["population"] = (args.margins, margins)
        margins, _ = validate_margins(margins, source=args.margins)
    if args.hamlet_population:
        hamlets = validate_hamlet_population(
            read_table(args.hamlet_population), source=args.hamlet_population
        )
    items = [i.strip() for i in args.items.split(",")] if args.items else None
    try:
        result = compute_indices(
            responses,
            items,
            design=args.design,
            weighting=args.weighting,
            cells=cells,
            margins=margins,
            item_weights=read_table(args.item_weights) if args.item_weights else None,
            design_weights_from=args.design_weights,
            hamlet_population=hamlets,
            satisfied_min=args.satisfied_min,
            dissatisfied_max=args.dissatisfied_max,
            conf_level=args.conf_level,
            ci=args.ci,
            epsilon=args.epsilon,
            max_iter=args.max_iter,
            trim=trim,
            thresholds=rules,
            min_n_eff=args.min_n_eff,
            scale_max=args.scale_max,
            sources={
                "responses": args.responses,
                "item_weights": args.item_weights or "<item weights>",
            },
        )
    except WeightingError as exc:
        raise UsageError(_locate(exc, tables)) from None
    payloads = [(args.out, _serialise(result.to_frame(), outputs[0][1]))]
    for path, fmt in outputs[1:]:
        if path == args.weights_out:
            table = result.weights_frame()
        elif path == args.diagnostics_out:
            table = result.weights.diagnostics
        elif path == args.reliability_out:
            table = _reliability_table(result)
        else:
            table = _drivers_table(result, args.outcome, args.responses)
        payloads.append((path, _serialise(table, fmt)))
    _commit(payloads)
    return 0


def _reliability_table(result) -> pd.DataFrame:
    resp = result.responses
    answers = pd.DataFrame(resp.codes.astype(float), columns=list(resp.items)).replace(
        0.0, float("nan")
    )
    alpha = cronbach_alpha(answers)
    table = alpha.items.copy()
    total = pd.DataFrame(
        {
            "item": ["ALL"],
            "raw_r": [float("nan")],
            "r_drop": [float("nan")],
            "alpha_if_dropped": [float("nan")],
        }
    )
    table = pd.concat([total, table], ignore_index=True)
    table.insert(1, "alpha", [alpha.alpha] + [float("nan")] * alpha.k)
    table.insert(2, "n_complete", alpha.n)
    return table


def _drivers_table(result, outcome: str, source: str) -> pd.DataFrame:
    frame = result.responses.frame
    if outcome not in frame.columns:
        raise InputError(f"missing column {outcome!r} (--outcome)", source=source, line=1)
    predictors = [i for i in result.responses.items if i != outcome]
    answers = pd.DataFrame(
        result.responses.codes.astype(float), columns=list(result.responses.items)
    )
    answers = answers.replace(0.0, float("nan"))
    answers[outcome] = pd.to_numeric(frame[outcome], errors="coerce").to_numpy()
    table = fit_drivers(answers, outcome, predictors, weights=result.weights.final)
    table["n"] = table.attrs["n"]
    table["converged"] = table.attrs["converged"]
    return table


def main(argv=None) -> int:
    """Entry point: run, turning input and option errors into one message and exit status 2."""
    try:
        return run(argv)
    except (UsageError, InputError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
