"""Demo surveys: one open today on three xã of Vĩnh Long since the 2025 reform, one held on Long Hồ in 2024.

Both use the NTM template and have plausible responses in the demo hamlets. The earlier one is
closed: it gives the analysis pages data on the 2019 units and a wave to compare across the reform.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.areas import find_unit
from core.db import utc_now
from core.demo import DEMO_COMMUNES_2025
from core.models import Area, AreaLevel, User
from surveys.models import Channel, CriteriaSet, Survey, SurveyArea, SurveyStatus
from surveys.respond.store import record_response
from surveys.services.surveys import create_survey_from_template

SURVEY_TITLE = "Phiếu lấy ý kiến sự hài lòng của người dân về kết quả xây dựng nông thôn mới"
DEMO_TITLE = f"{SURVEY_TITLE} tỉnh Vĩnh Long năm 2026 (demo)"
# The title the open demo survey had before it moved to today's communes: a database seeded then keeps
# that survey as it was (found by this title), seeding adds only what is missing.
EARLIER_TITLE = f"{SURVEY_TITLE} huyện Long Hồ (demo)"
DEMO_RESPONSES = 40  # in each survey
DEMO_CLIENT_HASH = "demo-one-phone"  # stands for the keyed hash of one resident's address
# October 2024, before the units of March and July 2025: the earlier survey's window and answers.
EARLIER_OPENS, EARLIER_CLOSES = datetime(2024, 10, 1, 1, tzinfo=UTC), datetime(2024, 11, 1, 1, tzinfo=UTC)


def seed_demo_survey(session: Session) -> list[str]:
    """Idempotently create the open demo survey on today's communes with hamlets, and its responses."""
    if (existing := session.scalar(select(Survey).where(Survey.title == DEMO_TITLE))) is not None:
        return ["Demo survey already present; short links:", *_short_links(existing)]
    officer = session.scalar(select(User).where(User.email == "bcd.vinhlong@demo.ntm.vn"))
    communes = [unit for code in DEMO_COMMUNES_2025 if (unit := find_unit(session, code))]
    criteria_set = _criteria_set(session)
    if officer is None or len(communes) < len(DEMO_COMMUNES_2025) or criteria_set is None:
        return ["Demo survey skipped: core demo data or criteria sets missing."]
    survey = create_survey_from_template(
        session, officer, criteria_set=criteria_set, communes=communes, title=DEMO_TITLE
    )
    survey.status = SurveyStatus.OPEN
    session.flush()
    link, answers = _add_responses(session, survey, now=utc_now(), seed=86)
    # The last answers twice more from one phone: the second is flagged, so the review page shows
    # it beside the first (same phone, same answers) and the paper or QR one above (same answers).
    for minutes in (30, 29):
        record_response(session, link, answers, channel=Channel.QR, client_hash=DEMO_CLIENT_HASH,
                        now=utc_now() - timedelta(minutes=minutes))
    lines = [f"Demo survey open with {DEMO_RESPONSES} responses (the last one flagged as a possible duplicate); "
             "short links:"]
    return lines + _short_links(survey)


def _short_links(survey: Survey) -> list[str]:
    return [f"  /s/{link.code}  {link.area.name}" for link in survey.areas]


def seed_earlier_survey(session: Session) -> list[str]:
    """Idempotently create the survey held on Long Hồ's xã in October 2024, with its responses, closed.

    Runs before the 2025 units are imported: a response names a hamlet current when it is recorded.
    """
    if session.scalar(select(Survey).where(Survey.title == EARLIER_TITLE)) is not None:
        return ["Earlier demo survey already present."]
    officer = session.scalar(select(User).where(User.email == "bcd.longho@demo.ntm.vn"))
    district = session.scalar(select(Area).where(Area.code == "857", Area.valid_to.is_(None)))
    criteria_set = _criteria_set(session)
    if officer is None or district is None or criteria_set is None:
        return ["Earlier demo survey skipped: the 2019 units are no longer current or criteria sets are missing."]
    # NTM is assessed for rural communes (xã), not for the district town (thị trấn).
    communes = [a for a in district.children
                if a.level == AreaLevel.COMMUNE and a.unit_type == "xa" and a.valid_to is None]
    survey = create_survey_from_template(session, officer, criteria_set=criteria_set, communes=communes,
                                         title=EARLIER_TITLE, opens_at=EARLIER_OPENS, closes_at=EARLIER_CLOSES)
    survey.status = SurveyStatus.OPEN
    session.flush()
    _add_responses(session, survey, now=EARLIER_CLOSES - timedelta(days=1), seed=857, count=DEMO_RESPONSES)
    survey.status = SurveyStatus.CLOSED
    session.flush()
    return [f"Earlier demo survey (Long Hồ, October 2024, closed) with {DEMO_RESPONSES} responses."]


def _criteria_set(session: Session) -> CriteriaSet | None:
    return session.scalar(select(CriteriaSet).where(CriteriaSet.code == "qd318-2022"))


def _add_responses(session: Session, survey: Survey, *, now: datetime, seed: int,
                   count: int = DEMO_RESPONSES - 2) -> tuple[SurveyArea, dict[str, list[str]]]:
    """``count`` responses spread over the communes with hamlets, in the week before ``now``.

    Returns the last one's link and answers.
    """
    rng = random.Random(seed)
    links = [link for link in survey.areas if link.area.children]
    version = survey.current_version
    for number in range(count):
        link = links[number % len(links)]
        answers: dict[str, list[str]] = {}
        mood = rng.choice((3, 4, 4, 5))  # most households are satisfied, a few not
        for q in version.questions:
            if q.weighting_role is not None:
                if q.weighting_role.value == "hamlet":
                    choices = [h.code for h in link.area.children]
                else:
                    choices = [o["value"] for o in q.options]
                answers[q.code] = [rng.choice(choices)]
            elif q.type.value == "satisfaction5":
                answers[q.code] = [str(min(5, max(1, mood + rng.choice((-1, 0, 0, 1)))))]
            elif q.type.value == "satisfied":
                answers[q.code] = ["1" if mood >= 4 or rng.random() < 0.5 else "0"]
        channel = rng.choice((Channel.QR, Channel.QR, Channel.LINK, Channel.PAPER))
        record_response(
            session, link, answers, channel=channel,
            serial=f"D{number + 1:04d}" if channel == Channel.PAPER else None,
            now=now - timedelta(days=rng.randint(0, 6), minutes=rng.randint(0, 600)),
        )
    return link, answers
