"""Command line: ``python -m analysis --responses FILE ... --out FILE``.

Everything is read, validated and computed in memory first; the output files are then written to
temporary files beside their targets and renamed, so a failed run writes nothing. Bad files or
options print one message naming the file, line and column and exit with status 2.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile

import pandas as pd

from .api import run_plan
from .cli_parser import UsageError, build_parser
from .data import (
    InputError,
    read_table,
    validate_cells,
    validate_hamlet_counts,
    validate_hamlet_population,
    validate_margins,
)
from .exports import write_table
from .plan import (
    AnalysisPlan,
    LevelTarget,
    PlanError,
    dump_plan,
    load_plan,
    with_overrides,
)
from .reliability import cronbach_alpha, fit_drivers
from .thresholds import parse_rule
from .weights import WeightingError

__all__ = ["main"]

FORMATS = {".csv": "csv", ".xlsx": "xlsx"}


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


def _outputs(args) -> list[tuple[str, str]]:
    """(path, format) of every table to write, the main table first; refuses clashes."""
    outputs = [(args.out, _format(args.out, "--out"))]
    if args.drivers_out and not args.outcome:
        raise UsageError("--drivers-out needs --outcome COLUMN")
    for option in ("weights_out", "reliability_out", "drivers_out", "diagnostics_out"):
        if getattr(args, option):
            flag = "--" + option.replace("_", "-")
            outputs.append((getattr(args, option), _format(getattr(args, option), flag)))
    if args.plan_out:
        if not args.plan_out.lower().endswith(".json"):
            raise UsageError(f"--plan-out {args.plan_out}: use a .json file name")
        outputs.append((args.plan_out, "json"))
    if len({os.path.abspath(p) for p, _ in outputs}) != len(outputs):
        raise UsageError("output files must differ")
    return outputs


def _plan_from_args(args) -> AnalysisPlan:
    """The plan file's plan (or the defaults), changed by the options given on the command line."""
    if args.plan:
        try:
            with open(args.plan, encoding="utf-8") as fh:
                base = load_plan(fh.read(), source=args.plan)
        except OSError as exc:
            raise UsageError(f"--plan {args.plan}: {exc.strerror}") from None
        except (PlanError, UnicodeDecodeError) as exc:
            raise UsageError(f"--plan {exc}") from None
    elif args.design is None or args.weighting is None:
        raise UsageError("--design and --weighting are required without --plan FILE")
    else:
        base = AnalysisPlan(name="command line")
    try:
        targets = tuple(_level_target(parse_rule(t)) for t in args.target) if args.target else None
    except ValueError as exc:
        raise UsageError(f"--target: {exc}") from None
    try:
        return with_overrides(
            base,
            design_weights=args.design_weights,
            satisfied_min=args.satisfied_min,
            dissatisfied_max=args.dissatisfied_max,
            scale_max=args.scale_max,
            conf_level=args.conf_level,
            ci=args.ci,
            targets=targets,
            min_n_eff=args.min_n_eff,
            trim=_trim(args.trim),
            epsilon=args.epsilon,
            max_iter=args.max_iter,
            lonely_psu=args.lonely_psu,
            collapse=args.collapse,
            variance=args.variance,
            replicates=args.replicates,
            seed=args.seed,
        )
    except PlanError as exc:
        raise UsageError(str(exc)) from None


def _level_target(rule) -> LevelTarget:
    return LevelTarget(rule.level, rule.target, rule.measure, rule.item)


def _trim(text: str | None) -> tuple[float, float] | None:
    if not text:
        return None
    try:
        trim = tuple(float(x) for x in text.split(","))
        if len(trim) != 2 or not 0 <= trim[0] < 1 < trim[1]:
            raise ValueError
    except ValueError:
        raise UsageError(f"--trim {text}: expected LOW,HIGH with 0 ≤ LOW < 1 < HIGH") from None
    return trim


def _configurations(args, plan: AnalysisPlan) -> list[AnalysisPlan]:
    """One plan per --design × --weighting value (the plan's own when the option is absent)."""
    plans = [
        with_overrides(plan, design=design, calibration=weighting)
        for design in args.design or [plan.design]
        for weighting in args.weighting or [plan.calibration]
    ]
    side = ("weights_out", "reliability_out", "drivers_out", "diagnostics_out", "plan_out")
    if len(plans) > 1 and any(getattr(args, option) for option in side):
        raise UsageError("--weights-out, --reliability-out, --drivers-out, --diagnostics-out and --plan-out "
                         "need a single --design and --weighting")
    calibrations = {p.calibration for p in plans}
    if "poststratify" in calibrations and not args.cells:
        raise UsageError("--weighting poststratify needs --cells FILE")
    if "rake" in calibrations and not args.margins:
        raise UsageError("--weighting rake needs --margins FILE")
    if calibrations == {"none"} and (args.cells or args.margins):
        raise UsageError("--cells/--margins given but --weighting is none")
    return plans


def _read_population(args, tables: dict) -> dict:
    """Population tables named by the options, validated; records the calibration table's file."""
    out: dict = {"cells": None, "margins": None, "hamlet_population": None, "hamlet_counts": None}
    if args.cells:
        cells = read_table(args.cells)
        tables["population"] = (args.cells, cells)
        out["cells"], _ = validate_cells(cells, source=args.cells)
    if args.margins:
        margins = read_table(args.margins)
        tables["population"] = (args.margins, margins)
        out["margins"], _ = validate_margins(margins, source=args.margins)
    if args.hamlet_population:
        out["hamlet_population"] = validate_hamlet_population(
            read_table(args.hamlet_population), source=args.hamlet_population
        )
    if args.hamlet_counts:
        out["hamlet_counts"] = validate_hamlet_counts(read_table(args.hamlet_counts), source=args.hamlet_counts)
    return out


def run(argv=None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    outputs = _outputs(args)
    plans = _configurations(args, _plan_from_args(args))
    responses = read_table(args.responses)  # read once, whatever the number of configurations
    tables = {"responses": (args.responses, responses)}
    population = _read_population(args, tables)
    items = [i.strip() for i in args.items.split(",")] if args.items else None
    item_weights = read_table(args.item_weights) if args.item_weights else None
    sources = {"responses": args.responses, "item_weights": args.item_weights or "<item weights>"}
    try:
        results = [run_plan(plan, responses, items, item_weights=item_weights, sources=sources, **population)
                   for plan in plans]
    except WeightingError as exc:
        raise UsageError(_locate(exc, tables)) from None
    _commit([(path, _payload(results, path, fmt, args)) for path, fmt in outputs])
    return 0


def _main_table(results) -> pd.DataFrame:
    """The long table; several configurations are stacked with their design and weighting."""
    if len(results) == 1:
        return results[0].to_frame()
    return pd.concat(
        [r.to_frame().assign(design=r.options.design, weighting=r.plan.calibration) for r in results],
        ignore_index=True,
    )


def _payload(results, path: str, fmt: str, args) -> bytes:
    """The bytes of one output file (side outputs exist only for a single configuration)."""
    result = results[0]
    if fmt == "json":
        return dump_plan(result.plan).encode("utf-8")
    if path == args.out:
        table = _main_table(results)
    elif path == args.weights_out:
        table = result.weights_frame()
    elif path == args.diagnostics_out:
        table = result.weights.diagnostics
    elif path == args.reliability_out:
        table = _reliability_table(result)
    else:
        table = _drivers_table(result, args.outcome, args.responses)
    return _serialise(table, fmt)


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
