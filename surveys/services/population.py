"""A survey's own population figures, where the areas' population and households do not serve.

Three kinds, each a CSV/XLSX file in the command line's columns, checked line by line, kept as versions:
``hamlets`` (adult population or households per hamlet: design weights = figure ÷ the hamlet's
respondents), ``margins`` (per-commune totals of each sex and each age group: raking) and ``cells``
(per-commune sex × age-group counts: post-stratification). The latest version of each kind is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import User, record_audit
from surveys.models import Survey, SurveyPopulation
from surveys.services.margins import parse_number, weighting_categories
from surveys.services.paper import ImportProblem, ImportRefused, read_table

# A row per hamlet, or per commune and category: a national survey's hamlets stay well below this.
MAX_ROWS = 100_000
# The columns of each kind: the area columns, the category columns, then the number.
KINDS = {
    "hamlets": ("commune", "hamlet", "population"),
    "margins": ("commune", "variable", "level", "count"),
    "cells": ("commune", "sex", "age_group", "count"),
}
KIND_LABELS = {
    "hamlets": _l("Dân số (hoặc số hộ) từng ấp: trọng số thiết kế"),
    "margins": _l("Tổng theo giới tính và theo nhóm tuổi của từng xã: gia quyền lặp"),
    "cells": _l("Số người theo giới tính × nhóm tuổi của từng xã: hậu phân tầng"),
}
LOAD_ACTION = "survey.load_population"


@dataclass(frozen=True)
class PopulationLoad:
    """A loaded version as the page lists it."""

    kind: str
    version: int
    filename: str
    rows: int
    loaded_at: datetime
    loaded_by: str


def template_rows(survey: Survey, kind: str) -> list[list[str]]:
    """Rows to fill in: one per hamlet, per commune and category, or per commune and cell; numbers blank."""
    categories = weighting_categories(survey)
    communes = [link.area for link in survey.areas]
    if kind == "hamlets":
        return [[c.code, h.code, ""] for c in communes for h in c.children]
    if kind == "margins":
        return [[c.code, v, level, ""] for c in communes for v, levels in categories.items() for level in levels]
    return [[c.code, sex, age, ""] for c in communes
            for sex in categories.get("sex", []) for age in categories.get("age_group", [])]


def parse_population(survey: Survey, kind: str, filename: str, data: bytes) -> list[dict]:
    """The file's rows as dicts of the kind's columns, or ImportRefused naming every bad cell (row 1 = header)."""
    columns = KINDS[kind]
    rows = read_table(filename, data, max_rows=MAX_ROWS + 1)  # the header and MAX_ROWS rows
    header = [h.strip().lower() for h in rows[0]] if rows else []
    missing = [c for c in columns if c not in header]
    if missing:
        message = _("Thiếu cột (cần %(columns)s).", columns=", ".join(columns))
        raise ImportRefused([ImportProblem(1, c, message) for c in missing])
    allowed = _allowed(survey, kind)
    problems: list[ImportProblem] = []
    parsed, seen = [], set()
    for number, row in enumerate(rows[1:], start=2):
        cells = dict(zip(header, (c.strip() for c in row), strict=False))
        key = tuple(cells.get(c, "") for c in columns[:-1])
        problems.extend(ImportProblem(number, column, message)
                        for column, message in _key_problems(key, columns, allowed))
        if key in seen:
            problems.append(ImportProblem(number, columns[0], _("Dòng lặp lại một dòng trước.")))
        seen.add(key)
        value = parse_number(cells.get(columns[-1], ""), "count")
        if value is None:
            problems.append(ImportProblem(number, columns[-1], _(
                "Số người phải là số nguyên không âm, viết liền, không có dấu phân cách hàng nghìn.")))
        parsed.append({**dict(zip(columns[:-1], key, strict=True)), columns[-1]: value})
    if not rows[1:]:
        problems.append(ImportProblem(2, "", _("Tệp không có dòng dữ liệu nào.")))
    if kind == "margins" and not problems:
        problems = _disagreeing_totals(parsed)
    if problems:
        raise ImportRefused(problems)
    return parsed


def _disagreeing_totals(rows: list[dict]) -> list[ImportProblem]:
    """Raking needs each commune's totals by sex and by age group to be the same number of people."""
    frame = pd.DataFrame(rows).assign(row=range(2, len(rows) + 2))
    problems = []
    for commune, group in frame.groupby("commune", sort=False):
        totals = group.groupby("variable")["count"].sum()
        if totals.nunique() > 1:
            problems.append(ImportProblem(int(group["row"].max()), "count", _(
                "Các tổng của xã %(commune)s không bằng nhau: %(totals)s.", commune=commune,
                totals=", ".join(f"{v} = {t:g}" for v, t in totals.items()))))
    return problems


