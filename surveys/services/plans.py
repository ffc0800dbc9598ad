"""A survey's analysis plan: saved as versions, never changed, read by the indices page and the CLI alike.

The body of each version is ``analysis.dump_plan``'s JSON, the very file ``python -m analysis --plan``
reads. A survey with no saved plan uses ``AnalysisPlan``'s defaults, the statistically right ones.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import analysis
from analysis.plan import LevelTarget
from core.models import User, record_audit
from surveys.models import Survey, SurveyPlan

SAVE_ACTION = "survey.save_plan"
# The options of each choice, as the plan page offers them (first = AnalysisPlan's default).
PLAN_LABELS = {
    "design": {
        "auto": _l("Tự động: chùm theo ấp khi phiếu ghi ấp, nếu không thì phân tầng theo xã"),
        "clustered": _l("Phân tầng theo xã, chùm theo ấp"),
        "stratified": _l("Phân tầng theo xã, người trả lời là đơn vị"),
    },
    "design_weights": {
        "auto": _l("Tự động: theo dân số hoặc số hộ đã có"),
        "one": _l("Bằng nhau"),
        "given": _l("Cột trọng số của dữ liệu"),
        "hamlet": _l("Dân số của ấp ÷ số người trả lời của ấp"),
    },
    "calibration": {
        "rake": _l("Gia quyền lặp (raking) theo giới tính và nhóm tuổi của từng xã"),
        "poststratify": _l("Hậu phân tầng theo ô giới tính × nhóm tuổi của từng xã"),
        "none": _l("Không hiệu chỉnh"),
    },
    "ci": {
        "beta": _l("Korn–Graubard (beta) cho tỷ lệ, logit cho điểm"),
        "logit": _l("Logit"),
        "t": _l("Phân phối t"),
        "normal": _l("Phân phối chuẩn"),
    },
    "lonely_psu": {
        "adjust": _l("adjust: tính độ lệch so với trung bình chung (thận trọng)"),
        "certainty": _l("certainty: coi là chắc chắn"),
        "remove": _l("remove: bỏ khỏi phương sai"),
        "average": _l("average: lấy trung bình các xã khác"),
        "fail": _l("fail: dừng tính"),
    },
    "variance": {
        "linearization": _l("Tuyến tính hóa Taylor"),
        "jkn": _l("Jackknife bỏ từng ấp"),
        "bootstrap": _l("Bootstrap Rao–Wu"),
    },
}


class PlanRefused(ValueError):
    """Choices that do not make a plan; the message says why, in the officer's language."""


@dataclass(frozen=True)
class PlanVersion:
    """A saved version as the plan page lists it."""

    version: int
    saved_at: datetime
    saved_by: str


def plan_name(survey: Survey) -> str:
    """Saved versions are ``survey<id> v<n>``; the unsaved defaults are named apart, so labels never clash."""
    return f"survey{survey.id}"


def default_plan(survey: Survey) -> analysis.AnalysisPlan:
    """The plan of a survey nobody has planned yet: the defaults, dated by the survey's opening."""
    day = survey.opens_at.date().isoformat() if survey.opens_at else None
    return analysis.AnalysisPlan(name=f"{plan_name(survey)}-default", survey_date=day)


def current_plan(session: Session, survey: Survey) -> analysis.AnalysisPlan:
    """The latest saved version, else the defaults."""
    body = session.scalar(select(SurveyPlan.body).where(SurveyPlan.survey_id == survey.id)
                          .order_by(SurveyPlan.version.desc()).limit(1))
    return default_plan(survey) if body is None else analysis.load_plan(body)


def plan_versions(session: Session, survey: Survey) -> list[PlanVersion]:
    """Every saved version, newest first."""
    rows = session.scalars(select(SurveyPlan).where(SurveyPlan.survey_id == survey.id)
                           .order_by(SurveyPlan.version.desc()))
    return [PlanVersion(row.version, row.saved_at, row.saved_by.email if row.saved_by else "") for row in rows]


def saved_plan(session: Session, survey: Survey, version: int) -> analysis.AnalysisPlan | None:
    """One saved version, or None."""
    body = session.scalar(select(SurveyPlan.body).where(SurveyPlan.survey_id == survey.id,
                                                        SurveyPlan.version == version))
    return None if body is None else analysis.load_plan(body)


def targets_of(commune: float | None, district: float | None, district_until: str | None,
               overall: float | None) -> tuple[LevelTarget, ...]:
    """Share-satisfied targets per level (fractions); a district target may end with the 2025 reform."""
    targets = []
    if commune is not None:
        targets.append(LevelTarget("commune", commune))
    if district is not None:
        targets.append(LevelTarget("district", district, valid_until=district_until or None))
    if overall is not None:
        targets.append(LevelTarget("overall", overall))
    return tuple(targets)


def form_data(plan: analysis.AnalysisPlan) -> dict:
    """The plan's choices as the plan page's fields (targets in percent)."""
    targets = {t.level: t for t in plan.targets if t.measure == "prop_sat" and t.item == "*"}
    district = targets.get("district")
    return {
        **{name: getattr(plan, name) for name in (*PLAN_LABELS, "collapse", "satisfied_min", "dissatisfied_max",
                                                  "min_n_eff")},
        "trim_low": plan.trim[0] if plan.trim else None,
        "trim_high": plan.trim[1] if plan.trim else None,
        **{f"{level}_target": round(targets[level].value * 100, 6) if level in targets else None
           for level in ("commune", "district", "overall")},
        "district_until": date.fromisoformat(district.valid_until) if district and district.valid_until else None,
    }


def plan_choices(data: dict) -> dict:
    """The plan page's fields as ``AnalysisPlan`` fields (the inverse of :func:`form_data`)."""
    def share(name: str) -> float | None:
        return None if data.get(name) is None else data[name] / 100

    until = data.get("district_until")
    return {
        **{name: data[name] for name in (*PLAN_LABELS, "collapse", "satisfied_min", "dissatisfied_max")},
        "min_n_eff": float(data["min_n_eff"]),
        "trim": None if data.get("trim_low") is None else (float(data["trim_low"]), float(data["trim_high"])),
        "targets": targets_of(share("commune_target"), share("district_target"),
                              until.isoformat() if until else None, share("overall_target")),
    }


def save_plan(session: Session, survey: Survey, actor: User, choices: dict) -> analysis.AnalysisPlan:
    """A new version with ``choices`` (``AnalysisPlan`` fields) over the defaults; earlier versions stay."""
    last = session.scalar(select(func.max(SurveyPlan.version)).where(SurveyPlan.survey_id == survey.id)) or 0
    try:
        plan = replace(default_plan(survey), name=plan_name(survey), version=last + 1, **choices)
    except analysis.PlanError as exc:
        raise PlanRefused(_("Kế hoạch phân tích chưa hợp lệ: %(reason)s", reason=str(exc))) from exc
    session.add(SurveyPlan(survey_id=survey.id, version=plan.version, body=analysis.dump_plan(plan),
                           saved_by_id=actor.id))
    record_audit(session, actor, SAVE_ACTION, survey, version=plan.version)
    return plan