def _allowed(survey: Survey, kind: str) -> dict[str, object]:
    """What each key column accepts: the survey's communes, their hamlets, the weighting questions' choices."""
    communes = {link.area.code: {h.code for h in link.area.children} for link in survey.areas}
    return {"communes": communes, "categories": weighting_categories(survey)}


def _key_problems(key: tuple[str, ...], columns: tuple[str, ...], allowed: dict) -> list[tuple[str, str]]:
    communes, categories = allowed["communes"], allowed["categories"]
    commune = key[0]
    if commune not in communes:
        return [("commune", _("Xã “%(code)s” không thuộc phiếu khảo sát này.", code=commune))]
    if columns[1] == "hamlet":
        ok = key[1] in communes[commune]
        return [] if ok else [("hamlet", _("Ấp “%(code)s” không thuộc xã %(commune)s.", code=key[1], commune=commune))]
    if columns[1] == "variable":
        variable, level = key[1], key[2]
        if variable not in categories:
            return [("variable", _("Biến “%(v)s” không có; dùng: %(allowed)s.", v=variable,
                                   allowed=", ".join(categories) or "—"))]
        pairs = [(variable, level)]
    else:
        pairs = [("sex", key[1]), ("age_group", key[2])]
    return [(column, _("Nhóm “%(c)s” không có trong câu hỏi %(v)s; dùng: %(allowed)s.", c=value, v=column,
                       allowed=", ".join(categories.get(column, [])) or "—"))
            for column, value in pairs if value not in categories.get(column, [])]


def load_population(session: Session, survey: Survey, actor: User, kind: str, filename: str, data: bytes) -> int:
    """Check the file and keep it as the kind's next version; returns that version."""
    rows = parse_population(survey, kind, filename, data)
    last = session.scalar(select(func.max(SurveyPopulation.version))
                          .where(SurveyPopulation.survey_id == survey.id, SurveyPopulation.kind == kind)) or 0
    session.add(SurveyPopulation(survey_id=survey.id, kind=kind, version=last + 1, rows=rows, filename=filename,
                                 loaded_by_id=actor.id))
    record_audit(session, actor, LOAD_ACTION, survey, kind=kind, version=last + 1, filename=filename)
    return last + 1


def current_population(session: Session, survey: Survey) -> dict[str, tuple[int, pd.DataFrame]]:
    """The latest version of each kind loaded: kind -> (version, table in the CLI's columns)."""
    latest = {}
    for load in session.scalars(select(SurveyPopulation).where(SurveyPopulation.survey_id == survey.id)
                                .order_by(SurveyPopulation.version)):
        latest[load.kind] = (load.version, pd.DataFrame(load.rows, columns=list(KINDS[load.kind])))
    return latest


def population_loads(session: Session, survey: Survey) -> list[PopulationLoad]:
    """Every version of every kind, newest first."""
    loads = session.scalars(select(SurveyPopulation).where(SurveyPopulation.survey_id == survey.id)
                            .order_by(SurveyPopulation.loaded_at.desc(), SurveyPopulation.id.desc()))
    return [PopulationLoad(p.kind, p.version, p.filename, len(p.rows), p.loaded_at,
                           p.loaded_by.email if p.loaded_by else "") for p in loads]
